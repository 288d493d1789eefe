/**
 * `spire restore` refusing hostile or careless input before any work (exit 2/3/5, nothing written,
 * quickly), and ending cleanly on a second Ctrl+C or a stdout that fails. Big inputs are made here.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { number, printable } from '../../../../main/cli/parse';
import { MAX_PROMPT_CHARS } from '../../../../common/restorationPrompt';
import { buildTestWorker } from '../engine/jobs/buildTestWorker';
import { runCli, type CliRun } from './cliHarness';

const repo = resolve(import.meta.dirname, '../../../..');
const PACK = join(repo, 'test/fixtures/packs/tiny-random');
let workerPath: string;
let tmp: string;

beforeAll(async () => {
  workerPath = await buildTestWorker(join(repo, 'main/engine/worker.ts'));
}, 120_000);
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-cli-hard-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const run = (argv: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(argv, { cwd: tmp, workerPath, env: { SPIRE_PROVIDERS: 'cpu', ...env } });

async function png(name: string, width = 32, height = 32): Promise<string> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31) % 256;
  const path = join(tmp, name);
  await sharp(px, { raw: { width, height, channels: 3 } }).png().toFile(path);
  return path;
}

describe('flag values', () => {
  it.each([
    [['--prompt', 'a'.repeat(20_000)], /--prompt is 20000 characters long; prompts may have at most 2000/],
    [['--negative', 'b'.repeat(MAX_PROMPT_CHARS + 1)], /--negative is 2001 characters/],
    [['--restore', `Denoise with sigma 0.05;${' '.repeat(MAX_PROMPT_CHARS)}`], /--restore is \d+ characters/],
    [['--seed', '0x10'], /--seed takes a whole number .* got "0x10"/],
    [['--steps', '1e2'], /--steps takes a whole number .* got "1e2"/],
    [['--steps', '20.0'], /--steps takes a whole number/],
    [['--seed', '-5'], /--seed takes a whole number from 0 to \d+, got "-5"/],
    [['--guidance', '-1'], /--guidance takes a number from 0 to 50, got "-1"/],
    [['--guidance', 'Infinity'], /--guidance takes a number/],
    [['--strength', '0.1', '--steps', '3'], /runs no diffusion step \(3 x 0.1 < 1\). Raise --steps to 10 or more, or --strength to 0.34/],
  ])('%j: exit 2 before the engine starts, nothing written', async (flags, message) => {
    const input = await png('in.png');
    const r = await run(['restore', input, '-o', 'out.png', '--model', PACK, '--restore', 'Denoise with sigma 0.05;', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/ambiguous/);
    expect(r.ms).toBeLessThan(5000);
    expect(await readdir(tmp)).toEqual(['in.png']);
  });

  it.each(['2.5', '-5', 'lots'])('SPIRE_THREADS=%s is a usage error naming SPIRE_THREADS', async (threads) => {
    const input = await png('in.png');
    const r = await run(['restore', input, '-o', 'out.png', '--model', PACK], { SPIRE_THREADS: threads });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SPIRE_THREADS \(environment\) takes a whole number from 0 to 1024/);
  });

  it('control characters in a prompt are escaped in messages, never echoed raw', async () => {
    const input = await png('in.png');
    const r = await run(['restore', input, '-o', 'out.png', '--model', PACK, '--restore', 'Deblur\x1b[2J with\x07']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('\\x1b[2J');
    expect(r.stderr.includes("\x1b") || r.stderr.includes("\x07")).toBe(false);
    expect(printable('a\x1b[31mb\x9bc\td\n')).toBe('a\\x1b[31mb\\x9bc\td\n');
  });

  it('number(): decimal text only', () => {
    expect(number('--x', ' 12 ', { integer: true, min: 0, max: 100 })).toBe(12);
    expect(number('--x', '.5', { min: 0, max: 1 })).toBe(0.5);
    expect(number('--x', '1e-3', { min: 0, max: 1 })).toBe(0.001);
    for (const bad of ['0x10', '0b1', '0o7', '1e2', '', '1,5']) expect(() => number('--x', bad, { integer: true, min: 0, max: 1000 })).toThrow(/--x/);
    expect(() => number('--x', '0x1', { min: 0, max: 10 })).toThrow(/--x/);
  });
});

describe('outputs checked before any work', () => {
  it('a folder that cannot be created: exit 5, the --json line says why', async () => {
    const input = await png('in.png');
    await writeFile(join(tmp, 'afile'), 'x');
    const r = await run(['restore', input, '-o', 'afile/sub/', '--model', PACK, '--json']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ input, output: null, error: { code: 'output-failed' } });
  });

  it.skipIf(process.getuid?.() === 0)('a read-only output folder (file and folder mode): exit 5, nothing run', async () => {
    const input = await png('in.png');
    await mkdir(join(tmp, 'ro'));
    await chmod(join(tmp, 'ro'), 0o555);
    for (const out of ['ro/x.png', 'ro/']) {
      const r = await run(['restore', input, '-o', out, '--model', PACK]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/Cannot write to the folder .*nothing was run/);
    }
    expect(await readdir(join(tmp, 'ro'))).toEqual([]);
    await chmod(join(tmp, 'ro'), 0o755);
  });

  it('a single input that does not read prints its --json line (exit 3)', async () => {
    await writeFile(join(tmp, 'bad.png'), 'bad');
    const r = await run(['restore', 'bad.png', '-o', 'out.png', '--model', PACK, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: join(tmp, 'bad.png'), output: null, error: { code: 'image-not-an-image' } });
  });

  it('a folder says which files it skipped, in one line', async () => {
    await mkdir(join(tmp, 'in'));
    await png('in/a.png');
    await writeFile(join(tmp, 'in/b.gif'), 'GIF89a');
    await writeFile(join(tmp, 'in/c.heic'), 'x');
    await writeFile(join(tmp, 'in/.hidden'), 'x');
    const r = await run(['restore', 'in', '-o', 'out/', '--model', PACK, '--steps', '2', '--seed', '1', '--restore', 'Denoise with sigma 0.05;']);
    expect(r.stderr).toContain('in: skipped 2 files that are not PNG, JPEG, WebP or TIFF: b.gif, c.heic.');
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('spire as a process', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await buildTestWorker(join(repo, 'main/cli/index.ts'));
  }, 120_000);

  function spawnCli(args: string[]) {
    return spawn(process.execPath, [cli, ...args], { cwd: tmp, env: { ...process.env, SPIRE_ENGINE_WORKER: workerPath, SPIRE_PROVIDERS: 'cpu' }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  it('a second Ctrl+C ends at once by SIGINT (shell status 130), no native abort, nothing written', async () => {
    const input = await png('in.png');
    const child = spawnCli(['restore', input, '-o', 'o.png', '--model', PACK, '--steps', '500']);
    let stderr = '';
    let sentAt = 0;
    let second = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sentAt && /step \d+\/500/.test(stderr)) {
        sentAt = Date.now();
        child.kill('SIGINT');
      } else if (sentAt && !second && /stopping/.test(stderr)) {
        second = true; // after the first one's handler ran: the second is not merged into it
        child.kill('SIGINT');
      }
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    expect(second).toBe(true);
    // Killed by its own SIGINT (a shell reports 130), or 130 when the first Ctrl+C already finished.
    expect(signal === 'SIGINT' || code === 130).toBe(true);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(await readdir(tmp)).toEqual(['in.png']);
  }, 60_000);

  it('stdout closed under --json (| head -1): one stderr line, exit 5, no stack trace', async () => {
    await mkdir(join(tmp, 'in'));
    for (const n of ['a', 'b', 'c']) await png(`in/${n}.png`);
    const child = spawnCli(['restore', 'in', '-o', 'out/', '--model', PACK, '--steps', '2', '--seed', '1', '--json', '--restore', 'Denoise with sigma 0.05;']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(stderr).toMatch(/cannot write to standard output \(EPIPE/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(5);
  }, 60_000);
});

describe('--max-megapixels', () => {
  it('refuses an image over the limit before the engine starts (exit 3), and a bad limit (exit 2)', async () => {
    await png('big.png', 1200, 1000); // 1.2 MP
    const refused = await run(['restore', 'big.png', '-o', 'out.png', '--model', PACK, '--max-megapixels', '1']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/1200 x 1000/);
    expect(await readdir(tmp)).not.toContain('out.png');
    const bad = await run(['restore', 'big.png', '-o', 'out.png', '--model', PACK, '--max-megapixels', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-megapixels must be a number of megapixels/);
    const fromEnv = await run(['restore', 'big.png', '-o', 'out.png', '--model', PACK], { SPIRE_MAX_MEGAPIXELS: '1' });
    expect(fromEnv.code).toBe(3);
  });

  it('a raised limit reaches the worker too (the image restores)', async () => {
    await png('small.png', 64, 48);
    const ok = await run(['restore', 'small.png', '-o', 'out.png', '--model', PACK, '--restore', 'Denoise with sigma 0.05;', '--steps', '2', '--max-megapixels', '250']);
    expect(ok.code).toBe(0);
    expect(await readdir(tmp)).toContain('out.png');
  });
});
