/**
 * Builds the engine's configuration from the environment and where the app
 * runs. Pure: the Electron entry passes `process.resourcesPath` and whether the
 * app is packaged; the CLI and tests pass their own.
 */
import { join } from 'node:path';
import type { EngineConfig } from '../engine/protocol';
import { parseProviderList } from '../engine/providers';

export interface EngineConfigInput {
  env: Record<string, string | undefined>;
  /** Electron's process.resourcesPath when packaged, else null. */
  resourcesPath: string | null;
  /** The repository (or app) root, for models/packs when running from source. */
  appRoot: string;
}

export function engineConfigFrom(input: EngineConfigInput): EngineConfig {
  // Packaged: packs ship as extraResources. From source: the repository's models/packs.
  const roots = [input.resourcesPath ? join(input.resourcesPath, 'models', 'packs') : join(input.appRoot, 'models', 'packs')];
  const threads = Number.parseInt(input.env.SPIRE_THREADS ?? '', 10);
  return {
    packOverride: input.env.SPIRE_MODEL_PACK && input.env.SPIRE_MODEL_PACK.length > 0 ? input.env.SPIRE_MODEL_PACK : null,
    packRoots: roots,
    providers: parseProviderList(input.env.SPIRE_PROVIDERS),
    threads: Number.isFinite(threads) && threads > 0 ? threads : 0,
  };
}
