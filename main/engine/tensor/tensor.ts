/**
 * Pure tensor helpers with PyTorch's names, over row-major Float32Arrays.
 *
 * A `Tensor` here is just data plus dims, the same layout onnxruntime uses, so
 * pipelines pass these straight to a session without conversion. Nothing in
 * this file allocates more than its result.
 */
import type { Generator } from './random';

export interface Tensor {
  readonly data: Float32Array;
  /** Sizes, outermost first, e.g. [B, C, H, W]. */
  readonly dims: readonly number[];
}

/** Number of elements for `dims` (1 for a scalar, `[]`). */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor dims must be non-negative integers, got [${dims.join(', ')}].`);
    n *= d;
  }
  return n;
}

/** Wraps `data` with `dims`, checking that the sizes agree. */
export function tensor(data: Float32Array, dims: readonly number[]): Tensor {
  const n = numel(dims);
  if (data.length !== n) {
    throw new Error(`Tensor data has ${data.length} values but dims [${dims.join(', ')}] need ${n}.`);
  }
  return { data, dims: [...dims] };
}

export function zeros(dims: readonly number[]): Tensor {
  return { data: new Float32Array(numel(dims)), dims: [...dims] };
}

/** Standard normal tensor from a seeded generator (torch.randn(dims, generator=...); different numbers from torch). */
export function randn(dims: readonly number[], generator: Generator): Tensor {
  const n = numel(dims);
  return { data: generator.randn(n), dims: [...dims] };
}

function normaliseDim(dim: number, rank: number): number {
  const d = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= rank) throw new Error(`dim ${dim} is out of range for a tensor of rank ${rank}.`);
  return d;
}

/** Sizes around `dim`: outer = product before it, inner = product after it. */
function split(dims: readonly number[], dim: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  for (let i = 0; i < dim; i++) outer *= dims[i]!;
  let inner = 1;
  for (let i = dim + 1; i < dims.length; i++) inner *= dims[i]!;
  return { outer, size: dims[dim]!, inner };
}

/** torch.cat: joins tensors along `dim`; every other size must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new Error('cat needs at least one tensor.');
  const rank = first.dims.length;
  const d = normaliseDim(dim, rank);
  for (const t of tensors) {
    const same = t.dims.length === rank && t.dims.every((s, i) => i === d || s === first.dims[i]);
    if (!same) {
      throw new Error(`cat along dim ${d}: shapes [${first.dims.join(', ')}] and [${t.dims.join(', ')}] differ outside that dim.`);
    }
  }
  const { outer, inner } = split(first.dims, d);
  const total = tensors.reduce((sum, t) => sum + t.dims[d]!, 0);
  const dims = [...first.dims];
  dims[d] = total;
  const out = new Float32Array(outer * total * inner);
  let offset = 0;
  for (const t of tensors) {
    const block = t.dims[d]! * inner;
    for (let o = 0; o < outer; o++) {
      out.set(t.data.subarray(o * block, (o + 1) * block), o * total * inner + offset);
    }
    offset += block;
  }
  return { data: out, dims };
}

/**
 * torch.chunk: splits along `dim` into `chunks` pieces of ceil(size / chunks)
 * (the last may be smaller, and fewer pieces come back when size is small).
 * Pieces along dim 0 share memory with the input (subarray views); others are copies.
 */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`chunk needs a positive integer count, got ${chunks}.`);
  const d = normaliseDim(dim, t.dims.length);
  const { outer, size, inner } = split(t.dims, d);
  const step = Math.ceil(size / chunks);
  const pieces: Tensor[] = [];
  for (let start = 0; start < size; start += step) {
    const len = Math.min(step, size - start);
    const dims = [...t.dims];
    dims[d] = len;
    if (outer === 1) {
      pieces.push({ data: t.data.subarray(start * inner, (start + len) * inner), dims });
      continue;
    }
    const out = new Float32Array(outer * len * inner);
    for (let o = 0; o < outer; o++) {
      const from = (o * size + start) * inner;
      out.set(t.data.subarray(from, from + len * inner), o * len * inner);
    }
    pieces.push({ data: out, dims });
  }
  return pieces;
}

/**
 * t.repeat(k, 1, ..., 1): k copies of t along dim 0 ([1, ...] -> [k, ...]); k = 1 returns t itself.
 * What a guided UNet batch needs: the same latent and fused tensors for every prompt row.
 */
export function repeat(t: Tensor, k: number): Tensor {
  if (!Number.isInteger(k) || k < 1) throw new Error(`repeat needs a positive integer count, got ${k}.`);
  return k === 1 ? t : cat(Array.from({ length: k }, () => t));
}

/** torch.mul by a scalar: a new tensor t * s with t's dims. */
export function mul(t: Tensor, s: number): Tensor {
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = t.data[i]! * s;
  return { data, dims: t.dims };
}

/** Tensor.clamp_: clips every value of t to [min, max] in place (NaN stays NaN) and returns t. */
export function clamp_(t: Tensor, min: number, max: number): Tensor {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v < min ? min : v > max ? max : v;
  }
  return t;
}

/**
 * One window of an [H, W] plane stored row-major with row length `width` (plane[y:y+h, x:x+w]):
 * a new [h * w] array. Region masks cropped to a latent tile.
 */
export function cropPlane(plane: Float32Array, width: number, window: { y: number; x: number; height: number; width: number }): Float32Array {
  const out = new Float32Array(window.height * window.width);
  for (let y = 0; y < window.height; y++) {
    const s = (window.y + y) * width + window.x;
    out.set(plane.subarray(s, s + window.width), y * window.width);
  }
  return out;
}
