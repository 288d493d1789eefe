/**
 * zod schemas for every invoke channel's request. Main parses each payload
 * with these before any handler runs; a channel without a schema fails the
 * contract test.
 *
 * Run settings come from the vocabulary in common/ (runSettingsSchemas.ts: the same
 * checks main's saved settings and pack manifests use). A run's parameters are the
 * one restore-parameters schema (common/restoreParamsSchema.ts) in its wire form:
 * masks as bytes, lengths capped, unknown keys refused. The worker checks the same
 * schema in its engine form (main/engine/jobs/restoreParams.ts), so a bad value is
 * refused here with the field's name before it costs an engine round trip.
 *
 * A payload a schema refuses never reaches its handler: the channel answers
 * `{ ok: false, error: { code: 'invalid-request', ... } }` (main/ipc/dispatch.ts).
 */
import { z } from 'zod';
import { MAX_PROMPT_CHARS } from '../../common/restorationPrompt';
import { regionPromptShape, regionSaysSomething, restorationPromptTextSchema, restoreParamsShape } from '../../common/restoreParamsSchema';
import { runDefaultsSchema } from '../../common/runSettingsSchemas';
import { PROVIDER_CHOICES } from '../../common/runSettings';
import { COLOUR_MODES } from '../../common/photo';
import type { InvokeChannel, RequestOf } from './channels';

const empty = z.object({}).strict();

/** Largest encoded image accepted over IPC (bytes). Bigger files must come through the open dialog. */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;
/** Region prompts per run. */
export const MAX_REGIONS = 16;
/** Largest side of a region mask (pixels). */
export const MAX_MASK_SIDE = 32768;
/**
 * All region masks of one run together (bytes): 16 regions of the renderer's largest mask
 * (2048 x 2048, one byte a pixel). Main also refuses any mask larger than its image.
 */
export const MAX_MASK_BYTES_TOTAL = 64 * 1024 * 1024;
/** Longest prompt text (characters): the grammar's own cap (common/restorationPrompt.ts); CLIP reads 77 tokens anyway. */
export { MAX_PROMPT_CHARS };
/** Largest side of a live preview. */
export const MAX_PREVIEW_SIZE = 1024;
/** Cells in an exported sweep grid. */
export const MAX_GRID_CELLS = 64;
export const EXPORT_FORMATS = ['png', 'jpeg', 'webp', 'tiff'] as const;
export const EXPORT_KINDS = ['result', 'side-by-side', 'wipe', 'sweep-grid'] as const;

/** An id main handed out, or a job id the renderer named (a UUID); never a path. */
const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an id SPIRE Studio handed out');

const promptText = z.string().max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`);

export const restorationPromptSchema = restorationPromptTextSchema(z.string().max(MAX_PROMPT_CHARS));

export const regionMaskSchema = z
  .object({
    width: z.number().int().min(1).max(MAX_MASK_SIDE),
    height: z.number().int().min(1).max(MAX_MASK_SIDE),
    data: z.instanceof(Uint8Array),
  })
  .strict()
  .refine((m) => m.data.byteLength === m.width * m.height, { message: 'data must hold width * height bytes (one coverage byte per pixel)', path: ['data'] });

export const regionPromptSchema = z.object(regionPromptShape(regionMaskSchema, restorationPromptSchema, promptText)).strict().superRefine(regionSaysSomething);

/** The restore-parameters schema's wire form (common/restoreParamsSchema.ts) with IPC's caps on regions. */
export const restoreParamsSchema = z
  .object({
    ...restoreParamsShape(regionPromptSchema, restorationPromptSchema, promptText),
    regions: z
      .array(regionPromptSchema)
      .max(MAX_REGIONS, `at most ${MAX_REGIONS} regions`)
      .refine((rs) => rs.reduce((n, r) => n + r.mask.data.byteLength, 0) <= MAX_MASK_BYTES_TOTAL, `the masks together must stay under ${MAX_MASK_BYTES_TOTAL} bytes`),
  })
  .strict();

/** An absolute path main itself handed out (recent files, pack folders); checked against main's own lists too. */
const knownPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL');

export const exportRequestSchema = z
  .object({
    kind: z.enum(EXPORT_KINDS),
    resultId: id.optional(),
    imageId: id.optional(),
    cells: z
      .array(z.object({ resultId: id, label: z.string().max(200) }).strict())
      .min(1)
      .max(MAX_GRID_CELLS)
      .optional(),
    columns: z.number().int().min(1).max(16).optional(),
    wipePosition: z.number().finite().min(0).max(1).optional(),
    beforeResultId: id.optional(),
    format: z.enum(EXPORT_FORMATS),
    quality: z.number().int().min(1).max(100).optional(),
    colour: z.enum(COLOUR_MODES).optional(),
    stripLocation: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.kind === 'sweep-grid') {
      if (!r.cells) ctx.addIssue({ code: 'custom', message: 'a sweep grid needs cells', path: ['cells'] });
    } else if (!r.resultId) {
      ctx.addIssue({ code: 'custom', message: `a ${r.kind} export needs a resultId`, path: ['resultId'] });
    }
    if (r.wipePosition !== undefined && r.kind !== 'wipe') ctx.addIssue({ code: 'custom', message: 'only a wipe export takes a wipePosition', path: ['wipePosition'] });
    if (r.beforeResultId !== undefined && r.kind !== 'side-by-side' && r.kind !== 'wipe') ctx.addIssue({ code: 'custom', message: 'only a side-by-side or wipe export takes a beforeResultId', path: ['beforeResultId'] });
  });

/** A dropped (or pasted) file: a plain file name and its bytes, never a path. */
const droppedImage = z
  .object({
    name: z.string().min(1).max(255).refine((n) => !/[\\/\0]/.test(n), 'must be a file name, not a path'),
    bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength > 0 && b.byteLength <= MAX_IMAGE_BYTES, {
      message: `must hold 1 byte to ${MAX_IMAGE_BYTES} bytes`,
    }),
  })
  .strict();

/** Photos on one batch list (and so in one batch). */
export const MAX_BATCH_PHOTOS = 500;

/** A photo's content hash (sha-256, hex): names its session folder, so nothing else is accepted. */
const contentHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha-256 content hash (64 hex digits)');
/** The renderer's session JSON text at most (masks and results travel apart). */
export const MAX_SESSION_STATE_CHARS = 4 * 1024 * 1024;
/** History results a session names at most (the history keeps 40 unpinned, plus the pinned). */
export const MAX_SESSION_RESULTS = 200;

const sessionMaskSchema = z
  .object({ regionId: z.string().min(1).max(64), width: z.number().int().min(1).max(MAX_MASK_SIDE), height: z.number().int().min(1).max(MAX_MASK_SIDE), data: z.instanceof(Uint8Array) })
  .strict()
  .refine((m) => m.data.byteLength === m.width * m.height, { message: 'data must hold width * height bytes (one coverage byte per pixel)', path: ['data'] });

export const sessionSaveSchema = z
  .object({
    contentHash,
    name: z.string().max(255),
    state: z.string().max(MAX_SESSION_STATE_CHARS, `must be at most ${MAX_SESSION_STATE_CHARS} characters`),
    masks: z
      .array(sessionMaskSchema)
      .max(MAX_REGIONS * 4)
      .refine((ms) => ms.reduce((n, m) => n + m.data.byteLength, 0) <= MAX_MASK_BYTES_TOTAL * 4, 'the masks together are too large to save')
      .optional(),
    resultIds: z.array(id).max(MAX_SESSION_RESULTS),
  })
  .strict();

export const requestSchemas = {
  'spire:app:info': empty,
  'spire:image:open-dialog': empty,
  'spire:image:open-bytes': droppedImage,
  'spire:image:recent': empty,
  'spire:image:open-recent': z.object({ path: knownPath }).strict(),
  'spire:image:estimate': z.object({ imageId: id }).strict(),
  'spire:engine:status': empty,
  'spire:engine:list-packs': empty,
  'spire:engine:choose-pack': empty,
  'spire:engine:configure': z
    .object({
      packDir: knownPath.nullable().optional(),
      providers: z.array(z.enum(PROVIDER_CHOICES)).min(1).max(8).optional(),
      threads: z.number().int().min(0).max(256).optional(),
    })
    .strict(),
  'spire:restore:start': z
    .object({
      jobId: id,
      imageId: id,
      params: restoreParamsSchema,
      previewSize: z
        .number()
        .int()
        .min(0)
        .max(MAX_PREVIEW_SIZE)
        .refine((n) => n === 0 || n >= 16, 'must be 0 (no previews) or 16 or more')
        .optional(),
    })
    .strict(),
  'spire:restore:cancel': z.object({ jobId: id }).strict(),
  'spire:restore:discard': z.object({ resultId: id }).strict(),
  'spire:export:save': exportRequestSchema,
  'spire:settings:get': empty,
  'spire:settings:set': z.object({ defaults: runDefaultsSchema.partial().optional(), defaultsPack: knownPath.nullable().optional() }).strict(),
  // No path: main shows the dialog of the kind named here.
  'spire:packs:import': z.object({ jobId: id, source: z.enum(['file', 'folder']), withRestorer: z.boolean(), fp16: z.boolean() }).strict(),
  'spire:packs:import-cancel': z.object({ jobId: id }).strict(),
  // Batch: paths only from main's dialogs; a dropped photo as bytes, like an open; no regions in a batch.
  'spire:batch:add': z.object({ source: z.enum(['files', 'folder']) }).strict(),
  'spire:batch:add-bytes': droppedImage,
  'spire:batch:remove': z.object({ photoIds: z.array(id).max(MAX_BATCH_PHOTOS) }).strict(),
  'spire:batch:choose-output': empty,
  'spire:batch:start': z
    .object({
      batchId: id,
      photoIds: z.array(id).min(1, 'add a photo first').max(MAX_BATCH_PHOTOS, `at most ${MAX_BATCH_PHOTOS} photos a batch`),
      params: restoreParamsSchema.refine((p) => p.regions.length === 0, { message: 'a batch runs without regions', path: ['regions'] }),
      ownEstimate: z.boolean(),
      overwrite: z.boolean(),
      format: z.enum(EXPORT_FORMATS),
      quality: z.number().int().min(1).max(100).optional(),
      colour: z.enum(COLOUR_MODES).optional(),
      stripLocation: z.boolean().optional(),
    })
    .strict(),
  'spire:batch:cancel': z.object({ batchId: id }).strict(),
  'spire:session:load': z.object({ contentHash, imageId: id }).strict(),
  'spire:session:save': sessionSaveSchema,
  'spire:session:delete': z.object({ contentHash }).strict(),
} satisfies Record<InvokeChannel, z.ZodType>;

// Compile-time check: what each schema lets through is the request type the handlers expect.
type Parsed = { [C in InvokeChannel]: z.output<(typeof requestSchemas)[C]> };
type Mismatched = { [C in InvokeChannel]: Parsed[C] extends RequestOf<C> ? never : C }[InvokeChannel];
const schemasMatchContract: [Mismatched] extends [never] ? true : never = true;
void schemasMatchContract;
