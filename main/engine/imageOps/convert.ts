/**
 * Layout and range conversions between what image I/O produces and what the
 * ONNX graphs take.
 *
 *   RgbImage  HWC interleaved float32 in [0, 1]          (pipeline/types.ts)
 *   Tensor    NCHW planar float32 in the manifest's `imageRange` (usually [-1, 1]) // [1, 3, H, W]
 *
 * Padding goes to the bottom and right only, so cropping back is a top-left crop of the
 * original size. Precision (float16 bits for half-precision packs) is the ONNX boundary's
 * business: ../onnx/float16.ts.
 */
import type { RgbImage } from '../pipeline/types';
import type { Tensor } from '../tensor/tensor';

/** [lo, hi]: the value range of a model's images (manifest imageRange). */
export type ValueRange = readonly [number, number];

const DEFAULT_RANGE: ValueRange = [-1, 1];

function checkRange(range: ValueRange): void {
  const [lo, hi] = range;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new Error(`Image range must be two finite numbers [lo, hi] with lo < hi, got [${lo}, ${hi}].`);
  }
}

function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`Image size must be positive integers, got ${width} x ${height}.`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(`RGB image data has ${data.length} values; ${width} x ${height} x 3 needs ${width * height * 3}.`);
  }
}

/** Height and width of a [..., H, W] tensor, and the number of H x W planes. */
function planesOf(t: Tensor, what: string): { planes: number; height: number; width: number } {
  const dims = t.dims;
  if (dims.length < 2) throw new Error(`${what} needs a tensor with at least [H, W] dims, got [${dims.join(', ')}].`);
  const height = dims[dims.length - 2]!;
  const width = dims[dims.length - 1]!;
  const planes = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  if (t.data.length !== planes * height * width) {
    throw new Error(`${what}: tensor data has ${t.data.length} values but dims [${dims.join(', ')}] need ${planes * height * width}.`);
  }
  return { planes, height, width };
}

/** RgbImage [H, W, 3] in [0, 1] -> [1, 3, H, W] in `range` (default [-1, 1]). */
export function rgbToNchw(image: RgbImage, range: ValueRange = DEFAULT_RANGE): Tensor {
  checkImage(image);
  checkRange(range);
  const [lo, hi] = range;
  const scale = hi - lo;
  const n = image.width * image.height;
  const src = image.data;
  const data = new Float32Array(3 * n);
  for (let p = 0, s = 0; p < n; p++, s += 3) {
    data[p] = src[s]! * scale + lo;
    data[n + p] = src[s + 1]! * scale + lo;
    data[2 * n + p] = src[s + 2]! * scale + lo;
  }
  return { data, dims: [1, 3, image.height, image.width] };
}

/**
 * [1, 3, H, W] (or [3, H, W]) in `range` -> RgbImage [H, W, 3] in [0, 1], clipped to [0, 1]
 * unless `clampOutput` is false. `batchIndex` picks one image of a batch.
 */
export function nchwToRgb(t: Tensor, range: ValueRange = DEFAULT_RANGE, clampOutput = true, batchIndex = 0): RgbImage {
  checkRange(range);
  const dims = t.dims;
  const ok = (dims.length === 4 && dims[1] === 3) || (dims.length === 3 && dims[0] === 3);
  if (!ok) throw new Error(`nchwToRgb needs a [N, 3, H, W] or [3, H, W] tensor, got [${dims.join(', ')}].`);
  const { planes, height, width } = planesOf(t, 'nchwToRgb');
  const batch = planes / 3;
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batch) {
    throw new Error(`nchwToRgb: batch index ${batchIndex} is outside the batch of ${batch}.`);
  }
  const [lo, hi] = range;
  const inv = 1 / (hi - lo);
  const n = height * width;
  const src = t.data.subarray(batchIndex * 3 * n, (batchIndex + 1) * 3 * n);
  const data = new Float32Array(3 * n);
  for (let p = 0, d = 0; p < n; p++, d += 3) {
    let r = (src[p]! - lo) * inv;
    let g = (src[n + p]! - lo) * inv;
    let b = (src[2 * n + p]! - lo) * inv;
    if (clampOutput) {
      r = r < 0 ? 0 : r > 1 ? 1 : r;
      g = g < 0 ? 0 : g > 1 ? 1 : g;
      b = b < 0 ? 0 : b > 1 ? 1 : b;
    }
    data[d] = r;
    data[d + 1] = g;
    data[d + 2] = b;
  }
  return { width, height, data };
}

/** Clips every value to [lo, hi] in place (NaN becomes lo) and returns `data`. */
export function clamp(data: Float32Array, lo = 0, hi = 1): Float32Array {
  if (!(lo <= hi)) throw new Error(`clamp needs lo <= hi, got ${lo} and ${hi}.`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v > lo ? (v < hi ? v : hi) : lo;
  }
  return data;
}

/**
 * Source index for padded index i of a size-n axis, mirrored about the edge pixels without
 * repeating them (numpy 'reflect', torch 'reflect'): ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
 * Works for any pad, also wider than the image (the mirror repeats with period 2(n - 1)).
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

export interface Padded {
  /** [..., H + padBottom, W + padRight] */
  tensor: Tensor;
  /** Size before padding: crop back to it with `cropTensor(t, height, width)`. */
  height: number;
  width: number;
  padBottom: number;
  padRight: number;
}

/**
 * Pads [..., H, W] at the bottom and right up to the next multiple of `multiple` by
 * reflection (no edge repeat), e.g. to the VAE factor or the UNet's 2^levels.
 * Returns the tensor unchanged (no copy) when it already fits.
 */
export function padToMultiple(t: Tensor, multiple: number): Padded {
  if (!Number.isInteger(multiple) || multiple < 1) throw new Error(`padToMultiple needs a positive integer multiple, got ${multiple}.`);
  const { planes, height, width } = planesOf(t, 'padToMultiple');
  const outH = Math.ceil(height / multiple) * multiple;
  const outW = Math.ceil(width / multiple) * multiple;
  const padBottom = outH - height;
  const padRight = outW - width;
  if (padBottom === 0 && padRight === 0) return { tensor: t, height, width, padBottom, padRight };
  const cols = new Int32Array(outW);
  for (let x = 0; x < outW; x++) cols[x] = reflectIndex(x, width);
  const data = new Float32Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) {
    const src = p * height * width;
    const dst = p * outH * outW;
    for (let y = 0; y < outH; y++) {
      const s = src + reflectIndex(y, height) * width;
      const d = dst + y * outW;
      data.set(t.data.subarray(s, s + width), d);
      for (let x = width; x < outW; x++) data[d + x] = t.data[s + cols[x]!]!;
    }
  }
  return { tensor: { data, dims: [...t.dims.slice(0, -2), outH, outW] }, height, width, padBottom, padRight };
}

/** Crops [..., H, W] to [..., height, width] starting at (top, left). */
export function cropTensor(t: Tensor, height: number, width: number, top = 0, left = 0): Tensor {
  const { planes, height: h, width: w } = planesOf(t, 'cropTensor');
  for (const [name, v] of Object.entries({ height, width, top, left })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`cropTensor: ${name} must be a non-negative integer, got ${v}.`);
  }
  if (height < 1 || width < 1 || top + height > h || left + width > w) {
    throw new Error(`cropTensor: a ${height} x ${width} crop at (${top}, ${left}) does not fit in ${h} x ${w}.`);
  }
  if (height === h && width === w) return t;
  const data = new Float32Array(planes * height * width);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < height; y++) {
      const s = p * h * w + (top + y) * w + left;
      data.set(t.data.subarray(s, s + width), (p * height + y) * width);
    }
  }
  return { data, dims: [...t.dims.slice(0, -2), height, width] };
}
