// Types of qualityArgs.mjs (plain JavaScript so `node scripts/bench/quality.mjs` runs it unbuilt).

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface QualityOptions {
  model: string | null;
  out: string | null;
  resume: string | null;
  full: boolean;
  perSet: string;
  genPerSet: number | 'all';
  crop: number;
  sets: string[] | null;
  families: string[] | null;
  settings: string[] | null;
  steps: number;
  guidance: number;
  seed: number;
  colorFix: 'wavelet' | 'adain' | 'none';
  ep: Provider;
  controlSettings: number;
  help: boolean;
}

/** One named pack setting (a row of the report). */
export interface QualitySetting {
  name: string;
  useRestorer: boolean;
  /** 0 = restorer only (no diffusion). */
  strength: number;
  /** Views the restorer averages (1, 2, 4 or 8). */
  restorerViews: 1 | 2 | 4 | 8;
  /** The wavelet colour fix's levels (1..8); absent = the pack's default. */
  colorFixLevels?: number;
}

export const PROVIDERS: Provider[];
export const RESTORER_SETTINGS: string[];
export const PLAIN_SETTINGS: string[];
export const RUN_OPTIONS: string[];
export const CASE_OPTIONS: string[];
export const SETS: string[];
export const FAMILIES: string[];
export const DEFAULTS: QualityOptions;
export const USAGE: string;
export class QualityArgError extends Error {}
export function parseSetting(text: string): QualitySetting;
/** `views`: the restorer views the pack recommends (its faithful rows get ` v=N`); default 1. */
export function defaultSettings(hasRestorer: boolean, views?: number): QualitySetting[];
export function casesForSetting<T extends { generative: boolean }>(setting: QualitySetting, cases: readonly T[]): T[];
export function settingSlug(name: string): string;
export function runStamp(date: Date): string;
export function parseQualityArgs(argv: readonly string[]): QualityOptions;
