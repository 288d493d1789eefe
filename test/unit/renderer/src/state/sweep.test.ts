import { describe, expect, it } from 'vitest';
import type { DegradationEstimate } from '../../../../../common/estimate';
import { RESTORER_VIEWS, RUN_RANGES } from '../../../../../common/runSettings';
import type { PromptControls } from '../../../../../renderer/src/state/promptBuilder';
import { applyControlEdit, controlsFromText, defaultControls, initialPromptState, withTypedText } from '../../../../../renderer/src/state/promptBuilder';
import { initialRegionsState } from '../../../../../renderer/src/state/regions';
import { buildRestoreRequest } from '../../../../../renderer/src/state/run';
import type { RunSettings } from '../../../../../renderer/src/state/settings';
import { DEFAULT_RUN_SETTINGS } from '../../../../../renderer/src/state/settings';
import type { SweepAxis, SweepSource } from '../../../../../renderer/src/state/sweep';
import {
  MAX_SWEEP_CELLS,
  PHOTO_TARGET,
  SWEEP_PARAMS,
  cellJob,
  cellLabel,
  defaultSweepAxes,
  gridShape,
  initialSweepState,
  parseSweepValues,
  sweepBaseLabel,
  sweepCells,
  sweepControls,
  sweepParam,
  sweepProblem,
  sweepReducer,
  sweepStartValues,
} from '../../../../../renderer/src/state/sweep';

const controls = (text: string): PromptControls => {
  const sync = controlsFromText(text, defaultControls());
  if (!sync.ok) throw new Error(sync.error);
  return sync.controls;
};

/** Diffusion at strength 1, no restorer: the app's defaults with a few steps. */
const DIFFUSION: RunSettings = { ...DEFAULT_RUN_SETTINGS, steps: 20, strength: 1, guidanceScale: 7.5, useRestorer: false };
/** The embedded pack's recommendation: the restorer alone (strength 0, faithful). */
const RESTORER_ONLY: RunSettings = { ...DIFFUSION, strength: 0, useRestorer: true, restorerViews: 8 };

describe('what a sweep can walk', () => {
  it('the prompt’s four numbers and five run settings, with the run settings’ own limits', () => {
    expect(SWEEP_PARAMS.map((p) => [p.key, p.kind])).toEqual([
      ['blur', 'prompt'],
      ['downsample', 'prompt'],
      ['noise', 'prompt'],
      ['jpeg', 'prompt'],
      ['strength', 'setting'],
      ['guidanceScale', 'setting'],
      ['steps', 'setting'],
      ['colorFixLevels', 'setting'],
      ['restorerViews', 'setting'],
    ]);
    for (const key of ['strength', 'guidanceScale', 'steps', 'colorFixLevels'] as const) {
      expect([sweepParam(key).min, sweepParam(key).max]).toEqual([RUN_RANGES[key].min, RUN_RANGES[key].max]);
    }
    expect(sweepParam('restorerViews').allowed).toEqual(RESTORER_VIEWS);
    expect(() => sweepParam('eta')).toThrow(/unknown sweep parameter 'eta'/);
  });
});

describe('sweep values', () => {
  const ok: [string, string, number[]][] = [
    ['blur', '0.5, 1, 2', [0.5, 1, 2]],
    ['blur', '0.5 1.0;2.0', [0.5, 1, 2]],
    ['blur', '0.5:2.5:5', [0.5, 1, 1.5, 2, 2.5]],
    ['jpeg', '30:90:3', [30, 60, 90]],
    ['noise', '0.011, 0.05', [0.01, 0.05]],
    ['guidanceScale', '0, 3.25, 12', [0, 3.3, 12]],
    ['steps', '10:30:3', [10, 20, 30]],
    ['strength', '0.3, 1', [0.3, 1]],
    ['colorFixLevels', '3 5', [3, 5]],
    ['restorerViews', '1, 8', [1, 8]],
  ];
  it.each(ok)('%s %j', (key, text, values) => {
    expect(parseSweepValues(key, text)).toEqual({ ok: true, values });
  });

  const bad: [string, string, RegExp][] = [
    ['blur', '', /Give Deblur sigma values/],
    ['blur', '0.5, x', /"x" is not a number/],
    ['blur', '0.1, 1', /Deblur sigma 0.1 is out of range: allowed 0.2 to 3/],
    ['jpeg', '40, 40.2', /appears twice/],
    ['blur', '1:2:1', /not a range/],
    ['downsample', '1:7:30', /At most 25 values/],
    ['strength', '0.5, 1.5', /Strength 1.5 is out of range: allowed 0 to 1/],
    ['guidanceScale', '60', /Guidance 60 is out of range: allowed 0 to 50/],
    ['steps', '10.2, 10.4', /Steps 10 appears twice \(values are rounded to whole numbers\)/],
    ['restorerViews', '1, 3', /Restorer views 3 is out of range: allowed one of 1, 2, 4, 8/],
    ['restorerViews', '', /Give Restorer views values, e.g. "1, 2, 4, 8"\./],
  ];
  it.each(bad)('%s %j is refused', (key, text, reason) => {
    const r = parseSweepValues(key, text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
});

describe('default axes follow the prompt', () => {
  // prompt, run settings, the axes the dialog opens with
  const table: [string, string, RunSettings, [string, string][]][] = [
    ['Denoise only: the noise sigma around its value, not Deblur', 'Denoise with sigma 0.05;', DIFFUSION, [['noise', '0.03, 0.05, 0.08']]],
    ['Deblur and Denoise: a grid of both', 'Deblur with sigma 2.0; Denoise with sigma 0.05;', DIFFUSION, [['blur', '1.0, 2.0, 3.0'], ['noise', '0.03, 0.05, 0.08']]],
    ['the output size is not walked', 'Upsample to 2.0x; Dejpeg with quality 40;', DIFFUSION, [['jpeg', '30, 40, 60']]],
    ['the first two of three', 'Deblur with sigma 1.0; Denoise with sigma 0.04; Dejpeg with quality 40;', DIFFUSION, [['blur', '0.5, 1.0, 1.5'], ['noise', '0.02, 0.04, 0.06']]],
    ['an operation without a number: a spread', 'Denoise;', DIFFUSION, [['noise', '0.00, 0.05, 0.10']]],
    ['plain words, as understood', 'sharpen a little', DIFFUSION, [['blur', '0.4, 0.8, 1.2']]],
    ['restorer only with a prompt: the prompt, not the strength', 'Denoise with sigma 0.08;', RESTORER_ONLY, [['noise', '0.04, 0.08, 0.12']]],
    ['restorer only, nothing to walk in the prompt: the restorer views', '', RESTORER_ONLY, [['restorerViews', '1, 2, 4, 8']]],
    ['the blind preset with diffusion: the strength around its value', 'Remove all degradation', DIFFUSION, [['strength', '0.50, 0.75, 1.00']]],
    ['only an output size, diffusion at 0.3', 'Upsample to 4.0x;', { ...DIFFUSION, strength: 0.3 }, [['strength', '0.05, 0.30, 0.55']]],
  ];
  it.each(table)('%s', (_what, text, settings, axes) => {
    expect(defaultSweepAxes(controls(text), settings, true).map((a) => [a.key, a.values])).toEqual(axes);
    // What the dialog opens with is a sweep it can run.
    const parsed: SweepAxis[] = axes.map(([key, values]) => {
      const r = parseSweepValues(key, values);
      if (!r.ok) throw new Error(r.error);
      return { key, values: r.values };
    });
    expect(sweepProblem(parsed, settings, true)).toBeNull();
  });

  const estimate: DegradationEstimate = { restorationPrompt: 'Deblur with sigma 1.4; Denoise with sigma 0.04;', operations: [], jpegQualityFromFile: null, patches: 4, ms: 3 };
  const source = (text: string, status: 'ready' | 'reading'): SweepSource => ({
    studio: { prompt: withTypedText(initialPromptState(), text), estimate: { imageId: 'img', packDir: '/packs/p', status, estimate: status === 'ready' ? estimate : null } },
    regions: initialRegionsState,
    image: { id: 'img' },
    engine: { pack: { dir: '/packs/p' } },
  });

  it('auto: the estimate’s operations, at the prompt’s output size (blur scales with it)', () => {
    expect(defaultSweepAxes(sweepControls(source('auto', 'ready'), PHOTO_TARGET), DIFFUSION, true)).toEqual([
      { key: 'blur', values: '0.7, 1.4, 2.1' },
      { key: 'noise', values: '0.02, 0.04, 0.06' },
    ]);
    expect(defaultSweepAxes(sweepControls(source('auto; Upsample to 2.0x;', 'ready'), PHOTO_TARGET), DIFFUSION, true)[0]).toEqual({ key: 'blur', values: '1.4, 2.8, 3.0' });
    // The cells of a prompt sweep from `auto` run the estimate's clauses with the swept value.
    const cells = sweepCells(sweepControls(source('auto', 'ready'), PHOTO_TARGET), [{ key: 'noise', values: [0.02, 0.06] }]);
    expect(cells.map((c) => c.restorationPrompt)).toEqual(['Deblur with sigma 1.4; Denoise with sigma 0.02;', 'Deblur with sigma 1.4; Denoise with sigma 0.06;']);
  });

  it('auto before the photo is read, or for another photo: a run setting', () => {
    expect(defaultSweepAxes(sweepControls(source('auto', 'reading'), PHOTO_TARGET), DIFFUSION, true)).toEqual([{ key: 'strength', values: '0.50, 0.75, 1.00' }]);
    const other = { ...source('auto', 'ready'), image: { id: 'another' } };
    expect(defaultSweepAxes(sweepControls(other, PHOTO_TARGET), RESTORER_ONLY, true)).toEqual([{ key: 'restorerViews', values: '1, 2, 4, 8' }]);
  });

  it('says what it starts from: the prompt as the cells see it', () => {
    expect(sweepBaseLabel(source('auto', 'ready'), PHOTO_TARGET)).toBe('auto: the estimate, Deblur with sigma 1.4; Denoise with sigma 0.04;');
    expect(sweepBaseLabel(source('auto', 'reading'), PHOTO_TARGET)).toBe('auto: read from the photo when each cell runs');
    expect(sweepBaseLabel(source('sharpen a little', 'ready'), PHOTO_TARGET)).toBe('Deblur with sigma 0.8;');
    expect(sweepBaseLabel(source('', 'ready'), PHOTO_TARGET)).toBe('(nothing to fix)');
    expect(sweepBaseLabel(source('Deblur with sigma 9.0;', 'ready'), PHOTO_TARGET)).toMatch(/not valid yet/);
  });

  it('a run setting starts around its current value, inside its range', () => {
    const c = controls('');
    expect(sweepStartValues('guidanceScale', c, DIFFUSION)).toBe('5.0, 7.5, 10.0');
    expect(sweepStartValues('guidanceScale', c, { ...DIFFUSION, guidanceScale: 0 })).toBe('0.0, 2.5, 5.0');
    expect(sweepStartValues('steps', c, DIFFUSION)).toBe('10, 20, 40');
    expect(sweepStartValues('steps', c, { ...DIFFUSION, steps: 1 })).toBe('1, 2'); // half of 1 rounds up to 1
    expect(sweepStartValues('colorFixLevels', c, { ...DIFFUSION, colorFixLevels: 8 })).toBe('6, 7, 8');
    expect(sweepStartValues('strength', c, { ...DIFFUSION, strength: 0 })).toBe('0.00, 0.25, 0.50');
  });
});

describe('where a prompt sweep starts (the estimate’s value)', () => {
  it('around the prompt’s own number; a spread for an operation it leaves out', () => {
    const estimated = controls('Deblur; Denoise with sigma 0.04; Dejpeg with quality 87;');
    expect(sweepStartValues('noise', estimated)).toBe('0.02, 0.04, 0.06');
    expect(sweepStartValues('jpeg', estimated)).toBe('44, 87, 92'); // clamped to the grammar's range
    expect(sweepStartValues('blur', controls('Deblur with sigma 1.4;'))).toBe('0.7, 1.4, 2.1');
    expect(sweepStartValues('blur', defaultControls())).toBe('0.5, 1.0, 2.0');
    expect(sweepStartValues('downsample', controls('Denoise;'))).toBe('1.0, 2.0, 4.0');
    expect(sweepStartValues('noise', controls('Denoise with sigma 0.00;'))).toBe('0.00, 0.05, 0.10'); // half and 1.5 times 0 are 0
  });
});

describe('sweep cells', () => {
  it('1-D over a prompt number: only the swept operation changes; the others stay as the prompt has them', () => {
    let base = applyControlEdit(defaultControls(), { kind: 'value', key: 'blur', value: 1.5 });
    base = applyControlEdit(base, { kind: 'toggle', key: 'jpeg', enabled: true });
    base = applyControlEdit(base, { kind: 'withNumber', key: 'jpeg', withNumber: false });
    const cells = sweepCells(base, [{ key: 'blur', values: [0.5, 2] }]);
    expect(cells.map((c) => c.restorationPrompt)).toEqual(['Deblur with sigma 0.5; Dejpeg;', 'Deblur with sigma 2.0; Dejpeg;']);
    expect(cells.map((c) => c.settings)).toEqual([{}, {}]);
    expect(cells.map((c) => [c.row, c.col])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(cellLabel(cells[1]!)).toBe('blur σ 2.0');
  });

  it('2-D: row-major grid, from the blind preset starting with no operation', () => {
    const cells = sweepCells(defaultControls(), [
      { key: 'noise', values: [0, 0.1] },
      { key: 'downsample', values: [2, 4] },
    ]);
    expect(cells.map((c) => c.restorationPrompt)).toEqual([
      'Upsample to 2.0x; Denoise with sigma 0.00;',
      'Upsample to 2.0x; Denoise with sigma 0.10;',
      'Upsample to 4.0x; Denoise with sigma 0.00;',
      'Upsample to 4.0x; Denoise with sigma 0.10;',
    ]);
    expect(cellLabel(cells[3]!)).toBe('noise σ 0.10 · upsample 4.0x');
    expect(gridShape({ axes: [{ key: 'noise', values: [0, 0.1] }, { key: 'downsample', values: [2, 4] }] })).toEqual({ cols: 2, rows: 2 });
  });

  it('run settings alone leave the prompt as it is (the blind preset, auto); each cell carries its settings', () => {
    const cells = sweepCells(defaultControls(), [
      { key: 'guidanceScale', values: [3, 9] },
      { key: 'steps', values: [10, 20] },
    ]);
    expect(cells.map((c) => c.restorationPrompt)).toEqual([null, null, null, null]);
    expect(cells.map((c) => c.settings)).toEqual([
      { guidanceScale: 3, steps: 10 },
      { guidanceScale: 9, steps: 10 },
      { guidanceScale: 3, steps: 20 },
      { guidanceScale: 9, steps: 20 },
    ]);
    expect(cells.map((c) => cellLabel(c))).toEqual(['guidance 3.0 · steps 10', 'guidance 9.0 · steps 10', 'guidance 3.0 · steps 20', 'guidance 9.0 · steps 20']);
    expect(cellLabel({ values: { restorerViews: 4, colorFixLevels: 3 } })).toBe('views 4 · colour fix 3');
  });

  it('refuses the same parameter twice, an unknown one and too many cells', () => {
    expect(() => sweepCells(defaultControls(), [{ key: 'blur', values: [1] }, { key: 'blur', values: [2] }])).toThrow(/two different/);
    expect(() => sweepCells(defaultControls(), [{ key: 'seed', values: [1, 2] }])).toThrow(/unknown sweep parameter/);
    const many = Array.from({ length: 6 }, (_, i) => 0.5 + i * 0.1);
    expect(() => sweepCells(defaultControls(), [{ key: 'blur', values: many }, { key: 'jpeg', values: [30, 40, 50, 60, 70] }])).toThrow(
      new RegExp(`at most ${MAX_SWEEP_CELLS}`),
    );
  });
});

describe('a cell’s run', () => {
  /** The params of the restore request a cell sends, as app/jobs.ts builds it (its settings over the store's). */
  const paramsOf = (text: string, settings: RunSettings, job: ReturnType<typeof cellJob>) => {
    const built = buildRestoreRequest({
      imageId: 'img',
      prompt: { semantic: 'a red barn', restorationText: text },
      settings: { ...settings, ...job.settings },
      seed: 42,
      regions: [],
      hasRestorer: true,
      ...(job.restorationPrompt !== undefined ? { restorationPrompt: job.restorationPrompt } : {}),
    });
    if (!built.ok) throw new Error(built.reason);
    return built.request.params as unknown as Record<string, unknown>;
  };
  const differing = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
  /** The request field a swept parameter lands in. */
  const fieldOf = (key: string) => (sweepParam(key).kind === 'prompt' ? 'restorationPrompt' : key);

  const sweeps: [string, string, RunSettings, SweepAxis[]][] = [
    ['noise sigma x guidance', 'Deblur with sigma 1.0; Denoise with sigma 0.05;', DIFFUSION, [{ key: 'noise', values: [0.02, 0.08] }, { key: 'guidanceScale', values: [3, 12] }]],
    ['strength x steps', 'Remove all degradation', { ...DIFFUSION, useRestorer: true }, [{ key: 'strength', values: [0, 0.5, 1] }, { key: 'steps', values: [10, 30] }]],
    ['colour fix levels', 'auto', DIFFUSION, [{ key: 'colorFixLevels', values: [2, 5, 8] }]],
    ['restorer views', 'Dejpeg with quality 40;', RESTORER_ONLY, [{ key: 'restorerViews', values: [1, 2, 4, 8] }]],
    ['JPEG quality x upsample', 'Dejpeg with quality 40;', RESTORER_ONLY, [{ key: 'jpeg', values: [20, 60] }, { key: 'downsample', values: [1, 2] }]],
  ];
  it.each(sweeps)('%s: any two cells differ exactly in the values they sweep', (_what, text, settings, axes) => {
    expect(sweepProblem(axes, settings, true)).toBeNull();
    const cells = sweepCells(controls(text), axes);
    const params = cells.map((cell) => paramsOf(text, settings, cellJob(PHOTO_TARGET, cell)));
    const base = paramsOf(text, settings, { settings: {} });
    for (let i = 0; i < cells.length; i++) {
      // Against the photo's own run: nothing but the swept fields (seed, semantic prompt, the rest as they are).
      expect(differing(base, params[i]!).every((k) => axes.some((a) => fieldOf(a.key) === k) || k === 'restorerViews' || k === 'useRestorer')).toBe(true);
      for (let j = i + 1; j < cells.length; j++) {
        const swept = axes.filter((a) => cells[i]!.values[a.key] !== cells[j]!.values[a.key]).map((a) => fieldOf(a.key));
        expect(differing(params[i]!, params[j]!)).toEqual([...new Set(swept)].sort());
      }
    }
    // The swept values arrive as they are.
    for (const [i, cell] of cells.entries()) {
      for (const [key, value] of Object.entries(cell.values)) {
        if (sweepParam(key).kind === 'setting') expect(params[i]![key]).toBe(value);
        else expect(params[i]!.restorationPrompt).toBe(cell.restorationPrompt);
      }
    }
  });

  it('a settings sweep sends the prompt as the field has it; a prompt sweep over a region replaces only that region’s', () => {
    const [cell] = sweepCells(controls('auto'), [{ key: 'guidanceScale', values: [3, 4] }]);
    expect(paramsOf('auto', DIFFUSION, cellJob(PHOTO_TARGET, cell!)).restorationPrompt).toBe('auto');
    const [regionCell] = sweepCells(controls('Denoise with sigma 0.05;'), [{ key: 'noise', values: [0.02] }]);
    const region = { kind: 'region' as const, regionId: 'r1', name: 'Sky' };
    expect(cellJob(region, regionCell!)).toEqual({ regionPrompt: { regionId: 'r1', restorationPrompt: 'Denoise with sigma 0.02;' }, settings: {} });
    expect(cellJob(region, cell!)).toEqual({ settings: { guidanceScale: 3 } });
  });
});

describe('a sweep that cannot run, or would change nothing, says what to do', () => {
  const table: [string, SweepAxis[], RunSettings, boolean | undefined, RegExp | null][] = [
    ['guidance at restorer only', [{ key: 'guidanceScale', values: [3, 9] }], RESTORER_ONLY, true, /Guidance changes nothing at strength 0 \(restorer only\): raise the strength/],
    ['steps at restorer only', [{ key: 'steps', values: [10, 20] }], RESTORER_ONLY, true, /Steps changes nothing at strength 0/],
    ['guidance with a strength sweep that diffuses', [{ key: 'guidanceScale', values: [3, 9] }, { key: 'strength', values: [0, 0.5] }], RESTORER_ONLY, true, null],
    ['strength 0 without faithful mode', [{ key: 'strength', values: [0, 0.5] }], DIFFUSION, true, /turn Faithful on in the run panel, or leave 0 out/],
    ['strength 0 with a pack that has no restorer', [{ key: 'strength', values: [0, 0.5] }], { ...DIFFUSION, useRestorer: true }, false, /this pack has none: leave 0 out/],
    ['a strength that runs no step', [{ key: 'strength', values: [0.05, 0.5] }], { ...DIFFUSION, steps: 4 }, true, /Strength 0.05 with 4 steps runs no step/],
    ['colour fix levels with AdaIN', [{ key: 'colorFixLevels', values: [3, 5] }], { ...DIFFUSION, colorFix: 'adain' }, true, /only with the wavelet colour fix/],
    ['restorer views without faithful mode', [{ key: 'restorerViews', values: [1, 8] }], DIFFUSION, true, /only in faithful mode: turn Faithful on/],
    ['restorer views in faithful mode', [{ key: 'restorerViews', values: [1, 8] }], RESTORER_ONLY, true, null],
    ['a prompt number at restorer only', [{ key: 'noise', values: [0.02, 0.08] }], RESTORER_ONLY, true, null],
  ];
  it.each(table)('%s', (_what, axes, settings, hasRestorer, problem) => {
    const said = sweepProblem(axes, settings, hasRestorer);
    if (problem === null) expect(said).toBeNull();
    else expect(said).toMatch(problem);
  });
});

describe('sweep progress', () => {
  it('is done when every cell has a result or failed; a stale sweep id is ignored', () => {
    const cells = sweepCells(defaultControls(), [{ key: 'blur', values: [1, 2] }]);
    let s = sweepReducer(initialSweepState, { type: 'sweep/started', id: 's1', axes: [{ key: 'blur', values: [1, 2] }], cells, seed: 5 });
    s = sweepReducer(s, { type: 'sweep/cellStarted', id: 's1', index: 0 });
    expect(s.run?.next).toBe(1);
    s = sweepReducer(s, { type: 'sweep/cellDone', id: 's1', index: 0, entryId: 'r0' });
    expect(s.run?.status).toBe('running');
    expect(sweepReducer(s, { type: 'sweep/cellDone', id: 'old', index: 1, entryId: 'x' })).toBe(s);
    s = sweepReducer(s, { type: 'sweep/cellFailed', id: 's1', index: 1, reason: 'boom' });
    expect(s.run).toMatchObject({ status: 'done', results: ['r0', null], failures: { 1: 'boom' } });
    expect(sweepReducer(s, { type: 'sweep/cancelled', id: 's1' })).toBe(s);
  });

  it('labels the cell that ran the estimate', () => {
    expect(cellLabel({ values: { noise: 0.04 } }, true)).toBe('noise σ 0.04 (estimate)');
    expect(cellLabel({ values: { jpeg: 40 } })).toBe('JPEG q 40');
  });
});
