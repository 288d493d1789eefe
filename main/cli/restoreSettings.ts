/**
 * `spire restore` step 4: the run's sampling settings, settled before the engine starts.
 *
 *   app defaults  <  the pack's recommended `defaults` (its manifest.json)  <  the user's flags
 *
 * (the merge itself: runSettings.ts), then checked against what the pack can do: faithful mode
 * needs its restorer, `auto` its degradation estimator. Every refusal is a usage error (exit 2).
 */
import { SpireError, isSpireError } from '../../common/errors';
import { upsampleFactor } from '../../common/restorationPrompt';
import { parseRestoreParams, type CheckedRestoreParams } from '../engine/jobs/restoreParams';
import type { RestoreParams } from '../engine/pipeline/types';
import { discoverPack, packInfo, readManifest } from '../engine/packs';
import { strengthStartIndex } from '../engine/pipeline/steps';
import type { LoadedPackInfo } from '../../common/engineStatus';
import { RUN_SETTING_KEYS, SETTING_FLAGS, mergeRunSettings, type MergedRunSettings, type RunSettingFlags } from './runSettings';

export interface RunSettings {
  /** The params the run uses, checked. */
  params: RestoreParams;
  /** The sampling settings and where each came from (printed before the first image). */
  merged: MergedRunSettings;
  /** The pack the engine will load, as its manifest describes it; null when none is found or it does not read. */
  pack: LoadedPackInfo | null;
  /** The output's size over the input's (the prompt's `Upsample to Kx`, else 1). */
  outputScale: number;
}

/**
 * The settings of a run: `params` (the flags' prompts, seed, tiling, regions) with the pack's
 * recommended settings and the user's `flags` over them. `restoreGiven`: whether --restore was given.
 */
export async function resolveRunSettings(
  params: RestoreParams,
  flags: RunSettingFlags,
  restoreGiven: boolean,
  pack: { override: string | null; roots: string[] },
): Promise<RunSettings> {
  const info = await recommendedSettings(pack.override, pack.roots);
  const merged = mergeRunSettings(params, info?.defaults ?? {}, flags);
  if (merged.params.useRestorer && info?.hasRestorer === false) {
    throw new SpireError(
      'usage',
      `The pack "${info.name}" has no restorer, so faithful mode cannot run${merged.sources.useRestorer === 'flag' ? '; drop --faithful' : ''}.`,
    );
  }
  const { params: checked, prompt } = checkParams(merged.params, merged);
  refuseNoDiffusionStep(checked, merged);
  if (prompt.auto && info?.hasEstimator === false) {
    throw new SpireError(
      'usage',
      `The pack "${info.name}" has no degradation estimator, so "${checked.restorationPrompt}"${restoreGiven ? '' : ' (the default)'} cannot read the photos: ` +
        'give the restoration prompt with --restore, e.g. --restore "Denoise with sigma 0.05;" or --restore "Remove all degradation".',
    );
  }
  return { params: checked, merged, pack: info, outputScale: upsampleFactor(prompt) };
}

/**
 * parseRestoreParams with its error as a usage error (exit 2). With the merged settings, the
 * message says which flag to change and whether the value came from the pack.
 */
export function checkParams(params: RestoreParams, merged: MergedRunSettings | null): CheckedRestoreParams {
  try {
    return parseRestoreParams(params); // the job crosses to the worker with the prompt as canonical text
  } catch (err) {
    if (!isSpireError(err, 'bad-params', 'bad-prompt')) throw err;
    const fromPack = merged ? RUN_SETTING_KEYS.filter((k) => merged.sources[k] === 'pack') : [];
    const hint = fromPack.length > 0 ? ` (the pack recommended ${fromPack.map((k) => `${SETTING_FLAGS[k]} ${String(merged?.params[k])}`).join(', ')}; a flag overrides it)` : '';
    throw new SpireError(err.code, `${err.message}${hint}`, { ...err.details, cause: err });
  }
}

/**
 * A strength above 0 that leaves no diffusion step (floor(steps x strength) = 0, e.g. --strength 0.1
 * --steps 3) would start the engine only to fail: a usage error naming the smallest values that run one.
 */
function refuseNoDiffusionStep(params: RestoreParams, merged: MergedRunSettings): void {
  const { steps, strength } = params;
  if (strength === 0 || strengthStartIndex(steps, strength) < steps) return;
  let minSteps = Math.ceil(1 / strength);
  if (strengthStartIndex(minSteps, strength) === minSteps) minSteps++;
  const minStrength = Math.ceil((100 / steps) * (1 + 1e-9)) / 100;
  const from = (k: 'steps' | 'strength'): string => (merged.sources[k] === 'pack' ? ' (the pack\'s)' : merged.sources[k] === 'default' ? ' (the default)' : '');
  throw new SpireError(
    'usage',
    `--strength ${strength}${from('strength')} with --steps ${steps}${from('steps')} runs no diffusion step (${steps} x ${strength} < 1). ` +
      `Raise --steps to ${minSteps} or more, or --strength to ${Math.min(1, minStrength)} or more` +
      `${params.useRestorer ? ', or give --strength 0 for the restorer alone' : ''}.`,
  );
}

/**
 * The recommended settings of the pack the engine will load (same search: packs.ts discoverPack),
 * read from its manifest; null when there is none or it does not read (the engine then says why).
 */
async function recommendedSettings(packOverride: string | null, packRoots: string[]): Promise<LoadedPackInfo | null> {
  const found = await discoverPack({ override: packOverride, roots: packRoots });
  if (found.dir === null) return null;
  try {
    return packInfo(await readManifest(found.dir));
  } catch (err) {
    if (isSpireError(err, 'pack-invalid')) return null;
    throw err;
  }
}
