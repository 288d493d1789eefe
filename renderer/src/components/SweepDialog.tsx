import { useCallback, useState } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import type { AppState } from '../state/appState';
import { isBusy } from '../state/run';
import { usedPromptLabel } from '../state/historyResults';
import type { SweepAxis, SweepParam, SweepTarget } from '../state/sweep';
import {
  MAX_SWEEP_CELLS,
  PHOTO_TARGET,
  SWEEP_PARAMS,
  cellLabel,
  defaultSweepAxes,
  formatSweepValue,
  gridShape,
  parseSweepValues,
  sweepBaseLabel,
  sweepControls,
  sweepParam,
  sweepProblem,
  sweepStartValues,
  sweepTargets,
} from '../state/sweep';
import { Dialog } from './Dialog';
import './SweepDialog.css';

/** The axes the dialog opens with for `target`: the prompt's operations, else a run setting (defaultSweepAxes). */
function startAxes(state: AppState, target: SweepTarget): { key1: string; values1: string; key2: string; values2: string } {
  const [a, b] = defaultSweepAxes(sweepControls(state, target), state.studio.settings, state.engine?.pack?.hasRestorer);
  return { key1: a!.key, values1: a!.values, key2: b?.key ?? '', values2: b?.values ?? '' };
}

/** `Deblur sigma (0.2–3)`, `Restorer views (1, 2, 4, 8)`. */
function optionText(p: SweepParam): string {
  return `${p.title} (${p.allowed ? p.allowed.join(', ') : `${formatSweepValue(p, p.min)}–${formatSweepValue(p, p.max)}`})`;
}

/** The parameters, grouped: the restoration prompt's numbers, then the run settings. */
function ParamOptions({ without }: { without?: string }) {
  const group = (kind: SweepParam['kind']) =>
    SWEEP_PARAMS.filter((p) => p.kind === kind && p.key !== without).map((p) => (
      <option key={p.key} value={p.key}>
        {optionText(p)}
      </option>
    ));
  return (
    <>
      <optgroup label="Restoration prompt">{group('prompt')}</optgroup>
      <optgroup label="Run settings">{group('setting')}</optgroup>
    </>
  );
}

/**
 * The sweep: pick whose restoration prompt to walk (the photo's, or one region's) and one
 * parameter (a second one makes a grid), each a number of that prompt or a run setting
 * (strength, guidance, steps, colour fix levels, restorer views), and its values; one run per
 * cell, queued; the grid fills in as results come, each cell labelled with its values. The
 * parameters start on the prompt's own operations (the photo's estimate for `auto`), around their
 * values. Clicking a cell shows its result side by side with the original.
 */
export function SweepDialog() {
  const { store } = useServices();
  const run = useRunController();
  const sweep = useStudio((s) => s.sweep.run);
  const history = useStudio((s) => s.history);
  const settings = useStudio((s) => s.settings);
  const busy = useStudio((s) => isBusy(s.job));
  const hasImage = useAppState((s) => s.image !== null);
  const hasRestorer = useAppState((s) => s.engine?.pack?.hasRestorer);
  const regions = useAppState((s) => s.regions);
  const targets = sweepTargets(regions);
  const [target, setTarget] = useState<SweepTarget>(PHOTO_TARGET);
  const [form, setForm] = useState(() => startAxes(store.getState(), PHOTO_TARGET));
  const { key1, values1, key2, values2 } = form;
  const baseLabel = useAppState((s) => sweepBaseLabel(s, target));
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);
  const startValues = (key: string) => sweepStartValues(key, sweepControls(store.getState(), target), store.getState().studio.settings);

  const parsed1 = parseSweepValues(key1, values1);
  const parsed2 = key2 ? parseSweepValues(key2, values2) : null;
  const count = (parsed1.ok ? parsed1.values.length : 0) * (parsed2 ? (parsed2.ok ? parsed2.values.length : 0) : 1);
  const axes: SweepAxis[] = [];
  if (parsed1.ok) axes.push({ key: key1, values: parsed1.values });
  if (parsed2?.ok) axes.push({ key: key2, values: parsed2.values });
  const problem = !hasImage
    ? 'Open a photo first.'
    : !parsed1.ok
      ? parsed1.error
      : parsed2 && !parsed2.ok
        ? parsed2.error
        : key2 === key1
          ? 'Pick two different parameters.'
          : count > MAX_SWEEP_CELLS
            ? `${count} runs is too many: at most ${MAX_SWEEP_CELLS}.`
            : sweepProblem(axes, settings, hasRestorer);

  const start = () => {
    if (problem) return;
    void run.sweep(axes, target);
  };

  /** Another prompt to walk: the parameters start again from its own operations. */
  const chooseTarget = (id: string) => {
    const next = targets.find((t) => t.kind === 'region' && t.regionId === id) ?? PHOTO_TARGET;
    setTarget(next);
    setForm(startAxes(store.getState(), next));
  };

  /** The first parameter; the grid's drops out when it becomes the same. */
  const chooseKey1 = (key: string) =>
    setForm((f) => ({ key1: key, values1: startValues(key), ...(f.key2 === key ? { key2: '', values2: '' } : { key2: f.key2, values2: f.values2 }) }));

  const shape = sweep ? gridShape(sweep) : { cols: 0, rows: 0 };
  const entryOf = (id: string | null) => (id ? history.entries.find((e) => e.id === id) : undefined);
  /** Shows a cell's result side by side with the original. */
  const openCell = (entryId: string) => {
    store.dispatch({ type: 'history/select', id: entryId });
    // Against the original, even when another entry was the compare's A side.
    store.dispatch({ type: 'compare/base', id: null });
    store.dispatch({ type: 'compare/mode', mode: 'side' });
    close();
  };

  return (
    <Dialog title="Sweep" testId="sweep-dialog" onClose={close} wide>
      <p className="dialog-hint">
        Each value (or pair of values) is one run with the current prompts and settings, changed only in the swept values, all with one seed. Sweep the
        restoration prompt’s numbers or a run setting; a second parameter makes a grid.
      </p>
      <div className="sweep-form">
        <label htmlFor="sweep-target">Prompt</label>
        <select id="sweep-target" data-testid="sweep-target" value={target.kind === 'region' ? target.regionId : 'photo'} onChange={(e) => chooseTarget(e.target.value)}>
          <option value="photo">The photo’s restoration prompt</option>
          {targets.map((t) =>
            t.kind === 'region' ? (
              <option key={t.regionId} value={t.regionId}>
                {t.name}’s own prompt
              </option>
            ) : null,
          )}
        </select>
        <span className="hint">
          Starts from <span data-testid="sweep-base">{baseLabel}</span>
          {target.kind === 'region' ? ' (the photo’s prompt stays; each run gives this region the cell’s prompt)' : ''}
        </span>

        <label htmlFor="sweep-param">Parameter</label>
        <select id="sweep-param" data-testid="sweep-param" value={key1} onChange={(e) => chooseKey1(e.target.value)}>
          <ParamOptions />
        </select>
        <input
          className="text-field mono"
          data-testid="sweep-values"
          aria-label={`${sweepParam(key1).title} values`}
          value={values1}
          placeholder="0.5, 1, 2  or  0.5:3:6"
          onChange={(e) => setForm({ ...form, values1: e.target.value })}
        />

        <label htmlFor="sweep-param-2">Grid with</label>
        <select
          id="sweep-param-2"
          data-testid="sweep-param-2"
          value={key2}
          onChange={(e) => setForm({ ...form, key2: e.target.value, values2: e.target.value ? startValues(e.target.value) : '' })}
        >
          <option value="">(nothing: one row)</option>
          <ParamOptions without={key1} />
        </select>
        <input
          className="text-field mono"
          data-testid="sweep-values-2"
          aria-label={key2 ? `${sweepParam(key2).title} values` : 'Values of the second parameter'}
          value={values2}
          disabled={!key2}
          onChange={(e) => setForm({ ...form, values2: e.target.value })}
        />
      </div>
      <div className="dialog-actions sweep-actions">
        <span className={problem ? 'field-error' : 'hint'} data-testid="sweep-problem">
          {problem ?? `${count} run${count === 1 ? '' : 's'}`}
        </span>
        {busy && sweep?.status === 'running' ? (
          <button type="button" className="button" data-testid="sweep-stop" onClick={() => void run.cancel()}>
            Stop sweep
          </button>
        ) : null}
        <button type="button" className="button primary" data-testid="sweep-run" disabled={problem !== null || busy} onClick={start}>
          Run sweep
        </button>
      </div>

      {sweep ? (
        <>
          <p className="hint sweep-grid-hint">Click a cell to see it side by side with the original.</p>
          <div className="sweep-grid" data-testid="sweep-grid" data-status={sweep.status} style={{ gridTemplateColumns: `repeat(${shape.cols}, minmax(0, 1fr))` }}>
            {sweep.cells.map((cell, i) => {
              const entry = entryOf(sweep.results[i] ?? null);
              const failed = sweep.failures[i];
              const label = cellLabel(cell, (entry?.estimatedPrompt ?? null) !== null);
              const used = entry ? usedPromptLabel(entry) : (cell.restorationPrompt ?? 'the prompt as it is');
              return (
                <button
                  type="button"
                  key={cell.index}
                  className={`sweep-cell${entry && entry.id === history.currentId ? ' current' : ''}`}
                  data-testid={`sweep-cell-${i}`}
                  data-done={entry ? 'true' : 'false'}
                  disabled={!entry}
                  title={`${label}\n${used}${failed ? `\nFailed: ${failed}` : ''}`}
                  onClick={() => entry && openCell(entry.id)}
                >
                  {entry?.thumbnailUrl ? <img src={entry.thumbnailUrl} alt={label} draggable={false} /> : <span className={failed ? 'cell-failed' : 'spinner'}>{failed ? '!' : ''}</span>}
                  <span className="sweep-label" data-testid={`sweep-label-${i}`}>
                    {label}
                  </span>
                </button>
              );
            })}
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
