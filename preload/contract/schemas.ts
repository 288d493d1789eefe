/**
 * zod schemas for every invoke channel's request. Main parses each payload
 * with these before any handler runs; a channel without a schema fails the
 * contract test.
 */
import { z } from 'zod';
import type { InvokeChannel } from './channels';

const empty = z.object({}).strict();

/** Largest encoded image accepted over IPC (bytes). Bigger files must come through the open dialog. */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

export const requestSchemas = {
  'spire:app:info': empty,
  'spire:image:open-dialog': empty,
  'spire:image:open-bytes': z
    .object({
      name: z.string().min(1).max(255).refine((n) => !/[\\/\0]/.test(n), 'must be a file name, not a path'),
      bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength > 0 && b.byteLength <= MAX_IMAGE_BYTES, {
        message: `must hold 1 byte to ${MAX_IMAGE_BYTES} bytes`,
      }),
    })
    .strict(),
  'spire:engine:status': empty,
} satisfies Record<InvokeChannel, z.ZodType>;
