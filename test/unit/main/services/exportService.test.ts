/** ExportService with real sharp and files in a temporary folder; the save dialog is a fake. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportRequest, RestoredImage } from '../../../../preload/contract/channels';
import type { DegradationEstimate } from '../../../../common/estimate';
import type { SaveDialogOptions } from '../../../../main/services/dialogPort';
import { SpireError } from '../../../../common/errors';
import { ExportService, outputPath, sideLabels, suggestedName } from '../../../../main/services/exportService';
import type { KeptResult } from '../../../../main/services/restoreService';
import { ADOBE_RGB_ICC, cameraJpeg, readWithPil } from '../engine/image/photoFixtures';

const RED = { r: 220, g: 20, b: 20 };
const GREEN = { r: 20, g: 200, b: 40 };

const solid = (width: number, height: number, colour: { r: number; g: number; b: number }): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

let dir: string;
let source: Buffer;
const kept = new Map<string, KeptResult>();

const ESTIMATE: DegradationEstimate = {
  restorationPrompt: 'Denoise with sigma 0.04;',
  operations: [{ key: 'noise', probability: 0.9, value: 0.04, present: true, source: 'pixels' }],
  jpegQualityFromFile: null,
  patches: 4,
  ms: 10,
};
const ESTIMATE_METADATA = { 'spire:requested-prompt': 'auto', 'spire:estimate': '{"restorationPrompt":"Denoise with sigma 0.04;"}' };

async function keep(
  resultId: string,
  colour: { r: number; g: number; b: number },
  seed: number,
  width = 80,
  height = 60,
  estimated: { prompt: string; estimate: DegradationEstimate; metadata: Record<string, string> } | null = null,
): Promise<void> {
  const prompt = estimated?.prompt ?? 'Upsample to 2.0x;';
  const bytes = new Uint8Array(await solid(width, height, colour));
  const image: RestoredImage = {
    resultId,
    imageId: 'img',
    width,
    height,
    mime: 'image/png',
    bytes,
    seed,
    restorationPrompt: prompt,
    semanticPrompt: 'a barn',
    params: {
      restorationPrompt: prompt,
      semanticPrompt: 'a barn',
      negativePrompt: '',
      regions: [],
      steps: 4,
      guidanceScale: 7.5,
      seed,
      strength: 0.5,
      scheduler: 'ddim',
      eta: 0,
      colorFix: 'none',
      useRestorer: false,
    },
    stepsRun: 4,
    seconds: 1,
    provider: 'cpu',
    pack: { name: 'tiny', dir: '/p' },
    estimate: estimated?.estimate ?? null,
  };
  const metadata = { 'spire:seed': String(seed), 'spire:model': 'tiny', 'spire:restoration-prompt': prompt, ...estimated?.metadata };
  kept.set(resultId, { image, sourceName: 'photo.jpg', metadata });
}

/** The JSON array written after `key` in a file's text (brackets matched, so nested arrays are whole). */
function jsonAfter(text: string, key: string): string {
  const start = text.indexOf(key) + key.length;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '[') depth += 1;
    else if (text[i] === ']' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`no JSON array after ${key}`);
}

function service(answer: string | null) {
  const saves: SaveDialogOptions[] = [];
  const exporter = new ExportService({
    results: { result: (id) => kept.get(id) },
    images: { get: (id) => (id === 'img' ? { bytes: new Uint8Array(source), name: 'photo.jpg' } : undefined) },
    dialog: {
      chooseSaveFile: async (options) => {
        saves.push(options);
        return answer;
      },
    },
  });
  return { exporter, saves };
}

/** Mean colour of a w x h box at (left, top). */
async function meanColour(file: string, left: number, top: number, width: number, height: number): Promise<[number, number, number]> {
  const { data } = await sharp(file).extract({ left, top, width, height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sum[i % 3]! += data[i]!;
  const n = data.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

const isClose = (c: [number, number, number], want: { r: number; g: number; b: number }, tol = 12): boolean =>
  Math.abs(c[0] - want.r) < tol && Math.abs(c[1] - want.g) < tol && Math.abs(c[2] - want.b) < tol;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-export-'));
  source = await solid(40, 30, RED);
  kept.clear();
  await keep('r1', GREEN, 11);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('names', () => {
  it('suggests <source>-<kind>.<ext>', () => {
    expect(suggestedName('photo.jpg', 'restored', 'png')).toBe('photo-restored.png');
    expect(suggestedName('scan.tiff', 'sweep', 'jpeg')).toBe('scan-sweep.jpg');
  });

  it("keeps the dialog's path when it has the format's extension (the dialog asked about replacing), else adds one and never replaces", () => {
    expect(outputPath('/out/a.png', 'png')).toEqual({ path: '/out/a.png', overwrite: true });
    expect(outputPath('/out/a.JPEG', 'jpeg')).toEqual({ path: '/out/a.JPEG', overwrite: true });
    expect(outputPath('/out/a', 'webp')).toEqual({ path: '/out/a.webp', overwrite: false });
    expect(outputPath('/out/a.png', 'tiff')).toEqual({ path: '/out/a.png.tif', overwrite: false });
  });
});

describe('ExportService', () => {
  it('writes the result as PNG with its metadata, atomically (nothing else left in the folder)', async () => {
    const target = join(dir, 'out.png');
    const { exporter, saves } = service(target);
    expect(await exporter.save({ kind: 'result', resultId: 'r1', format: 'png' })).toEqual({ path: target });
    expect(saves).toEqual([{ title: 'Export the restored image', defaultName: 'photo-restored.png', format: 'png' }]);
    expect(await readdir(dir)).toEqual(['out.png']);
    const meta = await sharp(target).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 80, 60]);
    const text = await readFile(target, 'latin1');
    expect(text).toContain('spire:seed');
    expect(text).toContain('spire:export');
    expect(isClose(await meanColour(target, 10, 10, 20, 20), GREEN)).toBe(true);
  });

  it('writes JPEG with the metadata as EXIF and XMP, at the quality asked', async () => {
    const target = join(dir, 'out.jpg');
    await service(target).exporter.save({ kind: 'result', resultId: 'r1', format: 'jpeg', quality: 70 });
    const meta = await sharp(target).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.xmp?.toString('utf8')).toContain('spire:model');
    expect(meta.exif?.toString('latin1')).toContain('spire:seed');
  });

  it('answers null and writes nothing when the dialog is cancelled', async () => {
    expect(await service(null).exporter.save({ kind: 'result', resultId: 'r1', format: 'png' })).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it('replaces a file the dialog confirmed, but never one whose name it had to complete', async () => {
    const confirmed = join(dir, 'keep.png');
    await writeFile(confirmed, 'old');
    await service(confirmed).exporter.save({ kind: 'result', resultId: 'r1', format: 'png' });
    expect((await sharp(confirmed).metadata()).format).toBe('png');

    await writeFile(join(dir, 'other.webp'), 'old');
    const outcome = service(join(dir, 'other')).exporter.save({ kind: 'result', resultId: 'r1', format: 'webp' });
    await expect(outcome).rejects.toMatchObject({ code: 'output-exists', message: expect.stringContaining('choose another name') });
    expect(await readFile(join(dir, 'other.webp'), 'utf8')).toBe('old');
  });

  it('fails before the dialog when the result is gone', async () => {
    const { exporter, saves } = service(join(dir, 'x.png'));
    await expect(exporter.save({ kind: 'result', resultId: 'nope', format: 'png' })).rejects.toBeInstanceOf(SpireError);
    expect(saves).toHaveLength(0);
  });

  it('side by side: the original (scaled to the result) left, the result right, labels in a band above', async () => {
    const target = join(dir, 'sbs.png');
    await service(target).exporter.save({ kind: 'side-by-side', resultId: 'r1', format: 'png' });
    const meta = await sharp(target).metadata();
    const band = 20; // max(20, 6% of 60)
    const gap = 2;
    expect([meta.width, meta.height]).toEqual([80 * 2 + gap, 60 + band]);
    expect(isClose(await meanColour(target, 10, band + 10, 60, 40), RED)).toBe(true);
    expect(isClose(await meanColour(target, 80 + gap + 10, band + 10, 60, 40), GREEN)).toBe(true);
    // The labels: light text pixels on the dark band over each half.
    const { data } = await sharp(target).extract({ left: 0, top: 0, width: meta.width!, height: band }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const lightIn = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 0; y < band; y++) for (let x = x0; x < x1; x++) if (data[(y * meta.width! + x) * 3]! > 150) n++;
      return n;
    };
    expect(lightIn(0, 80)).toBeGreaterThan(10);
    expect(lightIn(82, 162)).toBeGreaterThan(10);
    expect(await readFile(target, 'latin1')).toContain('side-by-side');
  });

  it('two results compared: the other result on the before side, its prompt and seed in the metadata', async () => {
    await keep('r-before', RED, 31);
    const target = join(dir, 'pair.png');
    await service(target).exporter.save({ kind: 'side-by-side', resultId: 'r1', beforeResultId: 'r-before', format: 'png' });
    const band = 20;
    expect(isClose(await meanColour(target, 10, band + 10, 60, 40), RED)).toBe(true);
    expect(isClose(await meanColour(target, 80 + 2 + 10, band + 10, 60, 40), GREEN)).toBe(true);
    const text = await readFile(target, 'latin1');
    expect(text).toContain('spire:before-seed');
    expect(text).toContain('31');
    const wipe = join(dir, 'pair-wipe.png');
    await service(wipe).exporter.save({ kind: 'wipe', resultId: 'r1', beforeResultId: 'r-before', wipePosition: 0.5, format: 'png' });
    expect(isClose(await meanColour(wipe, 2, 40, 30, 15), RED)).toBe(true);
    // A before result that is gone fails before the dialog.
    const { exporter, saves } = service(join(dir, 'gone.png'));
    await expect(exporter.save({ kind: 'side-by-side', resultId: 'r1', beforeResultId: 'nope', format: 'png' })).rejects.toMatchObject({ code: 'result-gone' });
    expect(saves).toHaveLength(0);
  });

  it('wipe: the original left of the split, the result right of it', async () => {
    const target = join(dir, 'wipe.png');
    await service(target).exporter.save({ kind: 'wipe', resultId: 'r1', wipePosition: 0.25, format: 'png' });
    const meta = await sharp(target).metadata();
    expect([meta.width, meta.height]).toEqual([80, 60]);
    expect(isClose(await meanColour(target, 2, 40, 12, 15), RED)).toBe(true);
    expect(isClose(await meanColour(target, 40, 40, 30, 15), GREEN)).toBe(true);
  });

  it('sweep grid: cells row-major in the columns asked, one label each, cells listed in the metadata', async () => {
    await keep('r2', RED, 12);
    await keep('r3', { r: 30, g: 30, b: 220 }, 13);
    const target = join(dir, 'grid.png');
    const request: ExportRequest = {
      kind: 'sweep-grid',
      format: 'png',
      columns: 2,
      cells: [
        { resultId: 'r1', label: 'strength 0.3' },
        { resultId: 'r2', label: 'strength 0.6' },
        { resultId: 'r3', label: 'strength 0.9' },
      ],
    };
    await service(target).exporter.save(request);
    const meta = await sharp(target).metadata();
    const gap = 4; // max(4, 2% of 80)
    const band = 18; // max(18, 8% of 60)
    expect([meta.width, meta.height]).toEqual([2 * 80 + 3 * gap, 2 * (60 + band) + 3 * gap]);
    expect(isClose(await meanColour(target, gap + 10, gap + 10, 50, 30), GREEN)).toBe(true);
    expect(isClose(await meanColour(target, 2 * gap + 80 + 10, gap + 10, 50, 30), RED)).toBe(true);
    expect(isClose(await meanColour(target, gap + 10, 2 * gap + 60 + band + 10, 50, 30), { r: 30, g: 30, b: 220 })).toBe(true);
    const text = await readFile(target, 'latin1');
    expect(text).toContain('strength 0.9');
    expect(text).not.toMatch(/spire:seed\0/);
  });

  it('keeps the prompt the run used and the estimate it came from in the metadata', async () => {
    await keep('est', GREEN, 21, 80, 60, { prompt: 'Denoise with sigma 0.04;', estimate: ESTIMATE, metadata: ESTIMATE_METADATA });
    const target = join(dir, 'estimated.png');
    await service(target).exporter.save({ kind: 'result', resultId: 'est', format: 'png' });
    const text = await readFile(target, 'latin1');
    expect(text).toContain('spire:restoration-prompt\0Denoise with sigma 0.04;');
    expect(text).toContain('spire:requested-prompt\0auto');
    expect(text).toContain('spire:estimate\0{"restorationPrompt":"Denoise with sigma 0.04;"}');
  });

  it('sweep grid: each cell says its prompt and whether it was the estimate; the sheet keeps the estimate', async () => {
    await keep('est', GREEN, 21, 80, 60, { prompt: 'Denoise with sigma 0.04;', estimate: ESTIMATE, metadata: { ...ESTIMATE_METADATA, 'spire:requested-prompt': 'Denoise with sigma 0.04;' } });
    await keep('typed', RED, 21, 80, 60, { prompt: 'Denoise with sigma 0.08;', estimate: ESTIMATE, metadata: {} });
    kept.get('typed')!.image.estimate = null;
    const target = join(dir, 'grid-estimated.png');
    await service(target).exporter.save({ kind: 'sweep-grid', format: 'png', cells: [{ resultId: 'est', label: 'sigma 0.04 (estimate)' }, { resultId: 'typed', label: 'sigma 0.08' }] });
    const text = await readFile(target, 'latin1');
    const cells = JSON.parse(/spire:cells\0(\[[^\0]*?\])/.exec(text)![1]!) as unknown[];
    expect(cells).toEqual([
      { label: 'sigma 0.04 (estimate)', seed: 21, restorationPrompt: 'Denoise with sigma 0.04;', estimated: true, strength: 0.5 },
      { label: 'sigma 0.08', seed: 21, restorationPrompt: 'Denoise with sigma 0.08;', strength: 0.5 },
    ]);
    expect(text).toContain('spire:estimate\0{"restorationPrompt"');
    expect(text).not.toContain('spire:restoration-prompt\0');
    expect(text).not.toContain('spire:requested-prompt\0');
  });

  it('records every region’s semantic and restoration prompts (keep for Keep as is), also per sweep cell', async () => {
    await keep('reg', GREEN, 21);
    kept.get('reg')!.image.params.regions = [
      { prompt: 'sky', restoration: { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.08;' } },
      { prompt: '', restoration: { kind: 'keep' } },
      { prompt: 'a barn door' },
    ];
    const target = join(dir, 'regions.png');
    await service(target).exporter.save({ kind: 'result', resultId: 'reg', format: 'png' });
    const text = await readFile(target, 'latin1');
    const regions = [{ prompt: 'sky', restoration: 'Denoise with sigma 0.08;' }, { prompt: '', restoration: 'keep' }, { prompt: 'a barn door' }];
    expect(JSON.parse(jsonAfter(text, 'spire:region-prompts\0'))).toEqual(regions);

    await keep('plain', RED, 21);
    const grid = join(dir, 'regions-grid.png');
    await service(grid).exporter.save({ kind: 'sweep-grid', format: 'png', cells: [{ resultId: 'reg', label: 'a' }, { resultId: 'plain', label: 'b' }] });
    const sheet = await readFile(grid, 'latin1');
    const cells = JSON.parse(jsonAfter(sheet, 'spire:cells\0')) as { regions?: unknown }[];
    expect(cells.map((c) => c.regions)).toEqual([regions, undefined]);
    expect(sheet).not.toContain('spire:region-prompts\0');
    const none = join(dir, 'no-regions.png');
    await service(none).exporter.save({ kind: 'result', resultId: 'plain', format: 'png' });
    expect(await readFile(none, 'latin1')).not.toContain('spire:region-prompts');
  });
});

describe('ExportService: the photo stays a photo', () => {
  it("a result export carries the photo's camera metadata and, in keep-profile mode, its profile at 16 bits", async () => {
    source = await cameraJpeg({ width: 30, height: 40, icc: ADOBE_RGB_ICC, pixel: () => [0.5, 0.4, 0.3] }); // upright 40 x 30
    const kept16 = join(dir, 'kept.tif');
    await service(kept16).exporter.save({ kind: 'result', resultId: 'r1', format: 'tiff', colour: 'keep-profile', stripLocation: true });
    const back = readWithPil(kept16);
    expect(back.ifd0).toMatchObject({ Make: 'Canon', Model: 'EOS R5', Orientation: 1 });
    expect(back.exif).toMatchObject({ DateTimeOriginal: '2024:05:01 10:00:00', ExifImageWidth: 80, ExifImageHeight: 60 });
    expect(back.gps).toEqual({});
    expect(back.iptc).toMatchObject({ '2:25': 'harbour' });
    expect(back.icc).toBe('Adobe RGB (1998)');
    expect(back.xmp).toContain('<spire:spire_seed>11</spire:spire_seed>');
    expect((await sharp(kept16).metadata()).depth).toBe('ushort');

    const plain = join(dir, 'plain.jpg');
    await service(plain).exporter.save({ kind: 'result', resultId: 'r1', format: 'jpeg' });
    const srgb = readWithPil(plain);
    expect(srgb.gps).toMatchObject({ GPSLatitudeRef: 'N' }); // kept unless asked
    expect(srgb.icc).toBeNull();
    expect(isClose(await meanColour(plain, 10, 10, 20, 20), GREEN)).toBe(true);
  });

  it('a comparison sheet carries none of it (it is a new sRGB image)', async () => {
    source = await cameraJpeg({ width: 30, height: 40, icc: ADOBE_RGB_ICC, pixel: () => [0.5, 0.4, 0.3] });
    const sheet = join(dir, 'sheet.jpg');
    await service(sheet).exporter.save({ kind: 'side-by-side', resultId: 'r1', format: 'jpeg' });
    const back = readWithPil(sheet);
    expect(back.ifd0.Make).toBeUndefined();
    expect(back.gps).toEqual({});
  });
});

describe('side labels', () => {
  it('name the photo and a result Before / After, and two compared results A / B as the editor does', () => {
    expect(sideLabels(false)).toEqual({ before: 'Before', after: 'After' });
    expect(sideLabels(true)).toEqual({ before: 'A', after: 'B' });
  });
});
