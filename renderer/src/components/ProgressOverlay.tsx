import { useStudio } from '../app/runContext';
import { etaText, isBusy, progressFraction, progressLabel } from '../state/run';
import { CancelButton } from './RunPanel';
import './ProgressOverlay.css';

/**
 * The toolbar's progress cluster while a run goes: Cancel, one bar over the whole run (restorer
 * views, steps, decode, as the engine weighs them), one label and the ETA, in fixed widths. It sits
 * after the toolbar's spacer, so no button moves when a run starts or ends.
 */
export function ProgressBar() {
  const job = useStudio((s) => s.job);
  const sweep = useStudio((s) => s.sweep.run);
  const views = useStudio((s) => s.settings.restorerViews);
  if (!isBusy(job)) return null;
  const fraction = progressFraction(job);
  const label = progressLabel(job, views);
  const sweepLabel = job.kind === 'sweep' && sweep ? ` · cell ${Math.min(sweep.next, sweep.cells.length)}/${sweep.cells.length}` : '';
  return (
    <div className="run-progress" role="status" aria-label="Run progress">
      <CancelButton />
      <div
        className="progress-track"
        data-testid="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
        aria-valuetext={label}
        data-step={job.step}
        data-total={job.totalSteps}
        data-phase={job.phase}
        data-fraction={fraction.toFixed(4)}
      >
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <span className="progress-text" data-testid="progress-label" title={`${label}${sweepLabel}`}>
        {label}
        {sweepLabel}
      </span>
      <span className="progress-eta" data-testid="progress-eta" title={job.status === 'running' ? etaText(job.etaMs) : undefined}>
        {job.status === 'running' ? etaText(job.etaMs) : ''}
      </span>
    </div>
  );
}

/** The live step preview floating over the canvas's corner while a run goes. */
export function ProgressOverlay() {
  const job = useStudio((s) => s.job);
  const views = useStudio((s) => s.settings.restorerViews);
  if (!isBusy(job)) return null;
  return (
    <figure className="progress-overlay" aria-label="Live preview">
      {job.previewUrl ? (
        <img className="progress-preview" data-testid="progress-preview" src={job.previewUrl} alt={job.phase === 'restorer' ? "The restorer's output" : `Preview at step ${job.step}`} />
      ) : (
        <div className="progress-preview empty" data-testid="progress-preview">
          <span className="spinner" aria-hidden="true" />
        </div>
      )}
      <figcaption>
        {job.previewUrl && job.phase === 'restorer' ? "The restorer's output" : progressLabel(job, views)}
        {job.seed !== null ? ` · seed ${job.seed}` : ''}
      </figcaption>
    </figure>
  );
}
