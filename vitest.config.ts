import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests (Node), model-pack parity, and the end-to-end suite that drives the
// built renderer in Debian's Chromium. `npm test` runs all three (scripts/test-all.mjs).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // ONNX parity of the exported packs against the PyTorch goldens (npm run test:models).
        test: {
          name: 'models',
          include: ['test/models/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.spec.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
