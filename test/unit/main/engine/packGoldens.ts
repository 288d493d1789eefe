// The tiny random packs' sampling goldens (test/fixtures/packs/*/golden/index.json, written by
// `cd models && python -m spire.fixtures`), listed for the unit tests that replay one part of them.
// They are committed: a missing one fails the test that needs it (MissingGoldenError), never skips it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GOLDEN_PACKS, REGENERATE, requireGolden } from '../../../fixtures/goldenFiles';

export const packsDir = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'packs');

/** The packs with committed goldens, each checked to have them and `file` (relative to the pack folder). */
export function packsWithGoldens(file: string, dir = packsDir): string[] {
  for (const pack of GOLDEN_PACKS) {
    requireGolden(path.join(dir, pack, 'golden', 'index.json'), REGENERATE.packs);
    requireGolden(path.join(dir, pack, file), REGENERATE.packs);
  }
  return [...GOLDEN_PACKS];
}

/** Every sampling run of `packs` as `[label "pack/run", pack, golden folder, run]`, for `it.each`. */
export function goldenRuns<Run extends { name: string }>(packs: readonly string[], dir = packsDir): (readonly [string, string, string, Run])[] {
  return packs.flatMap((pack) => {
    const golden = path.join(dir, pack, 'golden');
    const index = JSON.parse(readFileSync(requireGolden(path.join(golden, 'index.json'), REGENERATE.packs), 'utf8')) as { sampling: Run[] };
    return index.sampling.map((run) => [`${pack}/${run.name}`, pack, golden, run] as const);
  });
}
