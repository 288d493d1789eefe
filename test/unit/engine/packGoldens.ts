// The tiny random packs' sampling goldens (test/fixtures/packs/*/golden/index.json, written by
// `cd models && python -m spire.fixtures`), listed for the unit tests that replay one part of them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const packsDir = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'packs');

/** The packs with goldens and with `file` (relative to the pack folder). */
export function packsWithGoldens(file: string): string[] {
  if (!existsSync(packsDir)) return [];
  return readdirSync(packsDir).filter((p) => existsSync(path.join(packsDir, p, 'golden', 'index.json')) && existsSync(path.join(packsDir, p, file)));
}

/** Every sampling run of `packs` as `[label "pack/run", pack, golden folder, run]`, for `it.each`. */
export function goldenRuns<Run extends { name: string }>(packs: readonly string[]): (readonly [string, string, string, Run])[] {
  return packs.flatMap((pack) => {
    const golden = path.join(packsDir, pack, 'golden');
    const index = JSON.parse(readFileSync(path.join(golden, 'index.json'), 'utf8')) as { sampling: Run[] };
    return index.sampling.map((run) => [`${pack}/${run.name}`, pack, golden, run] as const);
  });
}
