/**
 * The run-settings vocabulary (./runSettings.ts) as zod schemas: the one check the IPC contract,
 * main's saved settings and pack manifests' `defaults` share. Derived, never written out again:
 * a range or a name list changes in runSettings.ts alone.
 */
import { z } from 'zod';
import {
  COLOR_FIX_NAMES,
  RESTORER_VIEWS,
  RUN_RANGES,
  SCHEDULER_NAMES,
  type PackRunDefaults,
  type RunDefaults,
  type SettingRange,
} from './runSettings';

/** A number schema for a range. */
export function rangeSchema(range: SettingRange): z.ZodNumber {
  return range.integer ? z.number().int().min(range.min).max(range.max) : z.number().finite().min(range.min).max(range.max);
}

export const stepsSchema = rangeSchema(RUN_RANGES.steps);
export const guidanceScaleSchema = rangeSchema(RUN_RANGES.guidanceScale);
export const strengthSchema = rangeSchema(RUN_RANGES.strength);
export const etaSchema = rangeSchema(RUN_RANGES.eta);
export const seedSchema = rangeSchema(RUN_RANGES.seed);
export const colorFixLevelsSchema = rangeSchema(RUN_RANGES.colorFixLevels);
export const tileSizeSchema = rangeSchema(RUN_RANGES.tileSize);
export const tileOverlapSchema = rangeSchema(RUN_RANGES.tileOverlap);
export const schedulerSchema = z.enum(SCHEDULER_NAMES);
export const colorFixSchema = z.enum(COLOR_FIX_NAMES);
export const restorerViewsSchema = z.union(RESTORER_VIEWS.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<1>, z.ZodLiteral<2>, z.ZodLiteral<4>, z.ZodLiteral<8>]);

/** A pack's recommended settings (manifest.json `defaults`): any subset. */
export const packRunDefaultsSchema = z
  .object({
    steps: stepsSchema,
    strength: strengthSchema,
    guidanceScale: guidanceScaleSchema,
    scheduler: schedulerSchema,
    colorFix: colorFixSchema,
    colorFixLevels: colorFixLevelsSchema,
    useRestorer: z.boolean(),
    restorerViews: restorerViewsSchema,
    eta: etaSchema,
  })
  .partial()
  .strict();

/** The editor's run defaults (main's saved settings, `settings.set`). */
export const runDefaultsSchema = z
  .object({
    steps: stepsSchema,
    guidanceScale: guidanceScaleSchema,
    /** 0 = restorer only (with useRestorer). */
    strength: strengthSchema,
    colorFix: colorFixSchema,
    colorFixLevels: colorFixLevelsSchema,
    scheduler: schedulerSchema,
    seedLocked: z.boolean(),
    seed: seedSchema,
    useRestorer: z.boolean(),
    restorerViews: restorerViewsSchema,
  })
  .strict();

// Compile-time checks: the schemas let through exactly the types of runSettings.ts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const packDefaultsMatch: Same<z.output<typeof packRunDefaultsSchema>, PackRunDefaults> = true;
const runDefaultsMatch: Same<z.output<typeof runDefaultsSchema>, RunDefaults> = true;
void packDefaultsMatch;
void runDefaultsMatch;
