/**
 * Builds the engine side of `npm run bench` (scripts/bench/engineCase.ts) into
 * out/bench/engineCase.js: an SSR (Node) build, ESM, dependencies left external so
 * onnxruntime-node and zod load from node_modules. Kept apart from electron.config.ts.
 *
 *   npx vite build --config scripts/bench/vite.config.ts
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, '..', '..');

export default defineConfig({
  root,
  logLevel: 'warn',
  build: {
    ssr: resolve(root, 'scripts/bench/engineCase.ts'),
    outDir: resolve(root, 'out/bench'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
