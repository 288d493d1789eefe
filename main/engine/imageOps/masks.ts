/**
 * Region masks for regional prompts (pipeline/types.ts RegionPrompt): soften the painted
 * edge, then bring the mask to latent resolution. Combining overlapping regions is
 * `normaliseRegionMasks` in ../guidance.ts (not repeated here).
 *
 *   featherMask(mask, radiusPx)   Gaussian blur, sigma = radiusPx / 3, taps out to +-ceil(radiusPx)
 *                                 (99.7 % of the Gaussian), kernel normalised to sum 1, edge
 *                                 pixels replicated (a region touching the border stays 1 there).
 *   maskToLatent(mask, h, w, f?)  area average over each latent pixel's footprint (OpenCV
 *                                 INTER_AREA, resize.ts); with the VAE factor f the mask is first
 *                                 reflect-padded to h*f x w*f like the image (convert.ts), so
 *                                 latent pixel (i, j) averages exactly image pixels [i*f, (i+1)*f).
 *
 * Results are clipped to [0, 1] (float rounding could otherwise give 1.0000001, which
 * normaliseRegionMasks rejects). Masks are [H, W] float32 (`Mask`).
 */
import type { Mask } from '../pipeline/types';
import { reflectIndex } from './convert';
import { resizeMask } from './resize';

function checkMask(mask: Mask, what = 'Mask'): void {
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what} size must be positive integers, got ${width} x ${height}.`);
  }
  if (data.length !== width * height) throw new Error(`${what} data has ${data.length} values; ${width} x ${height} needs ${width * height}.`);
}

function clamp01(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    a[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return a;
}

/** Normalised Gaussian taps k[-R..R] (R = ceil(radius), sigma = radius / 3), as k[j + R]. */
export function featherKernel(radiusPx: number): Float32Array {
  if (!(radiusPx >= 0) || !Number.isFinite(radiusPx)) throw new Error(`Feather radius must be a finite number >= 0 pixels, got ${radiusPx}.`);
  const R = Math.ceil(radiusPx);
  const k = new Float32Array(2 * R + 1);
  if (R === 0) {
    k[0] = 1;
    return k;
  }
  const sigma = radiusPx / 3;
  let sum = 0;
  const g = new Float64Array(2 * R + 1);
  for (let j = -R; j <= R; j++) {
    g[j + R] = Math.exp(-(j * j) / (2 * sigma * sigma));
    sum += g[j + R]!;
  }
  for (let i = 0; i < g.length; i++) k[i] = g[i]! / sum;
  return k;
}

/** Feathers a mask's edges with a Gaussian (see the file comment). Returns a new mask. */
export function featherMask(mask: Mask, radiusPx: number): Mask {
  checkMask(mask);
  const k = featherKernel(radiusPx);
  const R = (k.length - 1) / 2;
  const { width: W, height: H } = mask;
  if (R === 0) return { width: W, height: H, data: mask.data.slice() };
  // 1. Horizontal: each row copied into a buffer padded by R replicated pixels per side.
  const tmp = new Float32Array(W * H);
  const row = new Float32Array(W + 2 * R);
  for (let y = 0; y < H; y++) {
    const base = y * W;
    row.set(mask.data.subarray(base, base + W), R);
    row.fill(mask.data[base]!, 0, R);
    row.fill(mask.data[base + W - 1]!, R + W);
    // Tap by tap over the whole row (the row stays in cache; the inner loop is a plain axpy).
    const k0 = k[0]!;
    for (let x = 0; x < W; x++) tmp[base + x] = k0 * row[x]!;
    for (let j = 1; j < k.length; j++) {
      const kj = k[j]!;
      for (let x = 0; x < W; x++) tmp[base + x]! += kj * row[x + j]!;
    }
  }
  // 2. Vertical: accumulate whole rows (rows above/below the mask replicate the edge row).
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const d = y * W;
    for (let j = 0; j < k.length; j++) {
      const s = Math.min(H - 1, Math.max(0, y + j - R)) * W;
      const kj = k[j]!;
      for (let x = 0; x < W; x++) out[d + x]! += kj * tmp[s + x]!;
    }
  }
  return { width: W, height: H, data: clamp01(out) };
}

/**
 * A mask at image resolution -> latent resolution [latentHeight, latentWidth] by area
 * averaging. With `factor` (the VAE's f) the mask may be smaller than latent x f (the image
 * was padded to a multiple of f): it is reflect-padded at the bottom/right to match first.
 */
export function maskToLatent(mask: Mask, latentHeight: number, latentWidth: number, factor?: number): Mask {
  checkMask(mask);
  for (const [name, v] of Object.entries({ latentHeight, latentWidth })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`maskToLatent: ${name} must be a positive integer, got ${v}.`);
  }
  let src = mask;
  if (factor !== undefined) {
    if (!Number.isInteger(factor) || factor < 1) throw new Error(`maskToLatent: factor must be a positive integer, got ${factor}.`);
    const H = latentHeight * factor;
    const W = latentWidth * factor;
    if (mask.height > H || mask.width > W) {
      throw new Error(`maskToLatent: a ${mask.width} x ${mask.height} mask does not fit a ${latentWidth} x ${latentHeight} latent at factor ${factor} (${W} x ${H} pixels).`);
    }
    if (mask.height !== H || mask.width !== W) {
      const data = new Float32Array(H * W);
      for (let y = 0; y < H; y++) {
        const s = reflectIndex(y, mask.height) * mask.width;
        for (let x = 0; x < W; x++) data[y * W + x] = mask.data[s + reflectIndex(x, mask.width)]!;
      }
      src = { width: W, height: H, data };
    }
  }
  const out = resizeMask(src, latentHeight, latentWidth, 'area');
  clamp01(out.data);
  return out;
}
