/** readImage / writeImage on tiny images generated here with sharp (no committed fixtures needed). */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpireError } from '../../../../../common/errors';
import { decodeImage, probeImage, readImage, writeFileAtomic, writeImage, type AtomicIo } from '../../../../../main/engine/image';
import { open, link, rename } from 'node:fs/promises';
import type { RgbImage } from '../../../../../main/engine/pipeline/types';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-image-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A w x h RGB gradient whose every sample is distinct-ish. */
function gradient(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x / Math.max(1, width - 1);
      data[i + 1] = y / Math.max(1, height - 1);
      data[i + 2] = ((x + y) % 7) / 6;
    }
  return { width, height, data };
}

async function rawPng(width: number, height: number, channels: 3 | 4, fill: (i: number) => number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * channels);
  for (let i = 0; i < px.length; i++) px[i] = fill(i);
  return sharp(px, { raw: { width, height, channels } }).png().toBuffer();
}

/** Stored 6 wide x 2 high with orientation 6 (rotate 90 clockwise to display): upright it is 2 x 6, its top half red, the rest black. */
async function sidewaysJpeg(): Promise<Buffer> {
  const px = Buffer.alloc(6 * 2 * 3, 0);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) px[(y * 6 + x) * 3] = 255; // stored left half red
  return sharp(px, { raw: { width: 6, height: 2, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
}

async function expectReadError(source: string | Uint8Array, code: string, words: RegExp, limits = {}): Promise<void> {
  const err = await readImage(source, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpireError);
  expect((err as SpireError).code).toBe(code);
  expect((err as SpireError).message).toMatch(words);
}

describe('readImage', () => {
  it('reads an 8-bit PNG into HWC float RGB in [0, 1] with exact values', async () => {
    const png = await rawPng(5, 3, 3, (i) => (i * 17) % 256);
    const file = join(tmp, 'a.png');
    await writeFile(file, png);
    const img = await readImage(file);
    expect(img.format).toBe('png');
    expect(img.bitDepth).toBe(8);
    expect(img.alpha).toBeNull();
    expect([img.rgb.width, img.rgb.height, img.rgb.data.length]).toEqual([5, 3, 45]);
    for (let i = 0; i < 45; i++) expect(img.rgb.data[i]).toBeCloseTo(((i * 17) % 256) / 255, 6);
  });

  it('keeps 16-bit PNG and TIFF samples at full precision', async () => {
    const samples = new Uint16Array(4 * 2 * 3);
    for (let i = 0; i < samples.length; i++) samples[i] = i * 2731 + 1; // not multiples of 257: 8 bits would lose them
    for (const fmt of ['png', 'tiff'] as const) {
      const bytes = await sharp(samples, { raw: { width: 4, height: 2, channels: 3 } }).toColourspace('rgb16')[fmt](fmt === 'tiff' ? { compression: 'lzw' } : {}).toBuffer();
      const img = await readImage(bytes);
      expect(img.format).toBe(fmt);
      expect(img.bitDepth).toBe(16);
      for (let i = 0; i < samples.length; i++) expect(Math.round((img.rgb.data[i] ?? 0) * 65535)).toBe(samples[i]);
    }
  });

  it('applies the EXIF orientation (a portrait JPEG stored sideways comes out upright)', async () => {
    const img = await readImage(await sidewaysJpeg());
    expect(img.metadata.orientation).toBe(6);
    expect([img.rgb.width, img.rgb.height]).toEqual([2, 6]);
    expect(img.rgb.data[0]).toBeGreaterThan(0.8); // (0, 0) red
    expect(img.rgb.data[(5 * 2 + 1) * 3]).toBeLessThan(0.2); // (1, 5) black
  });

  it('keeps alpha aside as a mask and reads WebP', async () => {
    const png = await rawPng(4, 4, 4, (i) => (i % 4 === 3 ? (i * 13) % 256 : 100));
    const img = await readImage(png);
    expect(img.alpha).not.toBeNull();
    expect(img.alpha?.data.length).toBe(16);
    expect(img.alpha?.data[1]).toBeCloseTo(((7 * 13) % 256) / 255, 6);
    expect(img.rgb.data[0]).toBeCloseTo(100 / 255, 6);
    const webp = await sharp(png).webp({ lossless: true }).toBuffer();
    const w = await readImage(webp);
    expect(w.format).toBe('webp');
    expect(w.alpha?.data[1]).toBeCloseTo(((7 * 13) % 256) / 255, 6);
  });

  it('rejects empty, truncated, corrupt, non-image, unsupported, missing and absurdly large inputs with what to do', async () => {
    const png = await rawPng(64, 64, 3, (i) => (i * 7919) % 251);
    await expectReadError(new Uint8Array(0), 'image-empty', /empty.*again/);
    await expectReadError(png.subarray(0, Math.floor(png.length / 2)), 'image-truncated', /cut off.*again/);
    const jpeg = await sharp(png).jpeg().toBuffer();
    await expectReadError(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image-truncated', /cut off/);
    const corrupt = Buffer.from(png);
    corrupt.fill(0x41, 60, png.length - 20); // damaged in the middle, ends intact
    await expectReadError(corrupt, 'image-corrupt', /damaged|could not be decoded.*new copy/);
    await expectReadError(Buffer.from('hello, this is text, not a picture'), 'image-not-an-image', /not an image.*PNG, JPEG, WebP or TIFF/);
    const gif = await sharp(png).gif().toBuffer();
    await expectReadError(gif, 'image-unsupported', /GIF.*Convert/);
    await expectReadError(join(tmp, 'nope.png'), 'image-missing', /does not exist/);
    await expectReadError(png, 'image-too-many-pixels', /64 x 64.*Downscale/, { maxPixels: 1000 });
    await expectReadError(png, 'image-too-much-memory', /memory.*Downscale/, { maxDecodeBytes: 10_000 });
    await expectReadError(png, 'image-file-too-large', /largest file/, { maxFileBytes: 10 });
  });
});

describe('read errors: one wording for the CLI, the jobs and the app', () => {
  it('tells a vector or other image format from text that is no image at all', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    await expectReadError(svg, 'image-unsupported', /is an SVG image, which SPIRE Studio cannot open\. Convert it to PNG, JPEG, WebP or TIFF first\./);
    await expectReadError(Buffer.from('BM this is no bitmap'), 'image-unsupported', /is in an image format which SPIRE Studio cannot open\. Convert/);
    await expectReadError(Buffer.from('plain words'), 'image-not-an-image', /is not an image SPIRE Studio can open\. Choose a PNG, JPEG, WebP or TIFF file\./);
  });

  it('says what a cut-off file and a damaged one are, and what to do', async () => {
    const png = await rawPng(64, 64, 3, (i) => (i * 7919) % 251);
    const cut = readImage(png.subarray(0, 300), {}, 'cut.png');
    await expect(cut).rejects.toMatchObject({ code: 'image-truncated', message: expect.stringMatching(/^“cut\.png” is cut off: its PNG data ends early, so the file is truncated or damaged\. Open the original file, or re-save it/) });
    const damaged = Buffer.from(png);
    damaged.fill(0x41, 16, png.length - 12); // the header itself is garbage, the end is intact
    const err = (await readImage(damaged, {}, 'bad.png').catch((e: unknown) => e)) as SpireError;
    expect(err.code).toBe('image-corrupt');
    expect(err.message).toMatch(/^“bad\.png” starts like a PNG file but could not be read; it is damaged \([^)\n]*[^:]\)\. Open the original file, or re-save it from another editor\.$/);
  });

  it('gives sizes in readable units even for tiny limits', async () => {
    const png = await rawPng(64, 64, 3, () => 1);
    await expectReadError(png, 'image-file-too-large', /is \d+ bytes; the largest file SPIRE Studio accepts is 10 bytes\./, { maxFileBytes: 10 });
    await expectReadError(png, 'image-too-many-pixels', /is 64 x 64 \(4096 pixels\); the largest image SPIRE Studio accepts is 1000 pixels\./, { maxPixels: 1000 });
    await expectReadError(png, 'image-too-much-memory', /needs about 60 KiB of memory; 10 KiB is allowed/, { maxDecodeBytes: 10 * 1024 });
  });

  it('names a missing file by its path, or by the name the caller gives', async () => {
    const missing = join(tmp, 'gone.png');
    await expectReadError(missing, 'image-missing', new RegExp(`^“${missing.replace(/[.\\/]/g, '\\$&')}” does not exist\\. Check the path`));
    await expect(readImage(missing, {}, 'gone.png')).rejects.toMatchObject({ message: expect.stringMatching(/^“gone\.png” does not exist/) });
    await expectReadError(tmp, 'image-unreadable', /is not a file\. Choose an image file/);
  });
});

describe('decodeImage', () => {
  it('decodes upright 8-bit samples without float conversion and returns the file bytes it read', async () => {
    const jpeg = await sidewaysJpeg();
    const file = join(tmp, 'side.jpg');
    await writeFile(file, jpeg);
    const d = await decodeImage(file);
    expect([d.format, d.bitDepth, d.width, d.height, d.channels, d.metadata.orientation, d.metadata.pages]).toEqual(['jpeg', 8, 2, 6, 3, 6, 1]);
    expect(d.samples).toBeInstanceOf(Uint8Array);
    expect(d.samples.length).toBe(2 * 6 * 3);
    expect(d.samples[0]).toBeGreaterThan(200); // upright (0, 0) is red
    expect(Buffer.from(d.bytes).equals(jpeg)).toBe(true);
  });

  it('keeps 16-bit samples as a Uint16Array and alpha as the fourth channel', async () => {
    const samples = new Uint16Array(2 * 2 * 4).fill(1234);
    const png = await sharp(samples, { raw: { width: 2, height: 2, channels: 4 } }).toColourspace('rgb16').png().toBuffer();
    const d = await decodeImage(png);
    expect([d.bitDepth, d.channels]).toEqual([16, 4]);
    expect(d.samples).toBeInstanceOf(Uint16Array);
    expect(Array.from(d.samples)).toEqual(Array.from(samples));
  });
});

describe('probeImage', () => {
  it('reports format, size, depth and alpha from the header, and applies the same limits as readImage', async () => {
    const png = await rawPng(6, 4, 4, () => 9);
    expect(await probeImage(png)).toEqual({ format: 'png', width: 6, height: 4, bitDepth: 8, channels: 4, hasAlpha: true });
    await expect(probeImage(png, { maxPixels: 10 })).rejects.toMatchObject({ code: 'image-too-many-pixels' });
    await expect(probeImage(new Uint8Array(0))).rejects.toMatchObject({ code: 'image-empty' });
  });
});

describe('writeImage', () => {
  it('round-trips PNG and stores the metadata as text chunks', async () => {
    const img = gradient(7, 5);
    const out = join(tmp, 'out.png');
    const meta = { 'spire:restoration-prompt': 'Deblur with sigma 2.0;', 'spire:seed': '42', 'spire:prompt': 'un café à Paris ☕' };
    await writeImage(out, img, null, { metadata: meta });
    const back = await readImage(out);
    expect(back.metadata.text).toEqual(meta);
    for (let i = 0; i < img.data.length; i++) expect(Math.abs((back.rgb.data[i] ?? 0) - (img.data[i] ?? 0))).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });

  it('writes 16-bit PNG when asked, and JPEG/WebP/TIFF with EXIF + XMP metadata', async () => {
    const img = gradient(9, 4);
    const p16 = join(tmp, 'o16.png');
    await writeImage(p16, img, null, { bitDepth: 16 });
    expect((await readImage(p16)).bitDepth).toBe(16);
    for (const ext of ['jpg', 'webp', 'tif']) {
      const p = join(tmp, `o.${ext}`);
      await writeImage(p, img, null, { metadata: { 'spire:seed': '7', 'spire:prompt': 'a red barn' } });
      const m = await sharp(p).metadata();
      expect(m.xmp?.toString('utf8')).toContain('<spire:spire_seed>7</spire:spire_seed>');
      // TIFF keeps XMP only (sharp writes no EXIF block into TIFF).
      if (ext !== 'tif') expect(m.exif?.toString('latin1')).toContain('"spire:prompt":"a red barn"');
    }
  });

  it('resizes the alpha it is given to the output size (an upsampled restoration keeps the input alpha)', async () => {
    const img = gradient(8, 8);
    const alpha = { width: 4, height: 4, data: new Float32Array(16).fill(0.5) };
    alpha.data[0] = 0;
    const out = join(tmp, 'a.png');
    await writeImage(out, img, alpha);
    const back = await readImage(out);
    expect(back.alpha).not.toBeNull();
    expect([back.alpha?.width, back.alpha?.height]).toEqual([8, 8]);
    expect(back.alpha?.data[0]).toBeLessThan(0.3);
    expect(back.alpha?.data[63]).toBeCloseTo(0.5, 1);
  });

  it('refuses to overwrite an existing file unless asked, and leaves it untouched', async () => {
    const out = join(tmp, 'x.png');
    await writeFile(out, 'precious');
    const err = await writeImage(out, gradient(2, 2), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpireError);
    expect((err as SpireError).code).toBe('output-exists');
    expect((err as Error).message).toMatch(/already exists.*--force/);
    expect(await readFile(out, 'utf8')).toBe('precious');
    await writeImage(out, gradient(2, 2), null, { overwrite: true });
    expect((await readImage(out)).rgb.width).toBe(2);
    expect(await readdir(tmp)).toEqual(['x.png']);
  });

  it('says which extension to use for an unknown one, and which folder is missing', async () => {
    const e1 = await writeImage(join(tmp, 'x.bmp'), gradient(2, 2), null).catch((e: unknown) => e);
    expect((e1 as SpireError).code).toBe('output-unsupported');
    expect((e1 as Error).message).toMatch(/\.png, \.jpg, \.webp or \.tif/);
    const e2 = await writeImage(join(tmp, 'no', 'x.png'), gradient(2, 2), null).catch((e: unknown) => e);
    expect((e2 as SpireError).code).toBe('output-no-folder');
  });

  it('reports a full disk in words and leaves no partial or temporary file', async () => {
    const out = join(tmp, 'full.png');
    const fullDisk: AtomicIo = {
      open: (async (path: string, flags: string) => {
        const handle = await open(path, flags);
        return new Proxy(handle, {
          get(target, prop, receiver) {
            if (prop === 'writeFile') return async () => Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
      }) as AtomicIo['open'],
      link,
      rename,
    };
    const err = await writeImage(out, gradient(3, 3), null, {}, fullDisk).catch((e: unknown) => e);
    expect((err as SpireError).code).toBe('output-disk-full');
    expect((err as Error).message).toMatch(/full.*Free some space/);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('reports a read-only folder in words and removes the temporary file when the final move fails', async () => {
    const readOnly: AtomicIo = { open, link: async () => Promise.reject(Object.assign(new Error('ro'), { code: 'EROFS' })), rename };
    const err = await writeFileAtomic(join(tmp, 'r.png'), new Uint8Array([1, 2, 3]), false, readOnly).catch((e: unknown) => e);
    expect((err as SpireError).code).toBe('output-read-only');
    expect((err as Error).message).toMatch(/may not write.*Choose a folder/);
    expect(await readdir(tmp)).toEqual([]);
    // A real failure of the final rename (the target is a folder) also cleans up.
    await rm(join(tmp, 'dir.png'), { force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(tmp, 'dir.png'));
    await expect(writeFileAtomic(join(tmp, 'dir.png'), new Uint8Array([1]), true)).rejects.toBeInstanceOf(SpireError);
    expect(await readdir(tmp)).toEqual(['dir.png']);
    expect((await stat(join(tmp, 'dir.png'))).isDirectory()).toBe(true);
  });
});
