/**
 * Progress on stderr. On a terminal: one line redrawn in place,
 *   kodim01.png  [########----------------]  12/50  ETA 8.2 s
 *   kodim01.png  restorer [###-------]  3/8  ETA 6.0 s      (faithful mode's restorer passes, first)
 * elsewhere (a pipe, a log file, CI): plain lines (`step 12/50`, `restorer 3/8`), about every 10%.
 */
import { formatDuration } from '../engine/jobs/progress';
import type { RestoreProgress } from '../engine/protocol';

export interface ProgressStream {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressReporter {
  private drawn = false;
  private lastPlainStep = 0;

  constructor(private readonly out: ProgressStream) {}

  /** A line of its own (clears a drawn bar first). */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  step(label: string, p: RestoreProgress): void {
    const eta = p.etaMs === null ? '' : `  ETA ${formatDuration(p.etaMs)}`;
    const word = p.phase === 'denoise' ? 'step' : p.phase;
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - label.length - 39));
      // One bar over the whole run (restorer, steps, decode weighted by their cost); the count is the phase's.
      const fraction = typeof p.fraction === 'number' ? p.fraction : p.step / p.totalSteps;
      const filled = Math.min(width, Math.round(fraction * width));
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.out.write(`\r\x1b[2K${label}  ${p.phase === 'denoise' ? '' : `${p.phase} `}[${bar}]  ${p.step}/${p.totalSteps}${eta}`);
      this.drawn = true;
      return;
    }
    const every = Math.max(1, Math.floor(p.totalSteps / 10));
    if (p.step === 1 || p.step === p.totalSteps || p.step - this.lastPlainStep >= every) {
      this.lastPlainStep = p.step;
      this.out.write(`${label}: ${word} ${p.step}/${p.totalSteps}${eta}\n`);
    }
  }

  clear(): void {
    if (this.drawn && this.out.isTTY) this.out.write('\r\x1b[2K');
    this.drawn = false;
    this.lastPlainStep = 0;
  }
}
