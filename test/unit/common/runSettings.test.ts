// The run-settings vocabulary (common/runSettings.ts) and what is derived from it: the zod
// schemas agree with the plain ranges at every edge, the defaults pass their own checks, and
// product code outside common/ does not write the vocabulary's facts out again.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_RUN_DEFAULTS,
  COLOR_FIX_NAMES,
  DEFAULT_RUN_DEFAULTS,
  EXECUTION_PROVIDERS,
  PROVIDER_CHOICES,
  RUN_RANGES,
  SCHEDULER_NAMES,
  describeRange,
  inRange,
  type SettingRange,
} from '../../../common/runSettings';
import { packRunDefaultsSchema, rangeSchema, runDefaultsSchema } from '../../../common/runSettingsSchemas';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

describe('RUN_RANGES and their schemas', () => {
  const cases = Object.entries(RUN_RANGES) as [string, SettingRange][];
  it.each(cases)('%s: the schema and inRange agree at and around the edges', (_name, range) => {
    const schema = rangeSchema(range);
    const probes = [range.min, range.max, range.min - 1, range.max + 1, (range.min + range.max) / 2, range.min + 0.5, Number.NaN, Number.POSITIVE_INFINITY];
    for (const v of probes) expect(schema.safeParse(v).success, `value ${v}`).toBe(inRange(v, range));
    expect(inRange(range.min, range)).toBe(true);
    expect(inRange(range.max + 1, range)).toBe(false);
  });

  it('says what a range allows in words', () => {
    expect(describeRange(RUN_RANGES.steps)).toBe('a whole number from 1 to 500');
    expect(describeRange(RUN_RANGES.guidanceScale)).toBe('a number from 0 to 50');
  });

  it('the defaults pass their own checks', () => {
    expect(packRunDefaultsSchema.parse(APP_RUN_DEFAULTS)).toEqual(APP_RUN_DEFAULTS);
    expect(runDefaultsSchema.parse(DEFAULT_RUN_DEFAULTS)).toEqual(DEFAULT_RUN_DEFAULTS);
    expect(SCHEDULER_NAMES).toContain(APP_RUN_DEFAULTS.scheduler);
    expect(COLOR_FIX_NAMES).toContain(APP_RUN_DEFAULTS.colorFix);
    expect(PROVIDER_CHOICES).toEqual(['auto', ...EXECUTION_PROVIDERS]);
  });

  it('pack defaults refuse a misspelt key and a value out of range', () => {
    expect(packRunDefaultsSchema.safeParse({ step: 8 }).success).toBe(false);
    expect(packRunDefaultsSchema.safeParse({ guidanceScale: RUN_RANGES.guidanceScale.max + 1 }).success).toBe(false);
    expect(packRunDefaultsSchema.safeParse({ scheduler: 'euler' }).success).toBe(false);
  });
});

/** Product source files under the given folders (no tests, no generated output). */
function sources(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of dirs) walk(path.join(repoRoot, d));
  return out;
}

describe('each fact is written once', () => {
  // Patterns that write a vocabulary fact out again instead of reading it from common/.
  const restatements: [string, RegExp][] = [
    ['the largest seed', /0xffffffff|4294967295/],
    ['the scheduler list', /\[\s*'ddim'\s*,\s*'dpmpp-2m'\s*\]/],
    ['the colour-fix list', /\[\s*'wavelet'\s*,\s*'adain'\s*,\s*'none'\s*\]/],
    ['the restorer views', /\[\s*1\s*,\s*2\s*,\s*4\s*,\s*8\s*\]/],
    ['the guidance range', /\.min\(0\)\.max\(50\)|min: 0, max: 50\b/],
    ['the steps range', /\.min\(1\)\.max\(MAX_STEPS\)|min: 1, max: MAX_STEPS/],
  ];
  const files = sources('main', 'preload', 'renderer/src');

  it('finds the product sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it.each(restatements)('%s appears only in common/', (_what, pattern) => {
    const offenders = files.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => path.relative(repoRoot, f));
    expect(offenders).toEqual([]);
  });

  it('the checker itself catches a restatement', () => {
    const [, seed] = restatements[0]!;
    expect(seed.test('export const MAX_SEED = 0xffffffff;')).toBe(true);
  });
});
