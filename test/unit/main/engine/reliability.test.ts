// Hostile and careless inputs to the engine: each case of the hardening issue as a test (big images
// are built here, never committed), then a short fuzz run over the image decoders and the prompt
// grammar with fixed seeds. Every case must end in time with the right SpireError code; the fuzz
// loops log their wall time but do not assert it.
import { xmpPacket } from '../../../../main/engine/image/writeImage';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpireError } from '../../../../common/errors';
import { MAX_PROMPT_CHARS, parseRestorationPrompt, RestorationPromptError } from '../../../../common/restorationPrompt';
import {
  DEFAULT_MAX_PIXELS,
  defaultMaxPixels,
  ENGINE_BYTES_PER_PIXEL,
  MIN_DEFAULT_MAX_PIXELS,
  parseMaxMegapixels,
  probeImage,
  readImage,
  resolveMaxPixels,
} from '../../../../main/engine/image';
import { readManifest } from '../../../../main/engine/packs';
import { threadSpawner, WORKER_STACK_MB } from '../../../../main/engine/threadSpawner';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-reliability-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Deterministic PRNG (mulberry32) so every fuzz run sees the same cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof SpireError ? e.code : `not a SpireError: ${String(e)}`),
  );
}

async function errorOf(p: Promise<unknown>): Promise<SpireError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof SpireError)) throw new Error(`expected a SpireError, got ${String(e)}`);
  return e;
}

// --- PNG by hand: a valid file of any declared size, built without decoding anything ---------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}
/** A single-colour 1-bit greyscale PNG, `side` x `side` (14000: about 25 MB of scanlines, ~25 KB of file). */
function singleColourPng(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = 1 + Math.ceil(side / 8);
  const raw = Buffer.alloc(row * side); // filter 0, all black
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

async function noiseImage(format: 'png' | 'jpeg' | 'webp' | 'tiff', side = 16, seed = 1): Promise<Buffer> {
  const r = rng(seed);
  const px = Buffer.from(Array.from({ length: side * side * 3 }, () => Math.floor(r() * 256)));
  return sharp(px, { raw: { width: side, height: side, channels: 3 } }).toFormat(format).toBuffer();
}

describe('images: refused from the header, before decoding', () => {
  it('derives the default pixel limit from memory: budget / 96 B, clamped to 16-100 MP', () => {
    const GiB = 1024 ** 3;
    expect(ENGINE_BYTES_PER_PIXEL).toBe(96);
    expect(defaultMaxPixels({ total: 16 * GiB, free: 6 * GiB })).toBe(Math.floor((6 * GiB) / 96)); // 67 MP
    expect(defaultMaxPixels({ total: 16 * GiB, free: 1 * GiB })).toBe(Math.floor((4 * GiB) / 96)); // total/4 floor
    expect(defaultMaxPixels({ total: 256 * GiB, free: 200 * GiB })).toBe(DEFAULT_MAX_PIXELS);
    expect(defaultMaxPixels({ total: 2 * GiB, free: 0 })).toBe(MIN_DEFAULT_MAX_PIXELS);
    expect(defaultMaxPixels()).toBeLessThan(14000 * 14000);
  });

  it('takes the limit from maxPixels, then maxMegapixels, then SPIRE_MAX_MEGAPIXELS', () => {
    expect(resolveMaxPixels({ maxPixels: 5, maxMegapixels: 9 }, { SPIRE_MAX_MEGAPIXELS: '7' })).toBe(5);
    expect(resolveMaxPixels({ maxMegapixels: 250 }, { SPIRE_MAX_MEGAPIXELS: '7' })).toBe(250e6);
    expect(resolveMaxPixels({}, { SPIRE_MAX_MEGAPIXELS: '7.5' })).toBe(7.5e6);
    expect(resolveMaxPixels({}, {})).toBe(defaultMaxPixels());
    for (const bad of ['0', '-5', 'abc', '1e3', 'NaN', 'Infinity', '200000']) {
      expect(() => parseMaxMegapixels(bad)).toThrow(expect.objectContaining({ code: 'bad-params', message: expect.stringMatching(/SPIRE_MAX_MEGAPIXELS must be/) }));
    }
  });

  it('refuses a 14000 x 14000 single-colour PNG with image-too-many-pixels, quickly, saying what to do', async () => {
    const png = singleColourPng(14000);
    expect(png.length).toBeLessThan(200_000);
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const err = await errorOf(readImage(png, {}, 'huge.png'));
    const ms = performance.now() - t0;
    expect(err.code).toBe('image-too-many-pixels');
    expect(err.message).toMatch(/“huge\.png” is 14000 x 14000 \(196 MP\).*Downscale or crop.*--max-megapixels.*SPIRE_MAX_MEGAPIXELS/);
    expect(ms).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 ** 2);
    // Raised, the header check passes (probe only: nothing is decoded).
    await expect(probeImage(png, { maxMegapixels: 250 })).resolves.toMatchObject({ width: 14000, height: 14000 });
  });

  it('refuses a corrupt JPEG (scan data cut, end marker kept) as image-corrupt, even declared 14000 x 14000 with the limit raised', async () => {
    const jpeg = await noiseImage('jpeg', 64);
    const sos = jpeg.lastIndexOf(Buffer.from([0xff, 0xda]));
    const cut = Buffer.concat([jpeg.subarray(0, sos + 40), Buffer.from([0xff, 0xd9])]);
    expect(await codeOf(readImage(cut))).toBe('image-corrupt');
    // Declare 14000 x 14000 in the SOF0 header (height at +5, width at +7).
    const big = Buffer.from(cut);
    const sof = big.indexOf(Buffer.from([0xff, 0xc0]));
    big.writeUInt16BE(14000, sof + 5);
    big.writeUInt16BE(14000, sof + 7);
    expect(await codeOf(readImage(big))).toBe('image-too-many-pixels');
    const t0 = performance.now();
    expect(await codeOf(readImage(big, { maxMegapixels: 250, maxDecodeBytes: 64 * 1024 ** 3 }))).toBe('image-corrupt');
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('calls a complete PNG with damaged pixel data corrupt, not cut off', async () => {
    const png = await noiseImage('png', 64);
    const idat = png.indexOf(Buffer.from('IDAT', 'latin1'));
    const bad = Buffer.from(png);
    for (let i = idat + 8; i < idat + 40; i++) bad[i] = 0xff;
    const err = await errorOf(readImage(bad, {}, 'bad.png'));
    expect(err.code).toBe('image-corrupt');
    expect(err.message).not.toMatch(/cut off/);
    // A really cut-off PNG still says so.
    expect(await codeOf(readImage(png.subarray(0, png.length - 30)))).toBe('image-truncated');
  });
});

describe('images: fuzzed bytes of small PNG, JPEG, WebP and TIFF files', () => {
  it('never crashes or hangs: every mutated file decodes or fails with an image-* code', async () => {
    const t0 = performance.now();
    let cases = 0;
    const codes = new Map<string, number>();
    for (const [i, format] of (['png', 'jpeg', 'webp', 'tiff'] as const).entries()) {
      const clean = await noiseImage(format, 16, i + 1);
      const r = rng(100 + i);
      for (let n = 0; n < 40; n++) {
        const bytes = Buffer.from(clean);
        const kind = n % 4;
        let input: Buffer = bytes;
        if (kind === 0) for (let k = 0; k < 1 + Math.floor(r() * 8); k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
        else if (kind === 1) input = bytes.subarray(0, Math.floor(r() * bytes.length));
        else if (kind === 2) for (let k = 8 + Math.floor(r() * 24); k < bytes.length; k += 7) bytes[k] = bytes[k]! ^ 0x55;
        else input = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 512) }, () => Math.floor(r() * 256)));
        const started = performance.now();
        const code = await codeOf(readImage(input, { maxFileBytes: 1 << 20 }, `fuzz-${format}-${n}`));
        expect(performance.now() - started, `${format} case ${n}`).toBeLessThan(5000);
        expect(code === 'ok' || code.startsWith('image-'), `${format} case ${n}: ${code}`).toBe(true);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        cases++;
      }
    }
    expect(cases).toBe(160);
    console.log(`image fuzz: ${cases} cases in ${Math.round(performance.now() - t0)} ms`, Object.fromEntries(codes));
  });
});

describe('restoration prompts: bounded time and size', () => {
  it(`refuses a prompt over ${MAX_PROMPT_CHARS} characters at once, saying the limit`, () => {
    expect(MAX_PROMPT_CHARS).toBe(2000);
    const t0 = performance.now();
    expect(() => parseRestorationPrompt(' '.repeat(60_000))).toThrow(/at most 2000 characters, got 60000/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('parses long whitespace runs in linear time', () => {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) {
      expect(() => parseRestorationPrompt(`x${' '.repeat(1990)}x`)).toThrow(RestorationPromptError);
      expect(() => parseRestorationPrompt(`Deblur with sigma 2.0${' '.repeat(1970)}x`)).toThrow(RestorationPromptError);
      expect(parseRestorationPrompt(`Deblur with sigma${' \t'.repeat(900)}2.0`).text).toBe('Deblur with sigma 2.0;');
    }
    console.log(`150 long prompts in ${Math.round(performance.now() - t0)} ms`);
  });

  it('fuzz: random prompts from the grammar alphabet parse or fail with RestorationPromptError', () => {
    const words = ['Deblur', 'with', 'sigma', 'Upsample', 'to', 'x', 'Denoise', 'Dejpeg', 'quality', 'auto', 'Remove', 'all', 'degradation', ';', ' ', '  ', '\t', '\n'];
    const chars = '0123456789.+-;xe \t\u00a0\u3000Ééß';
    const r = rng(42);
    const t0 = performance.now();
    let ok = 0;
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const len = Math.floor(r() * 40);
      for (let k = 0; k < len; k++) text += r() < 0.6 ? (words[Math.floor(r() * words.length)] as string) + (r() < 0.5 ? ' ' : '') : chars[Math.floor(r() * chars.length)];
      if (n % 100 === 0) text = text.padEnd(MAX_PROMPT_CHARS + (n % 200 === 0 ? 1 : 0), ' ');
      try {
        const p = parseRestorationPrompt(text);
        expect(parseRestorationPrompt(p.text).text).toBe(p.text); // canonical text is a fixed point
        ok++;
      } catch (e) {
        expect(e, JSON.stringify(text)).toBeInstanceOf(RestorationPromptError);
      }
    }
    expect(ok).toBeGreaterThan(0);
    console.log(`prompt fuzz: 3000 cases (${ok} valid) in ${Math.round(performance.now() - t0)} ms`);
  });
});

describe('packs: hostile numbers and links are refused at load with pack-invalid', () => {
  const source = resolve(import.meta.dirname, '../../../fixtures/packs/tiny-random');
  let counter = 0;
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits arbitrary manifest fields

  async function copyPack(edit: (m: Json, dir: string) => Promise<void> | void, raw?: (text: string) => string): Promise<string> {
    const dir = join(tmp, `pack-${counter++}`);
    await cp(source, dir, { recursive: true, filter: (src) => !src.includes(join(source, 'golden')) });
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Json;
    await edit(m, dir);
    const text = JSON.stringify(m, null, 1);
    await writeFile(join(dir, 'manifest.json'), raw ? raw(text) : text);
    return dir;
  }

  async function refusal(dir: string): Promise<SpireError> {
    const t0 = performance.now();
    const err = await errorOf(readManifest(dir));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err.code).toBe('pack-invalid');
    return err;
  }

  it.each([
    ['tokenizer.maxLength', (m: Json): void => {
      m.tokenizer.maxLength = 5e7;
    }, /tokenizer\.maxLength/],
    ['nativeResolution 1', (m: Json): void => {
      m.nativeResolution = 1;
    }, /nativeResolution/],
    ['sizeMultiple 1e5', (m: Json): void => {
      m.sizeMultiple = 1e5;
    }, /sizeMultiple/],
    ['sizeMultiple not dividing nativeResolution', (m: Json): void => {
      m.sizeMultiple = 12;
    }, /nativeResolution 32 must be a multiple of sizeMultiple 12/],
    ['latent.downsamplingFactor', (m: Json): void => {
      m.latent.downsamplingFactor = 1e6;
    }, /latent\.downsamplingFactor/],
    ['latent.scaleFactor', (m: Json): void => {
      m.latent.scaleFactor = 1e300;
    }, /latent\.scaleFactor/],
    ['estimator.maxPatches', (m: Json): void => {
      m.estimator.maxPatches = 1e6;
    }, /estimator\.maxPatches/],
    ['textEncoder.hiddenSize', (m: Json): void => {
      m.textEncoder.hiddenSize = 1e9;
    }, /textEncoder\.hiddenSize/],
    ['num_train_timesteps 1e9', (m: Json): void => {
      m.scheduler.config.num_train_timesteps = 1e9;
    }, /scheduler\.config: .*"num_train_timesteps" must be an integer from 2 to 100000, got 1000000000/],
    ['steps_offset', (m: Json): void => {
      m.scheduler.config.steps_offset = 1e9;
    }, /"steps_offset"/],
  ] as const)('%s', async (_name, edit, message) => {
    expect((await refusal(await copyPack(edit))).message).toMatch(message);
  });

  it('refuses an Infinity (1e999) scheduler value in the manifest', async () => {
    const dir = await copyPack(
      (m) => {
        m.scheduler.config.beta_end = 12345;
      },
      (text) => text.replace('12345', '1e999'),
    );
    expect((await refusal(dir)).message).toMatch(/"beta_end" must be a finite number from 0 to 1, got Infinity/);
  });

  it('refuses NaN in scheduler_config.json when the manifest only names the file', async () => {
    const dir = await copyPack(async (m, d) => {
      delete m.scheduler.config;
      await writeFile(join(d, m.scheduler.file as string), '{"num_train_timesteps": 1000, "beta_start": NaN, "beta_end": 0.012}');
    });
    expect((await refusal(dir)).message).toMatch(/scheduler\.file: .*"beta_start" must be a finite number from 0 to 1, got NaN/);
  });

  it('does not follow a link out of the pack, and quotes none of its target', async () => {
    const secret = join(tmp, 'passwd');
    await writeFile(secret, 'root:x:0:0:root:/root:/bin/bash\n');
    const dir = await copyPack(async (m, d) => {
      const vocab = join(d, m.tokenizer.files.vocab as string);
      await rm(vocab);
      await symlink(secret, vocab);
    });
    const err = await refusal(dir);
    expect(err.message).toMatch(/tokenizer\.files\.vocab is a link to a file outside the pack folder/);
    expect(err.message).not.toMatch(/root:x/);

    const linked = await copyPack(() => undefined);
    await rm(join(linked, 'manifest.json'));
    await symlink(secret, join(linked, 'manifest.json'));
    const err2 = await refusal(linked);
    expect(err2.message).toMatch(/manifest\.json is a link to a file outside the pack folder/);
    expect(err2.message).not.toMatch(/root:x/);
  });

  it('quotes no file content when the manifest is not JSON', async () => {
    const dir = await copyPack(() => undefined, () => 'root:x:0:0:root:/root:/bin/bash');
    const err = await refusal(dir);
    expect(err.message).toMatch(/is not valid JSON/);
    expect(err.message).not.toMatch(/root:x/);
  });
});

describe('engine worker thread', () => {
  it(`runs with a ${WORKER_STACK_MB} MiB stack, so onnxruntime session creation cannot overflow it`, async () => {
    const entry = join(tmp, 'limits-worker.mjs');
    await writeFile(entry, "import { parentPort, resourceLimits } from 'node:worker_threads';\nparentPort.postMessage(resourceLimits);\n");
    const proc = threadSpawner({ workerPath: entry })();
    const limits = await new Promise<unknown>((done) => proc.port.onMessage((m) => done(m)));
    proc.kill();
    expect(limits).toMatchObject({ stackSizeMb: WORKER_STACK_MB });
    expect(WORKER_STACK_MB).toBeGreaterThanOrEqual(16);
  });
});

describe('control characters in metadata', () => {
  it('an XMP packet never holds a character XML 1.0 forbids; they are written as visible text', () => {
    const packet = xmpPacket({ 'spire:prompt': 'sky\u001b[2J\u0007 and sea\u0000', 'spire:seed': '7' });
    // eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids
    expect(packet).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(packet).toContain('<spire:spire_prompt>sky\\x1b[2J\\x07 and sea\\x00</spire:spire_prompt>');
  });
});
