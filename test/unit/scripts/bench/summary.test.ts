// The pure half of `npm run bench`: argument parsing, medians, ratios and the table.
// Nothing here times anything (speed is measured by the benchmark, never asserted).
import { describe, expect, it } from 'vitest';
import {
  BenchArgError,
  DEFAULTS,
  absDiff,
  caseMedians,
  fileStamp,
  formatTable,
  median,
  parseBenchArgs,
  ratios,
  tableRow,
  type CaseResult,
} from '../../../../scripts/bench/summary.mjs';

const result = (totals: number[], steps: number[][], extra: Partial<CaseResult> = {}): CaseResult => ({
  runtime: 'rt',
  size: [256, 256],
  steps: steps[0]?.length ?? 0,
  maxRssMiB: 300.4,
  runs: totals.map((totalS, i) => ({ totalS, stepS: steps[i] ?? [] })),
  ...extra,
});

describe('parseBenchArgs', () => {
  it('gives the documented defaults with no arguments', () => {
    expect(parseBenchArgs([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ steps: 20, repeats: 3, ep: 'cpu', large: { width: 6000, height: 4000 } });
  });

  it('reads every option, with a space or with =', () => {
    const o = parseBenchArgs(['--steps', '5', '--repeats=2', '--warmup', '0', '--ep', 'webgpu', '--guidance', '3.5', '--seed=7',
      '--large', '3000x2000', '--large-steps', '1', '--tile-overlap', '32', '--rebuild']);
    expect(o).toMatchObject({ steps: 5, repeats: 2, warmup: 0, ep: 'webgpu', guidance: 3.5, seed: 7, large: { width: 3000, height: 2000 },
      largeSteps: 1, tileOverlap: 32, rebuild: true, noLarge: false });
    expect(parseBenchArgs(['--no-large']).noLarge).toBe(true);
  });

  it.each([
    [['--steps', '0'], /--steps needs a whole number >= 1, got "0"/],
    [['--repeats', '1.5'], /--repeats needs a whole number >= 1/],
    [['--steps'], /got nothing/],
    [['--ep', 'tpu'], /--ep must be one of cpu, cuda, dml, coreml, webgpu, got "tpu"/],
    [['--large', '6000'], /--large needs WIDTHxHEIGHT/],
    [['--guidance', 'x'], /--guidance needs a number/],
    [['--fast'], /Unknown option "--fast".*--help/],
  ])('rejects %j with a message that says what to type', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('medians and ratios', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('quotes the median run and the median of the per-run median steps', () => {
    const m = caseMedians(result([10, 30, 20], [[1, 2, 9], [5, 6, 7], [2, 3, 4]]));
    expect(m).toEqual({ endToEndS: 20, stepS: 3, repeats: 3 });
  });

  it('divides engine by reference', () => {
    const r = ratios(result([2, 2, 2], [[0.5], [0.5], [0.5]]), result([8, 8, 8], [[1], [1], [1]]));
    expect(r.endToEnd).toBeCloseTo(0.25);
    expect(r.step).toBeCloseTo(0.5);
  });

  it('measures the largest and mean absolute difference', () => {
    expect(absDiff([0, 1, 2], [0, 1.5, 1])).toEqual({ max: 1, mean: 0.5 });
    expect(() => absDiff([1], [1, 2])).toThrow(/1 and 2 values/);
  });
});

describe('table', () => {
  it('formats one Markdown row per case with rounded numbers', () => {
    const rows = [
      tableRow({ label: 'engine', result: result([1.234], [[0.1234, 0.2]], { tilesPerStep: 9 }), note: 'tiled' }),
      tableRow({ label: 'reference', result: result([5], [[1]]) }),
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| case \| runtime \| size \| tiles\/step \|/);
    expect(lines[2]).toBe('| engine | rt | 256x256 | 9 | 2 | 1 | 1.23 | 0.162 | 300 | tiled |');
    expect(lines[3]).toBe('| reference | rt | 256x256 | - | 1 | 1 | 5.00 | 1.000 | 300 |  |');
  });

  it('stamps file names without colons', () => {
    expect(fileStamp(new Date('2026-11-26T04:30:05.123Z'))).toBe('2026-11-26T04-30-05Z');
  });
});
