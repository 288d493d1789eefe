// Types of summary.mjs (plain JavaScript so `node scripts/bench/run.mjs` runs it unbuilt).

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export type CaseGroup = 'compare' | 'tiled' | 'large' | 'default';

export interface BenchOptions {
  steps: number;
  repeats: number;
  warmup: number;
  ep: Provider;
  guidance: number;
  seed: number;
  large: { width: number; height: number };
  largeSteps: number;
  noLarge: boolean;
  tileOverlap: number;
  rebuild: boolean;
  /** Case groups to run (--only), in CASE_GROUPS order. */
  only: CaseGroup[];
  /** Pack folder for the default cases (--model); null: the CLI's default pack. */
  model: string | null;
  help: boolean;
}

/** What both engineCase.ts and bench_reference.py report per case (the fields the summary reads). */
export interface CaseResult {
  runtime: string;
  size: [number, number];
  steps: number;
  tilesPerStep?: number;
  maxRssMiB: number;
  runs: { totalS: number; stepS: number[] }[];
}

/** A default-pack case as defaultCase.ts reports it (the fields the summary reads). */
export type DefaultCaseResult =
  | { skipped: string }
  | (CaseResult & {
      skipped: null;
      pack: { dir: string; name: string; nativeResolution: number; defaults: Record<string, unknown> | null };
      params: { restorationPrompt: string; steps: number; strength: number; guidanceScale: number; scheduler: string; colorFix: string; colorFixLevels?: number; useRestorer: boolean; restorerViews?: number; eta: number; seed: number };
      input: { path: string; source: string; degradation: string };
      output: string;
      loadS: number;
      targetS: number;
      tilesPerStep: number;
      loadAverage: { start: number[]; end: number[] };
      maxRssMiBAfterLoad: number;
      runs: {
        totalS: number;
        cpuS: number;
        stepS: number[];
        readMs: number;
        restoreMs: number;
        writeMs: number;
        split: { restorerMs: number; encodeMs: number; denoiseMs: number; decodeMs: number; otherMs: number };
      }[];
    });

export interface DefaultCaseMedians {
  endToEndS: number;
  cpuS: number;
  readS: number;
  restoreS: number;
  writeS: number;
  restorerS: number;
  encodeS: number;
  denoiseS: number;
  decodeS: number;
  otherS: number;
  repeats: number;
}

export interface TableRow {
  case: string;
  runtime: string;
  size: string;
  tiles: string;
  steps: string;
  runs: string;
  endToEnd: string;
  perStep: string;
  peakRss: string;
  note: string;
}

export const PROVIDERS: readonly Provider[];
export const CASE_GROUPS: readonly CaseGroup[];
export const DEFAULT_TARGET_S: number;
export const DEFAULTS: BenchOptions;
export const USAGE: string;
export class BenchArgError extends Error {}
export function parseBenchArgs(argv: readonly string[]): BenchOptions;
export function median(values: readonly number[]): number;
export function caseMedians(result: CaseResult): { endToEndS: number; stepS: number; repeats: number };
export function ratios(engine: CaseResult, reference: CaseResult): { endToEnd: number; step: number };
export function absDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number };
export function tableRow(row: { label: string; result: CaseResult; note?: string }): TableRow;
export function formatTable(rows: readonly TableRow[]): string;
export function fileStamp(date: Date): string;
export function selectedGroups(o: Pick<BenchOptions, 'only' | 'noLarge'>): CaseGroup[];
export function targetVerdict(medianS: number, targetS?: number): 'PASS' | 'FAIL';
export function defaultCaseMedians(result: Extract<DefaultCaseResult, { skipped: null }>): DefaultCaseMedians;
export function defaultCaseLines(label: string, result: DefaultCaseResult, loadNote?: string): string[];
