// Types of summary.mjs (plain JavaScript so `node scripts/bench/run.mjs` runs it unbuilt).

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

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
