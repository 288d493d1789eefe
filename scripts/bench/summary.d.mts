// Types of summary.mjs (plain JavaScript so `node scripts/bench/run.mjs` runs it unbuilt).

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export type CaseGroup = 'compare' | 'tiled' | 'large' | 'default' | 'regions' | 'sd15' | 'bigphoto';
export type Sd15Variant = 'fp32' | 'fp16';

export interface Sd15Options {
  size: { width: number; height: number };
  steps: number;
  largeSteps: number;
  strength: number;
  realTiles: number;
  variants: Sd15Variant[];
}

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
  /** The sd15 group's settings (--sd15-*). */
  sd15: Sd15Options;
  help: boolean;
}

/** One sd15 case as sd15Case.ts reports it (the fields the summary reads). */
export interface Sd15CaseResult {
  size: [number, number];
  provider: string | null;
  requestedProvider: string;
  threads: number;
  steps: number;
  stepsRun: number;
  strength: number;
  guidanceScale: number;
  unetBatch: number;
  tileSize: number;
  tileOverlap: number;
  tilesPerStep: number;
  loadS: number;
  maxRssMiBAfterLoad: number;
  maxRssMiB: number;
  realCalls: Record<'unet' | 'vae_encoder' | 'vae_decoder', number>;
  calls: Record<'unet' | 'vae_encoder' | 'vae_decoder', number>;
  perCallS: Record<'unet' | 'vae_encoder' | 'vae_decoder', number | null>;
  stepS: number;
  stepSMeasured: boolean;
  stepSamples: number;
  vaeShare: number;
  fullRunS: number;
  fullRunMeasured: boolean;
}

/** What scripts/bench/sd15.mjs records per import. */
export interface Sd15ImportRecord {
  variant: Sd15Variant;
  date: string;
  importS: number;
  importPeakRssMiB: number | null;
  packBytes: number;
  reused?: boolean;
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
export const BY_NAME_GROUPS: readonly CaseGroup[];
export const DEFAULT_GROUPS: readonly CaseGroup[];
export const SD15_VARIANTS: readonly Sd15Variant[];
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
export function sd15Lines(v: {
  variant: Sd15Variant;
  importRecord: Sd15ImportRecord | null;
  small?: Sd15CaseResult | { failed: string };
  large?: Sd15CaseResult | { failed: string };
}): string[];
