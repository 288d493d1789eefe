/**
 * The parameterized degradation pipeline of models/spire/degradations.py
 * (`apply_stages`, `apply_prompt`) in TypeScript, for the CLI's `degrade`
 * command: make a test input that matches a restoration prompt.
 *
 * Python -> here:
 *   gaussian_kernel1d   -> gaussianKernel1d     radius ceil(4 sigma) (at least 1), sampled, normalised
 *   gaussian_blur       -> gaussianBlur         separable, BORDER_REFLECT_101 (OpenCV sepFilter2D)
 *   resize_bicubic      -> imageOps resizeRgb   PIL bicubic (antialiased when shrinking), clipped
 *   downsampled_size    -> downsampledSize      round(H / f) x round(W / f), Python's round (half to even)
 *   add_gaussian_noise  -> addGaussianNoise     clip(x + N(0, sigma^2)), per channel
 *   jpeg_compress       -> jpegCompress         libjpeg-style JPEG (sharp/mozjpeg, baseline tables, 4:2:0)
 *   sample_stage_value  -> sampleStageValue     uniform over the grammar range, rounded to its grid
 *   apply_stages        -> applyStages          blur -> downsample -> noise -> jpeg (canonical order)
 *   apply_prompt        -> applyPrompt          numbers as given; a clause without one draws its value
 *
 * Randomness comes from the engine's seeded `Generator` (xoshiro128**), so a
 * seed fixes the output here, but it is NOT numpy's stream: the same seed
 * gives a different noise pattern than the Python tooling (statistically the same).
 * JPEG uses sharp's mozjpeg with the standard (Annex K) tables and no trellis
 * quantisation; Python uses OpenCV's libjpeg: the same quality gives close, not
 * byte-identical, results.
 *
 * The blind prompt `Remove all degradation` (Real-ESRGAN's random second-order
 * chain in Python) is refused: `degrade` applies parameterized prompts only.
 */
import sharp from 'sharp';
import { resizeRgb } from '../imageOps/resize';
import type { RgbImage } from '../pipeline/types';
import { SpireError } from '../../../common/errors';
import { RESTORATION_GRAMMAR, parseRestorationPrompt, restorationPromptOf, type RestorationPrompt } from '../../../common/restorationPrompt';
import type { Generator } from '../tensor/random';

/** Stage values: blur -> sigma, downsample -> factor, noise -> sigma, jpeg -> quality. Absent keys are skipped. */
export type StageValues = Partial<Record<'blur' | 'downsample' | 'noise' | 'jpeg', number>>;

export interface DegradeResult {
  /** The degraded image at its own resolution (e.g. H/4 x W/4): what a real low-quality photo looks like. */
  degradedLr: RgbImage;
  /** The restoration prompt as applied, canonical text. */
  restorationPrompt: string;
  /** The values actually applied (drawn ones included). */
  stages: StageValues;
}

/** A degradation the engine cannot apply (a value out of range, an unknown key): SpireError `bad-params`. */
export function degradeError(message: string): SpireError {
  return new SpireError('bad-params', message);
}

/** Sampled, normalised 1-D Gaussian with radius ceil(4 sigma) (at least 1). */
export function gaussianKernel1d(sigma: number): Float32Array {
  if (!(sigma > 0)) throw degradeError(`blur sigma must be > 0, got ${sigma}`);
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-0.5 * (i / sigma) ** 2);
    k[i + radius] = v;
    sum += v;
  }
  return Float32Array.from(k, (v) => v / sum);
}

/** OpenCV's BORDER_REFLECT_101 index (gfedcb|abcdefgh|gfedcba), also for offsets beyond one image width. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Isotropic Gaussian blur, separable, borders reflected without repeating the edge. */
export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  const { width: w, height: h } = image;
  const tmp = new Float32Array(image.data.length);
  const out = new Float32Array(image.data.length);
  const xIndex = Int32Array.from({ length: w + 2 * r }, (_, i) => reflect101(i - r, w));
  const yIndex = Int32Array.from({ length: h + 2 * r }, (_, i) => reflect101(i - r, h));
  // Horizontal pass -> tmp
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      let a = 0;
      let b = 0;
      let c = 0;
      for (let t = 0; t < k.length; t++) {
        const s = row + (xIndex[x + t] ?? 0) * 3;
        const kv = k[t] ?? 0;
        a += kv * (image.data[s] ?? 0);
        b += kv * (image.data[s + 1] ?? 0);
        c += kv * (image.data[s + 2] ?? 0);
      }
      const d = row + x * 3;
      tmp[d] = a;
      tmp[d + 1] = b;
      tmp[d + 2] = c;
    }
  }
  // Vertical pass -> out, whole rows at a time
  const rowLen = w * 3;
  for (let y = 0; y < h; y++) {
    const d = y * rowLen;
    for (let t = 0; t < k.length; t++) {
      const kv = k[t] ?? 0;
      const s = (yIndex[y + t] ?? 0) * rowLen;
      for (let i = 0; i < rowLen; i++) out[d + i] = (out[d + i] ?? 0) + kv * (tmp[s + i] ?? 0);
    }
  }
  return { width: w, height: h, data: out };
}

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Size after downsampling by `factor`: [height, width] = round(H / f), round(W / f), at least 1. */
export function downsampledSize(height: number, width: number, factor: number): [number, number] {
  return [Math.max(1, pyRound(height / factor)), Math.max(1, pyRound(width / factor))];
}

/** Adds N(0, sigma^2) noise (0-1 scale) independently per channel and clips to [0, 1]. */
export function addGaussianNoise(image: RgbImage, sigma: number, rng: Generator): RgbImage {
  const noise = rng.randn(image.data.length);
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = (image.data[i] ?? 0) + (noise[i] ?? 0) * sigma;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return { width: image.width, height: image.height, data: out };
}

/** to_uint8: round, clip to 0..255. */
function toUint8(image: RgbImage): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round((image.data[i] ?? 0) * 255)));
  return out;
}

/** Encodes and decodes as baseline JPEG at `quality` (4:2:0 chroma), returning the decoded pixels. */
export async function jpegCompress(image: RgbImage, quality: number): Promise<RgbImage> {
  const q = Math.round(quality);
  if (!(q >= 1 && q <= 100)) throw degradeError(`JPEG quality must be in 1..100, got ${quality}`);
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const jpeg = await sharp(toUint8(image), { raw })
    .jpeg({ quality: q, chromaSubsampling: '4:2:0', quantisationTable: 0, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false, mozjpeg: false })
    .toBuffer();
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { width: image.width, height: image.height, data: Float32Array.from(data, (v) => v / 255) };
}

/** One stage's value drawn uniformly over its grammar range, rounded to the grammar grid (JPEG quality: an integer). */
export function sampleStageValue(key: string, rng: Generator): number {
  const spec = RESTORATION_GRAMMAR.operations.find((op) => op.key === key);
  if (!spec) throw degradeError(`unknown degradation '${key}'`);
  if (spec.decimals === 0) return Math.min(spec.max, Math.floor(spec.min + rng.random() * (spec.max - spec.min + 1)));
  const v = spec.min + rng.random() * (spec.max - spec.min);
  return Number(v.toFixed(spec.decimals));
}

/** Applies explicit stage values in canonical order (blur, downsample, noise, jpeg); returns the low-resolution result. */
export async function applyStages(clean: RgbImage, values: StageValues, rng: Generator): Promise<RgbImage> {
  if (clean.data.length !== clean.width * clean.height * 3) throw degradeError('the image to degrade is malformed');
  restorationPromptOf({ ...values }); // validates keys and ranges with the grammar's messages
  let img = clean;
  if (values.blur !== undefined) img = gaussianBlur(img, values.blur);
  if (values.downsample !== undefined && values.downsample !== 1) {
    const [h, w] = downsampledSize(img.height, img.width, values.downsample);
    img = resizeRgb(img, h, w, { method: 'bicubic', clamp: true });
  }
  if (values.noise !== undefined && values.noise > 0) img = addGaussianNoise(img, values.noise, rng);
  if (values.jpeg !== undefined) img = await jpegCompress(img, values.jpeg);
  return img;
}

/**
 * Applies the degradation a restoration prompt describes. A clause with a number applies
 * that value; one without draws its value with `rng`; "" leaves the image as it is. The blind
 * prompt is refused (SpireError bad-params). Prompt syntax errors are RestorationPromptError.
 */
export async function applyPrompt(clean: RgbImage, prompt: string | RestorationPrompt, rng: Generator): Promise<DegradeResult> {
  const p = typeof prompt === 'string' ? parseRestorationPrompt(prompt) : prompt;
  if (p.blind)
    throw degradeError(
      `'${RESTORATION_GRAMMAR.blindPrompt}' cannot be applied: degrade applies parameterized prompts only, e.g. 'Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;'.`,
    );
  const stages: StageValues = {};
  for (const op of p.operations) stages[op.key as keyof StageValues] = op.value ?? sampleStageValue(op.key, rng);
  const degradedLr = await applyStages(clean, stages, rng);
  return { degradedLr, restorationPrompt: p.text, stages };
}
