/**
 * Bundles an entry (TypeScript: main/engine/worker.ts, a test worker, the CLI) into one runnable
 * .mjs for worker_threads or a child process (they cannot load TypeScript). Native addons stay
 * external and resolve from the repository's node_modules. The bundle is cached by the sources'
 * modification times.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'vite';

const repo = resolve(import.meta.dirname, '../../../../..');

function stamp(entry: string): string {
  const hash = createHash('sha1');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) hash.update(`${path}:${statSync(path).mtimeMs}`);
    }
  };
  walk(join(repo, 'main'));
  walk(join(repo, 'preload/contract'));
  walk(join(repo, 'assets'));
  hash.update(`${entry}:${statSync(entry).mtimeMs}`);
  walk(join(repo, 'test/unit/main/engine/jobs'));
  return hash.digest('hex').slice(0, 12);
}

/** Returns the path of a runnable bundle of `entry` built from the current sources. */
export async function buildTestWorker(entry: string): Promise<string> {
  const name = basename(entry, '.ts');
  const outDir = join(repo, 'node_modules/.cache/spire-tests', `${name}-${stamp(entry)}`);
  const out = join(outDir, `${name}.mjs`);
  if (existsSync(out)) return out;
  await build({
    configFile: false,
    logLevel: 'silent',
    root: repo,
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: {
        external: ['onnxruntime-node', 'sharp'],
        output: { format: 'es', entryFileNames: `${name}.mjs`, chunkFileNames: '[name]-[hash].mjs' },
      },
    },
  });
  return out;
}
