/**
 * Defaults and the check of RestoreParams, shared by the worker (which checks every job, whoever
 * sent it) and the CLI (which builds them from flags). The check is the one restore-parameters
 * schema (common/restoreParamsSchema.ts, engine form) plus the strength-0 rule; its refusal is a
 * SpireError (`bad-prompt` or `bad-params`) whose `field` names the value and whose message says
 * what is allowed.
 */
import type { PipelineParams, RestoreParams } from '../pipeline/types';
import { SpireError } from '../../../common/errors';
import type { RestorationPrompt } from '../../../common/restorationPrompt';
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

/** Checked params: the restoration prompt in canonical text, and that prompt parsed (pass it inward, never parse it again). */
export interface CheckedRestoreParams {
  params: RestoreParams;
  prompt: RestorationPrompt;
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
  return { params: { ...params, restorationPrompt: prompt.text, useRestorer: Boolean(params.useRestorer) }, prompt };
}

/**
 * The params as the pipeline takes them: checked (parseRestoreParams) with the restoration prompt
 * parsed (its `text` canonical). The engine's one parse of a job's prompt; everything inward takes
 * the parsed value.
 */
export function validateRestoreParams(params: RestoreParams): PipelineParams {
  const { params: checked, prompt } = parseRestoreParams(params);
  return { ...checked, restorationPrompt: prompt };
}
