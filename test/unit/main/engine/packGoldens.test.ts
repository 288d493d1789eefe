// The golden loaders fail, never skip, when a committed golden is missing: pointed at a temp
// folder, they throw a MissingGoldenError that names the file and the command that writes it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GOLDEN_PACKS, MissingGoldenError, REGENERATE, requireGolden } from '../../../fixtures/goldenFiles';
import { goldenRuns, packsDir, packsWithGoldens } from './packGoldens';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'spire-goldens-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** `<tmp>/<pack>/golden/index.json` with one sampling run, for every golden pack. */
function writeGoldenIndexes(): void {
  for (const pack of GOLDEN_PACKS) {
    mkdirSync(path.join(tmp, pack, 'golden'), { recursive: true });
    writeFileSync(path.join(tmp, pack, 'golden', 'index.json'), JSON.stringify({ sampling: [{ name: 'full' }] }));
  }
}

describe('requireGolden', () => {
  it('returns a file that exists', () => {
    writeFileSync(path.join(tmp, 'a.json'), '{}');
    expect(requireGolden(path.join(tmp, 'a.json'), 'make it')).toBe(path.join(tmp, 'a.json'));
  });

  it('throws MissingGoldenError naming the file and the command that regenerates it', () => {
    const file = path.join(tmp, 'missing.bin');
    expect(() => requireGolden(file, REGENERATE.scheduler)).toThrow(MissingGoldenError);
    expect(() => requireGolden(file, REGENERATE.scheduler)).toThrow(`Missing golden ${file}`);
    expect(() => requireGolden(file, REGENERATE.scheduler)).toThrow(REGENERATE.scheduler);
  });
});

describe('pack goldens', () => {
  it('the committed packs have their goldens', () => {
    expect(packsWithGoldens(path.join('scheduler', 'scheduler_config.json'))).toEqual([...GOLDEN_PACKS]);
    expect(goldenRuns(packsWithGoldens(path.join('tokenizer', 'vocab.json'))).length).toBeGreaterThan(0);
    expect(packsDir).toMatch(/test[\\/]fixtures[\\/]packs$/);
  });

  it('an empty packs folder fails on the first pack golden index, with the command that writes it', () => {
    const index = path.join(tmp, GOLDEN_PACKS[0], 'golden', 'index.json');
    expect(() => packsWithGoldens('manifest.json', tmp)).toThrow(`Missing golden ${index}`);
    expect(() => packsWithGoldens('manifest.json', tmp)).toThrow(REGENERATE.packs);
    expect(() => goldenRuns([GOLDEN_PACKS[0]], tmp)).toThrow(`Missing golden ${index}`);
  });

  it('a pack with goldens but without the file a test needs fails on that file', () => {
    writeGoldenIndexes();
    const needed = path.join(tmp, GOLDEN_PACKS[0], 'scheduler', 'scheduler_config.json');
    expect(() => packsWithGoldens(path.join('scheduler', 'scheduler_config.json'), tmp)).toThrow(`Missing golden ${needed}`);
    expect(goldenRuns([...GOLDEN_PACKS], tmp).map(([label]) => label)).toEqual(GOLDEN_PACKS.map((p) => `${p}/full`));
  });
});
