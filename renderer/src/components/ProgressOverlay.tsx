import { useStudio } from '../app/runContext';
import { etaText, isBusy, progressFraction } from '../state/run';
import './ProgressOverlay.css';

/** The toolbar's progress bar and ETA while a run goes. */
export function ProgressBar() {
  const job = useStudio((s) => s.job);
  const sweep = useStudio((s) => s.sweep.run);
  if (!isBusy(job)) return null;
  const fraction = progressFraction(job);
  const label =
    job.status === 'starting'
      ? 'Starting…'
      : job.status === 'cancelling'
        ? 'Cancelling…'
        : `${job.phase === 'restorer' ? 'Restorer ' : ''}${job.step}/${job.totalSteps}`;
  const sweepLabel = job.kind === 'sweep' && sweep ? ` · cell ${Math.min(sweep.next, sweep.cells.length)}/${sweep.cells.length}` : '';
  return (
    <div className="run-progress" role="status" aria-label="Run progress">
      <div
        className="progress-track"
        data-testid="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={job.totalSteps}
        aria-valuenow={job.step}
        data-step={job.step}
        data-total={job.totalSteps}
        data-phase={job.phase}
      >
        <div className="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="progress-text">
        {label}
        {sweepLabel}
      </span>
      <span className="progress-eta" data-testid="progress-eta">
        {job.status === 'running' ? etaText(job.etaMs) : ''}
      </span>
    </div>
  );
}

/** The live step preview floating over the canvas's corner while a run goes. */
export function ProgressOverlay() {
  const job = useStudio((s) => s.job);
  if (!isBusy(job)) return null;
  return (
    <figure className="progress-overlay" aria-label="Live preview">
      {job.previewUrl ? (
        <img className="progress-preview" data-testid="progress-preview" src={job.previewUrl} alt={`Preview at step ${job.step}`} />
      ) : (
        <div className="progress-preview empty" data-testid="progress-preview">
          <span className="spinner" aria-hidden="true" />
        </div>
      )}
      <figcaption>
        {job.step === 0 ? 'Preparing…' : job.phase === 'restorer' ? `Restorer pass ${job.step} of ${job.totalSteps}` : `Step ${job.step} of ${job.totalSteps}`}
        {job.seed !== null ? ` · seed ${job.seed}` : ''}
      </figcaption>
    </figure>
  );
}
