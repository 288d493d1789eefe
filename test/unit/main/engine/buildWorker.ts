/**
 * Bundles main/engine/worker.ts into plain JavaScript so a real
 * worker_threads Worker can run it (workers cannot load TypeScript). Native
 * addons stay external and resolve from the repository's node_modules.
 * The bundle is cached by the sources' modification times.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const repo = resolve(import.meta.dirname, '../../../..');

function sourcesStamp(): string {
  const hash = createHash('sha1');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(`${path}:${statSync(path).mtimeMs}`);
    }
  };
  walk(join(repo, 'main/engine'));
  walk(join(repo, 'preload/contract'));
  return hash.digest('hex').slice(0, 12);
}

/** Returns the path of a runnable worker entry built from the current sources. */
export async function buildEngineWorker(): Promise<string> {
  const outDir = join(repo, 'node_modules/.cache/spire-tests', `worker-${sourcesStamp()}`);
  const entry = join(outDir, 'worker.mjs');
  if (existsSync(entry)) return entry;
  await build({
    configFile: false,
    logLevel: 'silent',
    root: repo,
    build: {
      ssr: join(repo, 'main/engine/worker.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: {
        external: ['onnxruntime-node', 'sharp'],
        output: { format: 'es', entryFileNames: 'worker.mjs', chunkFileNames: '[name]-[hash].mjs' },
      },
    },
  });
  return entry;
}
