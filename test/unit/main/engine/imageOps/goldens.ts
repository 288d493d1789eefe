// The image-op goldens written by test/fixtures/imageOps/make_*_goldens.py: `<name>.json` (a
// tolerance and cases whose numbers are offsets into the values) and `<name>.bin` (little-endian
// float32 values).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { REGENERATE, requireGolden } from '../../../../fixtures/goldenFiles';

const dir = path.join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'imageOps');

export function readImageOpGoldens<Case>(name: string): { index: { tolerance: number; cases: Case[] }; values: Float32Array } {
  const index = JSON.parse(readFileSync(requireGolden(path.join(dir, `${name}.json`), REGENERATE.imageOps(name)), 'utf8')) as { tolerance: number; cases: Case[] };
  const bin = readFileSync(requireGolden(path.join(dir, `${name}.bin`), REGENERATE.imageOps(name)));
  const values = new Float32Array(bin.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bin.readFloatLE(i * 4);
  return { index, values };
}

/** Largest absolute difference; the lengths must match. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
