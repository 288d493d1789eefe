/**
 * electron-vite build of the three Electron processes.
 *
 *   main      main/index.ts (app lifecycle) + main/engine/worker.ts (the engine
 *             entry run by a utilityProcess in Electron and by worker_threads in
 *             the CLI and tests) + main/cli/index.ts (the `spire` CLI, out/main/cli.js,
 *             run by bin/spire.mjs). ESM, Node target. Native packages stay external.
 *   preload   preload/index.ts. Sandboxed preloads cannot load ESM or any module
 *             but `electron`, so it is one self-contained CommonJS file.
 *   renderer  renderer/index.html (React), browser target.
 *
 * Works without the Electron binary: `npx electron-vite build --config electron.config.ts`.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

/** Native addons: loaded from node_modules at run time, never bundled. */
const NATIVE_EXTERNALS = ['onnxruntime-node', 'sharp'];

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Bundle zod and other pure-JS deps into main; only native addons stay external.
      externalizeDeps: false,
      rollupOptions: {
        input: {
          index: resolve(root, 'main/index.ts'),
          worker: resolve(root, 'main/engine/worker.ts'),
          cli: resolve(root, 'main/cli/index.ts'),
        },
        external: [...NATIVE_EXTERNALS, new RegExp(`^(${NATIVE_EXTERNALS.join('|')})/`)],
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // Nothing but `electron` may stay external in a sandboxed preload.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: {
        input: { index: resolve(root, 'renderer/index.html') },
      },
    },
  },
});
