/**
 * Layout, range and precision conversions between what image I/O produces and what the
 * ONNX graphs take.
 *
 *   RgbImage  HWC interleaved float32 in [0, 1]          (pipeline/types.ts)
 *   Tensor    NCHW planar float32 in the manifest's `imageRange` (usually [-1, 1]) // [1, 3, H, W]
 *
 * Padding goes to the bottom and right only, so cropping back is a top-left crop of the
 * original size. Float16 values travel as their IEEE 754 binary16 bit patterns in a
 * Uint16Array (what onnxruntime takes for 'float16' tensors); conversion rounds to nearest,
 * ties to even, like numpy's astype(float16) and the native Float16Array.
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

// ---------------------------------------------------------------------------------------------
// float16 <-> float32 (IEEE 754 binary16 bits in a Uint16Array)

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** binary16 bits for the float32 with bits `u` (round to nearest, ties to even; NaN payload's top bits kept). */
function halfFromFloatBits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00; // +-inf
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload !== 0 ? payload : 0x200); // NaN stays NaN
  }
  const e = exp - 112; // binary16 biased exponent (127 - 15)
  if (e >= 0x1f) return sign | 0x7c00; // too large: inf
  if (e >= 1) {
    // Normal: keep 10 mantissa bits, round on the 13 dropped ones. A carry may bump the
    // exponent, up to inf (0x7c00), which is the right answer.
    let h = sign | (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
    return h;
  }
  if (e < -10) return sign; // below half the smallest subnormal (2^-25): +-0
  // Subnormal result: value = m * 2^(exp - 150), unit 2^-24, so h = m >> (126 - exp).
  const m = mant | 0x800000;
  const shift = 14 - e; // 14 .. 24
  let h = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) !== 0)) h++; // may round up to the smallest normal, 0x400
  return sign | h;
}

/** float32 bits for the binary16 bits `h` (exact). */
function floatBitsFromHalf(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: shift the mantissa up until its leading 1 is the implicit bit.
  let e = 113; // float32 biased exponent of 2^-14
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** One number -> binary16 bits (rounded to float32 first, as a Float32Array store would). */
export function toHalfBits(x: number): number {
  scratchF32[0] = x;
  return halfFromFloatBits(scratchU32[0]!);
}

/** binary16 bits -> number. */
export function fromHalfBits(h: number): number {
  scratchU32[0] = floatBitsFromHalf(h & 0xffff);
  return scratchF32[0]!;
}

/** float32 values -> binary16 bits (round to nearest even). `dst` defaults to a new Uint16Array. */
export function float32ToFloat16Bits(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (dst.length !== src.length) throw new Error(`float32ToFloat16Bits: destination has ${dst.length} values, source ${src.length}.`);
  // Read the float bits through a Uint32 view (no NaN canonicalisation, no per-value allocation).
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = halfFromFloatBits(bits[i]!);
  return dst;
}

let halfTable: Uint32Array | undefined;

/** binary16 bits -> float32 values (exact, via a 65,536-entry table built on first use). */
export function float16BitsToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  if (dst.length !== src.length) throw new Error(`float16BitsToFloat32: destination has ${dst.length} values, source ${src.length}.`);
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = floatBitsFromHalf(h);
  }
  const table = halfTable;
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return dst;
}
