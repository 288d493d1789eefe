/**
 * The two-regions scene of the regions issue, shared by the bench case (defaultCase.ts `regions`), the
 * embedded-pack test (test/models/regionRestore.test.ts) and scripts/bench/regionsQuality.ts: a photo
 * whose left half is blurred (Gaussian sigma 2.0) and right half noisy (sigma 0.08), with one region
 * per half asking for that half's restoration.
 */
import { addGaussianNoise, gaussianBlur } from '../../main/engine/degrade/degrade';
import type { Mask, RgbImage } from '../../main/engine/pipeline/types';
import { Generator } from '../../main/engine/tensor/random';

export const LEFT_PROMPT = 'Deblur with sigma 2.0;';
export const RIGHT_PROMPT = 'Denoise with sigma 0.08;';
/** Every single prompt for the whole photo the two regions must beat. */
export const GLOBAL_PROMPTS = [LEFT_PROMPT, RIGHT_PROMPT, 'Deblur with sigma 2.0; Denoise with sigma 0.08;', 'auto', 'Remove all degradation'] as const;

export interface TwoHalves {
  clean: RgbImage;
  degraded: RgbImage;
  /** 1 on the left half (x < width / 2), 0 elsewhere; `right` the complement. */
  left: Mask;
  right: Mask;
}

/** The window (x0, y0, width x height) of an image. */
export function cropImage(image: RgbImage, x0: number, y0: number, width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + width) * 3), y * width * 3);
  return { width, height, data };
}

/** The scene on `clean`: blur over the whole photo then its left half, noise (seeded) then its right half. */
export function twoHalves(clean: RgbImage, seed = 1): TwoHalves {
  const { width, height } = clean;
  const half = Math.floor(width / 2);
  const blurred = gaussianBlur(clean, 2);
  const noisy = addGaussianNoise(clean, 0.08, new Generator(seed));
  const degraded = new Float32Array(clean.data.length);
  const left = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const src = x < half ? blurred : noisy;
      for (let c = 0; c < 3; c++) degraded[p * 3 + c] = src.data[p * 3 + c]!;
      left[p] = x < half ? 1 : 0;
    }
  }
  return { clean, degraded: { width, height, data: degraded }, left: { width, height, data: left }, right: { width, height, data: left.map((v) => 1 - v) } };
}

/** PSNR in dB of a against b over columns [x0, x1), after rounding to 8 bits (what a saved file holds). */
export function psnrColumns(a: RgbImage, b: RgbImage, x0: number, x1: number): number {
  let se = 0;
  let n = 0;
  const q = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let y = 0; y < a.height; y++) {
    for (let x = x0; x < x1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        const d = q(a.data[i]!) - q(b.data[i]!);
        se += d * d;
        n += 1;
      }
    }
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/** [left half, right half] PSNR of `image` against the scene's clean photo. */
export function halvesPsnr(scene: TwoHalves, image: RgbImage): [number, number] {
  const half = Math.floor(scene.clean.width / 2);
  return [psnrColumns(image, scene.clean, 0, half), psnrColumns(image, scene.clean, half, scene.clean.width)];
}
