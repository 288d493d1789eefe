import { useEffect, useState } from 'react';
import type { PackInfo } from '../../../preload/contract/channels';
import { COLOR_FIX_NAMES, RESTORER_VIEWS, SCHEDULER_NAMES, type ColorFixName, type RestorerViews, type SchedulerName } from '../../../common/runSettings';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { isImporting } from '../state/packImport';
import { isBusy, isRestorerOnly, restorerViewsCost, restorerViewsCostText, restorerViewsHint, stepsToRun } from '../state/run';
import { PROVIDERS, RANGES, randomSeed } from '../state/settings';
import { PackImportStatus } from './ImportDialog';
import { NumberField } from './NumberField';
import { SliderField } from './SliderField';
import './Panels.css';

const COLOR_FIX_LABELS: Record<string, string> = { wavelet: 'Wavelet', adain: 'AdaIN', none: 'None' };
const SCHEDULER_LABELS: Record<string, string> = { ddim: 'DDIM', 'dpmpp-2m': 'DPM++ 2M' };
const PROVIDER_LABELS: Record<string, string> = { auto: 'Automatic', cpu: 'CPU', cuda: 'CUDA (NVIDIA)', webgpu: 'WebGPU', dml: 'DirectML', coreml: 'Core ML' };

/** Run settings: steps, guidance, seed (lock, randomise), strength, colour fix, scheduler, restorer, model pack, provider. */
export function RunPanel() {
  const run = useRunController();
  const { store } = useServices();
  const s = useStudio((st) => st.settings);
  const importing = useStudio((st) => isImporting(st.packImport));
  const packsVersion = useStudio((st) => st.packImport.packsVersion);
  const busy = useStudio((st) => isBusy(st.job));
  const loadedPack = useAppState((st) => st.engine?.pack ?? null);
  const noRestorer = loadedPack?.hasRestorer === false;
  const restorerOnly = isRestorerOnly(s, loadedPack?.hasRestorer);
  const image = useAppState((st) => st.image);
  const restorationText = useStudio((st) => st.prompt.restorationText);
  const viewsHint = restorerViewsHint(s, loadedPack?.hasRestorer, image, restorationText, loadedPack?.largePhotos);
  const lastCost = useStudio((st) => st.job.lastCost);
  const viewsOn = s.useRestorer && !noRestorer;
  const viewsCost = viewsOn ? restorerViewsCost(s.restorerViews, stepsToRun(s), lastCost) : null;
  const [packs, setPacks] = useState<PackInfo[]>([]);

  // The pack list follows the loaded pack (a chosen folder shows up once it has loaded) and each imported pack.
  useEffect(() => {
    let live = true;
    void run.listPacks().then((list) => {
      if (live) setPacks(list);
    });
    return () => {
      live = false;
    };
  }, [run, loadedPack?.dir, packsVersion]);

  const packDir = s.packDir ?? loadedPack?.dir ?? '';
  const packOptions = packs.some((p) => p.dir === packDir) || packDir === '' ? packs : [...packs, { name: loadedPack?.name ?? packDir, dir: packDir, loaded: true }];

  return (
    // Pinned to the sidebar's bottom (Panels.css): every control stays in the window while the prompts above scroll.
    <section className="panel run-panel" aria-labelledby="run-panel-title">
      <h2 className="panel-title" id="run-panel-title">
        Run settings
      </h2>
      <div className="grid-form">
        <label htmlFor="run-steps">Steps</label>
        <div className="row">
          <NumberField testId="run-steps" label="Steps" {...RANGES.steps} value={s.steps} onCommit={(steps) => run.setSettings({ steps })} />
          {s.strength < 1 ? (
            <span className="hint" data-testid="run-steps-hint">
              {restorerOnly ? '0 run (restorer only)' : `${stepsToRun(s)} run`}
            </span>
          ) : null}
        </div>

        <label htmlFor="run-guidance">Guidance</label>
        <SliderField
          testId="run-guidance"
          {...RANGES.guidanceScale}
          value={s.guidanceScale}
          onChange={(guidanceScale) => run.setSettings({ guidanceScale })}
          readout={s.guidanceScale.toFixed(1)}
        />

        <label htmlFor="run-strength">Strength</label>
        <SliderField
          testId="run-strength"
          {...RANGES.strength}
          value={s.strength}
          onChange={(strength) => run.setSettings({ strength })}
          readout={s.strength.toFixed(2)}
        />
        {s.strength === 0 ? (
          <>
            <span />
            <span className="hint" data-testid="run-strength-hint">
              {restorerOnly ? 'Restorer only: no diffusion steps' : noRestorer ? 'Strength 0 needs a restorer; this pack has none' : 'Strength 0 runs the restorer only: turn Faithful on'}
            </span>
          </>
        ) : null}

        <label htmlFor="run-seed">Seed</label>
        <div className="row">
          <NumberField testId="run-seed" label="Seed" className="wide" {...RANGES.seed} value={s.seed} onCommit={(seed) => run.setSettings({ seed: Math.round(seed) })} />
          <label className="check-row small" title="Locked: every run uses this seed. Unlocked: each run picks a new one.">
            <input type="checkbox" data-testid="run-seed-lock" checked={s.seedLocked} onChange={(e) => run.setSettings({ seedLocked: e.target.checked })} />
            <span>Lock</span>
          </label>
          <button type="button" className="small-button" data-testid="run-seed-random" title="Pick a new random seed and lock it" onClick={() => run.setSettings({ seed: randomSeed(Math.random), seedLocked: true })}>
            New
          </button>
        </div>

        <label htmlFor="run-color-fix">Colour fix</label>
        <div className="row">
          <select id="run-color-fix" data-testid="run-color-fix" value={s.colorFix} onChange={(e) => run.setSettings({ colorFix: e.target.value as ColorFixName })}>
            {COLOR_FIX_NAMES.map((c) => (
              <option key={c} value={c}>
                {COLOR_FIX_LABELS[c]}
              </option>
            ))}
          </select>
          <select
            id="run-color-fix-levels"
            data-testid="run-color-fix-levels"
            aria-label="Fix scale"
            value={s.colorFixLevels}
            disabled={s.colorFix !== 'wavelet'}
            title="Fix scale. Wavelet colour fix: shading and colour coarser than this come from the restorer's output (or the input); the model only adds finer detail"
            onChange={(e) => run.setSettings({ colorFixLevels: Number(e.target.value) })}
          >
            {Array.from({ length: RANGES.colorFixLevels.max - RANGES.colorFixLevels.min + 1 }, (_, i) => RANGES.colorFixLevels.min + i).map((n) => (
              <option key={n} value={n}>
                {`~${2 ** (n + 1)} px`}
              </option>
            ))}
          </select>
        </div>

        <label htmlFor="run-scheduler">Scheduler</label>
        <select id="run-scheduler" data-testid="run-scheduler" value={s.scheduler} onChange={(e) => run.setSettings({ scheduler: e.target.value as SchedulerName })}>
          {SCHEDULER_NAMES.map((c) => (
            <option key={c} value={c}>
              {SCHEDULER_LABELS[c]}
            </option>
          ))}
        </select>

        <label
          className="check-row grid-check"
          title={noRestorer ? 'This model pack has no restorer, so faithful mode is off' : "Faithful: run the pack's restorer first: more faithful to the photo, less invented detail"}
        >
          <input
            type="checkbox"
            data-testid="run-faithful"
            checked={s.useRestorer && !noRestorer}
            disabled={noRestorer}
            onChange={(e) => run.setSettings({ useRestorer: e.target.checked })}
          />
          <span>Faithful</span>
        </label>
        <div className="row">
          <select
            id="run-views"
            data-testid="run-views"
            aria-label="Restorer views"
            className="narrow"
            value={s.restorerViews}
            disabled={noRestorer || !s.useRestorer}
            title="Restorer views: the restorer also looks at the mirrored and turned photo and averages: cleaner, slower"
            onChange={(e) => run.setSettings({ restorerViews: Number(e.target.value) as RestorerViews })}
          >
            {RESTORER_VIEWS.map((n) => (
              <option key={n} value={n}>
                {n === 1 ? '1 view' : `${n} views`}
              </option>
            ))}
          </select>
          {viewsOn ? (
            <span
              className="hint views-cost"
              data-testid="run-views-cost"
              data-measured={viewsCost?.measured ? 'true' : 'false'}
              title={
                viewsCost
                  ? `${s.restorerViews} views ${restorerViewsCostText(s.restorerViews, viewsCost)}: ${viewsCost.measured ? 'measured on your last run with these steps' : 'estimated for the embedded pack on a CPU; measured after a run with these steps'}`
                  : 'One view: the fastest'
              }
            >
              {viewsCost ? restorerViewsCostText(s.restorerViews, viewsCost) : 'the fastest'}
            </span>
          ) : null}
        </div>
        {viewsHint ? (
          <>
            <span />
            <span className="hint" data-testid="run-views-hint">
              {viewsHint}
            </span>
          </>
        ) : null}

        <label htmlFor="run-pack">Model pack</label>
        <div className="row">
          <select
            id="run-pack"
            data-testid="run-pack"
            value={packDir}
            disabled={busy}
            onChange={(e) => {
              if (e.target.value === '__choose__') void run.choosePack();
              else if (e.target.value === '__import__') store.dispatch({ type: 'dialog/open', dialog: 'import' });
              else run.setSettings({ packDir: e.target.value || null });
            }}
          >
            {packDir === '' ? <option value="">No model pack</option> : null}
            {packOptions.map((p) => (
              <option key={p.dir} value={p.dir} title={p.dir}>
                {p.name}
              </option>
            ))}
            <option value="__choose__">Choose a folder…</option>
            <option value="__import__" disabled={importing}>
              Import Stable Diffusion model…
            </option>
          </select>
          <button
            type="button"
            className="small-button"
            data-testid="run-pack-defaults"
            disabled={loadedPack === null}
            title={
              loadedPack
                ? `Set steps, strength, guidance, scheduler, colour fix and faithful mode to what “${loadedPack.name}” recommends`
                : 'No model pack is loaded'
            }
            onClick={() => run.resetToPackDefaults()}
          >
            Pack defaults
          </button>
        </div>
        <PackImportStatus />

        <label htmlFor="run-provider">Provider</label>
        <select id="run-provider" data-testid="run-provider" value={s.provider} disabled={busy} onChange={(e) => run.setSettings({ provider: e.target.value })}>
          {PROVIDERS.map((p) => (
            <option key={p} value={p}>
              {PROVIDER_LABELS[p]}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

/** The toolbar's Run button (Cancel is in the progress cluster, ProgressOverlay.tsx, so no button moves when a run starts). */
export function RunButtons() {
  const run = useRunController();
  const job = useStudio((st) => st.job);
  const promptError = useStudio((st) => st.prompt.error);
  const hasImage = useAppState((st) => st.image !== null);
  // Ready without a pack: nothing could run (the status bar says why and what to do).
  const noPack = useAppState((st) => st.engine?.state === 'ready' && st.engine.pack === null);
  const busy = isBusy(job);
  const why = !hasImage
    ? 'Open a photo first'
    : noPack
      ? 'No model pack is loaded: choose one under Run settings > Model pack'
      : promptError
        ? 'Fix the restoration prompt first'
        : null;
  return (
    <button
      type="button"
      className="tb-button tb-run"
      data-testid="run-button"
      disabled={busy || why !== null}
      title={why ?? 'Restore the photo with these prompts (Ctrl+Enter)'}
      onClick={() => void run.run()}
    >
      ▶ <span>Run</span>
    </button>
  );
}

/** Stops the run; shown in the toolbar's progress cluster while a run goes. */
export function CancelButton() {
  const run = useRunController();
  const status = useStudio((st) => st.job.status);
  return (
    <button type="button" className="tb-button tb-cancel" data-testid="cancel-button" disabled={status === 'cancelling'} title="Stop the run (Esc)" onClick={() => void run.cancel()}>
      {status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
    </button>
  );
}
