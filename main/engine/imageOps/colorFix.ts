/**
 * Colour correction of a restored image against the (upsampled) input, as StableSR does
 * (Wang et al. 2023, scripts/wavelet_color_fix.py). Diffusion restorations drift in colour;
 * both fixes keep the restored detail and take the colour from the input.
 *
 * Notation (StableSR -> code): target / content -> `result` (the restored image),
 * source / style -> `input` (the degraded input resized to the result's size).
 *
 * wavelet (default in StableSR): an a trous ("with holes") decomposition with 5 levels.
 *   Level i (i = 0..4) blurs with the 3x3 kernel [[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16 dilated
 *   by r = 2^i (taps at -r, 0, +r), edges replicated. low(x) = B_16(B_8(B_4(B_2(B_1(x))))),
 *   high(x) = x - low(x) (the sum of the five detail bands). Output = high(result) + low(input).
 *   The blur is linear, so this is computed as  result + low(input - result):  one cascade, in
 *   place in the output buffer, separable ([1, 2, 1] / 4 along x then y), with a ring of r rows
 *   for the in-place vertical pass. Memory: the output plus r rows.
 *
 * adain (adaptive instance normalisation, Huang & Belongie 2017), per channel c:
 *   out_c = (result_c - mean(result_c)) / std(result_c) * std(input_c) + mean(input_c),
 *   std = sqrt(unbiased variance + eps), eps = 1e-5 (StableSR's calc_mean_std).
 *   With eps = 0 the output has exactly the input's mean and standard deviation.
 *
 * Both clip the output to [0, 1] (as StableSR does when it converts back to an image) unless
 * `clamp: false`. Images are `RgbImage` (HWC, [0, 1]); the fix itself is range-agnostic.
 */
import type { ColorFixName } from '../../../common/runSettings';
import type { RgbImage } from '../pipeline/types';

export interface ColorFixOptions {
  /** wavelet: number of levels (StableSR: 5). */
  levels?: number;
  /** adain: added to the variance before the square root (StableSR: 1e-5). */
  eps?: number;
  /** Clip the output to [0, 1]. Default true. */
  clamp?: boolean;
}

function checkPair(result: RgbImage, input: RgbImage): void {
  if (result.width !== input.width || result.height !== input.height) {
    throw new Error(
      `Colour fix needs the input at the result's size: result ${result.width} x ${result.height}, input ${input.width} x ${input.height}. ` +
        'Resize the input first (imageOps/resize.ts resizeRgb, bicubic).',
    );
  }
  const n = result.width * result.height * 3;
  if (result.data.length !== n || input.data.length !== n) {
    throw new Error(`Colour fix: image data must hold width x height x 3 = ${n} values (result ${result.data.length}, input ${input.data.length}).`);
  }
}

function clamp01(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    a[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** In place: each row x <- x[-r]/4 + x/2 + x[+r]/4 along the width (edges replicated). data: [H, W, c]. */
function blurRowsInPlace(data: Float32Array, height: number, width: number, c: number, r: number, row: Float32Array): void {
  const rowLen = width * c;
  const rc = r * c;
  const last = (width - 1) * c;
  for (let y = 0; y < height; y++) {
    const base = y * rowLen;
    row.set(data.subarray(base, base + rowLen));
    const interiorStart = Math.min(rc, rowLen);
    const interiorEnd = Math.max(interiorStart, rowLen - rc);
    // Left border: the left tap clamps to pixel 0 (and the right one may clamp too on narrow images).
    for (let i = 0; i < interiorStart; i++) {
      const ch = i % c;
      const right = i + rc <= last + ch ? i + rc : last + ch;
      data[base + i] = 0.25 * (row[ch]! + row[right]!) + 0.5 * row[i]!;
    }
    for (let i = interiorStart; i < interiorEnd; i++) data[base + i] = 0.25 * (row[i - rc]! + row[i + rc]!) + 0.5 * row[i]!;
    for (let i = interiorEnd; i < rowLen; i++) {
      const ch = i % c;
      const left = i - rc >= ch ? i - rc : ch;
      data[base + i] = 0.25 * (row[left]! + row[last + ch]!) + 0.5 * row[i]!;
    }
  }
}

/**
 * In place: each row y <- row[y - r]/4 + row[y]/2 + row[y + r]/4 (edges replicated).
 * Rows below y are still original when row y is written; the originals of the last r rows
 * written are kept in `ring` ([r, rowLen]), so no second image buffer is needed.
 */
function blurColumnsInPlace(data: Float32Array, height: number, rowLen: number, r: number, ring: Float32Array): void {
  for (let y = 0; y < height; y++) {
    const cur = y * rowLen;
    const next = Math.min(y + r, height - 1) * rowLen;
    const slot = (y % r) * rowLen;
    // Original row max(y - r, 0): row y itself at y = 0, ring slot 0 (row 0) for y < r, else ring slot y % r.
    const prevArr = y === 0 ? data : ring;
    const prev = y === 0 ? cur : y < r ? 0 : slot;
    for (let i = 0; i < rowLen; i++) {
      const c = data[cur + i]!;
      const p = prevArr[prev + i]!;
      ring[slot + i] = c;
      data[cur + i] = 0.25 * (p + data[next + i]!) + 0.5 * c;
    }
  }
}

/**
 * In place: the a trous low-pass cascade low(x) over `levels` levels (dilations 1, 2, 4, ...).
 * data: [H, W, c] interleaved.
 */
export function waveletLowPass(data: Float32Array, height: number, width: number, c: number, levels = 5): Float32Array {
  if (!Number.isInteger(levels) || levels < 0 || levels > 30) throw new Error(`Wavelet levels must be an integer in 0..30, got ${levels}.`);
  if (data.length !== height * width * c) throw new Error(`waveletLowPass: ${data.length} values do not make ${height} x ${width} x ${c}.`);
  const rowLen = width * c;
  const row = new Float32Array(rowLen);
  const ring = new Float32Array(Math.min(2 ** Math.max(levels - 1, 0), height) * rowLen);
  for (let i = 0; i < levels; i++) {
    const r = 2 ** i;
    blurRowsInPlace(data, height, width, c, r, row);
    blurColumnsInPlace(data, height, rowLen, Math.min(r, height), ring);
  }
  return data;
}

/** StableSR's wavelet colour fix: high(result) + low(input). Returns a new image. */
export function waveletColorFix(result: RgbImage, input: RgbImage, options: ColorFixOptions = {}): RgbImage {
  checkPair(result, input);
  const { width, height } = result;
  const r = result.data;
  const out = new Float32Array(r.length);
  // 1. d = input - result
  const s = input.data;
  for (let i = 0; i < out.length; i++) out[i] = s[i]! - r[i]!;
  // 2. low(d), in place
  waveletLowPass(out, height, width, 3, options.levels ?? 5);
  // 3. result + low(input - result) = high(result) + low(input)
  for (let i = 0; i < out.length; i++) out[i]! += r[i]!;
  if (options.clamp ?? true) clamp01(out);
  return { width, height, data: out };
}

/** Per-channel mean and standard deviation sqrt(unbiased variance + eps) of an [N, 3] image. */
export function channelStats(data: Float32Array, eps = 1e-5): { mean: [number, number, number]; std: [number, number, number] } {
  const n = data.length / 3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < data.length; i += 3) {
    s0 += data[i]!;
    s1 += data[i + 1]!;
    s2 += data[i + 2]!;
  }
  const m0 = s0 / n;
  const m1 = s1 / n;
  const m2 = s2 / n;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  for (let i = 0; i < data.length; i += 3) {
    const d0 = data[i]! - m0;
    const d1 = data[i + 1]! - m1;
    const d2 = data[i + 2]! - m2;
    q0 += d0 * d0;
    q1 += d1 * d1;
    q2 += d2 * d2;
  }
  // One pixel has no spread: use variance 0 (torch would give NaN).
  const div = n > 1 ? n - 1 : 1;
  return {
    mean: [m0, m1, m2],
    std: [Math.sqrt(q0 / div + eps), Math.sqrt(q1 / div + eps), Math.sqrt(q2 / div + eps)],
  };
}

/** StableSR's AdaIN colour fix: result's per-channel mean/std replaced by the input's. Returns a new image. */
export function adainColorFix(result: RgbImage, input: RgbImage, options: ColorFixOptions = {}): RgbImage {
  checkPair(result, input);
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new Error(`AdaIN eps must be >= 0, got ${eps}.`);
  const a = channelStats(result.data, eps);
  const b = channelStats(input.data, eps);
  // out = result * scale + shift, per channel
  const scale = [0, 1, 2].map((c) => (a.std[c]! > 0 ? b.std[c]! / a.std[c]! : 0));
  const shift = [0, 1, 2].map((c) => b.mean[c]! - a.mean[c]! * scale[c]!);
  const [k0, k1, k2] = scale as [number, number, number];
  const [t0, t1, t2] = shift as [number, number, number];
  const r = result.data;
  const out = new Float32Array(r.length);
  for (let i = 0; i < r.length; i += 3) {
    out[i] = r[i]! * k0 + t0;
    out[i + 1] = r[i + 1]! * k1 + t1;
    out[i + 2] = r[i + 2]! * k2 + t2;
  }
  if (options.clamp ?? true) clamp01(out);
  return { width: result.width, height: result.height, data: out };
}

/** Dispatches on the RestoreParams.colorFix setting; 'none' returns `result` itself. */
export function colorFix(result: RgbImage, input: RgbImage, method: ColorFixName, options: ColorFixOptions = {}): RgbImage {
  switch (method) {
    case 'wavelet':
      return waveletColorFix(result, input, options);
    case 'adain':
      return adainColorFix(result, input, options);
    case 'none':
      checkPair(result, input);
      return result;
    default:
      throw new Error(`Unknown colour fix '${String(method)}'; use 'wavelet', 'adain' or 'none'.`);
  }
}
