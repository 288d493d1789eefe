/**
 * Separable image resizing that matches the Python training side.
 *
 * The model's input is the degraded image upsampled back to the target size by
 * `models/spire/degradations.py: resize_bicubic`, i.e. PIL `Image.resize(BICUBIC)` per
 * channel in mode "F" (then clipped to [0, 1]). So the default method here is PIL's:
 *
 *   method        reference                          kernel                       shrinking
 *   'bicubic'     PIL Image.resize(BICUBIC), mode F  Keys cubic, a = -0.5, +-2 px  antialiased: the kernel is
 *                 (= resize_bicubic, no clip)                                      stretched by in/out
 *   'bicubic-cv2' cv2.resize(INTER_CUBIC), float32   Keys cubic, a = -0.75, 4 taps no antialiasing
 *   'area'        cv2.resize(INTER_AREA), float32    fractional pixel coverage     (box average; use for shrinking)
 *   'nearest'     PIL Image.resize(NEAREST)          src = floor((i + 0.5) * in / out)
 *
 * Borders: PIL drops the taps that fall outside the image and renormalises the rest;
 * OpenCV's cubic replicates the edge pixel. Both are reproduced exactly (goldens in
 * test/fixtures/imageOps/resize.json, produced by Pillow 9.4.0 and OpenCV 4.6.0).
 *
 * Implementation: per axis, one table of (first source index, tap count, weights) per
 * output index (`resizeWeights`); then a horizontal pass into a [inH, outW, C] buffer and a
 * vertical pass that accumulates whole rows (cache-friendly), like PIL (horizontal first).
 * A pass whose size does not change is skipped. No per-pixel allocation.
 */
import type { Mask, RgbImage } from '../pipeline/types';
import type { Tensor } from '../tensor/tensor';

export type ResizeMethod = 'bicubic' | 'bicubic-cv2' | 'area' | 'nearest';

export interface ResizeOptions {
  /** Interpolation; default 'bicubic' (PIL, what the model was trained with). */
  method?: ResizeMethod;
  /** Clip the result to [0, 1] (as `resize_bicubic` does). Default false. */
  clamp?: boolean;
}

/** Resampling weights along one axis: output i = sum_k weights[i * taps + k] * input[start[i] + k], k < count[i]. */
export interface AxisWeights {
  inSize: number;
  outSize: number;
  taps: number;
  start: Int32Array; // [outSize]
  count: Int32Array; // [outSize]
  weights: Float32Array; // [outSize, taps]
}

const METHODS: readonly ResizeMethod[] = ['bicubic', 'bicubic-cv2', 'area', 'nearest'];

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}.`);
}

/** Keys cubic convolution kernel with parameter a (PIL: -0.5, OpenCV: -0.75). */
function cubic(x: number, a: number): number {
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** PIL's precompute_coeffs (Resample.c) for the bicubic filter: support 2, stretched when shrinking. */
function pilBicubic(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const w = newWeights(inSize, outSize, taps);
  const k = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = cubic((x + xmin - center + 0.5) / filterScale, -0.5);
      sum += k[x]!;
    }
    w.start[i] = xmin;
    w.count[i] = xmax;
    for (let x = 0; x < xmax; x++) w.weights[i * taps + x] = sum !== 0 ? k[x]! / sum : k[x]!;
  }
  return w;
}

/** OpenCV's INTER_CUBIC (resize.cpp): 4 taps around floor(fx), fx in float32, edge replicated. */
function cv2Bicubic(inSize: number, outSize: number): AxisWeights {
  const scale = 1 / (outSize / inSize);
  const a = -0.75;
  const w = newWeights(inSize, outSize, 4);
  for (let i = 0; i < outSize; i++) {
    let fx = Math.fround((i + 0.5) * scale - 0.5);
    const sx = Math.floor(fx);
    fx = Math.fround(fx - sx);
    const c0 = Math.fround(((a * (fx + 1) - 5 * a) * (fx + 1) + 8 * a) * (fx + 1) - 4 * a);
    const c1 = Math.fround(((a + 2) * fx - (a + 3)) * fx * fx + 1);
    const c2 = Math.fround(((a + 2) * (1 - fx) - (a + 3)) * (1 - fx) * (1 - fx) + 1);
    const c3 = 1 - c0 - c1 - c2;
    // Taps sx-1 .. sx+2, clamped to the image: fold clamped taps onto the edge pixel.
    const lo = Math.min(Math.max(sx - 1, 0), inSize - 1);
    const hi = Math.min(Math.max(sx + 2, 0), inSize - 1);
    w.start[i] = lo;
    w.count[i] = hi - lo + 1;
    const coeffs = [c0, c1, c2, c3];
    for (let j = 0; j < 4; j++) {
      const src = Math.min(Math.max(sx - 1 + j, 0), inSize - 1);
      w.weights[i * 4 + (src - lo)]! += coeffs[j]!;
    }
  }
  return w;
}

/** OpenCV's INTER_AREA table (computeResizeAreaTab): the average over each output pixel's footprint. */
function areaWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const taps = Math.ceil(scale) + 2;
  const w = newWeights(inSize, outSize, taps);
  for (let i = 0; i < outSize; i++) {
    const a = i * scale;
    const b = Math.min(a + scale, inSize);
    const cell = b - a;
    const first = Math.floor(a);
    const last = Math.min(Math.ceil(b) - 1, inSize - 1);
    let start = -1;
    let n = 0;
    for (let p = first; p <= last; p++) {
      const cover = Math.min(b, p + 1) - Math.max(a, p);
      // OpenCV drops partial end pixels covered by less than 1e-3 (and does not renormalise).
      if (cover <= 1e-3 && (p === first || p === last)) {
        if (start < 0) continue;
        break;
      }
      if (start < 0) start = p;
      w.weights[i * taps + n] = cover / cell;
      n++;
    }
    w.start[i] = start;
    w.count[i] = n;
  }
  return w;
}

/**
 * PIL's NEAREST: the source pixel under the output pixel's centre, floor((i + 0.5) * in / out),
 * computed as Pillow does (Geometry.c ImagingScaleAffine): the position starts at in / out / 2
 * and adds in / out per pixel in doubles, so exact ties fall where Pillow's rounding puts them.
 */
function nearestWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const w = newWeights(inSize, outSize, 1);
  let pos = scale * 0.5;
  for (let i = 0; i < outSize; i++) {
    w.start[i] = Math.min(inSize - 1, Math.trunc(pos));
    w.count[i] = 1;
    w.weights[i] = 1;
    pos += scale;
  }
  return w;
}

function newWeights(inSize: number, outSize: number, taps: number): AxisWeights {
  return {
    inSize,
    outSize,
    taps,
    start: new Int32Array(outSize),
    count: new Int32Array(outSize),
    weights: new Float32Array(outSize * taps),
  };
}

/** The 1-D resampling table for `method` from `inSize` to `outSize` samples. */
export function resizeWeights(inSize: number, outSize: number, method: ResizeMethod = 'bicubic'): AxisWeights {
  checkSize('Resize input size', inSize);
  checkSize('Resize output size', outSize);
  switch (method) {
    case 'bicubic':
      return pilBicubic(inSize, outSize);
    case 'bicubic-cv2':
      return cv2Bicubic(inSize, outSize);
    case 'area':
      return areaWeights(inSize, outSize);
    case 'nearest':
      return nearestWeights(inSize, outSize);
    default:
      throw new Error(`Unknown resize method '${String(method)}'; use one of ${METHODS.join(', ')}.`);
  }
}

/** Horizontal pass: src [rows, inW, c] -> dst [rows, outW, c]. */
function resampleRows(src: Float32Array, rows: number, c: number, wx: AxisWeights, dst: Float32Array): void {
  const inW = wx.inSize;
  const outW = wx.outSize;
  const { start, count, weights, taps } = wx;
  for (let y = 0; y < rows; y++) {
    const srcRow = y * inW * c;
    const dstRow = y * outW * c;
    if (c === 3) {
      for (let x = 0; x < outW; x++) {
        let s = srcRow + start[x]! * 3;
        const n = count[x]!;
        let k = x * taps;
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = 0; j < n; j++, k++, s += 3) {
          const wk = weights[k]!;
          r += wk * src[s]!;
          g += wk * src[s + 1]!;
          b += wk * src[s + 2]!;
        }
        const d = dstRow + x * 3;
        dst[d] = r;
        dst[d + 1] = g;
        dst[d + 2] = b;
      }
    } else {
      for (let x = 0; x < outW; x++) {
        const n = count[x]!;
        const k0 = x * taps;
        for (let ch = 0; ch < c; ch++) {
          let s = srcRow + start[x]! * c + ch;
          let acc = 0;
          for (let j = 0; j < n; j++, s += c) acc += weights[k0 + j]! * src[s]!;
          dst[dstRow + x * c + ch] = acc;
        }
      }
    }
  }
}

/**
 * Vertical pass: src [inH, rowLen] -> dst [outH, rowLen]. Up to 4 taps are summed in
 * registers (one write per value); longer kernels accumulate 4 rows at a time.
 */
function resampleColumns(src: Float32Array, rowLen: number, wy: AxisWeights, dst: Float32Array): void {
  const { start, count, weights, taps, outSize } = wy;
  for (let y = 0; y < outSize; y++) {
    const d = y * rowLen;
    const n = count[y]!;
    const k = y * taps;
    const s = start[y]! * rowLen;
    for (let j = 0; j < n; j += 4) {
      const m = Math.min(4, n - j);
      const s0 = s + j * rowLen;
      const s1 = s0 + rowLen;
      const s2 = s1 + rowLen;
      const s3 = s2 + rowLen;
      const w0 = weights[k + j]!;
      const w1 = m > 1 ? weights[k + j + 1]! : 0;
      const w2 = m > 2 ? weights[k + j + 2]! : 0;
      const w3 = m > 3 ? weights[k + j + 3]! : 0;
      const first = j === 0;
      if (m === 4) {
        if (first) for (let i = 0; i < rowLen; i++) dst[d + i] = w0 * src[s0 + i]! + w1 * src[s1 + i]! + w2 * src[s2 + i]! + w3 * src[s3 + i]!;
        else for (let i = 0; i < rowLen; i++) dst[d + i]! += w0 * src[s0 + i]! + w1 * src[s1 + i]! + w2 * src[s2 + i]! + w3 * src[s3 + i]!;
      } else if (m === 3) {
        if (first) for (let i = 0; i < rowLen; i++) dst[d + i] = w0 * src[s0 + i]! + w1 * src[s1 + i]! + w2 * src[s2 + i]!;
        else for (let i = 0; i < rowLen; i++) dst[d + i]! += w0 * src[s0 + i]! + w1 * src[s1 + i]! + w2 * src[s2 + i]!;
      } else if (m === 2) {
        if (first) for (let i = 0; i < rowLen; i++) dst[d + i] = w0 * src[s0 + i]! + w1 * src[s1 + i]!;
        else for (let i = 0; i < rowLen; i++) dst[d + i]! += w0 * src[s0 + i]! + w1 * src[s1 + i]!;
      } else if (first) {
        for (let i = 0; i < rowLen; i++) dst[d + i] = w0 * src[s0 + i]!;
      } else {
        for (let i = 0; i < rowLen; i++) dst[d + i]! += w0 * src[s0 + i]!;
      }
    }
  }
}

/**
 * Resizes one interleaved image: src [inH, inW, c] -> dst [outH, outW, c] (dst is written,
 * never read). `wy`, `wx` come from `resizeWeights`; `scratch` (optional) holds at least
 * inH * outW * c values.
 */
export function resampleInterleaved(
  src: Float32Array,
  c: number,
  wy: AxisWeights,
  wx: AxisWeights,
  dst: Float32Array,
  scratch?: Float32Array,
): void {
  const inH = wy.inSize;
  const inW = wx.inSize;
  const outH = wy.outSize;
  const outW = wx.outSize;
  if (src.length !== inH * inW * c) throw new Error(`Resize input has ${src.length} values; expected ${inH} x ${inW} x ${c}.`);
  if (dst.length !== outH * outW * c) throw new Error(`Resize output has ${dst.length} values; expected ${outH} x ${outW} x ${c}.`);
  const needH = inW !== outW;
  const needV = inH !== outH;
  if (!needH && !needV) {
    dst.set(src);
  } else if (!needV) {
    resampleRows(src, inH, c, wx, dst);
  } else if (!needH) {
    resampleColumns(src, inW * c, wy, dst);
  } else {
    const n = inH * outW * c;
    const tmp = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float32Array(n);
    resampleRows(src, inH, c, wx, tmp);
    resampleColumns(tmp, outW * c, wy, dst);
  }
}

function clamp01(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    a[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** Resizes an RGB image (HWC, [0, 1]) to height x width. */
export function resizeRgb(image: RgbImage, height: number, width: number, options: ResizeOptions = {}): RgbImage {
  const method = options.method ?? 'bicubic';
  checkSize('Image width', image.width);
  checkSize('Image height', image.height);
  const wy = resizeWeights(image.height, height, method);
  const wx = resizeWeights(image.width, width, method);
  const data = new Float32Array(height * width * 3);
  resampleInterleaved(image.data, 3, wy, wx, data);
  if (options.clamp) clamp01(data);
  return { width, height, data };
}

/** Resizes every plane of a planar tensor: [..., H, W] (e.g. [N, C, H, W]) -> [..., height, width]. */
export function resizeNchw(input: Tensor, height: number, width: number, options: ResizeOptions = {}): Tensor {
  const dims = input.dims;
  if (dims.length < 2) throw new Error(`resizeNchw needs at least [H, W] dims, got [${dims.join(', ')}].`);
  const inH = dims[dims.length - 2]!;
  const inW = dims[dims.length - 1]!;
  const planes = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  if (input.data.length !== planes * inH * inW) {
    throw new Error(`Tensor data has ${input.data.length} values but dims [${dims.join(', ')}] need ${planes * inH * inW}.`);
  }
  const method = options.method ?? 'bicubic';
  const wy = resizeWeights(inH, height, method);
  const wx = resizeWeights(inW, width, method);
  const data = new Float32Array(planes * height * width);
  const scratch = new Float32Array(inH * width);
  for (let p = 0; p < planes; p++) {
    resampleInterleaved(
      input.data.subarray(p * inH * inW, (p + 1) * inH * inW),
      1,
      wy,
      wx,
      data.subarray(p * height * width, (p + 1) * height * width),
      scratch,
    );
  }
  if (options.clamp) clamp01(data);
  return { data, dims: [...dims.slice(0, -2), height, width] };
}

/** Resizes a mask; 'area' (default) averages when shrinking, 'nearest' keeps hard edges. */
export function resizeMask(mask: Mask, height: number, width: number, method: ResizeMethod = 'area'): Mask {
  checkSize('Mask width', mask.width);
  checkSize('Mask height', mask.height);
  const wy = resizeWeights(mask.height, height, method);
  const wx = resizeWeights(mask.width, width, method);
  const data = new Float32Array(height * width);
  resampleInterleaved(mask.data, 1, wy, wx, data);
  return { width, height, data };
}
