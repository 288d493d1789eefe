/** Image service: good files of each format, and each kind of bad input, all generated here with sharp. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, resolveMaxPixels } from '../../../../main/engine/image';
import { SpireError } from '../../../../common/errors';
import { APP_MAX_PIXELS, ImageService, appDecodeBudget, appReadLimits } from '../../../../main/services/imageService';
import { ADOBE_RGB_ICC, PROPHOTO_ICC, cameraJpeg, profilePng16 } from '../engine/image/photoFixtures';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-images-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A w x h RGB image: left half red, right half blue. */
function halves(width: number, height: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) data[i] = 255;
      else data[i + 2] = 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

async function encode(format: 'png' | 'jpeg' | 'webp' | 'tiff' | 'gif', width = 8, height = 6): Promise<Uint8Array> {
  const img = halves(width, height);
  const out = format === 'jpeg' ? img.jpeg({ quality: 95 }) : format === 'webp' ? img.webp({ lossless: true }) : img[format]();
  return new Uint8Array(await out.toBuffer());
}

async function expectImageError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SpireError);
  expect((err as SpireError).code).toBe(code);
  expect((err as SpireError).message).toMatch(message);
}

/** A PNG whose IHDR claims `width x height` followed by one tiny IDAT and IEND: the header says huge, the file is tiny. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]));
}

describe('ImageService: what a photo carries', () => {
  it('sends the profile, bit depth and metadata with the opened image', async () => {
    const opened = await new ImageService().openBytes('camera.jpg', await cameraJpeg({ width: 6, height: 4, icc: ADOBE_RGB_ICC, pixel: () => [0.5, 0.5, 0.5] }));
    expect(opened.photo).toEqual({
      colourProfile: 'Adobe RGB (1998)',
      wideGamut: true,
      profileConvertible: true,
      bitDepth: 8,
      hasAlpha: false,
      hasExif: true,
      hasGps: true,
      hasXmp: true,
      hasIptc: true,
      dpi: 300,
    });
    const png16 = await new ImageService().openBytes('plain16.png', await profilePng16({ width: 2, height: 2, icc: PROPHOTO_ICC, pixel: () => [0.2, 0.3, 0.4] }));
    expect(png16.photo).toMatchObject({ colourProfile: 'ProPhoto RGB', bitDepth: 16, hasExif: false, hasGps: false, hasIptc: false });
    const plain = await new ImageService().openBytes('plain.png', await sharp({ create: { width: 2, height: 2, channels: 4, background: '#808080' } }).png().toBuffer());
    expect(plain.photo).toMatchObject({ colourProfile: 'sRGB', wideGamut: false, bitDepth: 8, hasAlpha: true });
  });
});

describe('ImageService: images it opens', () => {
  it.each(['png', 'jpeg', 'webp'] as const)('keeps an upright %s as it is, for display and for later jobs', async (format) => {
    const service = new ImageService();
    const bytes = await encode(format);
    const opened = await service.openBytes(`photo.${format}`, bytes);
    expect(opened).toMatchObject({ name: `photo.${format}`, width: 8, height: 6, mime: `image/${format}` });
    expect(Buffer.from(opened.bytes).equals(Buffer.from(bytes))).toBe(true);
    const source = service.get(opened.id)!;
    expect(source).toMatchObject({ name: `photo.${format}`, width: 8, height: 6, format, bitDepth: 8, hasAlpha: false });
    // One buffer serves display and jobs: nothing is held twice.
    expect(source.bytes).toBe(opened.bytes);
    // What a restore job decodes from it: top-left is red, top-right is blue.
    const { rgb, alpha } = await readImage(source.bytes, {}, source.name);
    expect([rgb.width, rgb.height, rgb.data.length, alpha]).toEqual([8, 6, 8 * 6 * 3, null]);
    expect(rgb.data[0]).toBeGreaterThan(0.8);
    expect(rgb.data[(8 - 1) * 3 + 2]).toBeGreaterThan(0.8);
  });

  it("names each open with the sha-256 of the file's bytes: the same bytes under another name are the same image", async () => {
    const service = new ImageService();
    const png = await encode('png');
    const a = await service.openBytes('a.png', png);
    const copy = await service.openBytes('copy of a.png', png);
    const other = await service.openBytes('b.png', await encode('png', 10, 6));
    expect(a.contentHash).toBe(createHash('sha256').update(png).digest('hex'));
    expect(copy.contentHash).toBe(a.contentHash);
    // Still open: the same id, one slot.
    expect(copy.id).toBe(a.id);
    expect(service.get(a.id)?.name).toBe('copy of a.png');
    expect(other.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(other.contentHash).not.toBe(a.contentHash);
    expect(other.id).not.toBe(a.id);
  });

  it('transcodes TIFF to PNG for display, and keeps the TIFF for jobs', async () => {
    const service = new ImageService();
    const tiff = await encode('tiff');
    const opened = await service.openBytes('scan.tiff', tiff);
    expect(opened.mime).toBe('image/png');
    const shown = await sharp(opened.bytes).metadata();
    expect([shown.format, shown.width, shown.height]).toEqual(['png', 8, 6]);
    expect(Buffer.from(service.get(opened.id)!.bytes).equals(Buffer.from(tiff))).toBe(true);
  });

  it('shows a 16-bit TIFF as an 8-bit PNG and keeps its 16 bits for jobs', async () => {
    const samples = new Uint16Array(4 * 2 * 3).fill(40000);
    for (let i = 0; i < samples.length; i += 3) samples[i] = 65535; // red-ish
    const tiff = await sharp(samples, { raw: { width: 4, height: 2, channels: 3 } }).toColourspace('rgb16').tiff({ compression: 'lzw' }).toBuffer();
    const service = new ImageService();
    const opened = await service.openBytes('scan16.tif', tiff);
    expect(opened.mime).toBe('image/png');
    const shown = await sharp(opened.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([shown.info.width, shown.info.height, shown.info.channels, shown.data.length]).toEqual([4, 2, 3, 4 * 2 * 3]);
    expect(shown.data[0]).toBe(255);
    expect(Math.abs((shown.data[1] ?? 0) - (40000 / 65535) * 255)).toBeLessThanOrEqual(1.5);
    expect(service.get(opened.id)).toMatchObject({ format: 'tiff', bitDepth: 16 });
  });

  it('applies EXIF orientation: a JPEG tagged "rotate 90° CW" comes out upright, as PNG', async () => {
    const service = new ImageService();
    const tagged = new Uint8Array(await halves(8, 4).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
    const opened = await service.openBytes('phone.jpg', tagged);
    expect([opened.width, opened.height, opened.mime]).toEqual([4, 8, 'image/png']);
    const shown = await sharp(opened.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([shown.info.width, shown.info.height]).toEqual([4, 8]);
    // The original's left (red) half becomes the top half after a 90° clockwise turn.
    const px = (x: number, y: number): number[] => Array.from(shown.data.subarray((y * 4 + x) * shown.info.channels, (y * 4 + x) * shown.info.channels + 3));
    expect(px(1, 1)[0]).toBeGreaterThan(200);
    expect(px(1, 6)[2]).toBeGreaterThan(200);
  });

  it('opens a grayscale PNG (decoded later as 3-channel sRGB) and one with alpha (kept aside for the job)', async () => {
    const service = new ImageService();
    const gray = await sharp({ create: { width: 5, height: 5, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().png().toBuffer();
    expect((await service.openBytes('gray.png', gray)).width).toBe(5);
    const graySource = service.get((await service.openBytes('gray.png', gray)).id)!;
    expect(graySource.hasAlpha).toBe(false);
    const grayRead = await readImage(graySource.bytes);
    expect([grayRead.rgb.data.length, grayRead.alpha]).toEqual([5 * 5 * 3, null]);
    expect(grayRead.rgb.data[1]).toBeCloseTo(90 / 255, 2);
    const alpha = await sharp({ create: { width: 5, height: 5, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).png().toBuffer();
    const alphaSource = service.get((await service.openBytes('alpha.png', alpha)).id)!;
    expect(alphaSource.hasAlpha).toBe(true);
    expect((await readImage(alphaSource.bytes)).alpha?.data[0]).toBeCloseTo(0.5, 1);
  });

  it('opens a file chosen in the dialog and names it by its file name only', async () => {
    const path = join(tmp, 'chosen.png');
    await writeFile(path, await encode('png'));
    const opened = await new ImageService().openFile(path);
    expect(opened.name).toBe('chosen.png');
    expect(opened.width).toBe(8);
  });

  it('keeps only the most recent sources', async () => {
    const service = new ImageService({ keep: 2 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await service.openBytes(`${i}.png`, await encode('png', 8 + 2 * i, 6))).id);
    expect(ids.map((id) => service.get(id) !== undefined)).toEqual([false, true, true]);
    // Opened again, the same bytes count as the newest: the other one goes next.
    await service.openBytes('1 again.png', await encode('png', 10, 6));
    await service.openBytes('3.png', await encode('png', 16, 6));
    expect(ids.map((id) => service.get(id) !== undefined)).toEqual([false, true, false]);
  });
});

describe('ImageService: bad input gets a clear error that says what to do', () => {
  it('empty', async () => {
    await expectImageError(new ImageService().openBytes('empty.png', new Uint8Array(0)), 'image-empty', /“empty\.png” is empty \(0 bytes\)\. Choose the image again/);
  });

  it('truncated', async () => {
    const png = await encode('png', 64, 64);
    const cut = png.subarray(0, Math.floor(png.length * 0.6));
    await expectImageError(new ImageService().openBytes('cut.png', cut), 'image-truncated', /“cut\.png” is cut off: its PNG data ends early, so the file is truncated or damaged\. Open the original file/);
  });

  it('truncated JPEG', async () => {
    const jpg = await encode('jpeg', 64, 64);
    await expectImageError(new ImageService().openBytes('cut.jpg', jpg.subarray(0, Math.floor(jpg.length * 0.5))), 'image-truncated', /cut off.*truncated or damaged/);
  });

  it('corrupt (an image signature followed by garbage, ending like a whole file)', async () => {
    const bytes = new Uint8Array(200);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    bytes.fill(0x42, 8);
    bytes.set([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], 200 - 12); // IEND: not cut off, so damaged
    await expectImageError(new ImageService().openBytes('broken.png', bytes), 'image-corrupt', /starts like a PNG file but could not be read/);
  });

  it('not an image', async () => {
    await expectImageError(
      new ImageService().openBytes('notes.txt', new TextEncoder().encode('hello, this is text')),
      'image-not-an-image',
      /“notes\.txt” is not an image SPIRE Studio can open\. Choose a PNG, JPEG, WebP or TIFF file\./,
    );
  });

  it('an image format it does not open (GIF, SVG)', async () => {
    await expectImageError(new ImageService().openBytes('anim.gif', await encode('gif')), 'image-unsupported', /is a GIF image, which SPIRE Studio cannot open\. Convert it to PNG, JPEG, WebP or TIFF/);
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    await expectImageError(new ImageService().openBytes('vector.svg', svg), 'image-unsupported', /is an SVG image/);
  });

  it('absurdly many pixels (header says 20000 × 15000), refused before decoding', async () => {
    const bytes = pngHeaderOnly(20000, 15000);
    expect(bytes.length).toBeLessThan(100);
    await expectImageError(
      new ImageService().openBytes('huge.png', bytes),
      'image-too-many-pixels',
      /is 20000 x 15000 \(300 MP\); the largest image SPIRE Studio accepts is \d+ MP\. Downscale or crop it/,
    );
  });

  it("a 14000 x 14000 header (196 MP, under the engine's 200 MP) is refused by the app on its header, at once", async () => {
    const png = pngHeaderOnly(14000, 14000);
    const t0 = performance.now();
    await expectImageError(new ImageService().openBytes('flat.png', png), 'image-too-many-pixels', /14000 x 14000 \(196 MP\); the largest image SPIRE Studio accepts is \d+ MP/);
    // A small JPEG whose frame header (SOF0) is patched to declare 14000 x 14000.
    const jpeg = new Uint8Array(await encode('jpeg', 16, 16));
    let sof = -1;
    for (let i = 2; i + 8 < jpeg.length && sof < 0; i++) if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) sof = i;
    expect(sof).toBeGreaterThan(0);
    const view = new DataView(jpeg.buffer, jpeg.byteOffset);
    view.setUint16(sof + 5, 14000); // height
    view.setUint16(sof + 7, 14000); // width
    expect(jpeg.length).toBeLessThan(2048);
    await expectImageError(new ImageService().openBytes('patched.jpg', jpeg), 'image-too-many-pixels', /14000 x 14000/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("the app's limits: 120 MP or the engine's own cap if lower, and a decode budget of an eighth of the memory, at most 2 GiB", async () => {
    expect(APP_MAX_PIXELS).toBe(120_000_000);
    expect(appReadLimits().maxPixels).toBe(Math.min(APP_MAX_PIXELS, resolveMaxPixels()));
    expect(appDecodeBudget(8 * 1024 ** 3)).toBe(1024 ** 3);
    expect(appDecodeBudget(64 * 1024 ** 3)).toBe(2 * 1024 ** 3);
    expect(appReadLimits(4 * 1024 ** 3)).toEqual({ maxPixels: Math.min(APP_MAX_PIXELS, resolveMaxPixels()), maxDecodeBytes: 512 * 1024 ** 2 });
    // 10000 x 10000 RGB needs 1.5 GB (samples + float copies): over an 8 GiB machine's 1 GiB budget.
    await expectImageError(
      new ImageService(appReadLimits(8 * 1024 ** 3)).openBytes('scan.png', pngHeaderOnly(10000, 10000)),
      'image-too-much-memory',
      /10000 x 10000\) needs about 1\.4 GiB of memory; 1\.0 GiB is allowed/,
    );
  });

  it('too many bytes', async () => {
    const bytes = await encode('png', 64, 64);
    await expectImageError(
      new ImageService({ maxFileBytes: 100 }).openBytes('big.png', bytes),
      'image-file-too-large',
      /the largest file SPIRE Studio accepts is 100 bytes\. Save it with compression/,
    );
    const path = join(tmp, 'big.png');
    await writeFile(path, bytes);
    await expectImageError(new ImageService({ maxFileBytes: 100 }).openFile(path), 'image-file-too-large', /“big\.png” is \d+ bytes;/);
  });

  it('a file that is gone', async () => {
    await expectImageError(new ImageService().openFile(join(tmp, 'gone.png')), 'image-missing', /“gone\.png” does not exist\. Check the path/);
  });

  it('a folder chosen as a file', async () => {
    await expectImageError(new ImageService().openFile(tmp), 'image-unreadable', /is not a file\. Choose an image file/);
  });

  it('too much memory to decode, refused before decoding', async () => {
    await expectImageError(new ImageService({ maxDecodeBytes: 1000 }).openBytes('wide.png', await encode('png', 64, 64)), 'image-too-much-memory', /64 x 64.*Downscale or crop/);
  });

  it('says the same words as the engine (CLI, jobs) for the same bad input', async () => {
    const png = await encode('png', 64, 64);
    const corrupt = new Uint8Array(png);
    corrupt.fill(0x41, 60, png.length - 20); // damaged in the middle, ends intact
    for (const bad of [new Uint8Array(0), png.subarray(0, 100), corrupt, new TextEncoder().encode('text'), await encode('gif')]) {
      const fromService = await new ImageService().openBytes('x.png', bad).catch((e: unknown) => e);
      const fromEngine = await readImage(bad, {}, 'x.png').catch((e: unknown) => e);
      expect(fromService).toBeInstanceOf(SpireError);
      expect(fromService).toMatchObject({ code: (fromEngine as SpireError).code, message: (fromEngine as SpireError).message });
    }
  });
});
