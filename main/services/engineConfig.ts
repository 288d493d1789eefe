/**
 * Builds the engine's configuration from the environment and where the app
 * runs. Pure: the Electron entry passes `process.resourcesPath` and whether the
 * app is packaged; the CLI and tests pass their own.
 */
import { join } from 'node:path';
import type { EngineConfig } from '../engine/protocol';
import { parseProviderList } from '../engine/providers';
import { DEFAULT_SETTINGS, type AppSettings } from './settings';

export interface EngineConfigInput {
  env: Record<string, string | undefined>;
  /** Electron's process.resourcesPath when packaged, else null. */
  resourcesPath: string | null;
  /** The repository (or app) root, for models/packs when running from source. */
  appRoot: string;
  /** The user's settings; SPIRE_MODEL_PACK, SPIRE_PROVIDERS and SPIRE_THREADS override them. */
  settings?: AppSettings;
  /** The packs folder in the user data folder (imported models go there), listed after the app's own; none in the CLI. */
  userPacksDir?: string;
}

export function engineConfigFrom(input: EngineConfigInput): EngineConfig {
  // Packaged: packs ship as extraResources. From source: the repository's models/packs.
  // Then the user's own packs (imported models): the app's come first, so the embedded pack stays the default.
  const roots = [input.resourcesPath ? join(input.resourcesPath, 'models', 'packs') : join(input.appRoot, 'models', 'packs'), ...(input.userPacksDir ? [input.userPacksDir] : [])];
  const settings = input.settings ?? DEFAULT_SETTINGS;
  const envThreads = Number.parseInt(input.env.SPIRE_THREADS ?? '', 10);
  const envProviders = input.env.SPIRE_PROVIDERS?.trim();
  return {
    packOverride: input.env.SPIRE_MODEL_PACK && input.env.SPIRE_MODEL_PACK.length > 0 ? input.env.SPIRE_MODEL_PACK : settings.packDir,
    packRoots: roots,
    providers: envProviders ? parseProviderList(envProviders) : [...settings.providers],
    threads: Number.isFinite(envThreads) && envThreads >= 0 ? envThreads : settings.threads,
  };
}
