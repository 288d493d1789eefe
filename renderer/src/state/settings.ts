/**
 * Run settings (steps, guidance, seed and its lock, strength, colour fix, scheduler,
 * faithful restorer, model pack, execution provider): their ranges, defaults, and how
 * they are read back from what main persisted. Pure.
 *
 * The names and limits are the run-settings vocabulary's (common/runSettings.ts, which the
 * engine checks too); the sliders span a narrower, useful part of some ranges, so a run is
 * never refused for a slider value.
 *
 * Pack defaults. A pack recommends its own run settings (manifest.json `defaults`, reported
 * with the engine status). Which win:
 *   - the user's saved settings, while the loaded pack is the one they were saved with
 *     (or an older settings file that does not say which pack);
 *   - the pack's recommended settings on first start (nothing saved yet), when another pack
 *     loads, and when the user presses "Pack defaults".
 * `defaultsPack` remembers whose settings are on screen, so each pack applies once.
 */
import type { LoadedPackInfo } from '../../../common/engineStatus';
import {
  APP_RUN_DEFAULTS,
  COLOR_FIX_LEVELS,
  COLOR_FIX_NAMES,
  MAX_SEED,
  PACK_SETTING_KEYS,
  PROVIDER_CHOICES,
  RESTORER_VIEWS,
  SCHEDULER_NAMES,
  type ColorFixName,
  type RestorerViews,
  type SchedulerName,
} from '../../../common/runSettings';


/** Execution providers the user may pick; 'auto' = the engine's own order. */
export const PROVIDERS = PROVIDER_CHOICES;

/** The provider list engine.configure gets for a choice: the choice, then CPU as the fallback. */
export function providersFor(choice: string): string[] {
  if (choice === 'auto' || choice === 'cpu') return [choice];
  return [choice, 'cpu'];
}

export interface NumberRange {
  min: number;
  max: number;
  step: number;
}

export const RANGES = {
  steps: { min: 1, max: 200, step: 1 },
  guidanceScale: { min: 0, max: 20, step: 0.5 },
  // 0 = restorer only (faithful mode), no diffusion step.
  strength: { min: 0, max: 1, step: 0.05 },
  seed: { min: 0, max: MAX_SEED, step: 1 },
  colorFixLevels: { ...COLOR_FIX_LEVELS, step: 1 },
} as const satisfies Record<string, NumberRange>;

export interface RunSettings {
  /** Denoising steps at strength 1 (the paper uses 50). */
  steps: number;
  /** Classifier-free guidance scale on the semantic prompt. */
  guidanceScale: number;
  seed: number;
  /** Locked: every run uses `seed`. Unlocked: each run draws a new seed. */
  seedLocked: boolean;
  /** 1 = start from noise (the paper); lower keeps more of the input; 0 with useRestorer = restorer only. */
  strength: number;
  colorFix: ColorFixName;
  /** The wavelet colour fix's levels: what is coarser than ~2^(levels + 1) px comes from the restorer's output (or the input). */
  colorFixLevels: number;
  scheduler: SchedulerName;
  /** Run the pack's first-stage restorer before diffusion (more faithful, less inventive). */
  useRestorer: boolean;
  /** Views of the photo the restorer averages (faithful mode): 1, 2, 4 or 8. */
  restorerViews: RestorerViews;
  /** Model pack folder the user chose, or null for the engine's default. */
  packDir: string | null;
  /** Execution provider the user asked for ('auto' = the engine's own order). */
  provider: string;
  /** DDIM eta: the pack's recommendation (not shown, not saved), else 0. */
  eta: number;
  /** The pack folder whose settings these are (taken from it, or saved with it); null: not known yet. */
  defaultsPack: string | null;
  /** Whether main holds run settings the user changed; until then each start takes the pack's. */
  defaultsSaved: boolean;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = {
  ...APP_RUN_DEFAULTS,
  seed: 0,
  seedLocked: false,
  packDir: null,
  provider: 'auto',
  defaultsPack: null,
  defaultsSaved: false,
};

/** The settings a pack's recommendation sets (and "Pack defaults" resets); seed, lock, pack and provider stay. */
export const PACK_DEFAULT_KEYS = PACK_SETTING_KEYS;

/** `value` clamped into `range` and rounded to its step; NaN gives `fallback`. */
export function clampToRange(value: number, range: NumberRange, fallback: number): number {
  if (!Number.isFinite(value)) return fallback;
  const stepped = Math.round((value - range.min) / range.step) * range.step + range.min;
  const decimals = Math.max(0, -Math.floor(Math.log10(range.step)));
  return Number(Math.min(range.max, Math.max(range.min, stepped)).toFixed(decimals));
}

/** A fresh seed from `random` (Math.random in the app, a fixed sequence in tests). */
export function randomSeed(random: () => number): number {
  return Math.floor(random() * (MAX_SEED + 1)) % (MAX_SEED + 1);
}

/** The seed a run uses: the locked one, or a new one (which the store then shows). */
export function seedForRun(settings: RunSettings, random: () => number): number {
  return settings.seedLocked ? settings.seed : randomSeed(random);
}

const pick = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

const num = (value: unknown, range: NumberRange, fallback: number): number =>
  typeof value === 'number' ? clampToRange(value, range, fallback) : fallback;

/**
 * Settings read back from main's store (untrusted JSON: an older version, a hand edit).
 * Every field that is missing or wrong falls back to its default; nothing throws.
 */
export function runSettingsFrom(raw: unknown): RunSettings {
  const d = DEFAULT_RUN_SETTINGS;
  if (typeof raw !== 'object' || raw === null) return { ...d };
  const r = raw as Record<string, unknown>;
  return {
    steps: num(r.steps, RANGES.steps, d.steps),
    guidanceScale: num(r.guidanceScale, RANGES.guidanceScale, d.guidanceScale),
    seed: typeof r.seed === 'number' && Number.isInteger(r.seed) && r.seed >= 0 && r.seed <= MAX_SEED ? r.seed : d.seed,
    seedLocked: typeof r.seedLocked === 'boolean' ? r.seedLocked : d.seedLocked,
    strength: num(r.strength, RANGES.strength, d.strength),
    colorFix: pick(r.colorFix, COLOR_FIX_NAMES, d.colorFix),
    colorFixLevels: num(r.colorFixLevels, RANGES.colorFixLevels, d.colorFixLevels),
    scheduler: pick(r.scheduler, SCHEDULER_NAMES, d.scheduler),
    useRestorer: typeof r.useRestorer === 'boolean' ? r.useRestorer : d.useRestorer,
    restorerViews: (RESTORER_VIEWS as readonly unknown[]).includes(r.restorerViews) ? (r.restorerViews as RestorerViews) : d.restorerViews,
    packDir: typeof r.packDir === 'string' && r.packDir !== '' ? r.packDir : null,
    provider: typeof r.provider === 'string' && r.provider !== '' ? r.provider : d.provider,
    eta: num(r.eta, { min: 0, max: 1, step: 0.01 }, d.eta),
    defaultsPack: typeof r.defaultsPack === 'string' && r.defaultsPack !== '' ? r.defaultsPack : null,
    defaultsSaved: typeof r.defaultsSaved === 'boolean' ? r.defaultsSaved : d.defaultsSaved,
  };
}

/**
 * `settings` with the pack's recommended run settings (app defaults for what it does not say),
 * kept inside the UI's ranges; faithful mode off for a pack without a restorer.
 */
export function withPackDefaults(settings: RunSettings, pack: Pick<LoadedPackInfo, 'dir' | 'hasRestorer' | 'defaults'>): RunSettings {
  const rec = pack.defaults ?? {};
  const d = DEFAULT_RUN_SETTINGS;
  const taken = runSettingsFrom({ ...settings, ...Object.fromEntries(PACK_DEFAULT_KEYS.map((k) => [k, rec[k] ?? d[k]])) });
  return { ...taken, useRestorer: pack.hasRestorer === false ? false : taken.useRestorer, defaultsPack: pack.dir };
}

/** What main reports (settings.get / engine.configure) folded into the current settings. */
export function runSettingsFromView(
  view: {
    packDir: string | null;
    providers: readonly string[];
    defaults: Partial<Record<'steps' | 'guidanceScale' | 'strength' | 'colorFix' | 'colorFixLevels' | 'scheduler' | 'seedLocked' | 'seed' | 'useRestorer' | 'restorerViews', unknown>>;
    defaultsSaved?: unknown;
    defaultsPack?: unknown;
  },
  current: RunSettings,
): RunSettings {
  // A field main does not report (an older main) keeps its current value.
  const known = Object.fromEntries(Object.entries(view.defaults).filter(([, v]) => v !== undefined));
  const saved = {
    ...(view.defaultsSaved !== undefined ? { defaultsSaved: view.defaultsSaved } : {}),
    ...(view.defaultsPack !== undefined ? { defaultsPack: view.defaultsPack } : {}),
  };
  return runSettingsFrom({ ...current, ...known, ...saved, packDir: view.packDir, provider: view.providers[0] ?? 'auto' });
}

export type SettingsAction =
  | { type: 'settings/set'; patch: Partial<RunSettings> }
  /** Replaces everything with what main persisted. */
  | { type: 'settings/loaded'; settings: RunSettings }
  | { type: 'settings/seedUsed'; seed: number }
  /** The engine has this pack loaded: take its recommended settings unless the user's saved ones belong to it. */
  | { type: 'settings/packLoaded'; pack: LoadedPackInfo }
  /** "Pack defaults": take the pack's recommended settings now. */
  | { type: 'settings/packDefaults'; pack: LoadedPackInfo };

export function settingsReducer(state: RunSettings, action: SettingsAction): RunSettings {
  switch (action.type) {
    case 'settings/set': {
      const next = { ...state, ...action.patch };
      // Numbers typed into fields are kept inside the engine's ranges.
      next.steps = clampToRange(next.steps, RANGES.steps, state.steps);
      next.guidanceScale = clampToRange(next.guidanceScale, RANGES.guidanceScale, state.guidanceScale);
      next.strength = clampToRange(next.strength, RANGES.strength, state.strength);
      next.seed = Number.isInteger(next.seed) && next.seed >= 0 && next.seed <= MAX_SEED ? next.seed : state.seed;
      return next;
    }
    case 'settings/loaded':
      return action.settings;
    case 'settings/seedUsed':
      return state.seed === action.seed ? state : { ...state, seed: action.seed };
    case 'settings/packLoaded':
      if (state.defaultsPack === action.pack.dir) return state;
      // Saved by a version that did not record the pack: they belong to the pack that loads first.
      if (state.defaultsSaved && state.defaultsPack === null) return { ...state, defaultsPack: action.pack.dir };
      return withPackDefaults(state, action.pack);
    case 'settings/packDefaults':
      return withPackDefaults(state, action.pack);
  }
}
