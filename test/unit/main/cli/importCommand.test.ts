// `spire import` in-process: main(argv, io) with a fake optimum-layout ONNX export.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../../main/cli/io';
import { main } from '../../../../main/cli/main';
import { readManifest } from '../../../../main/engine/packs';
import { writeFakeExport } from '../import/fakeExport';

const tmp = await mkdtemp(join(tmpdir(), 'spire-cli-import-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function run(argv: string[], over: Partial<CliIo> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: { write: (t: string) => void (stderr += t) },
    env: {},
    cwd: tmp,
    ...over,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('spire import', () => {
  it('imports an ONNX export (paths relative to cwd), shows progress and prints where the pack went', async () => {
    await writeFakeExport(join(tmp, 'sd-onnx'));
    const r = await run(['import', 'sd-onnx', '-o', 'packs/sd']);
    expect(r.stderr).toMatch(/^check: 0%/m);
    expect(r.stderr).toMatch(/^copy: \d+%/m);
    expect(r.stdout).toMatch(/imported "sd" -> .*packs\/sd .*--model/);
    expect(r.code).toBe(0);
    expect((await readManifest(join(tmp, 'packs/sd'))).spire?.adaptor).toBeNull();
  });

  it('exits 5 when the output exists (nothing touched) and replaces it with --force; --json', async () => {
    await writeFakeExport(join(tmp, 'sd-onnx2'));
    await mkdir(join(tmp, 'taken'));
    await writeFile(join(tmp, 'taken', 'keep.txt'), 'x');
    const refused = await run(['import', 'sd-onnx2', '-o', 'taken']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/already exists; .*--force/);
    expect(await readdir(join(tmp, 'taken'))).toEqual(['keep.txt']);
    const forced = await run(['import', 'sd-onnx2', '-o', 'taken', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ packDir: join(tmp, 'taken'), name: 'taken' });
  });

  it('exits 2 for SDXL with a message that says so, writing nothing', async () => {
    await writeFakeExport(join(tmp, 'sdxl'), { folders: ['text_encoder_2'] });
    const before = await readdir(tmp);
    const r = await run(['import', 'sdxl', '-o', 'packs-xl/xl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spire: This is a Stable Diffusion XL model/m);
    expect(await readdir(tmp)).toEqual(before);
  });

  it('exits 130 on Ctrl+C and leaves nothing', async () => {
    await writeFakeExport(join(tmp, 'sd-onnx3'));
    const interrupt = new AbortController();
    interrupt.abort();
    const r = await run(['import', 'sd-onnx3', '-o', 'packs-int/x'], { interrupt: interrupt.signal });
    expect(r.code).toBe(130);
    expect(await readdir(tmp)).not.toContain('packs-int');
  });

  it('usage errors and --help', async () => {
    expect((await run(['import'])).code).toBe(2);
    expect((await run(['import', 'x'])).stderr).toMatch(/-o <pack dir>/);
    expect((await run(['import', 'x', '-o', 'y', '--bogus'])).code).toBe(2);
    const help = await run(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--restorer-from <pack>/);
    expect((await run(['--help'])).stdout).toMatch(/import <model> -o <pack dir>/);
  });
});
