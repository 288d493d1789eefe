// The embedded default pack (models/packs/spire-compact) as shipped: it loads, recommends the
// settings its model card describes, and at those settings restores a real photo crop better
// than the degraded input, following the operation its restoration prompt names. The full
// quality measurement is `npm run bench:quality`; this is its smallest version that a broken
// pack, a bad export or an engine regression fails.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGaussianNoise, gaussianBlur } from '../../main/engine/degrade/degrade';
import { readImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS } from '../../main/engine/jobs/restoreParams';
import { readManifest } from '../../main/engine/packs';
import { restoreWithTextPrompt as restore } from '../unit/main/engine/pipeline/pipelineParams';
import type { RestoreParams, RgbImage } from '../../main/engine/pipeline/types';
import { Generator } from '../../main/engine/tensor/random';
import { openPack, packsDir, releasePack, type OpenPack } from './goldens';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const PACK_DIR = path.join(REPO, 'models', 'packs', 'spire-compact');
const PHOTO = path.join(REPO, '..', 'shared', 'datasets', 'Kodak24', 'kodim05.png');
/** The blind prompt on the clean crop, PSNR to the input: measured 43.30 dB (the restorer before its auto fine-tune: about 26 dB). */
const BLIND_CLEAN_MIN_DB = 35;

/** The image as a JPEG file's bytes at `quality` (sharp, 4:2:0). */
async function encodeJpeg(image: RgbImage, quality: number): Promise<Uint8Array> {
  const px = Buffer.from(Uint8Array.from(image.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
  return new Uint8Array(await sharp(px, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality }).toBuffer());
}

let opened: OpenPack;
let params: RestoreParams;
let clean: RgbImage;

function crop(image: RgbImage, x0: number, y0: number, size: number): RgbImage {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + size) * 3), y * size * 3);
  return { width: size, height: size, data };
}

/** PSNR in dB of a against b, both [0, 1], after rounding to 8 bits (what a saved file holds). */
function psnr(a: RgbImage, b: RgbImage): number {
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.round(Math.min(1, Math.max(0, a.data[i]!)) * 255) - Math.round(Math.min(1, Math.max(0, b.data[i]!)) * 255);
    se += d * d;
  }
  return 10 * Math.log10((255 * 255) / (se / a.data.length));
}

/** Root mean square of a - b. */
function rms(a: RgbImage, b: RgbImage): number {
  let se = 0;
  for (let i = 0; i < a.data.length; i++) se += (a.data[i]! - b.data[i]!) ** 2;
  return Math.sqrt(se / a.data.length);
}

beforeAll(async () => {
  if (!fs.existsSync(PHOTO)) throw new Error(`${PHOTO} is missing: this test needs ../shared/datasets beside the checkout.`);
  opened = await openPack(PACK_DIR);
  const defaults = (await readManifest(PACK_DIR)).spire?.defaults ?? {};
  params = { ...DEFAULT_RESTORE_PARAMS, ...defaults, seed: 0 };
  clean = crop((await readImage(PHOTO)).rgb, 256, 128, 128);
}, 120_000);
afterAll(async () => {
  if (opened) await releasePack(opened.pack);
});

describe('the embedded default pack', () => {
  it('is what the model card says: a restorer, recommended faithful strength 0, packs under 60 MB together', async () => {
    const manifest = await readManifest(PACK_DIR);
    expect(manifest.spire?.hasRestorer).toBe(true);
    expect(manifest.spire?.defaults).toMatchObject({ useRestorer: true, strength: 0, restorerViews: 8 });
    // The restorer reads the prompt's numbers too (the degradation input).
    expect(manifest.spire?.components.restorer?.inputs.map((i) => i.name)).toContain('degradation');
    expect(fs.existsSync(path.join(PACK_DIR, 'MODEL_CARD.md'))).toBe(true);
    const bytes = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
    const total = bytes(path.join(REPO, 'models', 'packs')) + bytes(packsDir);
    expect(total).toBeLessThan(60 * 1024 * 1024);
  });

  it('removes noise it is told about: well above the noisy input', async () => {
    const noisy = addGaussianNoise(clean, 0.05, new Generator(5));
    const out = await restore(opened.models, noisy, { ...params, restorationPrompt: 'Denoise with sigma 0.05' });
    const before = psnr(noisy, clean);
    const after = psnr(out.image, clean);
    console.log(`embedded pack, noise 0.05 on a kodim05 crop: input ${before.toFixed(2)} dB -> ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 3); // measured +4.7 dB on this crop (26.21 -> 30.91)
  });

  it('sharpens a blurred photo it is told is blurred', async () => {
    const blurred = gaussianBlur(clean, 2);
    const out = await restore(opened.models, blurred, { ...params, restorationPrompt: 'Deblur with sigma 2.0' });
    const before = psnr(blurred, clean);
    const after = psnr(out.image, clean);
    console.log(`embedded pack, blur 2.0 on a kodim05 crop: input ${before.toFixed(2)} dB -> ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 2); // measured +3.8 dB (19.01 -> 22.78)
  });

  it('follows the named operation: on a noisy photo, "Denoise" beats "Deblur"', async () => {
    const noisy = addGaussianNoise(clean, 0.05, new Generator(6));
    const denoised = await restore(opened.models, noisy, { ...params, restorationPrompt: 'Denoise with sigma 0.05' });
    const deblurred = await restore(opened.models, noisy, { ...params, restorationPrompt: 'Deblur with sigma 2.0' });
    expect(psnr(denoised.image, clean)).toBeGreaterThan(psnr(deblurred.image, clean) + 1);
  });

  it('at strength 0.25 its colour fix (the pack\'s 3 levels) keeps the prior to fine detail: nearer the restorer, above the input', async () => {
    const noisy = addGaussianNoise(clean, 0.05, new Generator(8));
    const at = (over: Partial<RestoreParams>) => restore(opened.models, noisy, { ...params, restorationPrompt: 'Denoise with sigma 0.05', ...over });
    expect(params.colorFixLevels).toBe(3);
    const R = (await at({})).image; // strength 0: the restorer's output
    const three = (await at({ strength: 0.25 })).image;
    const five = (await at({ strength: 0.25, colorFixLevels: 5 })).image;
    const [pIn, pR, p3, p5] = [noisy, R, three, five].map((x) => psnr(x, clean)) as [number, number, number, number];
    console.log(`embedded pack, noise 0.05, strength 0.25: input ${pIn.toFixed(2)}, restorer ${pR.toFixed(2)}, 3 levels ${p3.toFixed(2)} (RMS from R ${rms(three, R).toFixed(4)}), 5 levels ${p5.toFixed(2)} (${rms(five, R).toFixed(4)}) dB`);
    expect(rms(three, R)).toBeGreaterThan(0); // the prior still changes it
    expect(rms(three, R)).toBeLessThan(rms(five, R));
    expect(p3).toBeGreaterThan(p5);
    expect(p3).toBeGreaterThan(pIn + 3); // measured: input 26.21, R 30.91, 3 levels 30.63 (RMS 0.0077), 5 levels 29.61 (0.0171)
  });

  it('reads what is wrong with a photo: auto names the noise and the JPEG with their numbers and restores it', async () => {
    const noisy = addGaussianNoise(clean, 0.05, new Generator(11));
    const jpeg = await readImage(await encodeJpeg(noisy, 50)); // what a user's file holds: noise, then JPEG 50
    const fromPixels = await restore(opened.models, jpeg.rgb, { ...params, restorationPrompt: 'auto' });
    const fromFile = await restore(opened.models, jpeg.rgb, { ...params, restorationPrompt: 'auto' }, {}, { jpegQualityFromFile: jpeg.metadata.jpegQuality });
    const ops = Object.fromEntries(fromPixels.estimate!.operations.map((o) => [o.key, o]));
    console.log(`embedded pack, auto on noise 0.05 + JPEG 50: "${fromPixels.restorationPrompt}" from the pixels, "${fromFile.restorationPrompt}" with the file; ` +
      `${psnr(jpeg.rgb, clean).toFixed(2)} dB -> ${psnr(fromPixels.image, clean).toFixed(2)} / ${psnr(fromFile.image, clean).toFixed(2)} dB`);
    expect(ops.noise).toMatchObject({ present: true });
    expect(Math.abs(ops.noise!.value - 0.05)).toBeLessThanOrEqual(0.02);
    expect(ops.jpeg).toMatchObject({ present: true, source: 'pixels' });
    expect(Math.abs(ops.jpeg!.value - 50)).toBeLessThanOrEqual(12);
    expect(ops.blur!.present).toBe(false);
    expect(jpeg.metadata.jpegQuality).toBe(50);
    expect(fromFile.restorationPrompt).toMatch(/Dejpeg with quality 50;$/);
    const truth = await restore(opened.models, jpeg.rgb, { ...params, restorationPrompt: 'Denoise with sigma 0.05; Dejpeg with quality 50;' });
    console.log(`embedded pack, the same photo with the true prompt: ${psnr(truth.image, clean).toFixed(2)} dB`);
    // measured: input 26.66, auto 27.76 (pixels) / 27.75 (file), the true prompt 27.86 dB
    expect(psnr(fromPixels.image, clean)).toBeGreaterThan(psnr(jpeg.rgb, clean) + 0.8);
    expect(psnr(fromPixels.image, clean)).toBeGreaterThan(psnr(truth.image, clean) - 0.5);
  });

  it('leaves a clean photo alone with auto, and barely changes it with the blind prompt', async () => {
    const auto = await restore(opened.models, clean, { ...params, restorationPrompt: 'auto' });
    const blind = await restore(opened.models, clean, { ...params, restorationPrompt: 'Remove all degradation' });
    console.log(`embedded pack, clean kodim05 crop: auto estimated "${auto.restorationPrompt}" (${psnr(auto.image, clean).toFixed(2)} dB to the input), ` +
      `blind ${psnr(blind.image, clean).toFixed(2)} dB`);
    expect(auto.estimate?.restorationPrompt).toBe('');
    expect(auto.image.data).toEqual(clean.data); // left as it is
    expect(blind.estimate?.restorationPrompt).toBe('');
    expect(psnr(blind.image, clean)).toBeGreaterThan(BLIND_CLEAN_MIN_DB);
  });

  /** RMS of (output - input) for each prompt, on one degraded crop. */
  async function changes(input: RgbImage, prompts: readonly string[]): Promise<number[]> {
    const out: number[] = [];
    for (const restorationPrompt of prompts) out.push(rms((await restore(opened.models, input, { ...params, restorationPrompt })).image, input));
    console.log(`embedded pack, RMS change for ${prompts.join(' / ')}: ${out.map((r) => r.toFixed(4)).join(' / ')}`);
    return out;
  }

  it('follows the number: the larger the noise sigma named, the more it removes', async () => {
    const noisy = addGaussianNoise(clean, 0.05, new Generator(7));
    const removed = await changes(noisy, ['Denoise with sigma 0.01', 'Denoise with sigma 0.05', 'Denoise with sigma 0.12']);
    expect(removed[1]!).toBeGreaterThan(removed[0]! * 1.2); // measured 0.0192 / 0.0356 / 0.0472
    expect(removed[2]!).toBeGreaterThan(removed[1]! * 1.1);
  });

  it('follows the number: the larger the blur sigma named, the more detail it restores', async () => {
    const added = await changes(gaussianBlur(clean, 2), ['Deblur with sigma 0.5', 'Deblur with sigma 1.5', 'Deblur with sigma 3.0']);
    expect(added[1]!).toBeGreaterThan(added[0]! * 1.5); // measured 0.0028 / 0.0366 / 0.1399
    expect(added[2]!).toBeGreaterThan(added[1]! * 1.5);
  });
});
