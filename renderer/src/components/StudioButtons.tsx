import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import { batchProgress, isBatchRunning } from '../state/batch';
import { currentEntry } from '../state/historyResults';

/** The toolbar's Sweep…, Batch…, Export… and ? (help) buttons. */
export function StudioButtons() {
  const { store } = useServices();
  const hasImage = useAppState((s) => s.image !== null);
  const imageId = useAppState((s) => s.image?.id ?? null);
  const batchRunning = useStudio((s) => isBatchRunning(s.batch));
  const batchDone = useStudio((s) => batchProgress(s.batch).finished);
  const batchTotal = useStudio((s) => batchProgress(s.batch).total);
  const canExport = useStudio((s) => currentEntry(s.history, imageId) !== null || (s.sweep.run?.results.some((r) => r !== null) ?? false));
  return (
    <div className="tb-group">
      <button
        type="button"
        className="tb-button"
        data-testid="sweep-open"
        disabled={!hasImage}
        title="Sweep: one run per value of a prompt number or run setting, side by side (Ctrl+G)"
        onClick={() => store.dispatch({ type: 'dialog/open', dialog: 'sweep' })}
      >
        Sweep…
      </button>
      <button
        type="button"
        className={`tb-button batch-open${batchRunning ? ' busy' : ''}`}
        data-testid="batch-open"
        title={batchRunning ? `A batch is running: ${batchDone} of ${batchTotal} photos finished` : 'Batch: restore several photos or a folder into an output folder'}
        onClick={() => store.dispatch({ type: 'dialog/open', dialog: 'batch' })}
      >
        Batch…
      </button>
      <button
        type="button"
        className="tb-button"
        data-testid="export-open"
        disabled={!canExport}
        title={canExport ? 'Export the result, a before/after, the wipe or the sweep grid (Ctrl+E)' : 'Run a restoration first'}
        onClick={() => store.dispatch({ type: 'dialog/open', dialog: 'export' })}
      >
        Export…
      </button>
      <button
        type="button"
        className="tb-icon"
        data-testid="help-open"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
        onClick={() => store.dispatch({ type: 'dialog/open', dialog: 'help' })}
      >
        ?
      </button>
    </div>
  );
}
