import { describe, expect, it } from 'vitest';
import { CostMemory, EtaSmoother, MIN_TOLERANCE_MS, etaTolerance, PRIOR_MS_PER_MP, RunProgress, planRun, unitStats, type PhasePlan, type ProgressReport, type RunPhase } from '../../../../../main/engine/jobs/runProgress';

/** A run driven by a synthetic clock: each unit takes the given ms. */
function drive(plan: PhasePlan[], units: { phase: RunPhase; ms: number; total?: number }[]): { reports: ProgressReport[]; times: number[]; progress: RunProgress } {
  let now = 0;
  const progress = new RunProgress(plan, () => now);
  const done = new Map<RunPhase, number>();
  const reports: ProgressReport[] = [];
  const times: number[] = [];
  for (const u of units) {
    now += u.ms;
    const d = (done.get(u.phase) ?? 0) + 1;
    done.set(u.phase, d);
    const total = u.total ?? plan.find((p) => p.phase === u.phase)!.units;
    reports.push(progress.unit(u.phase, d, total));
    times.push(now);
  }
  return { reports, times, progress };
}

const repeat = (phase: RunPhase, n: number, ms: number | ((i: number) => number), total?: number) =>
  Array.from({ length: n }, (_, i) => ({ phase, ms: typeof ms === 'number' ? ms : ms(i), ...(total !== undefined ? { total } : {}) }));

/** The reported case: 16 restorer passes, then 20 steps, then the decode. */
const reportedPlan = (): PhasePlan[] => planRun({ useRestorer: true, restorerViews: 16, stepsRun: 20, outputMegapixels: 0.25 });

describe('planRun', () => {
  it('lists the phases a run has, with priors from the output size', () => {
    const plan = planRun({ useRestorer: true, restorerViews: 8, stepsRun: 10, outputMegapixels: 0.5 });
    expect(plan.map((p) => [p.phase, p.units])).toEqual([['restorer', 8], ['denoise', 10], ['decode', 2]]);
    expect(plan[0]!.priorMs).toBeCloseTo(8 * 0.5 * PRIOR_MS_PER_MP.restorer);
    expect(planRun({ useRestorer: true, restorerViews: 1, stepsRun: 0, outputMegapixels: 1 }).map((p) => p.phase)).toEqual(['restorer']);
    expect(planRun({ useRestorer: false, restorerViews: 1, stepsRun: 4, outputMegapixels: 1 }).map((p) => [p.phase, p.units])).toEqual([['denoise', 4], ['decode', 1]]);
  });

  it('scales the priors by what the last run measured', () => {
    const memory = new CostMemory();
    memory.learn([{ phase: 'restorer', measuredMs: 300, priorMs: 100 }]);
    const plan = planRun({ useRestorer: true, restorerViews: 1, stepsRun: 2, outputMegapixels: 1 }, memory);
    expect(plan[0]!.priorMs).toBeCloseTo(3 * PRIOR_MS_PER_MP.restorer);
    // A phase not yet measured takes the mean factor of those that were.
    expect(plan[1]!.priorMs).toBeCloseTo(3 * 2 * PRIOR_MS_PER_MP.denoise);
  });
});

describe('RunProgress: one fraction over the run', () => {
  it('rises monotonically from the first unit and ends at 1, weighted by the measured cost', () => {
    // Passes of 100 ms, steps of 400 ms, decodes of 200 ms: 1600 + 8000 + 400 = 10000 ms.
    const { reports } = drive(reportedPlan(), [...repeat('restorer', 16, 100), ...repeat('denoise', 20, 400), ...repeat('decode', 2, 200)]);
    const fractions = reports.map((r) => r.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions[0]!).toBeGreaterThan(0);
    // After the restorer and the first steps are measured, the fraction is the share of the time spent.
    const afterStep5 = reports[16 + 4]!;
    expect(afterStep5.phase).toBe('denoise');
    expect(afterStep5.fraction).toBeCloseTo((1600 + 5 * 400) / 10_000, 1);
    // The bar never reads 100 % with the steps still to run (the old per-phase bar did after the restorer).
    expect(reports[15]!.fraction).toBeLessThan(0.5);
  });

  it('takes revised totals (the tiles are known at the first pass) without going back', () => {
    const plan = planRun({ useRestorer: true, restorerViews: 2, stepsRun: 4, outputMegapixels: 1 });
    const { reports } = drive(plan, [...repeat('restorer', 8, 50, 8), ...repeat('denoise', 4, 100), ...repeat('decode', 2, 30)]);
    expect(reports[0]!.total).toBe(8);
    const fractions = reports.map((r) => r.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions.at(-1)).toBe(1);
  });

  it('reports what each phase measured against its prior', () => {
    const { progress } = drive(reportedPlan(), [...repeat('restorer', 16, 100), ...repeat('denoise', 20, 400), ...repeat('decode', 2, 200)]);
    expect(progress.measured().map((m) => [m.phase, m.measuredMs])).toEqual([['restorer', 1600], ['denoise', 8000], ['decode', 400]]);
  });
});

describe('ETA', () => {
  /** Rises of the shown ETA above the previous one counted down by the clock (ms), per report. */
  const rises = (reports: ProgressReport[], times: number[]) =>
    reports.slice(1).map((r, i) => (r.etaMs ?? 0) - Math.max(0, (reports[i]!.etaMs ?? 0) - (times[i + 1]! - times[i]!)));
  const steady = [...repeat('restorer', 16, 100), ...repeat('denoise', 20, 400), ...repeat('decode', 2, 200)];
  const noisy = [
    ...repeat('restorer', 16, (i) => 100 * (1 + 0.2 * Math.sin(i * 2.1))),
    ...repeat('denoise', 20, (i) => 400 * (1 + 0.2 * Math.cos(i * 1.7))),
    ...repeat('decode', 2, (i) => 200 * (1 + 0.2 * Math.sin(i))),
  ];
  /** The plan of a second run, its priors learnt from a first run of the same shape. */
  const learntPlan = (units: { phase: RunPhase; ms: number }[]): PhasePlan[] => {
    const memory = new CostMemory();
    memory.learn(drive(reportedPlan(), units).progress.measured());
    return planRun({ useRestorer: true, restorerViews: 16, stepsRun: 20, outputMegapixels: 0.25 }, memory);
  };

  // name, units: with priors learnt from the last run, noise never raises the shown ETA.
  const cases: [string, { phase: RunPhase; ms: number }[]][] = [
    ['steady units', steady],
    ['units with +-20 % noise', noisy],
  ];
  it.each(cases)('%s: the shown ETA never rises (priors learnt from the last run)', (_name, units) => {
    const { reports, times } = drive(learntPlan(units), units);
    for (const rise of rises(reports, times)) expect(rise).toBeLessThanOrEqual(1); // rounding
    expect(reports.at(-1)!.etaMs).toBe(0);
    // Within 25 % of the true time left from the second unit on.
    const end = times.at(-1)!;
    for (const [i, r] of reports.entries()) if (i > 0 && i < reports.length - 1) expect(Math.abs(r.etaMs! - (end - times[i]!))).toBeLessThanOrEqual(0.25 * (end - times[i]!) + MIN_TOLERANCE_MS);
  });

  it('the reported case on a first run: no "less than a second" after the restorer, no jump to 42 s', () => {
    // Restorer passes of 0.6 s, then 20 steps of 2 s (slower than the prior says): the old
    // per-phase ETA read 10 s, then < 1 s at the end of the restorer, then 42 s.
    const { reports, times } = drive(reportedPlan(), [...repeat('restorer', 16, 600), ...repeat('denoise', 20, 2000), ...repeat('decode', 2, 800)]);
    expect(reports[15]!.etaMs!).toBeGreaterThan(5_000); // the steps are still to come
    // The steps cost more than the prior said: the ETA may rise once they are measured, and only then.
    const risen = rises(reports, times)
      .map((r, i) => [r, i + 1] as const)
      .filter(([r]) => r > 1);
    expect(risen.length).toBeLessThanOrEqual(2);
    for (const [, i] of risen) expect(reports[i]!.phase === 'denoise' && reports[i]!.done <= 3).toBe(true);
    // After that, it falls steadily to 0.
    const etas = reports.slice(16 + 3).map((r) => r.etaMs!);
    for (let i = 1; i < etas.length; i++) expect(etas[i]!).toBeLessThanOrEqual(etas[i - 1]!);
  });

  it('rises when the run really slows down (beyond the noise)', () => {
    const { reports } = drive(reportedPlan(), [...repeat('restorer', 16, 100), ...repeat('denoise', 10, 100), ...repeat('denoise', 10, 1000), ...repeat('decode', 2, 100)]);
    const atSlowdown = reports[16 + 9]!.etaMs!;
    const later = Math.max(...reports.slice(16 + 10, 16 + 14).map((r) => r.etaMs!));
    expect(later).toBeGreaterThan(atSlowdown);
  });
});

describe('etaTolerance', () => {
  it('is twice the standard error of the mean unit time, relative, times the time left; capped and floored', () => {
    expect(etaTolerance(10_000, { spread: 0.1, n: 4 })).toBeCloseTo(1000);
    expect(etaTolerance(10_000, { spread: 2, n: 4 })).toBe(5000);
    expect(etaTolerance(1000, { spread: 0.1, n: 4 })).toBe(MIN_TOLERANCE_MS);
    expect(etaTolerance(10_000, null)).toBe(5000);
  });
});

describe('EtaSmoother', () => {
  // now, estimate, tolerance -> shown
  const table: [string, [number, number, number][], number[]][] = [
    ['first estimate is shown', [[0, 10_000, 500]], [10_000]],
    ['counts down within the noise', [[0, 10_000, 1000], [1000, 9_500, 1000]], [10_000, 9_000]],
    ['follows a large drop', [[0, 10_000, 500], [1000, 4_000, 500]], [10_000, 4_000]],
    ['half way on a small drop', [[0, 10_000, 1000], [1000, 8_600, 1000]], [10_000, 8_800]],
    ['10 s -> < 1 s -> 42 s is held to the countdown when within tolerance', [[0, 10_000, 40_000], [1000, 500, 40_000], [2000, 42_000, 40_000]], [10_000, 4_750, 3_750]],
    ['a rise beyond the tolerance is shown', [[0, 10_000, 500], [1000, 20_000, 500]], [10_000, 20_000]],
    ['never below 0', [[0, 1000, 500], [5000, 300, 500]], [1000, 0]],
  ];
  it.each(table)('%s', (_name, inputs, shown) => {
    const s = new EtaSmoother();
    expect(inputs.map(([now, est, tol]) => s.next(now, est, tol))).toEqual(shown);
  });
});

describe('unitStats', () => {
  it('leaves out the first unit (warm-up) and gives the relative spread', () => {
    expect(unitStats([])).toBeNull();
    expect(unitStats([100])).toEqual({ mean: 100, spread: 0.5, n: 1 });
    const s = unitStats([1000, 100, 100, 100])!;
    expect(s.mean).toBe(100);
    expect(s.spread).toBe(0);
    expect(unitStats([5, 90, 110])!.spread).toBeCloseTo(Math.SQRT2 * 10 / 100, 5);
  });
});
