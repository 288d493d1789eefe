/**
 * The real restoration pipeline on a loaded pack, as the worker's default
 * `createRestorer`. Kept apart so the worker and its tests do not load the
 * pipeline unless a restoration is asked for.
 */
import type { LoadedPack } from '../packLoader';
import type { Restorer } from './restoreJob';

export async function createDefaultRestorer(_pack: LoadedPack): Promise<Restorer> {
  throw new Error('this build has no restoration pipeline yet (main/engine/pipeline/restore.ts is missing). Update SPIRE Studio.');
}
