import { useCallback } from 'react';
import type { BatchPhotoState, ExportFormat } from '../../../preload/contract/channels';
import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import { batchProgress, isBatchRunning, type BatchItem } from '../state/batch';
import { Dialog } from './Dialog';
import './BatchDialog.css';
import './Panels.css';
import './ProgressOverlay.css';

const STATE_WORDS: Record<BatchPhotoState, string> = {
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'png', label: 'PNG (.png)' },
  { value: 'jpeg', label: 'JPEG (.jpg)' },
  { value: 'webp', label: 'WebP (.webp)' },
  { value: 'tiff', label: 'TIFF (.tif)' },
];

/** One photo on the list: its name, how it fares (with a bar while it runs, the reason when it failed or was skipped). */
function BatchRow({ item, locked, onRemove }: { item: BatchItem; locked: boolean; onRemove(): void }) {
  const percent = Math.round(item.fraction * 100);
  return (
    <li className={`batch-item${item.state ? ` ${item.state}` : ''}`} data-testid="batch-item" data-name={item.name} data-state={item.state ?? 'ready'}>
      <span className="batch-name" title={item.name}>
        {item.name}
        {item.source === 'dropped' ? <span className="batch-source"> · dropped</span> : null}
      </span>
      <span className="batch-state" data-testid="batch-item-state">
        {item.state === 'running' ? (
          <>
            <span className="progress-track batch-track" role="progressbar" aria-label={`${item.name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
              <span className="progress-fill" style={{ width: `${percent}%` }} />
            </span>
            <span className="batch-percent">{percent} %</span>
          </>
        ) : item.state ? (
          STATE_WORDS[item.state]
        ) : (
          'Ready'
        )}
      </span>
      {locked ? <span className="batch-remove-space" /> : (
        <button type="button" className="small-button batch-remove" aria-label={`Take ${item.name} off the batch`} title="Take it off the batch (the file stays)" onClick={onRemove}>
          ✕
        </button>
      )}
      {item.message ? (
        <span className="batch-message" data-testid="batch-item-message" title={item.message}>
          {item.message}
        </span>
      ) : null}
    </li>
  );
}

/**
 * "Batch…": several photos restored with the editor's settings (or each with its own estimate) into a
 * folder, named as `spire restore photos/ -o folder/` names them. Photos come from main's dialogs or are
 * dropped here; each shows how it fares. The dialog may be closed while the batch runs (the toolbar's
 * Batch… button counts the photos done).
 */
export function BatchDialog() {
  const { store, batch } = useServices();
  const b = useStudio((s) => s.batch);
  const restoration = useStudio((s) => s.prompt.restorationText);
  const strength = useStudio((s) => s.settings.strength);
  const steps = useStudio((s) => s.settings.steps);
  const noEstimator = useAppState((s) => s.engine?.pack?.hasEstimator === false);
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);
  const running = isBatchRunning(b);
  const { finished, total } = batchProgress(b);
  const setOption = (patch: Partial<typeof b.options>) => store.dispatch({ type: 'batch/options', patch });
  const s = b.summary;
  const count = b.photos.length;

  return (
    <Dialog title="Batch: restore several photos" testId="batch-dialog" onClose={close} wide>
      <p className="dialog-hint">
        Each photo is restored with the editor’s current settings and written to the output folder as <code>name.{b.options.format === 'jpeg' ? 'jpg' : b.options.format === 'tiff' ? 'tif' : b.options.format}</code>, one
        after another. A file already there is left as it is unless you tick “Replace existing outputs”. Regions are not used. At most 500 photos.
      </p>
      <div className="batch-add-row">
        <button type="button" className="button" data-testid="batch-add-files" disabled={running} onClick={() => void batch.add('files')}>
          Add photos…
        </button>
        <button type="button" className="button" data-testid="batch-add-folder" disabled={running} onClick={() => void batch.add('folder')}>
          Add folder…
        </button>
        <span className="batch-drop-hint">or drop photos here</span>
        {count > 0 && !running ? (
          <button type="button" className="small-button" data-testid="batch-clear" onClick={() => void batch.remove([])}>
            Clear list
          </button>
        ) : null}
      </div>
      {b.note ? (
        <p className="dialog-hint batch-note" data-testid="batch-note">
          {b.note}
        </p>
      ) : null}
      {count === 0 ? (
        <div className="batch-empty" data-testid="batch-empty">
          No photos yet. Add photos or a folder, or drop photos on this window.
        </div>
      ) : (
        <ul className="batch-list" data-testid="batch-list" aria-label="Photos in the batch">
          {b.photos.map((item) => (
            <BatchRow key={item.id} item={item} locked={running} onRemove={() => void batch.remove([item.id])} />
          ))}
        </ul>
      )}
      <div className="batch-output-row">
        <button type="button" className="button" data-testid="batch-choose-output" disabled={running} onClick={() => void batch.chooseOutput()}>
          Output folder…
        </button>
        <span className={`batch-folder${b.outputFolder ? '' : ' unset'}`} data-testid="batch-output-folder" title={b.outputFolder ?? undefined}>
          {b.outputFolder ? <bdi>{b.outputFolder}</bdi> : 'No folder chosen'}
        </span>
      </div>
      <div className="batch-options">
        <label className="check-row" title={noEstimator ? 'The loaded model pack has no degradation estimator, so it cannot read each photo.' : undefined}>
          <input
            type="checkbox"
            data-testid="batch-own-estimate"
            checked={b.options.ownEstimate && !noEstimator}
            disabled={running || noEstimator}
            onChange={(e) => setOption({ ownEstimate: e.target.checked })}
          />
          <span>Each photo with its own estimate (the restoration prompt becomes <code>auto</code>)</span>
        </label>
        <label className="check-row">
          <input type="checkbox" data-testid="batch-overwrite" checked={b.options.overwrite} disabled={running} onChange={(e) => setOption({ overwrite: e.target.checked })} />
          <span>Replace existing outputs</span>
        </label>
        <label className="check-row">
          <input type="checkbox" data-testid="batch-strip-location" checked={b.options.stripLocation} disabled={running} onChange={(e) => setOption({ stripLocation: e.target.checked })} />
          <span>Strip location (off: each photo’s GPS position is kept, like its other camera data)</span>
        </label>
        <label className="check-row">
          <input
            type="checkbox"
            data-testid="batch-keep-profile"
            checked={b.options.colour === 'keep-profile'}
            disabled={running}
            onChange={(e) => setOption({ colour: e.target.checked ? 'keep-profile' : 'srgb' })}
          />
          <span>Keep each photo’s colour profile (off: sRGB)</span>
        </label>
        <label className="batch-format">
          <span>Format</span>
          <select data-testid="batch-format" value={b.options.format} disabled={running} onChange={(e) => setOption({ format: e.target.value as ExportFormat })}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="dialog-hint batch-settings" data-testid="batch-settings">
        Settings: {b.options.ownEstimate ? 'each photo’s own estimate' : restoration.trim() ? <code>{restoration.trim()}</code> : 'no restoration prompt'}, {strength === 0 ? 'strength 0 (restorer only)' : `strength ${strength}, ${steps} steps`}. Change them in the editor’s panels.
      </p>
      {b.error ? (
        <div className="field-error batch-error" role="alert" data-testid="batch-error">
          {b.error}
        </div>
      ) : null}
      {s && !running ? (
        <p className="batch-summary" role="status" data-testid="batch-summary">
          {`Finished: ${s.done} done, ${s.failed} failed, ${s.skipped} skipped${s.cancelled > 0 ? `, ${s.cancelled} cancelled` : ''}.`}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="batch-close" onClick={close}>
          Close
        </button>
        {running ? (
          <>
            <span className="batch-running" role="status" data-testid="batch-running">
              {b.status === 'cancelling' ? 'Cancelling…' : `Photo ${Math.min(finished + 1, total)} of ${total}`}
            </span>
            <button type="button" className="button" data-testid="batch-cancel" disabled={b.status === 'cancelling'} onClick={() => void batch.cancel()}>
              Cancel batch
            </button>
          </>
        ) : (
          <button type="button" className="button primary" data-testid="batch-start" disabled={count === 0 || b.outputFolder === null} title={count === 0 ? 'Add photos first' : b.outputFolder === null ? 'Choose an output folder first' : undefined} onClick={() => void batch.start()}>
            {count === 0 ? 'Restore photos' : count === 1 ? 'Restore 1 photo' : `Restore ${count} photos`}
          </button>
        )}
      </div>
    </Dialog>
  );
}
