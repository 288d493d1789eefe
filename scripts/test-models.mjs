#!/usr/bin/env node
// `npm run test:models`: the Python model tooling's tests (pytest), then the
// ONNX parity tests of the exported packs in onnxruntime-node (vitest project `models`).
import path from 'node:path';
import { modelPython, repoRoot, runStep } from './lib/run.mjs';

const pytest = runStep(modelPython(), ['-m', 'pytest', '-q', 'tests'], { cwd: path.join(repoRoot, 'models') });
const parity = runStep(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'models']);
process.exit(pytest.status !== 0 || parity.status !== 0 ? 1 : 0);
