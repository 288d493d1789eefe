import { useCallback, useState } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { isImporting } from '../state/packImport';
import { Dialog } from './Dialog';
import './Panels.css';
import './PackImport.css';
import './ProgressOverlay.css';

/**
 * "Import Stable Diffusion model…": what may be imported and the two choices (faithful mode's
 * restorer, half precision); then main's own file or folder dialog. The dialog closes as main's
 * opens; the import's progress shows under the model pack (PackImportStatus).
 */
export function ImportDialog() {
  const { store } = useServices();
  const run = useRunController();
  const busy = useStudio((s) => isImporting(s.packImport));
  const [withRestorer, setWithRestorer] = useState(true);
  const [fp16, setFp16] = useState(false);
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);
  const choose = (source: 'file' | 'folder') => {
    close();
    void run.importModel({ source, withRestorer, fp16 });
  };

  return (
    <Dialog title="Import Stable Diffusion model" testId="import-dialog" onClose={close}>
      <p className="dialog-hint">
        Turns a Stable Diffusion 1.5 model (a <code>.safetensors</code> or <code>.ckpt</code> file, a diffusers folder, or its ONNX export) into a model pack. The
        pack goes into SPIRE Studio’s own packs folder; your model is left as it is. SDXL, SD 3 and Flux are not supported.
      </p>
      <label className="check-row import-option">
        <input type="checkbox" data-testid="import-restorer" checked={withRestorer} onChange={(e) => setWithRestorer(e.target.checked)} />
        <span>Add SPIRE’s restorer and estimator (faithful mode, estimated prompts)</span>
      </label>
      <label className="check-row import-option">
        <input type="checkbox" data-testid="import-fp16" checked={fp16} onChange={(e) => setFp16(e.target.checked)} />
        <span>Half precision (fp16): about half the size on disk (a file or diffusers folder; an ONNX export is taken as it is)</span>
      </label>
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="import-cancel-dialog" onClick={close}>
          Cancel
        </button>
        <button type="button" className="button" data-testid="import-choose-folder" disabled={busy} title="A diffusers folder or an ONNX export (optimum layout)" onClick={() => choose('folder')}>
          Model folder…
        </button>
        <button type="button" className="button primary" data-testid="import-choose-file" disabled={busy} title="A single .safetensors or .ckpt checkpoint" onClick={() => choose('file')}>
          Checkpoint file…
        </button>
      </div>
    </Dialog>
  );
}

/** Under the model pack: the import on its way (stage, progress, Cancel), or how it ended (Load it, until it is loaded; dismiss). */
export function PackImportStatus() {
  const run = useRunController();
  const im = useStudio((s) => s.packImport);
  const loadedDir = useAppState((s) => s.engine?.pack?.dir ?? null);
  if (im.status === 'idle') return null;
  const percent = Math.round(im.fraction * 100);
  if (im.status === 'done' && im.pack) {
    const pack = im.pack;
    return (
      <div className="pack-import done" data-testid="pack-import" data-status={im.status}>
        <span className="pack-import-text" data-testid="pack-import-message">
          Imported “{pack.name}”: it is in the model pack list.
        </span>
        {loadedDir === pack.dir ? null : (
          <button type="button" className="small-button" data-testid="pack-import-load" title={pack.dir} onClick={() => run.setSettings({ packDir: pack.dir })}>
            Load it
          </button>
        )}
        <button type="button" className="small-button" data-testid="pack-import-dismiss" aria-label="Dismiss" onClick={() => run.dismissImport()}>
          ✕
        </button>
      </div>
    );
  }
  if (im.status === 'cancelled') {
    return (
      <div className="pack-import" data-testid="pack-import" data-status={im.status}>
        <span className="pack-import-text" data-testid="pack-import-message">
          {im.message ?? 'The import was cancelled.'}
        </span>
        <button type="button" className="small-button" data-testid="pack-import-dismiss" aria-label="Dismiss" onClick={() => run.dismissImport()}>
          ✕
        </button>
      </div>
    );
  }
  const what = im.sourceName ? `Importing ${im.sourceName}` : 'Importing';
  const text = im.status === 'choosing' && im.message === null ? 'Choose the model in the dialog…' : im.status === 'cancelling' ? 'Cancelling…' : `${what}: ${im.message ?? 'starting…'}`;
  return (
    <div className="pack-import" data-testid="pack-import" data-status={im.status} role="status" aria-label="Import progress">
      <div className="pack-import-row">
        <div className="progress-track pack-import-track" data-testid="pack-import-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <span className="pack-import-percent">{percent} %</span>
        <button type="button" className="small-button" data-testid="pack-import-cancel" disabled={im.status !== 'running'} title="Stop the import; nothing half-written is kept" onClick={() => void run.cancelImport()}>
          {im.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <span className="pack-import-text" data-testid="pack-import-message" title={im.stage ?? undefined}>
        {text}
      </span>
    </div>
  );
}
