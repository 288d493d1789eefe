/**
 * The one schema of a run's parameters (RestoreParams), in two forms that differ only where they must:
 *
 *   wire    preload/contract/schemas.ts  masks as bytes (Uint8Array 0-255), prompt lengths and region
 *           counts capped, strict (unknown keys refused): what main checks before a handler runs.
 *   engine  main/engine/jobs/restoreParams.ts  masks as floats (Float32Array 0-1), tiles required, the
 *           restoration prompt parsed once (the check hands the parsed prompt inward), loose (the
 *           engine's own extra fields, such as a region's featherPx, pass): what the worker checks for
 *           every job, whoever sent it (the app or the CLI).
 *
 * Both are built from `restoreParamsShape` below, so a field's check is written once. The
 * cross-field strength-0 rule (STRENGTH_ZERO_NEEDS_RESTORER) is the worker's: the IPC form leaves it
 * to the engine, which refuses it in words with `bad-params`.
 */
import { z } from 'zod';
import { REGION_FEATHER_PX } from './regions';
import { RestorationPromptError, parseRestorationPrompt, type RestorationPrompt } from './restorationPrompt';
import {
  colorFixLevelsSchema,
  colorFixSchema,
  etaSchema,
  guidanceScaleSchema,
  restorerViewsSchema,
  schedulerSchema,
  seedSchema,
  stepsSchema,
  strengthSchema,
  tileOverlapSchema,
  tileSizeSchema,
  rangeSchema,
} from './runSettingsSchemas';

/** The restoration prompt as text that follows the grammar (the wire form: it stays text). */
export function restorationPromptTextSchema(text: z.ZodString = z.string()): z.ZodString {
  return text.superRefine((value, ctx) => {
    try {
      parseRestorationPrompt(value);
    } catch (err) {
      if (!(err instanceof RestorationPromptError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  });
}

/** The restoration prompt parsed (the engine form): text in, RestorationPrompt out, one parse. */
export const parsedRestorationPromptSchema = z.string().transform((value, ctx): RestorationPrompt => {
  try {
    return parseRestorationPrompt(value);
  } catch (err) {
    if (!(err instanceof RestorationPromptError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/** A region's own restoration (common/regions.ts); `restorationPrompt` is the form's prompt schema. */
export function regionRestorationSchema<P extends z.ZodType>(restorationPrompt: P) {
  return z.discriminatedUnion('kind', [z.object({ kind: z.literal('keep') }).strict(), z.object({ kind: z.literal('prompt'), restorationPrompt }).strict()]);
}

/**
 * A region prompt's fields; `mask` is the form's mask schema, `restorationPrompt` its restoration
 * prompt schema, `text` its free-text schema. A region says something: a semantic prompt, or its own
 * restoration (then the semantic prompt may be empty); the object-level rule is `regionSaysSomething`.
 */
export function regionPromptShape<M extends z.ZodType, P extends z.ZodType>(mask: M, restorationPrompt: P, text: z.ZodString = z.string()) {
  return {
    prompt: text,
    guidanceScale: guidanceScaleSchema.optional(),
    featherPx: rangeSchema(REGION_FEATHER_PX).optional(),
    restoration: regionRestorationSchema(restorationPrompt).optional(),
    mask,
  };
}

/** A region needs a semantic prompt or its own restoration (the message names the prompt field). */
export function regionSaysSomething(region: { prompt: string; restoration?: unknown }, ctx: z.RefinementCtx): void {
  if (region.prompt.trim().length === 0 && region.restoration === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a region needs a prompt', path: ['prompt'] });
  }
}

/**
 * A run's fields. `region` is the form's region schema, `restorationPrompt` its prompt schema (text
 * checked against the grammar, or parsed), `text` the schema of the free-text prompts.
 */
export function restoreParamsShape<R extends z.ZodType, P extends z.ZodType>(region: R, restorationPrompt: P, text: z.ZodString = z.string()) {
  return {
    restorationPrompt,
    semanticPrompt: text,
    negativePrompt: text,
    regions: z.array(region),
    steps: stepsSchema,
    guidanceScale: guidanceScaleSchema,
    seed: seedSchema,
    // 0 = the restorer alone: only with useRestorer (the worker's rule, STRENGTH_ZERO_NEEDS_RESTORER).
    strength: strengthSchema,
    scheduler: schedulerSchema,
    eta: etaSchema,
    colorFix: colorFixSchema,
    colorFixLevels: colorFixLevelsSchema.optional(),
    useRestorer: z.boolean(),
    restorerViews: restorerViewsSchema.optional(),
    tileSize: tileSizeSchema.optional(),
    tileOverlap: tileOverlapSchema.optional(),
  };
}

/** The engine's region mask: float coverage 0-1, one value per pixel. */
export const engineMaskSchema = z
  .looseObject({
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    data: z.instanceof(Float32Array),
  })
  .refine((m) => m.data.length === m.width * m.height, { message: 'data must hold width * height values', path: ['data'] });

/** The engine form (see the header): masks as floats, tiles required, the prompt parsed. */
export const engineRestoreParamsSchema = z.looseObject({
  ...restoreParamsShape(z.looseObject(regionPromptShape(engineMaskSchema, parsedRestorationPromptSchema)).superRefine(regionSaysSomething), parsedRestorationPromptSchema),
  tileSize: tileSizeSchema,
  tileOverlap: tileOverlapSchema,
});
