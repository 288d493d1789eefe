/**
 * Builds the engine side of the benchmarks into out/bench/<entry>.js: an SSR (Node) build, ESM,
 * dependencies left external so onnxruntime-node and zod load from node_modules. Kept apart
 * from electron.config.ts. Entries (each built when its source exists):
 *
 *   engineCase.ts   `npm run bench` (scripts/bench/run.mjs)
 *   defaultCase.ts  `npm run bench`, the default-pack cases
 *   qualityCase.ts  `npm run bench:quality` (scripts/bench/quality.mjs)
 *   regionsCase.ts  `npm run bench -- --only regions`; alone for the full kodim05 (its header)
 *   sd15Case.ts     `npm run bench -- --only sd15`, one SD 1.5-size case (its header)
 *
 *   npx vite build --config scripts/bench/vite.config.ts
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, '..', '..');
const ENTRIES = ['engineCase', 'defaultCase', 'qualityCase', 'regionsCase', 'sd15Case', 'bigPhotoCase'];
const input = Object.fromEntries(
  ENTRIES.map((name) => [name, resolve(root, 'scripts/bench', `${name}.ts`)]).filter(([, file]) => existsSync(file as string)),
);

export default defineConfig({
  root,
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: resolve(root, 'out/bench'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input,
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
