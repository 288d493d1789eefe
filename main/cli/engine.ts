/**
 * Starts the engine for the CLI exactly as the tests do: SupervisedEngineHost +
 * threadSpawner running the built worker entry (out/main/worker.js, next to
 * the CLI bundle) in a worker_threads Worker.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervisedEngineHost } from '../engine/host';
import type { EngineConfig } from '../engine/protocol';
import { threadSpawner } from '../engine/threadSpawner';
import { SpireError } from '../../common/errors';

export interface EngineOptions {
  /** The worker entry; default: SPIRE_ENGINE_WORKER, else worker.js next to this bundle. */
  workerPath?: string | undefined;
  env: Record<string, string | undefined>;
  packOverride: string | null;
  providers: string[];
  threads: number;
  /** Variables the worker sees besides this process's own (e.g. SPIRE_MAX_MEGAPIXELS from --max-megapixels). */
  workerEnv?: Record<string, string>;
  interrupt?: AbortSignal | undefined;
  /** Engine log lines and notes (stderr). */
  note(text: string): void;
}

/** Folder of this module once bundled (out/main/). */
function bundleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

export function defaultWorkerPath(env: Record<string, string | undefined>): string {
  return env.SPIRE_ENGINE_WORKER || join(bundleDir(), 'worker.js');
}

/** Pack roots searched when no pack is named: <repo>/models/packs (from out/main/) and ./models/packs. */
export function defaultPackRoots(cwd: string): string[] {
  const roots = [resolve(bundleDir(), '../../models/packs'), resolve(cwd, 'models/packs')];
  return [...new Set(roots)];
}

/** Starts the engine and waits until it has a pack loaded; throws SpireError pack-not-loaded (exit 4) when it has none. */
export async function startEngine(options: EngineOptions & { packRoots: string[] }): Promise<SupervisedEngineHost> {
  const workerPath = options.workerPath ?? defaultWorkerPath(options.env);
  if (!existsSync(workerPath))
    throw new SpireError('runtime-unavailable', `The engine worker ${workerPath} is missing. Run \`npm run build\` in the SPIRE Studio folder first.`);
  const config: EngineConfig = {
    packOverride: options.packOverride,
    packRoots: options.packRoots,
    providers: options.providers,
    threads: options.threads,
  };
  const debug = Boolean(options.env.SPIRE_DEBUG);
  const host = new SupervisedEngineHost({
    spawn: threadSpawner({ workerPath, ...(options.workerEnv ? { env: options.workerEnv } : {}) }),
    config,
    maxRestarts: 1,
    log: (level, message) => {
      if (debug || level === 'error') options.note(`engine ${level}: ${message}`);
    },
  });
  host.start();
  await new Promise<void>((resolveReady, reject) => {
    const check = (): void => {
      const s = host.status();
      if (s.state === 'ready' || s.state === 'crashed') {
        off();
        options.interrupt?.removeEventListener('abort', onAbort);
        resolveReady();
      }
    };
    const onAbort = (): void => {
      off();
      reject(new SpireError('cancelled', 'Interrupted while the engine was starting; nothing was written.'));
    };
    const off = host.onStatus(check);
    options.interrupt?.addEventListener('abort', onAbort, { once: true });
    check();
  }).catch(async (err: unknown) => {
    await host.stop();
    throw err;
  });
  const status = host.status();
  if (status.state === 'crashed' || !status.pack) {
    await host.stop();
    const why = status.message ?? 'No model pack was found.';
    throw new SpireError(
      'pack-not-loaded',
      `${why} Pass a pack folder with --model <dir> or set SPIRE_MODEL_PACK (packs are made by models/spire/export.py; see models/README.md).`,
    );
  }
  if (status.message) options.note(status.message);
  return host;
}
