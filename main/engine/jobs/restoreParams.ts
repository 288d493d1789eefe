/**
 * Defaults and checks for RestoreParams, shared by the worker (which checks
 * every job, whoever sent it) and the CLI (which builds them from flags).
 * Messages say which value is wrong and what is allowed.
 */
import { STRENGTH_ZERO_NEEDS_RESTORER, type RestoreParams } from '../pipeline/types';
import { RestorationPromptError, parseRestorationPrompt } from '../../../preload/contract/restorationPrompt';
import { APP_RUN_DEFAULTS, COLOR_FIX_LEVELS, MAX_STEPS, RESTORER_VIEWS } from '../../../preload/contract/channels';

export const DEFAULT_RESTORE_PARAMS: RestoreParams = {
  restorationPrompt: 'Remove all degradation',
  semanticPrompt: '',
  negativePrompt: '',
  regions: [],
  ...APP_RUN_DEFAULTS,
  seed: 0,
  tileSize: 0,
  tileOverlap: 64,
};

export const SCHEDULERS = ['ddim', 'dpmpp-2m'] as const;
export const COLOR_FIXES = ['wavelet', 'adain', 'none'] as const;
export const MAX_SEED = 0xffffffff;

/** A RestoreParams value that is out of range or of the wrong kind; `field` names it. */
export class RestoreParamsError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code: 'bad-prompt' | 'bad-params' = 'bad-params',
  ) {
    super(message);
    this.name = 'RestoreParamsError';
  }
}

function checkNumber(field: string, value: unknown, min: number, max: number, integer = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new RestoreParamsError(field, `${field} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${String(value)}.`);
}

/**
 * Checks every field (throws RestoreParamsError) and returns the params with the
 * restoration prompt in canonical text.
 */
export function validateRestoreParams(params: RestoreParams): RestoreParams {
  if (typeof params.restorationPrompt !== 'string') throw new RestoreParamsError('restorationPrompt', 'The restoration prompt must be text.', 'bad-prompt');
  let canonical: string;
  try {
    canonical = parseRestorationPrompt(params.restorationPrompt).text;
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new RestoreParamsError('restorationPrompt', `Restoration prompt: ${err.message}.`, 'bad-prompt');
    throw err;
  }
  for (const f of ['semanticPrompt', 'negativePrompt'] as const)
    if (typeof params[f] !== 'string') throw new RestoreParamsError(f, `${f} must be text.`, 'bad-prompt');
  checkNumber('steps', params.steps, 1, MAX_STEPS, true);
  checkNumber('guidanceScale', params.guidanceScale, 0, 50);
  checkNumber('seed', params.seed, 0, MAX_SEED, true);
  checkNumber('strength', params.strength, 0, 1);
  if (params.strength === 0 && !params.useRestorer) throw new RestoreParamsError('strength', `${STRENGTH_ZERO_NEEDS_RESTORER}.`);
  checkNumber('eta', params.eta, 0, 1);
  if (params.restorerViews !== undefined && !RESTORER_VIEWS.includes(params.restorerViews))
    throw new RestoreParamsError('restorerViews', `restorerViews must be one of ${RESTORER_VIEWS.join(', ')}, got ${String(params.restorerViews)}.`);
  checkNumber('tileSize', params.tileSize, 0, 16384, true);
  checkNumber('tileOverlap', params.tileOverlap, 0, 4096, true);
  if (!(SCHEDULERS as readonly string[]).includes(params.scheduler))
    throw new RestoreParamsError('scheduler', `scheduler must be one of ${SCHEDULERS.join(', ')}, got ${String(params.scheduler)}.`);
  if (!(COLOR_FIXES as readonly string[]).includes(params.colorFix))
    throw new RestoreParamsError('colorFix', `colorFix must be one of ${COLOR_FIXES.join(', ')}, got ${String(params.colorFix)}.`);
  if (params.colorFixLevels !== undefined) checkNumber('colorFixLevels', params.colorFixLevels, COLOR_FIX_LEVELS.min, COLOR_FIX_LEVELS.max, true);
  if (!Array.isArray(params.regions)) throw new RestoreParamsError('regions', 'regions must be a list.');
  params.regions.forEach((r, i) => {
    if (typeof r.prompt !== 'string' || r.prompt.trim() === '') throw new RestoreParamsError(`regions[${i}].prompt`, `Region ${i + 1} needs a prompt.`, 'bad-prompt');
    const m = r.mask;
    if (!m || !(m.data instanceof Float32Array) || m.width < 1 || m.height < 1 || m.data.length !== m.width * m.height)
      throw new RestoreParamsError(`regions[${i}].mask`, `Region ${i + 1}'s mask is malformed.`);
    if (r.guidanceScale !== undefined) checkNumber(`regions[${i}].guidanceScale`, r.guidanceScale, 0, 50);
  });
  return { ...params, restorationPrompt: canonical, useRestorer: Boolean(params.useRestorer) };
}
