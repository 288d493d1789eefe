/**
 * Durations for people (the CLI's progress line). A run's progress and ETA: runProgress.ts.
 */

/** "1 min 05 s", "12 s", "0.4 s" */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}
