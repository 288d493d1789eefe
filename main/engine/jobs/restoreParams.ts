/**
 * Defaults and checks for RestoreParams, shared by the worker (which checks
 * every job, whoever sent it) and the CLI (which builds them from flags).
 * Messages say which value is wrong and what is allowed.
 */
import type { PipelineParams, RestoreParams } from '../pipeline/types';
import { RestorationPromptError, parseRestorationPrompt, type RestorationPrompt } from '../../../common/restorationPrompt';
import {
  APP_RUN_DEFAULTS,
  COLOR_FIX_NAMES,
  DEFAULT_RESTORATION_PROMPT,
  DEFAULT_TILE_OVERLAP,
  RESTORER_VIEWS,
  RUN_RANGES,
  SCHEDULER_NAMES,
  STRENGTH_ZERO_NEEDS_RESTORER,
  describeRange,
  inRange,
  type SettingRange,
} from '../../../common/runSettings';

export const DEFAULT_RESTORE_PARAMS: RestoreParams = {
  restorationPrompt: DEFAULT_RESTORATION_PROMPT,
  semanticPrompt: '',
  negativePrompt: '',
  regions: [],
  ...APP_RUN_DEFAULTS,
  seed: 0,
  tileSize: 0,
  tileOverlap: DEFAULT_TILE_OVERLAP,
};

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

function checkNumber(field: string, value: unknown, range: SettingRange): void {
  if (!inRange(value, range)) throw new RestoreParamsError(field, `${field} must be ${describeRange(range)}, got ${String(value)}.`);
}

/**
 * Checks every field (throws RestoreParamsError) and returns the params as the pipeline takes
 * them: the restoration prompt parsed (its `text` canonical). The one parse of a restore job's
 * prompt in the engine; everything inward takes the parsed value.
 */
export function validateRestoreParams(params: RestoreParams): PipelineParams {
  if (typeof params.restorationPrompt !== 'string') throw new RestoreParamsError('restorationPrompt', 'The restoration prompt must be text.', 'bad-prompt');
  let restorationPrompt: RestorationPrompt;
  try {
    restorationPrompt = parseRestorationPrompt(params.restorationPrompt);
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new RestoreParamsError('restorationPrompt', `Restoration prompt: ${err.message}.`, 'bad-prompt');
    throw err;
  }
  for (const f of ['semanticPrompt', 'negativePrompt'] as const)
    if (typeof params[f] !== 'string') throw new RestoreParamsError(f, `${f} must be text.`, 'bad-prompt');
  checkNumber('steps', params.steps, RUN_RANGES.steps);
  checkNumber('guidanceScale', params.guidanceScale, RUN_RANGES.guidanceScale);
  checkNumber('seed', params.seed, RUN_RANGES.seed);
  checkNumber('strength', params.strength, RUN_RANGES.strength);
  if (params.strength === 0 && !params.useRestorer) throw new RestoreParamsError('strength', `${STRENGTH_ZERO_NEEDS_RESTORER}.`);
  checkNumber('eta', params.eta, RUN_RANGES.eta);
  if (params.restorerViews !== undefined && !(RESTORER_VIEWS as readonly number[]).includes(params.restorerViews))
    throw new RestoreParamsError('restorerViews', `restorerViews must be one of ${RESTORER_VIEWS.join(', ')}, got ${String(params.restorerViews)}.`);
  checkNumber('tileSize', params.tileSize, RUN_RANGES.tileSize);
  checkNumber('tileOverlap', params.tileOverlap, RUN_RANGES.tileOverlap);
  if (!(SCHEDULER_NAMES as readonly string[]).includes(params.scheduler))
    throw new RestoreParamsError('scheduler', `scheduler must be one of ${SCHEDULER_NAMES.join(', ')}, got ${String(params.scheduler)}.`);
  if (!(COLOR_FIX_NAMES as readonly string[]).includes(params.colorFix))
    throw new RestoreParamsError('colorFix', `colorFix must be one of ${COLOR_FIX_NAMES.join(', ')}, got ${String(params.colorFix)}.`);
  if (params.colorFixLevels !== undefined) checkNumber('colorFixLevels', params.colorFixLevels, RUN_RANGES.colorFixLevels);
  if (!Array.isArray(params.regions)) throw new RestoreParamsError('regions', 'regions must be a list.');
  params.regions.forEach((r, i) => {
    if (typeof r.prompt !== 'string' || r.prompt.trim() === '') throw new RestoreParamsError(`regions[${i}].prompt`, `Region ${i + 1} needs a prompt.`, 'bad-prompt');
    const m = r.mask;
    if (!m || !(m.data instanceof Float32Array) || m.width < 1 || m.height < 1 || m.data.length !== m.width * m.height)
      throw new RestoreParamsError(`regions[${i}].mask`, `Region ${i + 1}'s mask is malformed.`);
    if (r.guidanceScale !== undefined) checkNumber(`regions[${i}].guidanceScale`, r.guidanceScale, RUN_RANGES.guidanceScale);
  });
  return { ...params, restorationPrompt, useRestorer: Boolean(params.useRestorer) };
}
