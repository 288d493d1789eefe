// Lint rules, including the layer rules that keep the architecture visible:
//   common/          -> nothing of ours (zod and assets/ data only)   the bottom layer: grammar, run-settings vocabulary
//   preload/contract -> common/ + zod                                 the IPC contract
//   renderer -> preload/contract + common/      never main/, never Node or Electron
//   preload  -> preload/contract + common/ + electron   nothing else
//   main/engine -> common/ + pure Node          never electron, never preload/
//   onnxruntime-node is imported by main/engine/onnx/runtime.ts alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const ORT_ONLY_IN_RUNTIME = {
  name: 'onnxruntime-node',
  message: 'Only main/engine/onnx/runtime.ts may import onnxruntime-node; use openSession() from there.',
};

const ENGINE_NOT_PRELOAD = {
  group: ['**/preload/**', '**/renderer/**'],
  message: 'main/engine/ imports the vocabulary from common/, never preload/ or renderer/: the contract is a layer above it.',
};

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'stream', 'zlib', 'http', 'https', 'net'];

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'models/**/*.py', 'models/runs/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: [ORT_ONLY_IN_RUNTIME] }],
    },
  },
  {
    files: ['main/engine/**/*.ts'],
    ignores: ['main/engine/onnx/runtime.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ORT_ONLY_IN_RUNTIME,
            { name: 'electron', message: 'main/engine/ is pure Node: it runs in the CLI, in workers and in tests.' },
          ],
          patterns: [ENGINE_NOT_PRELOAD],
        },
      ],
    },
  },
  {
    files: ['main/engine/onnx/runtime.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/engine/ is pure Node.' }], patterns: [ENGINE_NOT_PRELOAD] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer has no Electron or Node: use window.spire.' },
            ORT_ONLY_IN_RUNTIME,
            ...NODE_BUILTINS.map((name) => ({ name, message: 'The renderer has no Node: use window.spire.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node: use window.spire.' },
            { group: ['**/main/**', '../main', '../../main'], message: 'The renderer never imports main/: talk over the contract.' },
            {
              regex: '^(\\.\\./)+preload/(?!contract/)',
              message: 'The renderer may import only preload/contract (types).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    ignores: ['preload/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ORT_ONLY_IN_RUNTIME],
          patterns: [
            { group: ['**/main/**', '**/renderer/**'], message: 'The preload imports only preload/contract and electron.' },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'node:*', '**/main/**', '**/renderer/**'], message: 'The contract imports nothing but common/ and zod.' },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ORT_ONLY_IN_RUNTIME, ...NODE_BUILTINS.map((name) => ({ name, message: 'common/ is plain data and pure functions: no Node.' }))],
          patterns: [
            {
              group: ['electron', 'node:*', '**/main/**', '**/renderer/**', '**/preload/**', 'react', 'konva'],
              message: 'common/ is the bottom layer: it imports nothing of ours (zod and assets/ data only).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**/*.js', 'bin/**'],
    languageOptions: { globals: { ...globals.node } },
  },
);
