/**
 * Defaults and the check of RestoreParams, shared by the worker (which checks every job, whoever
 * sent it) and the CLI (which builds them from flags). The check is the one restore-parameters
 * schema (common/restoreParamsSchema.ts, engine form) plus the strength-0 rule; its refusal is a
 * SpireError (`bad-prompt` or `bad-params`) whose `field` names the value and whose message says
 * what is allowed.
 */
import type { PipelineParams, PipelineRegion, PipelineRegionRestoration, RestoreParams } from '../pipeline/types';
import { SpireError } from '../../../common/errors';
import { upsampleFactor, type RestorationPrompt } from '../../../common/restorationPrompt';
import { REGION_FEATHER_PX } from '../../../common/regions';
import { engineRestoreParamsSchema } from '../../../common/restoreParamsSchema';
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

/**
 * Checked params: the restoration prompts (the run's, each region's own) in canonical text, and
 * those prompts parsed (pass them inward, never parse them again).
 */
export interface CheckedRestoreParams {
  params: RestoreParams;
  prompt: RestorationPrompt;
  /** Each region's own restoration, its prompt parsed; undefined where the region follows the run's. */
  regionRestorations: (PipelineRegionRestoration | undefined)[];
}

const RANGE_FIELDS = ['steps', 'guidanceScale', 'seed', 'strength', 'eta', 'tileSize', 'tileOverlap', 'colorFixLevels'] as const;
const CHOICE_FIELDS = { scheduler: SCHEDULER_NAMES, colorFix: COLOR_FIX_NAMES, restorerViews: RESTORER_VIEWS } as const;

const refuse = (field: string, message: string, code: 'bad-prompt' | 'bad-params' = 'bad-params'): SpireError => new SpireError(code, message, { field });

/** The value at a schema issue's path, for "got …". */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** The schema's first issue in words, naming the field (the wording the CLI and the app show). */
function describeIssue(params: unknown, issue: { path: readonly PropertyKey[]; message: string }): SpireError {
  const [key, index, sub] = issue.path;
  const got = String(valueAt(params, issue.path));
  if (key === 'restorationPrompt') {
    return typeof valueAt(params, ['restorationPrompt']) === 'string'
      ? refuse('restorationPrompt', `Restoration prompt: ${issue.message}.`, 'bad-prompt')
      : refuse('restorationPrompt', 'The restoration prompt must be text.', 'bad-prompt');
  }
  if (key === 'semanticPrompt' || key === 'negativePrompt') return refuse(key, `${key} must be text.`, 'bad-prompt');
  if (key === 'regions') {
    if (typeof index !== 'number') return refuse('regions', 'regions must be a list.');
    if (sub === 'prompt') return refuse(`regions[${index}].prompt`, `Region ${index + 1} needs a prompt.`, 'bad-prompt');
    if (sub === 'restoration') {
      return issue.path[4] === 'restorationPrompt' || issue.path.length === 4
        ? refuse(`regions[${index}].restoration`, `Region ${index + 1}'s restoration prompt: ${issue.message}.`, 'bad-prompt')
        : refuse(`regions[${index}].restoration`, `Region ${index + 1}'s restoration must be Keep as is or a restoration prompt.`, 'bad-prompt');
    }
    if (sub === 'featherPx') return refuse(`regions[${index}].featherPx`, `regions[${index}].featherPx must be ${describeRange(REGION_FEATHER_PX)}, got ${got}.`);
    if (sub === 'guidanceScale') return refuse(`regions[${index}].guidanceScale`, `regions[${index}].guidanceScale must be ${describeRange(RUN_RANGES.guidanceScale)}, got ${got}.`);
    return refuse(`regions[${index}].mask`, `Region ${index + 1}'s mask is malformed.`);
  }
  if (key === 'useRestorer') return refuse(key, `useRestorer must be true or false, got ${got}.`);
  const range = RANGE_FIELDS.find((f) => f === key);
  if (range) return refuse(range, `${range} must be ${describeRange(RUN_RANGES[range])}, got ${got}.`);
  if (key === 'scheduler' || key === 'colorFix' || key === 'restorerViews') return refuse(key, `${key} must be one of ${CHOICE_FIELDS[key].join(', ')}, got ${got}.`);
  return refuse(String(key ?? 'params'), `The run's parameters are malformed (${issue.message}).`);
}

/**
 * Checks every field against the engine form of the restore-parameters schema and the strength-0
 * rule; throws SpireError (bad-prompt / bad-params, `field` set). Returns the params with the
 * restoration prompt in canonical text, and the parsed prompt.
 */
export function parseRestoreParams(params: RestoreParams): CheckedRestoreParams {
  const parsed = engineRestoreParamsSchema.safeParse(params);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first ? describeIssue(params, first) : refuse('params', 'The run\'s parameters are malformed.');
  }
  if (params.strength === 0 && !params.useRestorer) throw refuse('strength', `${STRENGTH_ZERO_NEEDS_RESTORER}.`);
  const prompt = parsed.data.restorationPrompt;
  const regionRestorations = parsed.data.regions.map((r, i): PipelineRegionRestoration | undefined => {
    const restoration = r.restoration;
    if (!restoration || restoration.kind === 'keep') return restoration ? { kind: 'keep' } : undefined;
    checkRegionOutputSize(restoration.restorationPrompt, prompt, i);
    return { kind: 'prompt', restorationPrompt: restoration.restorationPrompt };
  });
  const regions = params.regions.map((r, i) => {
    const restoration = regionRestorations[i];
    return restoration?.kind === 'prompt' ? { ...r, restoration: { kind: 'prompt' as const, restorationPrompt: restoration.restorationPrompt.text } } : r;
  });
  return { params: { ...params, restorationPrompt: prompt.text, regions, useRestorer: Boolean(params.useRestorer) }, prompt, regionRestorations };
}

/**
 * One output size per run: a region's own prompt may leave the size out (it then restores at the
 * run's) or name the run's `Upsample to Kx`; another size is refused.
 */
function checkRegionOutputSize(regionPrompt: RestorationPrompt, runPrompt: RestorationPrompt, index: number): void {
  const names = regionPrompt.operations.some((o) => o.key === 'downsample');
  if (names && upsampleFactor(regionPrompt) !== upsampleFactor(runPrompt)) {
    throw refuse(
      `regions[${index}].restoration`,
      `Region ${index + 1}'s restoration prompt asks for an output ${upsampleFactor(regionPrompt)}x the input, the run's for ${upsampleFactor(runPrompt)}x: ` +
        'a photo has one output size; leave the Upsample clause out of the region\'s prompt.',
      'bad-prompt',
    );
  }
}

/**
 * The params as the pipeline takes them: checked (parseRestoreParams) with the restoration prompt
 * parsed (its `text` canonical). The engine's one parse of a job's prompt; everything inward takes
 * the parsed value.
 */
export function validateRestoreParams(params: RestoreParams): PipelineParams {
  const { params: checked, prompt, regionRestorations } = parseRestoreParams(params);
  const regions = checked.regions.map((r, i): PipelineRegion => {
    const { restoration: _text, ...rest } = r;
    const restoration = regionRestorations[i];
    return restoration ? { ...rest, restoration } : rest;
  });
  return { ...checked, restorationPrompt: prompt, regions };
}
