/**
 * One progress over a whole run: the restorer's passes, the denoising steps and the VAE decode,
 * each weighted by what it costs, and an ETA that does not jump back up on noise. Pure: the job
 * (restoreJob.ts) feeds it the pipeline's unit reports and a clock; the tests feed it synthetic ones.
 *
 * Notation:
 *   phase p       'restorer' (passes: tiles x views), 'denoise' (steps), 'decode' (VAE decoder calls)
 *   units_p       how many units p has (a report may revise it: the tiles are known at the first pass)
 *   prior_p       what the whole of p is expected to cost (ms) before it runs: output megapixels x
 *                 per-megapixel cost (PRIOR_MS_PER_MP), scaled by what the last runs measured
 *                 (CostMemory), so the weights start sensible and improve run after run
 *   unit_p        cost of one unit of p: the measured (smoothed) unit time once p has run a unit,
 *                 else prior_p / units_p x speed, speed = measured / prior over the units run so far
 *   fraction      sum_p done_p x unit_p / sum_p units_p x unit_p, never lower than the last one shown,
 *                 1 when the last unit of the last phase is done
 *   remaining     sum_p (units_p - done_p) x unit_p  (ms)
 *   ETA           EtaSmoother: the shown ETA counts down with the clock; a new estimate below it is
 *                 taken (partly, within the noise; wholly, below it), one above it only when it
 *                 exceeds the counted-down ETA by more than the tolerance (etaTolerance: twice the
 *                 standard error of the recent unit times' mean, relative, x the time left)
 */

export type RunPhase = 'restorer' | 'denoise' | 'decode';

/**
 * Prior cost of one unit per output megapixel (ms), on two CPU cores with the embedded pack:
 * a restorer view of 512 x 512 takes about 0.21 s, a step and a decode are of the same order.
 * Only the ratios matter before the first unit; CostMemory corrects them after the first run.
 */
export const PRIOR_MS_PER_MP: Readonly<Record<RunPhase, number>> = { restorer: 800, denoise: 1200, decode: 500 };

/** The smallest tolerance before a shown ETA may rise (ms): below this, a rise is not worth a jump. */
export const MIN_TOLERANCE_MS = 1000;

/** Recent unit times kept per phase for the smoothed unit cost and its spread. */
const WINDOW = 5;

/** One phase as planned: its units and what the whole phase is expected to cost (ms). */
export interface PhasePlan {
  phase: RunPhase;
  units: number;
  priorMs: number;
}

/** What the job sends after each unit. */
export interface ProgressReport {
  phase: RunPhase;
  /** Units of this phase done, of `total`. */
  done: number;
  total: number;
  /** 0..1 over the whole run, never lower than the last report's. */
  fraction: number;
  /** Time left (ms), smoothed; null before the first unit. */
  etaMs: number | null;
}

/** What a run's phases cost per unit of prior, learnt across runs (the worker keeps one per loaded pack). */
export class CostMemory {
  private readonly ratio = new Map<RunPhase, number>();

  /** measured / prior for a phase, or the mean over the phases seen, or 1 before any run. */
  factor(phase: RunPhase): number {
    const own = this.ratio.get(phase);
    if (own !== undefined) return own;
    if (this.ratio.size === 0) return 1;
    return [...this.ratio.values()].reduce((a, b) => a + b, 0) / this.ratio.size;
  }

  /** After a run: each phase that ran all its units, its measured ms against its prior ms (moving average, weight 1/2). */
  learn(measured: readonly { phase: RunPhase; measuredMs: number; priorMs: number }[]): void {
    for (const m of measured) {
      if (!(m.priorMs > 0) || !(m.measuredMs > 0)) continue;
      const r = m.measuredMs / m.priorMs;
      const old = this.ratio.get(m.phase);
      this.ratio.set(m.phase, old === undefined ? r : (old + r) / 2);
    }
  }
}

/**
 * The phases of a run in order, from its settings: the restorer (faithful mode: `views` passes per
 * tile; one tile assumed until it reports), the steps the strength keeps, the decode (two at
 * strength < 1 in faithful mode: the detail transfer decodes the input's latent too).
 */
export function planRun(
  run: { useRestorer: boolean; restorerViews: number; stepsRun: number; outputMegapixels: number },
  memory: CostMemory | null = null,
): PhasePlan[] {
  const mp = Math.max(run.outputMegapixels, 1e-3);
  const prior = (phase: RunPhase, units: number): number => units * mp * PRIOR_MS_PER_MP[phase] * (memory ? memory.factor(phase) : 1);
  const plan: PhasePlan[] = [];
  if (run.useRestorer) plan.push({ phase: 'restorer', units: run.restorerViews, priorMs: prior('restorer', run.restorerViews) });
  if (run.stepsRun > 0) {
    plan.push({ phase: 'denoise', units: run.stepsRun, priorMs: prior('denoise', run.stepsRun) });
    const decodes = run.useRestorer ? 2 : 1;
    plan.push({ phase: 'decode', units: decodes, priorMs: prior('decode', decodes) });
  }
  return plan;
}

interface PhaseState extends PhasePlan {
  done: number;
  /** Recent unit times (ms). */
  times: number[];
  /** All this phase's unit times summed (ms). */
  measuredMs: number;
}

/** Mean and relative spread (std / mean) of the unit times, the first left out when there are more (warm-up). */
export function unitStats(times: readonly number[]): { mean: number; spread: number; n: number } | null {
  if (times.length === 0) return null;
  const xs = times.length > 2 ? times.slice(1) : times;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2 || !(mean > 0)) return { mean, spread: 0.5, n: xs.length }; // one sample says nothing of the spread: assume a broad one
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, spread: Math.sqrt(variance) / mean, n: xs.length };
}

/**
 * How far above the counted-down ETA an estimate may be before the shown ETA rises: twice the
 * estimate's relative noise (the unit times' spread over sqrt(n), the standard error of their
 * mean) times the time left, capped at half of it (a regime change inflates the spread), at least
 * MIN_TOLERANCE_MS.
 */
export function etaTolerance(remainingMs: number, stats: { spread: number; n: number } | null): number {
  const relative = stats ? (2 * stats.spread) / Math.sqrt(Math.max(1, stats.n)) : 1;
  return Math.max(MIN_TOLERANCE_MS, Math.min(0.5, relative) * remainingMs);
}

/**
 * The shown ETA: counts down with the clock between estimates, follows an estimate down, and rises
 * only when the estimate exceeds the counted-down ETA by more than the tolerance.
 */
export class EtaSmoother {
  private shown: number | null = null;
  private at = 0;

  /** The ETA to show at `nowMs` for a new `estimateMs` with this tolerance (ms). */
  next(nowMs: number, estimateMs: number, toleranceMs: number): number {
    const estimate = Math.max(0, estimateMs);
    if (this.shown === null) return this.set(nowMs, estimate);
    const countedDown = Math.max(0, this.shown - (nowMs - this.at));
    if (estimate > countedDown + toleranceMs) return this.set(nowMs, estimate); // really slower: say so
    if (estimate >= countedDown) return this.set(nowMs, countedDown); // within the noise: hold the countdown
    if (estimate < countedDown - toleranceMs) return this.set(nowMs, estimate); // really faster
    return this.set(nowMs, countedDown + 0.5 * (estimate - countedDown)); // a little faster: half way
  }

  private set(nowMs: number, value: number): number {
    this.shown = value;
    this.at = nowMs;
    return Math.round(value);
  }
}

/** One run's progress; `unit()` after each unit the pipeline reports. */
export class RunProgress {
  private readonly phases: PhaseState[];
  private readonly eta = new EtaSmoother();
  private lastAt: number;
  private lastFraction = 0;

  /** `nowMs` is the clock (performance.now in the job); the run starts at the first reading. */
  constructor(
    plan: readonly PhasePlan[],
    private readonly nowMs: () => number,
  ) {
    this.phases = plan.map((p) => ({ ...p, done: 0, times: [], measuredMs: 0 }));
    this.lastAt = nowMs();
  }

  /** Unit `done` of `total` of `phase` has just ended. A phase the plan lacks is added after the others. */
  unit(phase: RunPhase, done: number, total: number): ProgressReport {
    const now = this.nowMs();
    const dt = Math.max(0, now - this.lastAt);
    this.lastAt = now;
    let p = this.phases.find((x) => x.phase === phase);
    if (!p) {
      p = { phase, units: total, priorMs: 0, done: 0, times: [], measuredMs: 0 };
      this.phases.push(p);
    }
    // Phases before this one are over (a restorer-only run that had nothing to do skips none of this).
    for (const q of this.phases) {
      if (q === p) break;
      q.done = q.units;
    }
    p.units = Math.max(total, done);
    p.done = Math.min(done, p.units);
    p.times.push(dt);
    if (p.times.length > WINDOW) p.times.shift();
    p.measuredMs += dt;

    const costs = this.unitCosts();
    let doneMs = 0;
    let totalMs = 0;
    for (const [i, q] of this.phases.entries()) {
      doneMs += q.done * costs[i]!;
      totalMs += q.units * costs[i]!;
    }
    const last = this.phases.every((q) => q.done >= q.units);
    const raw = last ? 1 : totalMs > 0 ? doneMs / totalMs : 0;
    this.lastFraction = Math.min(1, Math.max(this.lastFraction, raw));
    const remaining = last ? 0 : totalMs - doneMs;
    const tolerance = etaTolerance(remaining, unitStats(p.times));
    // 0 means done: while work remains the ETA is at least 1 ms, even when the countdown has run out.
    const etaMs = last ? 0 : Math.max(1, this.eta.next(now, remaining, tolerance));
    return { phase, done: p.done, total: p.units, fraction: this.lastFraction, etaMs };
  }

  /** Per phase: what it measured against its prior, for CostMemory.learn (phases that ran all their units). */
  measured(): { phase: RunPhase; measuredMs: number; priorMs: number }[] {
    return this.phases.filter((p) => p.units > 0 && p.done >= p.units && p.priorMs > 0).map((p) => ({ phase: p.phase, measuredMs: p.measuredMs, priorMs: p.priorMs }));
  }

  /** Cost of one unit per phase (ms), as the notation above says. */
  private unitCosts(): number[] {
    let measured = 0;
    let prior = 0;
    for (const p of this.phases) {
      if (p.done === 0 || !(p.priorMs > 0)) continue;
      measured += p.measuredMs;
      prior += (p.priorMs * p.done) / p.units;
    }
    const speed = prior > 0 ? measured / prior : 1;
    return this.phases.map((p) => {
      const stats = unitStats(p.times);
      if (stats && p.done > 0) return stats.mean;
      return p.units > 0 ? (p.priorMs / p.units) * speed : 0;
    });
  }
}
