import { useCallback, useState } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { OPERATIONS } from '../state/promptBuilder';
import { isBusy } from '../state/run';
import { usedPromptLabel } from '../state/historyResults';
import type { SweepAxis, SweepTarget } from '../state/sweep';
import { MAX_SWEEP_CELLS, PHOTO_TARGET, cellLabel, gridShape, parseSweepValues, sweepControls, sweepStartKey, sweepStartValues, sweepTargets } from '../state/sweep';
import { Dialog } from './Dialog';
import './SweepDialog.css';

/**
 * The strength sweep: pick whose restoration prompt to walk (the photo's, or one region's),
 * a parameter of it (and optionally a second one for a grid) and its values; one run per cell, queued; the grid fills in as results come.
 * Clicking a cell makes its result the current one. The values start around the prompt's
 * own (the photo's estimate, when the field holds it); a cell whose run used the estimate
 * unchanged says so.
 */
export function SweepDialog() {
  const { store } = useServices();
  const run = useRunController();
  const sweep = useStudio((s) => s.sweep.run);
  const history = useStudio((s) => s.history);
  const busy = useStudio((s) => isBusy(s.job));
  const hasImage = useAppState((s) => s.image !== null);
  const regions = useAppState((s) => s.regions);
  const targets = sweepTargets(regions);
  const [target, setTarget] = useState<SweepTarget>(PHOTO_TARGET);
  const controls = useAppState((s) => sweepControls(s, target));
  const [key1, setKey1] = useState(() => sweepStartKey(controls));
  const [values1, setValues1] = useState(() => sweepStartValues(sweepStartKey(controls), controls));
  const [key2, setKey2] = useState('');
  const [values2, setValues2] = useState('');
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);

  const parsed1 = parseSweepValues(key1, values1);
  const parsed2 = key2 ? parseSweepValues(key2, values2) : null;
  const count = (parsed1.ok ? parsed1.values.length : 0) * (parsed2 ? (parsed2.ok ? parsed2.values.length : 0) : 1);
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
            : null;

  const start = () => {
    if (problem || !parsed1.ok) return;
    const axes: SweepAxis[] = [{ key: key1, values: parsed1.values }];
    if (parsed2?.ok) axes.push({ key: key2, values: parsed2.values });
    void run.sweep(axes, target);
  };

  /** Another prompt to walk: the parameters start again from its own values. */
  const chooseTarget = (id: string) => {
    const next = targets.find((t) => t.kind === 'region' && t.regionId === id) ?? PHOTO_TARGET;
    const nextControls = sweepControls(store.getState(), next);
    const key = sweepStartKey(nextControls);
    setTarget(next);
    setKey1(key);
    setValues1(sweepStartValues(key, nextControls));
    setKey2('');
    setValues2('');
  };

  const shape = sweep ? gridShape(sweep) : { cols: 0, rows: 0 };
  const thumbOf = (id: string | null) => (id ? history.entries.find((e) => e.id === id) : undefined);

  return (
    <Dialog title="Strength sweep" testId="sweep-dialog" onClose={close} wide>
      <p className="dialog-hint">
        Walk the restoration prompt: each value (or pair of values) is one run with the current prompts and settings, changed only in the swept
        parameter.
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
        <span className="hint">{target.kind === 'region' ? 'The photo’s prompt stays; each run gives this region the cell’s prompt.' : ''}</span>

        <label htmlFor="sweep-param">Parameter</label>
        <select
          id="sweep-param"
          data-testid="sweep-param"
          value={key1}
          onChange={(e) => {
            setKey1(e.target.value);
            setValues1(sweepStartValues(e.target.value, controls));
          }}
        >
          {OPERATIONS.map((op) => (
            <option key={op.key} value={op.key}>
              {op.name} {op.param} ({op.min}–{op.max})
            </option>
          ))}
        </select>
        <input
          className="text-field mono"
          data-testid="sweep-values"
          aria-label="Values"
          value={values1}
          placeholder="0.5, 1, 2  or  0.5:3:6"
          onChange={(e) => setValues1(e.target.value)}
        />

        <label htmlFor="sweep-param-2">Grid with</label>
        <select
          id="sweep-param-2"
          data-testid="sweep-param-2"
          value={key2}
          onChange={(e) => {
            setKey2(e.target.value);
            setValues2(e.target.value ? sweepStartValues(e.target.value, controls) : '');
          }}
        >
          <option value="">(nothing: one row)</option>
          {OPERATIONS.filter((op) => op.key !== key1).map((op) => (
            <option key={op.key} value={op.key}>
              {op.name} {op.param} ({op.min}–{op.max})
            </option>
          ))}
        </select>
        <input
          className="text-field mono"
          data-testid="sweep-values-2"
          aria-label="Values of the second parameter"
          value={values2}
          disabled={!key2}
          onChange={(e) => setValues2(e.target.value)}
        />
      </div>
      <div className="dialog-actions">
        <span className={problem ? 'field-error' : 'hint'} data-testid="sweep-problem">
          {problem ?? `${count} run${count === 1 ? '' : 's'}`}
        </span>
        {busy && sweep?.status === 'running' ? (
          <button type="button" className="button" onClick={() => void run.cancel()}>
            Stop sweep
          </button>
        ) : null}
        <button type="button" className="button primary" data-testid="sweep-run" disabled={problem !== null || busy} onClick={start}>
          Run sweep
        </button>
      </div>

      {sweep ? (
        <div className="sweep-grid" data-testid="sweep-grid" data-status={sweep.status} style={{ gridTemplateColumns: `auto repeat(${shape.cols}, minmax(0, 1fr))` }}>
          {sweep.cells.map((cell, i) => {
            const entry = thumbOf(sweep.results[i] ?? null);
            const failed = sweep.failures[i];
            const rowHead = cell.col === 0 ? (
              <span className="sweep-rowhead" key={`r${cell.row}`}>
                {sweep.axes[1] ? cellLabel({ ...cell, values: { [sweep.axes[1].key]: cell.values[sweep.axes[1].key]! } }) : ''}
              </span>
            ) : null;
            return [
              rowHead,
              <button
                type="button"
                key={cell.index}
                className={`sweep-cell${entry && entry.id === history.currentId ? ' current' : ''}`}
                data-testid={`sweep-cell-${i}`}
                data-done={entry ? 'true' : 'false'}
                disabled={!entry}
                title={`${entry ? usedPromptLabel(entry) : cell.restorationPrompt}${failed ? `\nFailed: ${failed}` : ''}`}
                onClick={() => {
                  if (!entry) return;
                  store.dispatch({ type: 'history/select', id: entry.id });
                  close();
                }}
              >
                {entry?.thumbnailUrl ? <img src={entry.thumbnailUrl} alt={cellLabel(cell)} draggable={false} /> : <span className={failed ? 'cell-failed' : 'spinner'}>{failed ? '!' : ''}</span>}
                <span className="sweep-label">{cellLabel({ values: { [sweep.axes[0]!.key]: cell.values[sweep.axes[0]!.key]! } }, (entry?.estimatedPrompt ?? null) !== null)}</span>
              </button>,
            ];
          })}
        </div>
      ) : null}
    </Dialog>
  );
}
