// The layer rules in eslint.config.js are what keep the architecture visible.
// These tests lint small snippets as if they lived at a given path and check
// that each forbidden import is caught (and that allowed ones are not).
import { ESLint } from 'eslint';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: repoRoot });

async function restrictedImportErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { file: string; code: string; forbidden: boolean; why: string }[] = [
  { file: 'main/engine/x.ts', code: "import { app } from 'electron';\nexport const a = app;", forbidden: true, why: 'engine is pure Node' },
  { file: 'main/engine/x.ts', code: "import * as ort from 'onnxruntime-node';\nexport const a = ort;", forbidden: true, why: 'ORT only in runtime.ts' },
  { file: 'main/engine/onnx/runtime.ts', code: "import * as ort from 'onnxruntime-node';\nexport const a = ort;", forbidden: false, why: 'the one ORT module' },
  { file: 'main/services/x.ts', code: "import * as ort from 'onnxruntime-node';\nexport const a = ort;", forbidden: true, why: 'ORT only in runtime.ts' },
  { file: 'main/index.ts', code: "import { app } from 'electron';\nexport const a = app;", forbidden: false, why: 'main may use electron' },
  { file: 'renderer/src/x.ts', code: "import { app } from 'electron';\nexport const a = app;", forbidden: true, why: 'no electron in renderer' },
  { file: 'renderer/src/x.ts', code: "import fs from 'node:fs';\nexport const a = fs;", forbidden: true, why: 'no Node in renderer' },
  { file: 'renderer/src/x.ts', code: "import { f } from '../../main/services/f';\nexport const a = f;", forbidden: true, why: 'renderer never imports main' },
  { file: 'renderer/src/x.ts', code: "import { g } from '../../preload/index';\nexport const a = g;", forbidden: true, why: 'only the contract' },
  { file: 'renderer/src/x.ts', code: "import type { SpireApi } from '../../preload/contract/channels';\nexport type A = SpireApi;", forbidden: false, why: 'contract types are shared' },
  { file: 'preload/index.ts', code: "import { s } from '../main/services/s';\nexport const a = s;", forbidden: true, why: 'preload imports only the contract' },
  { file: 'preload/contract/x.ts', code: "import { ipcMain } from 'electron';\nexport const a = ipcMain;", forbidden: true, why: 'the contract imports nothing' },
  { file: 'preload/contract/x.ts', code: "import { MAX_STEPS } from '../../common/runSettings';\nexport const a = MAX_STEPS;", forbidden: false, why: 'the contract carries common/' },
  { file: 'main/engine/x.ts', code: "import { MAX_REGIONS } from '../../preload/contract/schemas';\nexport const a = MAX_REGIONS;", forbidden: true, why: 'the engine never imports preload/' },
  { file: 'main/engine/pipeline/x.ts', code: "import type { SpireApi } from '../../../preload/contract/channels';\nexport type A = SpireApi;", forbidden: true, why: 'the engine never imports the contract' },
  { file: 'main/engine/x.ts', code: "import { MAX_STEPS } from '../../common/runSettings';\nexport const a = MAX_STEPS;", forbidden: false, why: 'the engine reads the vocabulary from common/' },
  { file: 'main/services/x.ts', code: "import { requestSchemas } from '../../preload/contract/schemas';\nexport const a = requestSchemas;", forbidden: false, why: 'main checks requests with the contract' },
  { file: 'renderer/src/x.ts', code: "import { RUN_RANGES } from '../../common/runSettings';\nexport const a = RUN_RANGES;", forbidden: false, why: 'the renderer reads the vocabulary' },
  { file: 'common/x.ts', code: "import type { SpireApi } from '../preload/contract/channels';\nexport type A = SpireApi;", forbidden: true, why: 'common/ imports nothing of ours' },
  { file: 'common/x.ts', code: "import { f } from '../main/engine/f';\nexport const a = f;", forbidden: true, why: 'common/ imports nothing of ours' },
  { file: 'common/x.ts', code: "import fs from 'node:fs';\nexport const a = fs;", forbidden: true, why: 'common/ has no Node' },
  { file: 'common/x.ts', code: "import { z } from 'zod';\nexport const a = z;", forbidden: false, why: 'common/ may derive zod schemas' },
];

describe('layer rules', () => {
  it.each(cases)('$file: $why', async ({ file, code, forbidden }) => {
    const errors = await restrictedImportErrors(file, code);
    if (forbidden) expect(errors.length).toBeGreaterThan(0);
    else expect(errors).toEqual([]);
  });
});

// Tests mirror the source tree: test/unit/<path> tests <path>, so every folder of unit tests
// names a folder of the product (one home for the engine's tests, the CLI's beside main's).
describe('tests mirror the source tree', () => {
  const unitRoot = path.join(repoRoot, 'test', 'unit');
  const folders = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => [path.join(dir, e.name), ...folders(path.join(dir, e.name))]);
  const testFolders = folders(unitRoot).map((d) => path.relative(unitRoot, d));

  it('finds the test folders', () => {
    expect(testFolders).toEqual(expect.arrayContaining(['main/engine/pipeline', 'main/cli', 'common', 'renderer/src/app']));
  });

  it('every test folder names a source folder', () => {
    const orphans = testFolders.filter((d) => !existsSync(path.join(repoRoot, d)));
    expect(orphans).toEqual([]);
  });
});
