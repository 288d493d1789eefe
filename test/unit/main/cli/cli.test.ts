/**
 * The `spire` CLI: main(argv, io) in-process with the real engine worker (bundled from
 * main/engine/worker.ts) and the tiny-random fixture pack at 32 x 32, plus one spawned
 * process for Ctrl+C. Checks exit codes, messages, outputs and that nothing partial is left.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../../main/cli/main';
import type { CliIo } from '../../../../main/cli/io';
import { readImage } from '../../../../main/engine/image';
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
  tmp = await mkdtemp(join(tmpdir(), 'spire-cli-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

type Run = CliRun;

const run = (argv: string[], over: Partial<CliIo> = {}): Promise<Run> => runCli(argv, { cwd: tmp, workerPath, ...over });

async function png(name: string, width: number, height: number, alpha = false): Promise<string> {
  const channels = alpha ? 4 : 3;
  const px = Buffer.alloc(width * height * channels);
  for (let i = 0; i < px.length; i++) px[i] = alpha && i % 4 === 3 ? 255 - (i % 97) : (i * 31) % 256;
  const path = join(tmp, name);
  await sharp(px, { raw: { width, height, channels } }).png().toFile(path);
  return path;
}

/** A PNG whose header claims width x height (no real pixels): the size check must refuse it before decoding. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const t = Buffer.from(type, 'latin1');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([t, data])) >>> 0);
    return Buffer.concat([len, t, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const idat = chunk('IDAT', deflateSync(Buffer.alloc(100))); // a few rows only: it never gets decoded
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), idat, chunk('IEND', Buffer.alloc(0))]);
}

const base = ['--model', PACK, '--steps', '2', '--seed', '7'];

/** A copy of the tiny pack in the test's folder with `defaults` (the run settings it recommends) in its manifest. */
async function packWithDefaults(defaults: Record<string, unknown>): Promise<string> {
  const dir = join(tmp, 'pack');
  await cp(PACK, dir, { recursive: true, filter: (src) => !src.includes(join(PACK, 'golden')) });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, defaults }));
  return dir;
}

describe('spire restore', () => {
  it('restores one image: output written with metadata, a JSON line, progress lines on stderr', async () => {
    const input = await png('in.png', 32, 32);
    const r = await run(['restore', input, '-o', 'out.png', ...base, '--restore', 'Remove all degradation', '--no-faithful', '--prompt', 'a red barn', '--json']);
    expect(r.stderr).toMatch(/in\.png: step 2\/2/);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ input, output: join(tmp, 'out.png'), width: 32, height: 32, seed: 7, restorationPrompt: 'Remove all degradation', prompt: 'a red barn', provider: 'cpu', pack: 'tiny-random' });
    expect(line.estimate).toBeNull(); // the blind prompt without the restorer asks the estimator nothing
    expect(typeof line.seconds).toBe('number');
    const out = await readImage(join(tmp, 'out.png'));
    expect([out.rgb.width, out.rgb.height]).toEqual([32, 32]);
    expect(out.metadata.text).toMatchObject({ 'spire:seed': '7', 'spire:prompt': 'a red barn', 'spire:model': 'tiny-random', 'spire:restoration-prompt': 'Remove all degradation' });
    expect((await readdir(tmp)).sort()).toEqual(['in.png', 'out.png']);
  });

  it('reads the photo by default (auto): prints the estimate, runs with it and stores it with the output', async () => {
    const input = await png('in.png', 32, 32);
    const r = await run(['restore', input, '-o', 'out.png', ...base, '--json']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as { restorationPrompt: string; requestedPrompt: string; estimate: { restorationPrompt: string; operations: { key: string }[] } };
    expect(line.requestedPrompt).toBe('auto');
    expect(line.estimate.operations.map((o) => o.key)).toEqual(['blur', 'noise', 'jpeg']);
    expect(line.restorationPrompt).toBe(line.estimate.restorationPrompt);
    expect(r.stderr).toContain(`in.png: estimated "${line.estimate.restorationPrompt}" (blur`);
    const text = (await readImage(join(tmp, 'out.png'))).metadata.text;
    expect(text['spire:requested-prompt']).toBe('auto');
    expect(text['spire:restoration-prompt']).toBe(line.restorationPrompt);
    expect((JSON.parse(text['spire:estimate'] ?? '{}') as { restorationPrompt?: string }).restorationPrompt).toBe(line.restorationPrompt);
  });

  it('--upsample sets the output size beside auto and beside a typed prompt, and refuses a second size', async () => {
    const input = await png('in.png', 16, 16);
    const auto = await run(['restore', input, '-o', 'a.png', ...base, '--upsample', '2', '--json']);
    expect(auto.code).toBe(0);
    expect((JSON.parse(auto.stdout.trim()) as { restorationPrompt: string }).restorationPrompt).toMatch(/Upsample to 2\.0x;/);
    expect((await readImage(join(tmp, 'a.png'))).rgb.width).toBe(32);
    const typed = await run(['restore', input, '-o', 'b.png', ...base, '--restore', 'Denoise with sigma 0.05;', '--upsample', '2']);
    expect(typed.code).toBe(0);
    expect((await readImage(join(tmp, 'b.png'))).metadata.text['spire:restoration-prompt']).toBe('Upsample to 2.0x; Denoise with sigma 0.05;');
    const twice = await run(['restore', input, '-o', 'c.png', ...base, '--restore', 'Upsample to 4.0x;', '--upsample', '2']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already names the output size/);
  });

  it('auto on a pack without an estimator says what to type instead, before any work', async () => {
    const input = await png('in.png', 16, 16);
    const r = await run(['restore', input, '-o', 'out.png', '--model', join(PACK, '..', 'tiny-random-additive'), '--steps', '2', '--seed', '7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no degradation estimator, so "auto" \(the default\) cannot read the photos: give the restoration prompt with --restore/);
    expect((await readdir(tmp)).sort()).toEqual(['in.png']);
  });

  it('upsamples with the prompt, keeps alpha, and is deterministic for a seed', async () => {
    const input = await png('a.png', 16, 16, true);
    const args = ['--restore', 'Upsample to 2.0x;', ...base];
    expect((await run(['restore', input, '-o', 'x.png', ...args])).code).toBe(0);
    expect((await run(['restore', input, '-o', 'y.png', ...args])).code).toBe(0);
    const x = await readImage(join(tmp, 'x.png'));
    expect([x.rgb.width, x.rgb.height]).toEqual([32, 32]);
    expect(x.alpha).not.toBeNull();
    const [bx, by] = await Promise.all([readFile(join(tmp, 'x.png')), readFile(join(tmp, 'y.png'))]);
    expect(bx.equals(by)).toBe(true);
    const other = await run(['restore', input, '-o', 'z.png', '--restore', 'Upsample to 2.0x;', '--model', PACK, '--steps', '2', '--seed', '8']);
    expect(other.code).toBe(0);
    expect((await readFile(join(tmp, 'z.png'))).equals(bx)).toBe(false);
  });

  it('restores a folder into an output folder, one JSON line per image', async () => {
    await mkdir(join(tmp, 'in'));
    await png('in/one.png', 32, 32);
    await png('in/two.png', 32, 32);
    await writeFile(join(tmp, 'in', 'notes.txt'), 'not an image');
    const r = await run(['restore', 'in', '-o', 'out/', ...base, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { output: string });
    expect(lines.map((l) => l.output)).toEqual([join(tmp, 'out', 'one.png'), join(tmp, 'out', 'two.png')]);
    expect((await readdir(join(tmp, 'out'))).sort()).toEqual(['one.png', 'two.png']);
  });

  it('goes on after a bad image in a folder, reports it in the JSON and exits with its code', async () => {
    await mkdir(join(tmp, 'in'));
    await png('in/a.png', 32, 32);
    await writeFile(join(tmp, 'in', 'b.png'), Buffer.alloc(0));
    await png('in/c.png', 32, 32);
    const r = await run(['restore', 'in', '-o', 'out', ...base, '--json']);
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { input: string; output: string | null; error?: { code: string } });
    expect(lines.find((l) => l.input.endsWith('b.png'))).toMatchObject({ output: null, error: { code: 'image-empty' } });
    expect(lines.filter((l) => l.output !== null)).toHaveLength(2);
    expect((await readdir(join(tmp, 'out'))).sort()).toEqual(['a.png', 'c.png']);
  });

  it('rejects empty, truncated, corrupt, non-image and absurdly large inputs (exit 3) and leaves no output', async () => {
    const good = await readFile(await png('good.png', 32, 32));
    const corrupt = Buffer.from(good);
    corrupt.fill(0x41, 60, good.length - 20);
    const cases: [string, Buffer, RegExp][] = [
      ['empty.png', Buffer.alloc(0), /empty/],
      ['cut.png', good.subarray(0, Math.floor(good.length / 2)), /cut off/],
      ['bad.png', corrupt, /damaged|could not be decoded/],
      ['text.png', Buffer.from('just some text'), /not an image/],
      ['huge.png', pngHeaderOnly(30_000, 30_000), /900 MP.*Downscale/],
    ];
    for (const [name, bytes, words] of cases) {
      await writeFile(join(tmp, name), bytes);
      const r = await run(['restore', name, '-o', `out-${name}`, ...base]);
      expect(r.code, name).toBe(3);
      expect(r.stderr, name).toMatch(words);
    }
    const missing = await run(['restore', 'nope.png', '-o', 'o.png', ...base]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/does not exist/);
    expect((await readdir(tmp)).filter((n) => n.startsWith('out-') || n.startsWith('.'))).toEqual([]);
  });

  it('rejects a malformed prompt or option (exit 2) before starting the engine', async () => {
    const input = await png('in.png', 32, 32);
    const bad = await run(['restore', input, '-o', 'o.png', '--restore', 'Deblur with sigma 5;', '--model', join(tmp, 'no-pack')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Deblur sigma 5 is out of range: allowed 0\.2 to 3\.0/);
    expect((await run(['restore', input, '-o', 'o.png', '--steps', 'many'])).stderr).toMatch(/--steps takes a whole number/);
    const unknown = await run(['restore', input, '-o', 'o.png', '--sharpen']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--sharpen'.*spire restore --help/);
    expect((await run(['restore', input, '-o', 'o.bmp'])).stderr).toMatch(/\.png, \.jpg, \.webp or \.tif/);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect(await readdir(tmp)).toEqual(['in.png']);
  });

  it('reports a broken or missing pack (exit 4) with what to do', async () => {
    const input = await png('in.png', 32, 32);
    await mkdir(join(tmp, 'broken'));
    await writeFile(join(tmp, 'broken', 'manifest.json'), '{ this is not json');
    const broken = await run(['restore', input, '-o', 'o.png', '--model', 'broken', '--steps', '2']);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toMatch(/broken.*--model <dir> or set SPIRE_MODEL_PACK/s);
    const none = await run(['restore', input, '-o', 'o.png', '--steps', '2']);
    expect(none.code).toBe(4);
    expect(await readdir(tmp)).toEqual(['broken', 'in.png']);
  });

  it('--region-restore gives a region its own restoration prompt or Keep as is, merged with --region by mask file', async () => {
    const input = await png('in.png', 32, 32);
    const left = Buffer.alloc(32 * 32 * 3);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 16; x++) left.fill(255, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
    await sharp(left, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(tmp, 'left.png'));
    await sharp(Buffer.from(left.map((v) => 255 - v)), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(tmp, 'right.png'));
    const r = await run([
      'restore', input, '-o', 'o.png', ...base, '--json', '--restore', 'Denoise with sigma 0.05',
      '--region-restore', 'right.png=keep', '--region', 'left.png=a red barn', '--region-restore', 'left.png=deblur with sigma 2',
    ]);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout) as { regions: unknown[] };
    expect(line.regions).toEqual([
      { prompt: '', restoration: 'keep' },
      { prompt: 'a red barn', restoration: 'Deblur with sigma 2.0;', restorationUsed: 'Deblur with sigma 2.0;' },
    ]);
    const meta = (await readImage(join(tmp, 'o.png'))).metadata.text;
    expect(meta['spire:regions']).toBe('["","a red barn"]');
    expect(JSON.parse(meta['spire:region-prompts']!)).toEqual(line.regions);
    const bad = await run(['restore', input, '-o', 'p.png', ...base, '--region-restore', 'left.png=Deblurr with sigma 2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--region-restore left\.png: .*"keep"/);
    const twice = await run(['restore', input, '-o', 'p.png', ...base, '--region-restore', 'left.png=keep', '--region-restore', 'left.png=auto']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/names left\.png twice/);
    const size = await run(['restore', input, '-o', 'p.png', ...base, '--upsample', '2', '--region-restore', 'left.png=Upsample to 3.0x;']);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/Region 1's restoration prompt asks for an output 3x the input, the run's for 2x/);
    expect(await readdir(tmp)).not.toContain('p.png');
  });

  it('takes region prompts from mask images, and rejects an unreadable mask (exit 3)', async () => {
    const input = await png('in.png', 32, 32);
    const mask = Buffer.alloc(32 * 32 * 3);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 16; x++) mask.fill(255, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
    await sharp(mask, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(tmp, 'left.png'));
    const r = await run(['restore', input, '-o', 'o.png', ...base, '--region', 'left.png=a red barn', '--region', 'left.png=blue sky']);
    expect(r.code).toBe(0);
    expect((await readImage(join(tmp, 'o.png'))).metadata.text['spire:regions']).toBe('["a red barn","blue sky"]');
    await writeFile(join(tmp, 'empty-mask.png'), Buffer.alloc(0));
    const bad = await run(['restore', input, '-o', 'p.png', ...base, '--region', 'empty-mask.png=sky']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/Region mask: .*empty/);
    const malformed = await run(['restore', input, '-o', 'p.png', ...base, '--region', 'left.png']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--region takes <mask image>=<prompt>/);
  });

  it('refuses to overwrite (exit 5) unless --force', async () => {
    const input = await png('in.png', 32, 32);
    await writeFile(join(tmp, 'o.png'), 'keep me');
    const r = await run(['restore', input, '-o', 'o.png', ...base]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/already exists.*--force/);
    expect(await readFile(join(tmp, 'o.png'), 'utf8')).toBe('keep me');
    expect((await run(['restore', input, '-o', 'o.png', ...base, '--force'])).code).toBe(0);
    expect((await readImage(join(tmp, 'o.png'))).rgb.width).toBe(32);
  });

  it('cancels on interrupt (exit 130) and writes nothing', async () => {
    const input = await png('in.png', 32, 32);
    const interrupt = new AbortController();
    let stderr = '';
    const code = await main(['restore', input, '-o', 'o.png', '--model', PACK, '--steps', '500', '--seed', '1'], {
      stdout: { write: () => undefined },
      stderr: {
        write: (t: string) => {
          stderr += t;
          if (/step \d+\/500/.test(t)) interrupt.abort();
        },
      },
      env: { SPIRE_PROVIDERS: 'cpu' },
      cwd: tmp,
      workerPath,
      packRoots: [],
      interrupt: interrupt.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted; nothing was written/);
    expect(await readdir(tmp)).toEqual(['in.png']);
  });

  it('reports an engine crash mid-job (exit 1), restarts it for the next image, and stops after repeated crashes', async () => {
    const fakeWorker = await buildTestWorker(join(repo, 'test/unit/main/engine/jobs/fakeRestoreWorker.ts'));
    await mkdir(join(tmp, 'in'));
    await png('in/a.png', 16, 16);
    await png('in/b.png', 16, 16);
    await png('in/c.png', 16, 16);
    const r = await run(['restore', 'in', '-o', 'out', '--model', PACK, '--steps', '4', '--prompt', 'crash'], { workerPath: fakeWorker });
    expect(r.code).toBe(1);
    // a.png crashes the engine, it is restarted, b.png crashes it again: no more restarts, c.png is not tried.
    expect(r.stderr.match(/stopped before answering/g)).toHaveLength(2);
    expect(await readdir(join(tmp, 'out'))).toEqual([]);
  }, 60_000);

  it('runs with the pack’s recommended settings, flags overriding them, and says which were used', async () => {
    const input = await png('in.png', 32, 32);
    const pack = await packWithDefaults({ steps: 3, guidanceScale: 2, scheduler: 'dpmpp-2m', colorFix: 'none', useRestorer: true });
    const r = await run(['restore', input, '-o', 'a.png', '--model', pack, '--seed', '7', '--steps', '2', '--no-faithful', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'settings (pack "tiny-random"): steps 2 [flag], strength 1 [default], guidance 2 [pack], scheduler dpmpp-2m [pack], color-fix none [pack], faithful off [flag], eta 0 [default]',
    );
    expect(r.stderr).toMatch(/in\.png: step 2\/2/);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ steps: 2, settings: { steps: 2, guidanceScale: 2, scheduler: 'dpmpp-2m', colorFix: 'none', useRestorer: false } });
    const meta = (await readImage(join(tmp, 'a.png'))).metadata.text;
    expect(meta).toMatchObject({ 'spire:guidance': '2', 'spire:scheduler': 'dpmpp-2m' });
  }, 120_000);

  it('strength 0 is the restorer only with --faithful, and a clear usage error (exit 2) without it', async () => {
    const input = await png('in.png', 32, 32);
    const refused = await run(['restore', input, '-o', 'o.png', ...base, '--strength', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^spire: .*strength.*0/m);
    expect(refused.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack
    const pack = await packWithDefaults({ useRestorer: true, strength: 0 });
    const fromPack = await run(['restore', input, '-o', 'o.png', '--model', pack, '--seed', '7', '--no-faithful']);
    expect(fromPack.code).toBe(2);
    expect(fromPack.stderr).toMatch(/the pack recommended --strength 0; a flag overrides it/);
    const both = await run(['restore', input, '-o', 'o.png', ...base, '--faithful', '--no-faithful']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--faithful or --no-faithful, not both/);
    expect((await readdir(tmp)).sort()).toEqual(['in.png', 'pack']);

    const only = await run(['restore', input, '-o', 'r.png', '--model', pack, '--seed', '7', '--json']);
    expect(only.stderr).toMatch(/strength 0 \[pack\].*faithful on \[pack\].* - restorer only, no diffusion/);
    expect(only.code).toBe(0);
    expect(JSON.parse(only.stdout.trim())).toMatchObject({ steps: 0, settings: { strength: 0, useRestorer: true } });
  }, 120_000);

  it('--views N: the restorer averages N views (faithful mode), printed with the settings; other counts are a usage error', async () => {
    const input = await png('in.png', 32, 32);
    const pack = await packWithDefaults({ useRestorer: true, strength: 0 });
    const bad = await run(['restore', input, '-o', 'v.png', '--model', pack, '--views', '3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--views must be 1, 2, 4, 8, got 3/);
    const eight = await run(['restore', input, '-o', 'v.png', '--model', pack, '--seed', '7', '--views', '8', '--json']);
    expect(eight.stderr).toMatch(/faithful on \[pack\], views 8 \[flag\]/);
    // The restorer's passes (8 views of each tile) are the progress of a restorer-only run.
    expect(eight.stderr).toMatch(/in\.png: restorer 1\/(\d+)/);
    expect(Number(/restorer 1\/(\d+)/.exec(eight.stderr)![1]) % 8).toBe(0);
    expect(eight.stderr).not.toMatch(/in\.png: step /);
    expect(eight.code).toBe(0);
    expect(JSON.parse(eight.stdout.trim())).toMatchObject({ settings: { strength: 0, useRestorer: true, restorerViews: 8 } });
  }, 120_000);

  it('takes the pack\'s fewer views for large photos and says why, unless --views chose them', async () => {
    const small = await png('small.png', 32, 32); // 0.001 MP
    const large = await png('large.png', 64, 48); // 0.003 MP
    const pack = join(await packWithDefaults({ useRestorer: true, strength: 0, restorerViews: 8 }), 'manifest.json');
    const manifest = JSON.parse(await readFile(pack, 'utf8')) as Record<string, unknown>;
    await writeFile(pack, JSON.stringify({ ...manifest, largePhotos: { aboveMegapixels: 0.002, restorerViews: 2, reason: 'two are enough here' } }));
    const dir = join(tmp, 'pack');
    const passes = (stderr: string, name: string): number => Number(new RegExp(`${name}: restorer 1/(\\d+)`).exec(stderr)![1]);
    const advised = await run(['restore', large, '-o', 'a.png', '--model', dir, '--seed', '7']);
    expect(advised.code).toBe(0);
    expect(advised.stderr).toMatch(/large\.png: 2 views recommended above 0\.002 MP because two are enough here; running 2 \(--views 8 to keep 8\)\./);
    const plain = await run(['restore', small, '-o', 'b.png', '--model', dir, '--seed', '7']);
    expect(plain.stderr).not.toMatch(/recommended above/);
    expect(passes(advised.stderr, 'large\\.png') % 2).toBe(0);
    expect(passes(plain.stderr, 'small\\.png') % 8).toBe(0);
    const chosen = await run(['restore', large, '-o', 'c.png', '--model', dir, '--seed', '7', '--views', '8']);
    expect(chosen.stderr).not.toMatch(/recommended above/);
    expect(passes(chosen.stderr, 'large\\.png')).toBe(4 * passes(advised.stderr, 'large\\.png'));
  }, 120_000);

  it('--color-fix-levels N: the wavelet colour fix\'s levels, from the pack or the flag; out of range is a usage error', async () => {
    const input = await png('in.png', 32, 32);
    const pack = await packWithDefaults({ useRestorer: true, strength: 0.5, steps: 2, colorFixLevels: 3 });
    const bad = await run(['restore', input, '-o', 'l.png', '--model', pack, '--color-fix-levels', '9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--color-fix-levels/);
    const fromPack = await run(['restore', input, '-o', 'l3.png', '--model', pack, '--seed', '7', '--json']);
    expect(fromPack.stderr).toMatch(/color-fix wavelet \[default\], levels 3 \[pack\]/);
    expect(fromPack.code).toBe(0);
    expect(JSON.parse(fromPack.stdout.trim())).toMatchObject({ settings: { colorFix: 'wavelet', colorFixLevels: 3 } });
    const flag = await run(['restore', input, '-o', 'l1.png', '--model', pack, '--seed', '7', '--color-fix-levels', '1', '--json']);
    expect(flag.stderr).toMatch(/levels 1 \[flag\]/);
    expect(flag.code).toBe(0);
    const [a3, a1] = [await readFile(join(tmp, 'l3.png')), await readFile(join(tmp, 'l1.png'))];
    expect(Buffer.compare(a3, a1)).not.toBe(0); // the level reaches the engine
  }, 120_000);

  it('prints help for every command', async () => {
    for (const argv of [['--help'], ['restore', '--help'], ['degrade', '-h']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: spire/);
      expect(r.stdout).toMatch(/130/);
    }
    expect((await run(['restore', '--help'])).stdout).toMatch(/defaults come from the model pack[\s\S]*--faithful, --no-faithful/);
  });
});

describe('spire degrade', () => {
  it('applies a prompt at the degraded size, reproducibly, and refuses the blind prompt', async () => {
    const input = await png('in.png', 40, 32);
    const prompt = 'Deblur with sigma 1.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;';
    const a = await run(['degrade', input, '-o', 'a.png', '--restore', prompt, '--seed', '3', '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ width: 10, height: 8, restorationPrompt: prompt, stages: { blur: 1, downsample: 4, noise: 0.05, jpeg: 40 } });
    await run(['degrade', input, '-o', 'b.png', '--restore', prompt, '--seed', '3']);
    expect((await readFile(join(tmp, 'a.png'))).equals(await readFile(join(tmp, 'b.png')))).toBe(true);
    const same = await run(['degrade', input, '-o', 'c.png', '--restore', prompt, '--same-size']);
    expect(same.code).toBe(0);
    expect((await readImage(join(tmp, 'c.png'))).rgb.width).toBe(40);
    const blind = await run(['degrade', input, '-o', 'd.png', '--restore', 'Remove all degradation']);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toMatch(/parameterized prompts only/);
    const exists = await run(['degrade', input, '-o', 'a.png', '--restore', prompt]);
    expect(exists.code).toBe(5);
    const bad = await run(['degrade', 'missing.png', '-o', 'e.png', '--restore', prompt]);
    expect(bad.code).toBe(3);
    expect((await readdir(tmp)).sort()).toEqual(['a.png', 'b.png', 'c.png', 'in.png']);
  });
});

describe('spire as a process', () => {
  it('Ctrl+C (SIGINT) cancels cleanly: exit 130, no output, no temporary file', async () => {
    const cli = await buildTestWorker(join(repo, 'main/cli/index.ts'));
    const input = await png('in.png', 32, 32);
    const child = spawn(process.execPath, [cli, 'restore', input, '-o', 'o.png', '--model', PACK, '--steps', '500'], {
      cwd: tmp,
      env: { ...process.env, SPIRE_ENGINE_WORKER: workerPath, SPIRE_PROVIDERS: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /step \d+\/500/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopping/);
    expect(await readdir(tmp)).toEqual(['in.png']);
  }, 60_000);
});
