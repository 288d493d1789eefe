/**
 * Per-step progress for jobs: an ETA from a moving average of step times.
 *
 * The first denoising step often includes warm-up (graph optimisation, first
 * allocation), so the average is over the last `window` steps only and the ETA
 * uses the steps still to run: eta = mean(last step durations) * (total - step).
 */

export class StepTimer {
  private readonly durations: number[] = [];
  private lastElapsed = 0;

  constructor(private readonly window = 5) {}

  /** Records that step `step` of `total` ended `elapsedMs` after sampling started; returns the ETA in ms (null before the first step). */
  record(step: number, total: number, elapsedMs: number): number | null {
    const duration = Math.max(0, elapsedMs - this.lastElapsed);
    this.lastElapsed = elapsedMs;
    this.durations.push(duration);
    if (this.durations.length > this.window) this.durations.shift();
    return this.eta(step, total);
  }

  /** Mean of the recorded step durations (ms), null when none. */
  meanStepMs(): number | null {
    if (this.durations.length === 0) return null;
    return this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
  }

  eta(step: number, total: number): number | null {
    const mean = this.meanStepMs();
    return mean === null ? null : Math.round(mean * Math.max(0, total - step));
  }
}

/** "1 min 05 s", "12 s", "0.4 s" */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}
