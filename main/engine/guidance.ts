/**
 * Classifier-free guidance (Ho & Salimans 2022, "Classifier-Free Diffusion Guidance"),
 * plus a regional variant: a global prompt and N (mask, prompt) regions.
 *
 * Notation (paper -> code):
 *   w                         -> guidanceScale
 *   eps(x_t, empty prompt)    -> uncond
 *   eps(x_t, c)               -> cond (or each region's output)
 *   eps~ = eps_u + w (eps_c - eps_u)   (w = 1 gives plain conditional sampling; w = 0 unconditional)
 *
 * Batched layout. The UNet runs once per step on the prompts stacked along the batch axis,
 * each block B rows (B images), in this order:
 *   classifierFreeGuidance:  [2B, C, H, W]       = [uncond; cond]                 (diffusers' chunk(2) order)
 *   regionalGuidance:        [(2 + N)B, C, H, W] = [uncond; global; region 1; ...; region N]
 *
 * Regional guidance, at each latent pixel p with region masks m_i(p) in [0, 1]:
 *   1. S(p) = sum_i m_i(p). Where regions overlap (S > 1) their masks are divided by S, so
 *      they share the pixel; elsewhere they are used as given:  a_i(p) = m_i(p) / max(1, S(p)).
 *   2. The global prompt fills the rest:  a_g(p) = 1 - sum_i a_i(p)   (so a_g + sum a_i = 1).
 *   3. eps~(p) = eps_u(p) + w_g a_g(p) (eps_g(p) - eps_u(p)) + sum_i w_i a_i(p) (eps_i(p) - eps_u(p)).
 * With no regions this is exactly classifier-free guidance with the global prompt. Masks are
 * [H, W] at latent resolution (the caller resizes), shared across the batch and channels.
 *
 * All arrays are flat row-major Float32Arrays; results are new arrays.
 */

export interface LatentShape {
  /** B: images in the batch (rows per prompt block). */
  batch: number;
  /** C: latent channels (4 for the SD VAE). */
  channels: number;
  /** H, W: latent height and width (image size / 8). */
  height: number;
  width: number;
}

export interface Region {
  /** [H, W] weights in [0, 1] at latent resolution: 1 inside the region, 0 outside, soft in between. */
  mask: Float32Array;
  /** This region's w; defaults to the global guidanceScale. */
  guidanceScale?: number;
}

function checkScale(name: string, w: number): void {
  if (!Number.isFinite(w)) throw new Error(`${name} must be a finite number, got ${w}.`);
}

function blockSize(shape: LatentShape): number {
  const { batch, channels, height, width } = shape;
  for (const [k, v] of Object.entries(shape)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`Latent shape ${k} must be a positive integer, got ${v}.`);
  }
  return batch * channels * height * width;
}

/** eps_u + w (eps_c - eps_u), elementwise. uncond, cond: [B, C, H, W] -> [B, C, H, W]. */
export function combineGuidance(uncond: Float32Array, cond: Float32Array, guidanceScale: number): Float32Array {
  checkScale('guidanceScale', guidanceScale);
  if (uncond.length !== cond.length) {
    throw new Error(`Guidance: unconditional and conditional outputs differ in size (${uncond.length} vs ${cond.length}).`);
  }
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i]! + guidanceScale * (cond[i]! - uncond[i]!);
  return out;
}

/**
 * Classifier-free guidance on a batched model output.
 * noisePred: [2B, C, H, W] = [uncond; cond]  ->  [B, C, H, W].
 */
export function classifierFreeGuidance(noisePred: Float32Array, guidanceScale: number): Float32Array {
  if (noisePred.length % 2 !== 0) {
    throw new Error(`Classifier-free guidance needs a [2B, ...] output (uncond then cond); got ${noisePred.length} values, an odd count.`);
  }
  const half = noisePred.length / 2;
  return combineGuidance(noisePred.subarray(0, half), noisePred.subarray(half), guidanceScale);
}

/**
 * Per-pixel weights of the regions and of the global prompt (steps 1 and 2 above).
 * masks: N x [H * W]  ->  regionWeights: N x [H * W], globalWeight: [H * W]; at every pixel the
 * weights are >= 0 and sum to 1.
 */
export function normaliseRegionMasks(
  masks: readonly Float32Array[],
  pixels: number,
): { regionWeights: Float32Array[]; globalWeight: Float32Array } {
  masks.forEach((m, i) => {
    if (m.length !== pixels) throw new Error(`Region ${i} mask has ${m.length} values; the latent has ${pixels} pixels (H * W).`);
    for (let p = 0; p < pixels; p++) {
      const v = m[p]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`Region ${i} mask value ${v} at pixel ${p} is outside [0, 1].`);
    }
  });
  const regionWeights = masks.map(() => new Float32Array(pixels));
  const globalWeight = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    // 1. Share overlapping pixels.
    let sum = 0;
    for (const m of masks) sum += m[p]!;
    const scale = sum > 1 ? 1 / sum : 1;
    let used = 0;
    masks.forEach((m, i) => {
      const a = m[p]! * scale;
      regionWeights[i]![p] = a;
      used += a;
    });
    // 2. The global prompt takes what is left.
    globalWeight[p] = Math.max(0, 1 - used);
  }
  return { regionWeights, globalWeight };
}

/**
 * Regional classifier-free guidance (step 3 above).
 * noisePred: [(2 + N)B, C, H, W] = [uncond; global; region 1; ...; region N]  ->  [B, C, H, W].
 */
export function regionalGuidance(
  noisePred: Float32Array,
  regions: readonly Region[],
  guidanceScale: number,
  shape: LatentShape,
): Float32Array {
  checkScale('guidanceScale', guidanceScale);
  const block = blockSize(shape);
  const blocks = 2 + regions.length;
  if (noisePred.length !== blocks * block) {
    throw new Error(
      `Regional guidance with ${regions.length} regions needs ${blocks} blocks of [${shape.batch}, ${shape.channels}, ${shape.height}, ${shape.width}] ` +
        `(uncond, global, then each region) = ${blocks * block} values; got ${noisePred.length}.`,
    );
  }
  const pixels = shape.height * shape.width;
  const scales = regions.map((r, i) => {
    const w = r.guidanceScale ?? guidanceScale;
    checkScale(`Region ${i} guidanceScale`, w);
    return w;
  });
  const { regionWeights, globalWeight } = normaliseRegionMasks(
    regions.map((r) => r.mask),
    pixels,
  );
  const uncond = noisePred.subarray(0, block);
  const global = noisePred.subarray(block, 2 * block);
  const regionOut = regions.map((_, i) => noisePred.subarray((2 + i) * block, (3 + i) * block));

  const out = new Float32Array(block);
  for (let i = 0; i < block; i++) {
    const p = i % pixels; // pixel index within [H, W]; same mask for every image and channel
    const u = uncond[i]!;
    let v = u + guidanceScale * globalWeight[p]! * (global[i]! - u);
    for (let r = 0; r < regionOut.length; r++) v += scales[r]! * regionWeights[r]![p]! * (regionOut[r]![i]! - u);
    out[i] = v;
  }
  return out;
}
