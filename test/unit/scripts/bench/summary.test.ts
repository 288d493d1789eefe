// The pure half of `npm run bench`: argument parsing, medians, ratios and the table.
// Nothing here times anything (speed is measured by the benchmark, never asserted).
import { describe, expect, it } from 'vitest';
import {
  BenchArgError,
  CASE_GROUPS,
  DEFAULT_GROUPS,
  DEFAULTS,
  absDiff,
  caseMedians,
  defaultCaseLines,
  defaultCaseMedians,
  fileStamp,
  formatTable,
  median,
  parseBenchArgs,
  ratios,
  sd15Lines,
  selectedGroups,
  tableRow,
  targetVerdict,
  type CaseResult,
  type DefaultCaseResult,
  type Sd15CaseResult,
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

  it('reads the sd15 options', () => {
    expect(DEFAULTS.sd15).toEqual({ size: { width: 3000, height: 2000 }, steps: 10, largeSteps: 4, strength: 0.3, realTiles: 3, variants: ['fp32', 'fp16'] });
    const o = parseBenchArgs(['--sd15-size', '1024x768', '--sd15-steps=20', '--sd15-large-steps', '7', '--sd15-real-tiles', '0', '--sd15-variants', 'fp16,fp32']);
    expect(o.sd15).toEqual({ size: { width: 1024, height: 768 }, steps: 20, largeSteps: 7, strength: 0.3, realTiles: 0, variants: ['fp32', 'fp16'] });
    expect(o.large).toEqual(DEFAULTS.large);
  });

  it.each([
    [['--steps', '0'], /--steps needs a whole number >= 1, got "0"/],
    [['--repeats', '1.5'], /--repeats needs a whole number >= 1/],
    [['--steps'], /got nothing/],
    [['--ep', 'tpu'], /--ep must be one of cpu, cuda, dml, coreml, webgpu, got "tpu"/],
    [['--large', '6000'], /--large needs WIDTHxHEIGHT/],
    [['--guidance', 'x'], /--guidance needs a number/],
    [['--fast'], /Unknown option "--fast".*--help/],
    [['--only', 'defaults'], /--only takes case groups from compare, tiled, large, default.*got "defaults"/],
    [['--only', ''], /--only takes case groups/],
    [['--model'], /--model needs a pack folder/],
    [['--model', '--only'], /--model needs a pack folder/],
    [['--sd15-size', '3000'], /--sd15-size needs WIDTHxHEIGHT/],
    [['--sd15-variants', 'bf16'], /--sd15-variants takes fp32, fp16.*got "bf16"/],
    [['--sd15-real-tiles', '-1'], /--sd15-real-tiles needs a whole number >= 0/],
  ])('rejects %j with a message that says what to type', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('case groups', () => {
  it('runs every group but sd15 and bigphoto by default and only the named ones with --only, in a fixed order', () => {
    expect(DEFAULTS.only).toEqual([...DEFAULT_GROUPS]);
    expect(DEFAULT_GROUPS).toEqual(CASE_GROUPS.filter((g) => g !== 'sd15' && g !== 'bigphoto'));
    expect(parseBenchArgs(['--only', 'bigphoto']).only).toEqual(['bigphoto']);
    expect(parseBenchArgs(['--only', 'sd15']).only).toEqual(['sd15']);
    expect(parseBenchArgs(['--only', 'default']).only).toEqual(['default']);
    expect(parseBenchArgs(['--only=default, compare']).only).toEqual(['compare', 'default']);
    expect(parseBenchArgs(['--model', 'packs/x']).model).toBe('packs/x');
    expect(DEFAULTS.model).toBeNull();
  });

  it('drops the large case with --no-large', () => {
    expect(selectedGroups(parseBenchArgs(['--no-large']))).toEqual(['compare', 'tiled', 'default', 'regions']);
    expect(selectedGroups(parseBenchArgs(['--only', 'large', '--no-large']))).toEqual([]);
  });

  it('does not share the defaults between parses', () => {
    parseBenchArgs(['--only', 'tiled']).only.push('large');
    expect(parseBenchArgs([]).only).toEqual([...DEFAULT_GROUPS]);
    parseBenchArgs(['--sd15-variants', 'fp16']).sd15.variants.push('fp32');
    parseBenchArgs([]).sd15.size.width = 1;
    expect(parseBenchArgs([]).sd15).toEqual(DEFAULTS.sd15);
  });
});

describe('default-pack case', () => {
  const run = (totalS: number, restorerMs: number, denoiseMs: number) => ({
    totalS,
    cpuS: totalS * 1.5,
    stepS: [0.1, 0.2],
    readMs: 20,
    restoreMs: totalS * 1000 - 60,
    writeMs: 40,
    split: { restorerMs, encodeMs: 100, denoiseMs, decodeMs: 500, otherMs: 10 },
  });
  const ran: Extract<DefaultCaseResult, { skipped: null }> = {
    skipped: null,
    runtime: 'onnxruntime-node (cpu)',
    size: [512, 512],
    steps: 2,
    tilesPerStep: 1,
    maxRssMiB: 812.6,
    maxRssMiBAfterLoad: 400.2,
    pack: { dir: '/p/spire-compact', name: 'spire-compact', nativeResolution: 512, defaults: { steps: 2 } },
    params: { restorationPrompt: 'Remove all degradation', steps: 2, strength: 1, guidanceScale: 7.5, scheduler: 'ddim', colorFix: 'wavelet', useRestorer: true, eta: 0, seed: 0 },
    input: { path: '/b/input.png', source: '/d/kodim05.png', degradation: 'Deblur with sigma 2.0;' },
    output: '/b/output.png',
    loadS: 1.5,
    targetS: 10,
    loadAverage: { start: [3.2, 0, 0], end: [4.1, 0, 0] },
    runs: [run(12, 300, 9000), run(8, 100, 6000), run(9, 200, 7000)],
  };

  it('takes the median of each part over the runs, in seconds', () => {
    const m = defaultCaseMedians(ran);
    expect(m.endToEndS).toBe(9);
    expect(m.cpuS).toBe(13.5);
    expect(m.restorerS).toBeCloseTo(0.2);
    expect(m.denoiseS).toBeCloseTo(7);
    expect(m).toMatchObject({ readS: 0.02, writeS: 0.04, encodeS: 0.1, decodeS: 0.5, otherS: 0.01, repeats: 3 });
  });

  it('passes at or under the target and fails above it or without a number', () => {
    expect(targetVerdict(9.99)).toBe('PASS');
    expect(targetVerdict(10)).toBe('PASS');
    expect(targetVerdict(10.01)).toBe('FAIL');
    expect(targetVerdict(Number.NaN)).toBe('FAIL');
    expect(targetVerdict(4, 3)).toBe('FAIL');
  });

  it('reports the verdict, the median, every run, the split, the settings and the memory', () => {
    const lines = defaultCaseLines('default pack', ran, 'load 3.5');
    expect(lines[0]).toBe('default pack: PASS (target <= 10 s): median 9.00 s read+restore+write over 3 run(s) [12.00, 8.00, 9.00; run 1 cold]');
    const text = lines.join('\n');
    expect(text).toContain('manifest defaults over the app defaults: steps 2, strength 1, guidance 7.5, ddim');
    expect(text).toContain('colour fix wavelet (5 levels), restorer on (1 view), ');
    const compact = defaultCaseLines('d', { ...ran, params: { ...ran.params, colorFixLevels: 3, restorerViews: 8 } }).join('\n');
    expect(compact).toContain('colour fix wavelet (3 levels), restorer on (8 views), ');
    expect(defaultCaseLines('d', { ...ran, params: { ...ran.params, colorFix: 'adain', useRestorer: false } }).join('\n')).toContain('colour fix adain, restorer off, ');
    expect(text).toContain('CPU time (all threads, user + system) median 13.50 s per run');
    expect(text).toContain('restorer 0.20 + encode 0.10 + denoise 7.00 + decode 0.50 + other 0.01');
    expect(text).toContain('peak RSS 813 MiB (400 after load); load average 3.20 -> 4.10; load 3.5');
    expect(defaultCaseLines('x', { ...ran, runs: [run(10.5, 0, 0)] })[0]).toMatch(/^x: FAIL \(target <= 10 s\): median 10.50 s/);
  });

  it('says why a case was skipped', () => {
    expect(defaultCaseLines('default pack', { skipped: 'No model pack found in /r/models/packs' })).toEqual([
      'default pack: SKIPPED: No model pack found in /r/models/packs',
    ]);
  });

  it('makes a table row from the same result', () => {
    const row = tableRow({ label: 'default', result: ran, note: 'PASS' });
    expect(row).toMatchObject({ size: '512x512', runs: '3', endToEnd: '9.00', peakRss: '813', tiles: '1' });
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

describe('sd15 lines', () => {
  const base: Sd15CaseResult = {
    size: [512, 512], provider: 'cpu', requestedProvider: 'cpu', threads: 2, steps: 10, stepsRun: 3, strength: 0.3, guidanceScale: 7.5,
    unetBatch: 2, tileSize: 512, tileOverlap: 64, tilesPerStep: 1, loadS: 4.2, maxRssMiBAfterLoad: 4000, maxRssMiB: 6000,
    realCalls: { unet: 3, vae_encoder: 1, vae_decoder: 1 }, calls: { unet: 3, vae_encoder: 1, vae_decoder: 1 },
    perCallS: { unet: 10, vae_encoder: 4, vae_decoder: 8 }, stepS: 10.5, stepSMeasured: true, vaeShare: 0.25, fullRunS: 48, fullRunMeasured: true, stepSamples: 4,
  };
  const imp = { variant: 'fp32' as const, date: 'd', importS: 79.4, importPeakRssMiB: 7922, packBytes: 4.27e9 };

  it('says what was measured and what was extrapolated', () => {
    const large: Sd15CaseResult = {
      ...base, size: [3000, 2000], steps: 4, stepsRun: 1, tilesPerStep: 35, realCalls: { unet: 2, vae_encoder: 2, vae_decoder: 2 },
      calls: { unet: 35, vae_encoder: 35, vae_decoder: 35 }, stepS: 350, stepSMeasured: false, fullRunS: 1200, fullRunMeasured: false, vaeShare: 0.7,
    };
    const lines = sd15Lines({ variant: 'fp32', importRecord: imp, small: base, large });
    expect(lines[0]).toBe('sd15 fp32: import 79 s (peak RSS 7922 MiB), pack 4.27 GB on disk');
    expect(lines[1]).toContain('512x512 on cpu (asked cpu), 2 threads: load 4.2 s');
    expect(lines[2]).toContain('10.50 s/step (median of 4, measured)');
    expect(lines[2]).toContain('VAE share 25%');
    expect(lines[4]).toContain('35 tiles/step (tile 512 px, overlap 64 px): per tile (median of 2 / 2 / 2 real calls, measured)');
    expect(lines[5]).toMatch(/^ {4}EXTRAPOLATED from those: 350 s\/step, full run 1200 s .*VAE share 70%/);
  });

  it('reports a failed case and a missing import', () => {
    const lines = sd15Lines({ variant: 'fp16', importRecord: null, small: { failed: 'boom' } });
    expect(lines).toEqual(['sd15 fp16: import - (peak RSS - MiB), pack - on disk', '  case failed: boom']);
  });
});
