/**
 * Strength sweep, the paper's walk through prompt space: one restoration parameter
 * (or two, for a 2-D grid) takes a list of values; every cell is one run with the
 * current prompt changed only in that parameter. The prompt walked is the photo's, or
 * one region's own (`SweepTarget`): then every cell runs the photo's prompt as it is
 * and gives that region the cell's prompt. Pure: values in, cells out, and the sweep's
 * progress as a reducer.
 */
import { formatRestorationPrompt, formatValue } from '../../../common/restorationPrompt';
import type { PromptControls } from './promptBuilder';
import { OPERATIONS, operationSpec, snapValue } from './promptBuilder';
import type { RegionsState } from './regions';
import { isSentToRun } from './regions';

/** Cells in one sweep at most (each is a full run). */
export const MAX_SWEEP_CELLS = 25;

export interface SweepAxis {
  /** Grammar key: blur, downsample, noise, jpeg. */
  key: string;
  values: number[];
}

/** Whose restoration prompt a sweep walks: the photo's, or one region's (it gets its own prompt in every cell). */
export type SweepTarget = { kind: 'photo' } | { kind: 'region'; regionId: string; name: string };

export const PHOTO_TARGET: SweepTarget = { kind: 'photo' };

/** The regions a sweep can walk: those a run sends that restore (not Keep as is), top of the list first. */
export function sweepTargets(regions: RegionsState): SweepTarget[] {
  return regions.items.filter((r) => isSentToRun(r) && r.restoration.mode !== 'keep').map((r) => ({ kind: 'region', regionId: r.id, name: r.name }));
}

/**
 * The controls a sweep over `target` starts from: the photo's prompt's, or the region's own
 * prompt's (a region that follows the photo's prompt starts from the photo's).
 */
export function sweepControls(state: { studio: { prompt: { controls: PromptControls } }; regions: RegionsState }, target: SweepTarget): PromptControls {
  if (target.kind === 'photo') return state.studio.prompt.controls;
  const region = state.regions.items.find((r) => r.id === target.regionId);
  return region?.restoration.mode === 'prompt' ? region.restoration.controls : state.studio.prompt.controls;
}

export interface SweepCell {
  index: number;
  /** Row (second axis) and column (first axis). */
  row: number;
  col: number;
  /** The prompt of the target (the photo's, or the region's) this cell runs. */
  restorationPrompt: string;
  /** The swept values, by key. */
  values: Record<string, number>;
}

export type ValuesParse = { ok: true; values: number[] } | { ok: false; error: string };

/**
 * Reads a list of values for one operation: numbers separated by commas or spaces
 * ("0.5, 1, 2"), or a range `from:to:count` ("0.5:3:6", evenly spaced, ends included).
 * Each must be inside the grammar's range; values are rounded to its grid and
 * duplicates (after rounding) are refused.
 */
export function parseSweepValues(key: string, text: string): ValuesParse {
  const spec = operationSpec(key);
  const range = `${spec.min} to ${spec.max}`;
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: `Give ${spec.name} ${spec.param} values, e.g. "${spec.min}, ${spec.max}" or "${spec.min}:${spec.max}:5".` };
  let raw: number[];
  const rangeMatch = /^([^:]+):([^:]+):([^:]+)$/.exec(trimmed);
  if (rangeMatch) {
    const [from, to, count] = rangeMatch.slice(1).map((p) => Number(p.trim())) as [number, number, number];
    if (![from, to, count].every(Number.isFinite) || !Number.isInteger(count) || count < 2) {
      return { ok: false, error: `"${trimmed}" is not a range: write from:to:count with a whole count of 2 or more, e.g. "${spec.min}:${spec.max}:5".` };
    }
    raw = Array.from({ length: count }, (_, i) => from + ((to - from) * i) / (count - 1));
  } else {
    const parts = trimmed.split(/[\s,;]+/).filter((p) => p !== '');
    const bad = parts.find((p) => !Number.isFinite(Number(p)));
    if (bad !== undefined) return { ok: false, error: `"${bad}" is not a number; separate values with commas, e.g. "${spec.min}, ${spec.max}".` };
    raw = parts.map(Number);
  }
  const outside = raw.find((v) => v < spec.min - 1e-9 || v > spec.max + 1e-9);
  if (outside !== undefined) return { ok: false, error: `${spec.name} ${spec.param} ${outside} is out of range: allowed ${range}.` };
  const values = raw.map((v) => snapValue(spec, v));
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) return { ok: false, error: `${spec.name} ${spec.param} ${dup} appears twice (values are rounded to ${spec.decimals} decimals).` };
  if (values.length > MAX_SWEEP_CELLS) return { ok: false, error: `At most ${MAX_SWEEP_CELLS} values.` };
  return { ok: true, values };
}

/**
 * The cells of a sweep over `axes` (one or two) starting from the current controls:
 * the swept operations are switched on with each value; everything else stays as the
 * prompt has it. The blind preset cannot carry numbers, so a sweep from it starts
 * from no operation. Row-major: the first axis runs along a row.
 */
export function sweepCells(base: PromptControls, axes: readonly SweepAxis[]): SweepCell[] {
  if (axes.length < 1 || axes.length > 2) throw new Error('A sweep has one or two parameters.');
  if (axes.length === 2 && axes[0]!.key === axes[1]!.key) throw new Error('Pick two different parameters for a 2-D sweep.');
  const [cols, rows] = [axes[0]!, axes[1] ?? null];
  const rowValues: (number | null)[] = rows ? rows.values : [null];
  const count = cols.values.length * rowValues.length;
  if (count > MAX_SWEEP_CELLS) throw new Error(`${count} cells is too many: at most ${MAX_SWEEP_CELLS} runs per sweep.`);
  const cells: SweepCell[] = [];
  rowValues.forEach((rowValue, row) => {
    cols.values.forEach((colValue, col) => {
      const values: Record<string, number> = { [cols.key]: colValue };
      if (rows && rowValue !== null) values[rows.key] = rowValue;
      const operations = OPERATIONS.flatMap((spec) => {
        if (spec.key in values) return [{ key: spec.key, value: snapValue(spec, values[spec.key]!) }];
        const c = base.blind ? undefined : base.ops[spec.key];
        return c?.enabled ? [{ key: spec.key, value: c.withNumber ? snapValue(spec, c.value) : null }] : [];
      });
      cells.push({ index: cells.length, row, col, values, restorationPrompt: formatRestorationPrompt({ operations, blind: false }) });
    });
  });
  return cells;
}

/** A running or finished sweep. */
export interface SweepRun {
  id: string;
  /** Whose prompt the cells walk. */
  target: SweepTarget;
  axes: SweepAxis[];
  cells: SweepCell[];
  /** History entry id per cell once it is done (null before, or when it failed). */
  results: (string | null)[];
  /** Cells whose run failed, with the reason. */
  failures: Record<number, string>;
  /** The seed every cell runs with. */
  seed: number;
  /** The next cell to start; === cells.length when all have been started. */
  next: number;
  status: 'running' | 'done' | 'cancelled';
}

export interface SweepState {
  /** The last sweep (its grid stays until a new one starts). */
  run: SweepRun | null;
}

export const initialSweepState: SweepState = { run: null };

export type SweepAction =
  | { type: 'sweep/started'; id: string; axes: SweepAxis[]; cells: SweepCell[]; seed: number; /** Absent: the photo's prompt. */ target?: SweepTarget }
  | { type: 'sweep/cellStarted'; id: string; index: number }
  | { type: 'sweep/cellDone'; id: string; index: number; entryId: string }
  | { type: 'sweep/cellFailed'; id: string; index: number; reason: string }
  | { type: 'sweep/cancelled'; id: string }
  | { type: 'sweep/cleared' };

function finished(run: SweepRun): SweepRun {
  const settled = run.results.every((r, i) => r !== null || i in run.failures);
  return settled && run.status === 'running' ? { ...run, status: 'done' } : run;
}

export function sweepReducer(state: SweepState, action: SweepAction): SweepState {
  if (action.type === 'sweep/started') {
    return {
      run: { id: action.id, target: action.target ?? PHOTO_TARGET, axes: action.axes, cells: action.cells, seed: action.seed, results: action.cells.map(() => null), failures: {}, next: 0, status: 'running' },
    };
  }
  if (action.type === 'sweep/cleared') return { run: null };
  const run = state.run;
  if (!run || run.id !== action.id) return state;
  switch (action.type) {
    case 'sweep/cellStarted':
      return { run: { ...run, next: Math.max(run.next, action.index + 1) } };
    case 'sweep/cellDone': {
      const results = run.results.slice();
      results[action.index] = action.entryId;
      return { run: finished({ ...run, results }) };
    }
    case 'sweep/cellFailed':
      return { run: finished({ ...run, failures: { ...run.failures, [action.index]: action.reason } }) };
    case 'sweep/cancelled':
      return run.status === 'running' ? { run: { ...run, status: 'cancelled' } } : state;
  }
}

/** Columns and rows of the grid. */
export function gridShape(run: Pick<SweepRun, 'axes'>): { cols: number; rows: number } {
  return { cols: run.axes[0]?.values.length ?? 0, rows: run.axes[1]?.values.length ?? 1 };
}

/**
 * A cell's label, e.g. "sigma 1.5" or "sigma 1.5 · quality 40"; "sigma 0.04 (estimate)" for the cell
 * whose run used the photo's estimate unchanged.
 */
export function cellLabel(cell: Pick<SweepCell, 'values'>, estimated = false): string {
  const label = Object.entries(cell.values)
    .map(([key, value]) => {
      const spec = operationSpec(key);
      return `${spec.param} ${value.toFixed(spec.decimals)}`;
    })
    .join(' · ');
  return estimated ? `${label} (estimate)` : label;
}

/** A cell's label on an export sheet: the region's name first when the sweep walked a region's prompt. */
export function sheetLabel(target: SweepTarget, label: string): string {
  return target.kind === 'region' ? `${target.name}: ${label}` : label;
}

/** Values a sweep offers for an operation the prompt does not give a number: a spread over its range. */
const SPREAD: Readonly<Record<string, readonly number[]>> = { blur: [0.5, 1.0, 2.0], downsample: [1.0, 2.0, 4.0], noise: [0.0, 0.05, 0.1], jpeg: [30, 50, 80] };

/** The operation a sweep starts on: the first one the prompt gives a number (e.g. the estimate's noise), else blur. */
export function sweepStartKey(controls: PromptControls): string {
  if (controls.blind) return 'blur';
  return OPERATIONS.find((spec) => controls.ops[spec.key]?.enabled && controls.ops[spec.key]?.withNumber)?.key ?? 'blur';
}

/**
 * The values a sweep over `key` starts with, as text: around the prompt's own value when it gives one
 * (half, itself, one and a half times: the estimate's noise sigma 0.04 -> "0.02, 0.04, 0.06"), so the
 * sweep walks from the estimate; else (or when that gives one value, e.g. sigma 0) a spread over the
 * operation's range.
 */
export function sweepStartValues(key: string, controls: PromptControls): string {
  const spec = operationSpec(key);
  const c = controls.blind ? undefined : controls.ops[key];
  const distinct = (vs: readonly number[]) => vs.map((v) => snapValue(spec, v)).filter((v, i, all) => all.indexOf(v) === i);
  const around = c?.enabled && c.withNumber ? distinct([c.value * 0.5, c.value, c.value * 1.5]) : [];
  const values = around.length >= 2 ? around : distinct(SPREAD[key] ?? [spec.min, spec.max]);
  return values.map((v) => formatValue(spec, v)).join(', ');
}
