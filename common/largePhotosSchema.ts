/** The manifest's `largePhotos` field (largePhotos.ts), checked strictly where packs are read (main only). */
import { z } from 'zod';
import { RESTORER_VIEWS } from './runSettings';

export const largePhotoAdviceSchema = z
  .object({
    aboveMegapixels: z.number().positive().max(10000),
    restorerViews: z.union(RESTORER_VIEWS.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<1>, z.ZodLiteral<2>, z.ZodLiteral<4>, z.ZodLiteral<8>]),
    reason: z.string().trim().min(1).max(300),
  })
  .strict();
