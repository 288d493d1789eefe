/**
 * The sweep, the paper's walk through prompt space widened to the run settings: one parameter
 * (or two, for a 2-D grid) takes a list of values; every cell is one run with the current prompts
 * and settings changed only in those values. A parameter is a number of the restoration prompt
 * (blur sigma, upsample factor, noise sigma, JPEG quality) or a run setting (strength, guidance,
 * steps, colour fix levels, restorer views). The prompt walked is the photo's, or one region's own
 * (`SweepTarget`): then every cell runs the photo's prompt as it is and gives that region the cell's
 * prompt. Pure: values in, cells out, the defaults a prompt suggests, and the sweep's progress as a
 * reducer.
 *
 *   prompt + settings --defaultSweepAxes--> axes (the prompt's own operations, else a run setting)
 *   axes --sweepCells(controls)--> cells --cellJob--> { restoration prompt, run settings } per run
 */
import type { DegradationEstimate } from '../../../common/estimate';
import { estimatedPromptAt, outputSizeOf, OUTPUT_SIZE_KEY } from '../../../common/estimatedPrompt';
import { understandRestorationPrompt } from '../../../common/plainWords';
import { RestorationPromptError, formatRestorationPrompt, formatValue } from '../../../common/restorationPrompt';
import { RESTORER_VIEWS, RUN_RANGES, type SettingRange } from '../../../common/runSettings';
import type { PromptControls, RestorationField } from './promptBuilder';
import type { EstimateState } from './promptEstimate';
import { currentEstimate } from './promptEstimate';
import { OPERATIONS, controlsFromText, operationSpec, snapValue, textFromControls } from './promptBuilder';
import type { RegionsState } from './regions';
import { isSentToRun } from './regions';
import type { RegionPromptOverride } from './run';
import { faithfulForRun, isRestorerOnly, noStepProblem } from './run';
import type { RunSettings } from './settings';

/** Cells in one sweep at most (each is a full run). */
export const MAX_SWEEP_CELLS = 25;

/** The run settings a sweep can walk. */
export const SWEPT_SETTINGS = ['strength', 'guidanceScale', 'steps', 'colorFixLevels', 'restorerViews'] as const;
export type SweptSetting = (typeof SWEPT_SETTINGS)[number];

/** The run settings one cell changes. */
export type SweptSettings = Partial<Pick<RunSettings, SweptSetting>>;

export interface SweepAxis {
  /** A grammar key (blur, downsample, noise, jpeg) or a run setting (SWEPT_SETTINGS). */
  key: string;
  values: number[];
}

/** One parameter a sweep can walk, with its limits and how a cell names its value. */
export interface SweepParam {
  key: string;
  kind: 'prompt' | 'setting';
  /** In the picker and in errors: `Deblur sigma`, `Guidance`. */
  title: string;
  /** Before the value in a cell's label: `blur σ` (`blur σ 1.5`), `guidance` (`guidance 7.5`). */
  short: string;
  /** After the value in a cell's label (`upsample 2.0x`). */
  unit: string;
  min: number;
  max: number;
  /** Digits after the decimal point (0: whole numbers). */
  decimals: number;
  /** The only values it takes (restorer views: 1, 2, 4, 8). */
  allowed?: readonly number[];
}

const limits = (range: SettingRange) => ({ min: range.min, max: range.max });

const PROMPT_SHORT: Readonly<Record<string, [string, string]>> = { blur: ['blur σ', ''], downsample: ['upsample', 'x'], noise: ['noise σ', ''], jpeg: ['JPEG q', ''] };

/**
 * Every parameter a sweep can walk, the prompt's numbers first (the grammar's ranges and grid),
 * then the run settings (common/runSettings.ts RUN_RANGES; restorer views take RESTORER_VIEWS).
 */
export const SWEEP_PARAMS: readonly SweepParam[] = [
  ...OPERATIONS.map((op): SweepParam => {
    const [short, unit] = PROMPT_SHORT[op.key] ?? [op.param, ''];
    return { key: op.key, kind: 'prompt', title: `${op.name} ${op.param}`, short, unit, min: op.min, max: op.max, decimals: op.decimals };
  }),
  { key: 'strength', kind: 'setting', title: 'Strength', short: 'strength', unit: '', ...limits(RUN_RANGES.strength), decimals: 2 },
  { key: 'guidanceScale', kind: 'setting', title: 'Guidance', short: 'guidance', unit: '', ...limits(RUN_RANGES.guidanceScale), decimals: 1 },
  { key: 'steps', kind: 'setting', title: 'Steps', short: 'steps', unit: '', ...limits(RUN_RANGES.steps), decimals: 0 },
  { key: 'colorFixLevels', kind: 'setting', title: 'Colour fix levels', short: 'colour fix', unit: '', ...limits(RUN_RANGES.colorFixLevels), decimals: 0 },
  { key: 'restorerViews', kind: 'setting', title: 'Restorer views', short: 'views', unit: '', min: Math.min(...RESTORER_VIEWS), max: Math.max(...RESTORER_VIEWS), decimals: 0, allowed: RESTORER_VIEWS },
];

export function sweepParam(key: string): SweepParam {
  const param = SWEEP_PARAMS.find((p) => p.key === key);
  if (!param) throw new RestorationPromptError(`unknown sweep parameter '${key}'; allowed: ${SWEEP_PARAMS.map((p) => p.key).join(', ')}`);
  return param;
}

const isSetting = (key: string): key is SweptSetting => (SWEPT_SETTINGS as readonly string[]).includes(key);

/** `value` inside the parameter's range, on its grid. */
function snap(param: SweepParam, value: number): number {
  const v = Number.isFinite(value) ? Math.min(param.max, Math.max(param.min, value)) : param.min;
  return Number(v.toFixed(param.decimals));
}

/** A value as the parameter prints it: `0.05`, `7.5`, `20`. */
export function formatSweepValue(param: SweepParam, value: number): string {
  return value.toFixed(param.decimals);
}

/** Whose restoration prompt a sweep walks: the photo's, or one region's (it gets its own prompt in every cell). */
export type SweepTarget = { kind: 'photo' } | { kind: 'region'; regionId: string; name: string };

export const PHOTO_TARGET: SweepTarget = { kind: 'photo' };

/** The regions a sweep can walk: those a run sends that restore (not Keep as is), top of the list first. */
export function sweepTargets(regions: RegionsState): SweepTarget[] {
  return regions.items.filter((r) => isSentToRun(r) && r.restoration.mode !== 'keep').map((r) => ({ kind: 'region', regionId: r.id, name: r.name }));
}

/** What the sweep reads from the store: the prompts, the photo's estimate, the regions. */
export interface SweepSource {
  studio: { prompt: RestorationField; estimate: Pick<EstimateState, 'status' | 'imageId' | 'packDir' | 'estimate'> };
  regions: RegionsState;
  image: { id: string } | null;
  engine: { pack?: { dir: string } | null } | null;
}

/** The field a sweep over `target` walks: the photo's prompt, or the region's own (a region that follows the photo's: the photo's). */
function targetField(state: SweepSource, target: SweepTarget): RestorationField {
  if (target.kind === 'photo') return state.studio.prompt;
  const region = state.regions.items.find((r) => r.id === target.regionId);
  return region?.restoration.mode === 'prompt' ? region.restoration : state.studio.prompt;
}

/** The photo's estimate when it is the one for the open photo and the loaded pack. */
function estimateNow(state: SweepSource): DegradationEstimate | null {
  return currentEstimate(state.studio.estimate, state.image?.id ?? null, state.engine?.pack?.dir ?? null);
}

/**
 * The controls a sweep over `target` starts from: the target's prompt's. For `auto` they are the
 * estimate's operations at the prompt's output size (what `auto` would run), once the photo is read.
 */
export function sweepControls(state: SweepSource, target: SweepTarget): PromptControls {
  const field = targetField(state, target);
  const estimate = estimateNow(state);
  if (estimate) {
    let parsed;
    try {
      parsed = understandRestorationPrompt(field.restorationText).prompt;
    } catch (err) {
      if (!(err instanceof RestorationPromptError)) throw err;
    }
    if (parsed?.auto) {
      const sync = controlsFromText(estimatedPromptAt(estimate, outputSizeOf(parsed)).text, field.controls);
      if (sync.ok) return sync.controls;
    }
  }
  return field.controls;
}

/**
 * What a sweep over `target` starts from, in words for the dialog: the prompt as its cells see it
 * (plain words as understood; `auto` as the estimate once the photo is read), e.g.
 * `Denoise with sigma 0.05;`, `auto: the estimate, Deblur with sigma 1.4;`, `(nothing to fix)`.
 */
export function sweepBaseLabel(state: SweepSource, target: SweepTarget): string {
  let auto: boolean;
  try {
    auto = understandRestorationPrompt(targetField(state, target).restorationText).prompt.auto;
  } catch (err) {
    if (!(err instanceof RestorationPromptError)) throw err;
    return 'the prompt is not valid yet: fix it in the panel first';
  }
  const text = textFromControls(sweepControls(state, target)) || '(nothing to fix)';
  if (!auto) return text;
  return estimateNow(state) ? `auto: the estimate, ${text}` : 'auto: read from the photo when each cell runs';
}

export interface SweepCell {
  index: number;
  /** Row (second axis) and column (first axis). */
  row: number;
  col: number;
  /** The prompt of the target (the photo's, or the region's) this cell runs; null: the target's own, as it is (only run settings are swept). */
  restorationPrompt: string | null;
  /** The run settings this cell changes (only the swept ones). */
  settings: SweptSettings;
  /** The swept values, by key. */
  values: Record<string, number>;
}

export type ValuesParse = { ok: true; values: number[] } | { ok: false; error: string };

/**
 * Reads a list of values for one parameter: numbers separated by commas or spaces
 * ("0.5, 1, 2"), or a range `from:to:count` ("0.5:3:6", evenly spaced, ends included).
 * Each must be inside the parameter's range (restorer views: one of 1, 2, 4, 8); values are
 * rounded to its grid and duplicates (after rounding) are refused.
 */
export function parseSweepValues(key: string, text: string): ValuesParse {
  const spec = sweepParam(key);
  const lo = formatSweepValue(spec, spec.min);
  const hi = formatSweepValue(spec, spec.max);
  const example = spec.allowed ? spec.allowed.join(', ') : `${lo}, ${hi}`;
  const range = spec.allowed ? `one of ${spec.allowed.join(', ')}` : `${spec.min} to ${spec.max}`;
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: `Give ${spec.title} values, e.g. "${example}"${spec.allowed ? '' : ` or "${lo}:${hi}:5"`}.` };
  let raw: number[];
  const rangeMatch = /^([^:]+):([^:]+):([^:]+)$/.exec(trimmed);
  if (rangeMatch) {
    const [from, to, count] = rangeMatch.slice(1).map((p) => Number(p.trim())) as [number, number, number];
    if (![from, to, count].every(Number.isFinite) || !Number.isInteger(count) || count < 2) {
      return { ok: false, error: `"${trimmed}" is not a range: write from:to:count with a whole count of 2 or more, e.g. "${lo}:${hi}:5".` };
    }
    raw = Array.from({ length: count }, (_, i) => from + ((to - from) * i) / (count - 1));
  } else {
    const parts = trimmed.split(/[\s,;]+/).filter((p) => p !== '');
    const bad = parts.find((p) => !Number.isFinite(Number(p)));
    if (bad !== undefined) return { ok: false, error: `"${bad}" is not a number; separate values with commas, e.g. "${example}".` };
    raw = parts.map(Number);
  }
  const outside = raw.find((v) => v < spec.min - 1e-9 || v > spec.max + 1e-9 || (spec.allowed !== undefined && !spec.allowed.includes(v)));
  if (outside !== undefined) return { ok: false, error: `${spec.title} ${outside} is out of range: allowed ${range}.` };
  const values = raw.map((v) => snap(spec, v));
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) {
    const grid = spec.decimals === 0 ? 'whole numbers' : `${spec.decimals} decimal${spec.decimals > 1 ? 's' : ''}`;
    return { ok: false, error: `${spec.title} ${dup} appears twice (values are rounded to ${grid}).` };
  }
  if (values.length > MAX_SWEEP_CELLS) return { ok: false, error: `At most ${MAX_SWEEP_CELLS} values.` };
  return { ok: true, values };
}

/**
 * The cells of a sweep over `axes` (one or two) starting from the current controls: a swept
 * operation is switched on with each value, a swept run setting takes each value; everything
 * else stays as it is. A sweep of run settings alone leaves the prompt as it is (null), `auto`,
 * the blind preset and plain words included; a sweep of the prompt's numbers writes each cell's
 * prompt, and since the blind preset cannot carry numbers, one from it starts from no operation.
 * Row-major: the first axis runs along a row.
 */
export function sweepCells(base: PromptControls, axes: readonly SweepAxis[]): SweepCell[] {
  if (axes.length < 1 || axes.length > 2) throw new Error('A sweep has one or two parameters.');
  if (axes.length === 2 && axes[0]!.key === axes[1]!.key) throw new Error('Pick two different parameters for a 2-D sweep.');
  for (const axis of axes) sweepParam(axis.key);
  const [cols, rows] = [axes[0]!, axes[1] ?? null];
  const rowValues: (number | null)[] = rows ? rows.values : [null];
  const count = cols.values.length * rowValues.length;
  if (count > MAX_SWEEP_CELLS) throw new Error(`${count} cells is too many: at most ${MAX_SWEEP_CELLS} runs per sweep.`);
  const sweepsPrompt = axes.some((a) => !isSetting(a.key));
  const cells: SweepCell[] = [];
  rowValues.forEach((rowValue, row) => {
    cols.values.forEach((colValue, col) => {
      const values: Record<string, number> = { [cols.key]: colValue };
      if (rows && rowValue !== null) values[rows.key] = rowValue;
      const settings: Record<string, number> = {};
      for (const [key, value] of Object.entries(values)) if (isSetting(key)) settings[key] = value;
      let restorationPrompt: string | null = null;
      if (sweepsPrompt) {
        const operations = OPERATIONS.flatMap((spec) => {
          if (spec.key in values) return [{ key: spec.key, value: snapValue(spec, values[spec.key]!) }];
          const c = base.blind ? undefined : base.ops[spec.key];
          return c?.enabled ? [{ key: spec.key, value: c.withNumber ? snapValue(spec, c.value) : null }] : [];
        });
        restorationPrompt = formatRestorationPrompt({ operations, blind: false });
      }
      cells.push({ index: cells.length, row, col, values, restorationPrompt, settings: settings as SweptSettings });
    });
  });
  return cells;
}

/** What one cell's run changes: the target's restoration prompt (when the sweep walks it) and the swept run settings. */
export interface CellJob {
  restorationPrompt?: string;
  regionPrompt?: RegionPromptOverride;
  settings: SweptSettings;
}

/** The job of one cell of a sweep over `target`: the photo's prompt replaced, or one region's, and its run settings. */
export function cellJob(target: SweepTarget, cell: Pick<SweepCell, 'restorationPrompt' | 'settings'>): CellJob {
  const settings = { ...cell.settings };
  if (cell.restorationPrompt === null) return { settings };
  if (target.kind === 'region') return { regionPrompt: { regionId: target.regionId, restorationPrompt: cell.restorationPrompt }, settings };
  return { restorationPrompt: cell.restorationPrompt, settings };
}

/**
 * Why a sweep over `axes` with these run settings cannot run or would run the same picture in
 * every cell, in words that say what to change; null when it can. Checks every cell's settings as
 * a run would (strength 0 needs faithful mode; a strength must run a step) and that each swept
 * setting acts somewhere (guidance, steps and colour fix levels need diffusion; the levels need
 * the wavelet colour fix; restorer views need faithful mode).
 */
export function sweepProblem(axes: readonly SweepAxis[], settings: RunSettings, hasRestorer: boolean | undefined): string | null {
  const combos: SweptSettings[] = [{}];
  for (const axis of axes) {
    if (!isSetting(axis.key)) continue;
    const next: SweptSettings[] = [];
    for (const c of combos) for (const v of axis.values) next.push({ ...c, [axis.key]: v });
    combos.splice(0, combos.length, ...next);
  }
  const runs = combos.map((c) => ({ ...settings, ...c }));
  for (const s of runs) {
    if (s.strength === 0 && !faithfulForRun(s, hasRestorer)) {
      return hasRestorer === false
        ? 'Strength 0 runs only the restorer, and this pack has none: leave 0 out.'
        : 'Strength 0 runs only the restorer: turn Faithful on in the run panel, or leave 0 out.';
    }
    const noStep = noStepProblem(s);
    if (noStep) return noStep;
  }
  const diffusionless = runs.every((s) => isRestorerOnly(s, hasRestorer));
  for (const axis of axes) {
    const title = sweepParam(axis.key).title;
    if ((axis.key === 'guidanceScale' || axis.key === 'steps' || axis.key === 'colorFixLevels') && diffusionless) {
      return `${title} changes nothing at strength 0 (restorer only): raise the strength in the run panel, or sweep the strength with it.`;
    }
    if (axis.key === 'colorFixLevels' && settings.colorFix !== 'wavelet') return `${title} act only with the wavelet colour fix: choose it in the run panel first.`;
    if (axis.key === 'restorerViews' && !faithfulForRun(settings, hasRestorer)) {
      return hasRestorer === false ? `${title} need a restorer, and this pack has none.` : `${title} act only in faithful mode: turn Faithful on in the run panel first.`;
    }
  }
  return null;
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

/** One swept value in words: `noise σ 0.04`, `upsample 2.0x`, `guidance 7.5`, `views 4`. */
export function valueLabel(key: string, value: number): string {
  const param = sweepParam(key);
  return `${param.short} ${formatSweepValue(param, value)}${param.unit}`;
}

/**
 * A cell's label, its values in the order of the axes: `noise σ 0.04`, `guidance 5.0 · steps 20`;
 * `noise σ 0.04 (estimate)` for the cell whose run used the photo's estimate unchanged.
 */
export function cellLabel(cell: Pick<SweepCell, 'values'>, estimated = false): string {
  const label = Object.entries(cell.values)
    .map(([key, value]) => valueLabel(key, value))
    .join(' · ');
  return estimated ? `${label} (estimate)` : label;
}

/** A cell's label on an export sheet: the region's name first when the sweep walked a region's prompt. */
export function sheetLabel(target: SweepTarget, label: string): string {
  return target.kind === 'region' ? `${target.name}: ${label}` : label;
}

/** Values a sweep offers for an operation the prompt does not give a number: a spread over its range. */
const SPREAD: Readonly<Record<string, readonly number[]>> = { blur: [0.5, 1.0, 2.0], downsample: [1.0, 2.0, 4.0], noise: [0.0, 0.05, 0.1], jpeg: [30, 50, 80] };

/** Three values a step apart centred on `value`, moved inside [min, max] when it sits at an end. */
function around(value: number, step: number, min: number, max: number): number[] {
  if (value + step > max) return [value - 2 * step, value - step, value];
  if (value - step < min) return [value, value + step, value + 2 * step];
  return [value - step, value, value + step];
}

/** Where a run setting's values start from its current value. */
const SETTING_START: Readonly<Record<SweptSetting, (v: number) => number[]>> = {
  strength: (v) => around(v, 0.25, 0, 1),
  guidanceScale: (v) => around(v, 2.5, RUN_RANGES.guidanceScale.min, RUN_RANGES.guidanceScale.max),
  steps: (v) => [Math.round(v / 2), v, v * 2],
  colorFixLevels: (v) => around(v, 1, RUN_RANGES.colorFixLevels.min, RUN_RANGES.colorFixLevels.max),
  restorerViews: () => [...RESTORER_VIEWS],
};

/**
 * The values a sweep over `key` starts with, as text. An operation of the prompt: around the prompt's
 * own value when it gives one (half, itself, one and a half times: the estimate's noise sigma 0.04 ->
 * "0.02, 0.04, 0.06"), so the sweep walks from the estimate; else (or when that gives one value, e.g.
 * sigma 0) a spread over the operation's range. A run setting: around its current value (strength 1
 * -> "0.50, 0.75, 1.00", 50 steps -> "25, 50, 100"); restorer views: all four.
 */
export function sweepStartValues(key: string, controls: PromptControls, settings?: Pick<RunSettings, SweptSetting>): string {
  const param = sweepParam(key);
  const distinct = (vs: readonly number[]) => vs.map((v) => snap(param, v)).filter((v, i, all) => all.indexOf(v) === i);
  let values: number[];
  if (isSetting(key)) {
    values = distinct(SETTING_START[key](settings ? settings[key] : APP_START[key]));
  } else {
    const spec = operationSpec(key);
    const c = controls.blind ? undefined : controls.ops[key];
    const near = c?.enabled && c.withNumber ? distinct([c.value * 0.5, c.value, c.value * 1.5]) : [];
    values = near.length >= 2 ? near : distinct(SPREAD[key] ?? [spec.min, spec.max]);
    return values.map((v) => formatValue(spec, v)).join(', ');
  }
  return values.map((v) => formatSweepValue(param, v)).join(', ');
}

/** A run setting's value to start around when the caller gives no settings. */
const APP_START: Readonly<Record<SweptSetting, number>> = { strength: 1, guidanceScale: 7.5, steps: 50, colorFixLevels: 5, restorerViews: 1 };

/** A default axis: its parameter and its values as the dialog's text. */
export interface DefaultAxis {
  key: string;
  values: string;
}

/**
 * The axes a sweep starts on, following the prompt: the operations the prompt has (at most two, in
 * the grammar's order; the output size is the user's choice, not walked by default), each around its
 * own value (`Denoise with sigma 0.05;` -> noise sigma around 0.05; `Deblur …; Denoise …;` -> a grid of
 * both; `auto` -> the estimate's, through sweepControls). A prompt with no operation to walk (the blind
 * preset, a clean photo) walks a run setting: the strength, or, restorer only (strength 0, where the
 * strength is the user's choice of no diffusion), the restorer's views.
 */
export function defaultSweepAxes(controls: PromptControls, settings: RunSettings, hasRestorer: boolean | undefined): DefaultAxis[] {
  const keys = controls.blind ? [] : OPERATIONS.filter((spec) => spec.key !== OUTPUT_SIZE_KEY && controls.ops[spec.key]?.enabled).map((spec) => spec.key);
  if (keys.length > 0) return keys.slice(0, 2).map((key) => ({ key, values: sweepStartValues(key, controls, settings) }));
  const key: SweptSetting = isRestorerOnly(settings, hasRestorer) ? 'restorerViews' : 'strength';
  return [{ key, values: sweepStartValues(key, controls, settings) }];
}
