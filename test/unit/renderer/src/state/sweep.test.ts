import { describe, expect, it } from 'vitest';
import { applyControlEdit, controlsFromText, defaultControls } from '../../../../../renderer/src/state/promptBuilder';
import { MAX_SWEEP_CELLS, cellLabel, gridShape, initialSweepState, parseSweepValues, sweepCells, sweepReducer, sweepStartKey, sweepStartValues } from '../../../../../renderer/src/state/sweep';

describe('sweep values', () => {
  const ok: [string, string, number[]][] = [
    ['blur', '0.5, 1, 2', [0.5, 1, 2]],
    ['blur', '0.5 1.0;2.0', [0.5, 1, 2]],
    ['blur', '0.5:2.5:5', [0.5, 1, 1.5, 2, 2.5]],
    ['jpeg', '30:90:3', [30, 60, 90]],
    ['noise', '0.011, 0.05', [0.01, 0.05]],
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
  ];
  it.each(bad)('%s %j is refused', (key, text, reason) => {
    const r = parseSweepValues(key, text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
});

describe('sweep cells', () => {
  it('1-D: only the swept operation changes; the others stay as the prompt has them', () => {
    let base = applyControlEdit(defaultControls(), { kind: 'value', key: 'blur', value: 1.5 });
    base = applyControlEdit(base, { kind: 'toggle', key: 'jpeg', enabled: true });
    base = applyControlEdit(base, { kind: 'withNumber', key: 'jpeg', withNumber: false });
    const cells = sweepCells(base, [{ key: 'blur', values: [0.5, 2] }]);
    expect(cells.map((c) => c.restorationPrompt)).toEqual(['Deblur with sigma 0.5; Dejpeg;', 'Deblur with sigma 2.0; Dejpeg;']);
    expect(cells.map((c) => [c.row, c.col])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(cellLabel(cells[1]!)).toBe('sigma 2.0');
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
    expect(cellLabel(cells[3]!)).toBe('sigma 0.10 · factor 4.0');
    expect(gridShape({ axes: [{ key: 'noise', values: [0, 0.1] }, { key: 'downsample', values: [2, 4] }] })).toEqual({ cols: 2, rows: 2 });
  });

  it('refuses the same parameter twice and too many cells', () => {
    expect(() => sweepCells(defaultControls(), [{ key: 'blur', values: [1] }, { key: 'blur', values: [2] }])).toThrow(/two different/);
    const many = Array.from({ length: 6 }, (_, i) => 0.5 + i * 0.1);
    expect(() => sweepCells(defaultControls(), [{ key: 'blur', values: many }, { key: 'jpeg', values: [30, 40, 50, 60, 70] }])).toThrow(
      new RegExp(`at most ${MAX_SWEEP_CELLS}`),
    );
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
});

describe('where a sweep starts', () => {
  const controls = (text: string) => {
    const sync = controlsFromText(text, defaultControls());
    if (!sync.ok) throw new Error(sync.error);
    return sync.controls;
  };

  it('on the first operation the prompt gives a number (the estimate’s), around its value', () => {
    const estimated = controls('Deblur; Denoise with sigma 0.04; Dejpeg with quality 87;');
    expect(sweepStartKey(estimated)).toBe('noise');
    expect(sweepStartValues('noise', estimated)).toBe('0.02, 0.04, 0.06');
    expect(sweepStartValues('jpeg', estimated)).toBe('44, 87, 92'); // clamped to the grammar's range
    expect(parseSweepValues('noise', sweepStartValues('noise', estimated))).toEqual({ ok: true, values: [0.02, 0.04, 0.06] });
    expect(sweepStartValues('blur', controls('Deblur with sigma 1.4;'))).toBe('0.7, 1.4, 2.1');
  });

  it('a spread over the range for an operation the prompt leaves out, and blur for a prompt without numbers', () => {
    const blind = defaultControls();
    expect(sweepStartKey(blind)).toBe('blur');
    expect(sweepStartValues('blur', blind)).toBe('0.5, 1.0, 2.0');
    expect(sweepStartValues('noise', controls(''))).toBe('0.00, 0.05, 0.10');
    expect(sweepStartValues('downsample', controls('Denoise;'))).toBe('1.0, 2.0, 4.0');
    expect(sweepStartValues('jpeg', controls('Denoise;'))).toBe('30, 50, 80');
    expect(sweepStartValues('noise', controls('Denoise with sigma 0.00;'))).toBe('0.00, 0.05, 0.10'); // half and 1.5 times 0 are 0
  });

  it('labels the cell that ran the estimate', () => {
    expect(cellLabel({ values: { noise: 0.04 } }, true)).toBe('sigma 0.04 (estimate)');
    expect(cellLabel({ values: { noise: 0.04 } })).toBe('sigma 0.04');
  });
});
