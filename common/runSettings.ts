/**
 * The run-settings vocabulary: every name, range, limit and default a run's settings use, written
 * once as plain data. The IPC schemas (preload/contract/schemas.ts), main's saved settings, pack
 * manifests' `defaults` (main/engine/packs.ts), the engine's parameter check, the CLI's flags and
 * the renderer's controls are all derived from this file (the zod forms: ./runSettingsSchemas.ts).
 */

/** Scheduler names, one spelling everywhere: DDIM and DPM-Solver++(2M). */
export const SCHEDULER_NAMES = ['ddim', 'dpmpp-2m'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** The colour fix after diffusion: StableSR's wavelet fix, AdaIN, or none. */
export const COLOR_FIX_NAMES = ['wavelet', 'adain', 'none'] as const;
export type ColorFixName = (typeof COLOR_FIX_NAMES)[number];

/**
 * How many views of the image the restorer sees (self-ensemble): 1 = the image as is; 2 adds its
 * mirror image; 4 adds the two 180-degree turns; 8 adds the four 90-degree turns. The results are
 * turned back and averaged: cleaner (measured +1 dB on noise with the compact pack), N times the restorer's time.
 */
export const RESTORER_VIEWS = [1, 2, 4, 8] as const;
export type RestorerViews = (typeof RESTORER_VIEWS)[number];

/** A closed numeric range; `integer` ranges take whole numbers only. */
export interface SettingRange {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/**
 * Most denoising steps a run may ask for. DDIM's leading spacing with steps_offset 1
 * would step past the last training timestep (999) at 1000 steps; the paper uses 50.
 */
export const MAX_STEPS = 500;
/** Largest seed: seeds are unsigned 32-bit. Randomising is the renderer's job (it shows the seed). */
export const MAX_SEED = 0xffffffff;

/**
 * The wavelet colour fix's levels (whole numbers in this range): the output takes everything coarser
 * than a scale from the reference (in faithful mode, the restorer's output) and keeps only the finer
 * detail of its own. The low band's half-power period is about 2^(levels + 1) pixels (measured:
 * 4.0, 8.8, 17.9, 36.1, 72.2 px for 1..5 levels): 5 (StableSR's, the app's default) takes colour and
 * broad shading from the reference; 3 also takes everything coarser than ~18 px, so a weak prior's
 * blotchy low-frequency drift cannot reach the output while its fine texture still does.
 */
export const COLOR_FIX_LEVELS = { min: 1, max: 8, integer: true } as const satisfies SettingRange;

/** The numeric run settings' ranges, by field name (RestoreParams, PackRunDefaults, RunDefaults, CLI flags). */
export const RUN_RANGES = {
  steps: { min: 1, max: MAX_STEPS, integer: true },
  /** Classifier-free guidance scale, the global one and each region's. */
  guidanceScale: { min: 0, max: 50, integer: false },
  /** 1 = from noise (the paper); 0 = the restorer's output only (needs useRestorer). */
  strength: { min: 0, max: 1, integer: false },
  /** DDIM eta (0 = deterministic DDIM). */
  eta: { min: 0, max: 1, integer: false },
  seed: { min: 0, max: MAX_SEED, integer: true },
  colorFixLevels: COLOR_FIX_LEVELS,
  /** Latent tile size in pixels (0 = the pack's native resolution). */
  tileSize: { min: 0, max: 16384, integer: true },
  /** Tile overlap in pixels. */
  tileOverlap: { min: 0, max: 4096, integer: true },
} as const satisfies Record<string, SettingRange>;

/** Whether a value lies in a range (and is whole where the range says so). */
export function inRange(value: unknown, range: SettingRange): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max && (!range.integer || Number.isInteger(value));
}

/** "a whole number from 1 to 500" / "a number from 0 to 50": what a range allows, in words. */
export function describeRange(range: SettingRange): string {
  return `${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}`;
}

/** Why strength 0 without the restorer is refused (every check says the same). */
export const STRENGTH_ZERO_NEEDS_RESTORER =
  'strength 0 runs no diffusion: it needs the faithful mode (restorer); raise the strength or turn on faithful mode';

/**
 * Run settings a model pack recommends (manifest.json `defaults`, models/README.md); any subset.
 * The CLI and the app start from these: app defaults, then the pack's, then the user's own.
 */
export interface PackRunDefaults {
  /** RUN_RANGES.steps. */
  steps?: number;
  /** RUN_RANGES.strength; 0 only with useRestorer (restorer only, no diffusion). */
  strength?: number;
  /** RUN_RANGES.guidanceScale. */
  guidanceScale?: number;
  scheduler?: SchedulerName;
  colorFix?: ColorFixName;
  /** The wavelet colour fix's levels, COLOR_FIX_LEVELS. */
  colorFixLevels?: number;
  /** Faithful mode; true only in a pack that has a restorer. */
  useRestorer?: boolean;
  /** RUN_RANGES.eta. */
  eta?: number;
  /** Faithful mode: views the restorer averages (RESTORER_VIEWS). */
  restorerViews?: RestorerViews;
}

/** The settings a pack may recommend (PackRunDefaults), in the order the CLI prints them. */
export const PACK_SETTING_KEYS = ['steps', 'strength', 'guidanceScale', 'scheduler', 'colorFix', 'colorFixLevels', 'useRestorer', 'restorerViews', 'eta'] as const satisfies readonly (keyof PackRunDefaults)[];

/**
 * The app's own run settings: what the engine, the CLI, main's saved settings and the
 * renderer start from when the loaded pack recommends nothing (a pack's `defaults` override them).
 */
export const APP_RUN_DEFAULTS: Required<PackRunDefaults> = {
  steps: 50,
  strength: 1,
  guidanceScale: 7.5,
  scheduler: 'ddim',
  colorFix: 'wavelet',
  colorFixLevels: 5,
  useRestorer: false,
  restorerViews: 1,
  eta: 0,
};

/** The restoration prompt a run uses when nobody wrote one (the engine's and the CLI's default params). */
export const DEFAULT_RESTORATION_PROMPT = 'Remove all degradation';
/** Tile overlap in pixels when a run names none. */
export const DEFAULT_TILE_OVERLAP = 64;

/** Run settings the editor starts from (main's saved settings, the run panel). */
export interface RunDefaults {
  steps: number;
  guidanceScale: number;
  strength: number;
  colorFix: ColorFixName;
  /** The wavelet colour fix's levels (COLOR_FIX_LEVELS). */
  colorFixLevels: number;
  scheduler: SchedulerName;
  /** Locked: every run uses `seed`; unlocked: each run draws a new one. */
  seedLocked: boolean;
  /** RUN_RANGES.seed. */
  seed: number;
  /** The faithful toggle: run the pack's first-stage restorer before diffusion. */
  useRestorer: boolean;
  /** Views the restorer averages (faithful mode). */
  restorerViews: RestorerViews;
}

/** The editor's run defaults before anyone saved any: the app's run settings, seed 0, unlocked. */
export const DEFAULT_RUN_DEFAULTS: RunDefaults = {
  steps: APP_RUN_DEFAULTS.steps,
  guidanceScale: APP_RUN_DEFAULTS.guidanceScale,
  strength: APP_RUN_DEFAULTS.strength,
  colorFix: APP_RUN_DEFAULTS.colorFix,
  colorFixLevels: APP_RUN_DEFAULTS.colorFixLevels,
  scheduler: APP_RUN_DEFAULTS.scheduler,
  seedLocked: false,
  seed: 0,
  useRestorer: APP_RUN_DEFAULTS.useRestorer,
  restorerViews: APP_RUN_DEFAULTS.restorerViews,
};

/** onnxruntime execution providers the engine knows, in the order `auto` tries them (CPU last). */
export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
/** What the user may ask for: a provider, or `auto` (EXECUTION_PROVIDERS' order). */
export const PROVIDER_CHOICES = ['auto', ...EXECUTION_PROVIDERS] as const;
