/**
 * Which sampling settings a `spire restore` run uses, and where each came from:
 *
 *   DEFAULT_RESTORE_PARAMS  <  the pack's recommended `defaults` (manifest.json)  <  the user's flags
 *
 * Pure: restoreArgs.ts parses the flags, restoreSettings.ts reads the pack's defaults from its
 * manifest and merges them here, and restoreCommand.ts prints `describeRunSettings` on stderr
 * before the first image.
 */
import { APP_RUN_DEFAULTS, PACK_SETTING_KEYS, type PackRunDefaults } from '../../common/runSettings';
import type { RestoreParams } from '../engine/pipeline/types';

/** The settings a pack may recommend, in the order they are printed. */
export const RUN_SETTING_KEYS = PACK_SETTING_KEYS;
export type RunSettingKey = (typeof RUN_SETTING_KEYS)[number];
export type RunSettingFlags = Partial<Pick<RestoreParams, RunSettingKey>>;
export type SettingSource = 'default' | 'pack' | 'flag';

/** The flag that sets each setting, for messages. */
export const SETTING_FLAGS: Record<RunSettingKey, string> = {
  steps: '--steps',
  strength: '--strength',
  guidanceScale: '--guidance',
  scheduler: '--scheduler',
  colorFix: '--color-fix',
  colorFixLevels: '--color-fix-levels',
  useRestorer: '--faithful',
  restorerViews: '--views',
  eta: '--eta',
};

export interface MergedRunSettings {
  params: RestoreParams;
  sources: Record<RunSettingKey, SettingSource>;
}

/** `base` with the pack's recommended settings over it, and the user's flags over both. */
export function mergeRunSettings(base: RestoreParams, pack: PackRunDefaults, flags: RunSettingFlags): MergedRunSettings {
  const params: RestoreParams = { ...base };
  const sources = {} as Record<RunSettingKey, SettingSource>;
  const set = <K extends RunSettingKey>(key: K, value: RestoreParams[K], source: SettingSource): void => {
    params[key] = value;
    sources[key] = source;
  };
  for (const key of RUN_SETTING_KEYS) {
    const flag = flags[key];
    const recommended = pack[key];
    if (flag !== undefined) set(key, flag, 'flag');
    else if (recommended !== undefined) set(key, recommended, 'pack');
    else set(key, base[key], 'default');
  }
  return { params, sources };
}

const SOURCE_WORDS: Record<SettingSource, string> = { default: 'default', pack: 'pack', flag: 'flag' };

/**
 * One stderr line, e.g.
 *   settings (pack "spire-compact"): steps 20 [pack], strength 0.25 [pack], guidance 7.5 [default], ...
 */
export function describeRunSettings(merged: MergedRunSettings, packName: string | null): string {
  const { params: p, sources } = merged;
  const shown: Record<RunSettingKey, string> = {
    steps: `steps ${p.steps}`,
    strength: `strength ${p.strength}`,
    guidanceScale: `guidance ${p.guidanceScale}`,
    scheduler: `scheduler ${p.scheduler}`,
    colorFix: `color-fix ${p.colorFix}`,
    colorFixLevels: `levels ${p.colorFixLevels ?? APP_RUN_DEFAULTS.colorFixLevels}`,
    useRestorer: `faithful ${p.useRestorer ? 'on' : 'off'}`,
    restorerViews: `views ${p.restorerViews ?? 1}`,
    eta: `eta ${p.eta}`,
  };
  // The restorer's views only matter in faithful mode, the levels only to the wavelet colour fix.
  const keys = RUN_SETTING_KEYS.filter((k) => (k !== 'restorerViews' || p.useRestorer) && (k !== 'colorFixLevels' || p.colorFix === 'wavelet'));
  const parts = keys.map((k) => `${shown[k]} [${SOURCE_WORDS[sources[k]]}]`);
  const note = p.strength === 0 && p.useRestorer ? ' - restorer only, no diffusion' : '';
  return `settings${packName ? ` (pack "${packName}")` : ''}: ${parts.join(', ')}${note}`;
}
