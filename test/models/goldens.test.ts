// The model-pack golden loader (goldens.ts) fails, never skips, when a committed golden is
// missing: pointed at a temp folder it throws a MissingGoldenError naming the file and the
// command that writes it (`cd models && python -m spire.fixtures`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GOLDEN_PACKS, MissingGoldenError, REGENERATE } from '../fixtures/goldenFiles';
import { goldenPacks, readFloat, readGolden, readIds } from './goldens';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'spire-goldens-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

it('finds the committed packs with goldens', () => {
  expect(goldenPacks()).toEqual([...GOLDEN_PACKS]);
});

it('a folder without packs fails on the first golden index', () => {
  expect(() => goldenPacks(tmp)).toThrow(MissingGoldenError);
  expect(() => goldenPacks(tmp)).toThrow(`Missing golden ${path.join(tmp, GOLDEN_PACKS[0], 'golden', 'index.json')}`);
});

it('a golden folder without its index fails, naming the index and the command', () => {
  expect(() => readGolden(tmp)).toThrow(`Missing golden ${path.join(tmp, 'index.json')}`);
  expect(() => readGolden(tmp)).toThrow(REGENERATE.packs);
});

it('a missing golden tensor fails, naming its file', () => {
  writeFileSync(path.join(tmp, 'present.bin'), Buffer.alloc(8));
  expect(readFloat(tmp, { file: 'present.bin', dtype: 'float32', shape: [2] }).data).toEqual(new Float32Array(2));
  expect(() => readFloat(tmp, { file: 'step0.latents.bin', dtype: 'float32', shape: [2] })).toThrow(`Missing golden ${path.join(tmp, 'step0.latents.bin')}`);
  expect(() => readIds(tmp, { file: 'ids.semantic.bin', dtype: 'int64', shape: [1] })).toThrow(MissingGoldenError);
});
