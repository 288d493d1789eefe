/**
 * sample(): the SPIRE diffusion recipe on NCHW tensors (models/README.md, "The sampling recipe the
 * engine implements"; spire/sampler.py), one named step per stage (steps.ts), as diffusers
 * pipelines read.
 *
 * Notation (paper / sampler.py -> code):
 *   y            conditioning image [1, 3, H, W] in [-1, 1], H, W multiples of sizeMultiple
 *   R            the restorer's output (faithful mode)                  -> restoredInput
 *   c_neg, c_sem, c_1..c_N, c_rest   prompt embeddings [1, L, D]        -> context rows, cRest
 *   d            degradation vector of the parsed restoration prompt    -> degradation
 *   z_t          latents [1, Cz, h, w], h = H / f, w = W / f            -> latents
 *   m            the VAE's latent mean of y (unscaled)                  -> mean
 *   eps          the guided noise prediction                            -> noisePred
 *   s            the VAE scale factor                                   -> latent.scaleFactor
 *
 *   sample(models, y, options, hooks)
 *     1. check inputs             shapes and invariants (the boundary checked the user's values):
 *                                 sides multiples of sizeMultiple, strength in [0, 1] and 0 only in
 *                                 faithful mode, region masks and initialNoise at latent size
 *     2. encode prompts           one text-encoder batch [neg; sem; region_1..N; rest] -> (3 + N) x [1, L, D]
 *                                 (strength 0: [rest] alone); with options.regional, one c_rest per
 *                                 restoration appended: [...; rest; rest_1..G]
 *     3. run the restorer         faithful mode: R = y = clamp(restorer(y, c_rest, d), -1, 1)  (tiled
 *                                 like the image, views averaged; d = degradationVector(prompt), or
 *                                 options.degradation: the blind prompt's estimate). Strength 0,
 *                                 "restorer only": stop here, image = R (no VAE, UNet, scheduler).
 *                                 Else R goes out at once as a preview (hooks.onRestored).
 *                                 options.regional (regions restoring their own way, regionRestore.ts):
 *                                 R is given, blended from the restorer run per restoration prompt
 *     4. timesteps                setTimesteps(steps); strength < 1 keeps the last floor(steps * strength)
 *     5. prepare latents          noise [1, Cz, h, w] (seeded Generator, or options.initialNoise);
 *                                 strength < 1: m = vaeEncode(y), z = addNoise(m * s, noise, t0);
 *                                 strength 1: z = noise * initNoiseSigma
 *     6. denoise                  per t, per latent tile (one tile when small):
 *                                   fused = adaptor(z, t, c_rest, y)                        (batch 1)
 *                                     (options.regional: sum_g weight_g * adaptor(z, t, c_rest_g, y_g),
 *                                     the weights area-averaged to each skip's resolution)
 *                                   out = unet(K x z, K x t, context_K, K x fused)   (the Guider picks K:
 *                                     1 conditional-only, 2 classifier-free, 2 + N regional)
 *                                   eps = guider.combine(out);  tiles blended
 *                                 z = scheduler.step(eps, t, z)
 *     7. decode                   (each decoder call reported, hooks.onDecode)
 *                                 image = clamp(vaeDecode(z / s), -1, 1); faithful mode below
 *                                 strength 1, detail transfer:
 *                                   image = clamp(R + vaeDecode(z / s) - vaeDecode(m), -1, 1)
 *                                 so the autoencoder's reconstruction error cancels.
 *
 * Every model call first checks hooks.signal (RestoreCancelled). Non-finite values from a model
 * stop the run with an error naming the step. Design notes: ./README.md.
 */
import type { Region } from '../guidance';
import type { RestorerViews, SchedulerName } from '../../../common/runSettings';
import { degradationVector, type RestorationPrompt } from '../../../common/restorationPrompt';
import type { Tensor } from '../tensor/tensor';
import { Guider } from './guider';
import type { SpireModels } from './models';
import { checkInputs, decodeLatents, denoise, encodePrompts, prepareLatents, prepareTimesteps, restoredPreview, runRestorer } from './steps';
import { latentTilePlan, perTile, vaeTiling, type Tiling } from './tiles';
import type { RestoreHooks } from './types';

/** A region for sample(): the guidance region (mask [h * w] at latent resolution, scale) with its prompt. */
export interface LatentRegion extends Region {
  prompt: string;
}

/**
 * Regions that restore their own way (regionRestore.ts ran the restorer per restoration prompt):
 * sample() takes R as given and conditions the adaptor per prompt.
 */
export interface RegionalRestoration {
  /** R, the restorations blended by the regions' masks [1, 3, H, W]; null without the restorer (y is then the condition image). */
  restored: Tensor | null;
  /** Per distinct restoration: its prompt's text (c_rest), the adaptor's y [1, 3, H, W] and its weight per pixel [H * W] (the weights sum to 1). */
  conditions: readonly AdaptorCondition[];
}

/** One restoration's condition of the adaptor: fused_g = adaptor(z, t, c_rest_g, y_g), blended by weight_g at each skip's resolution. */
export interface AdaptorCondition {
  restorationText: string;
  y: Tensor;
  weight: Float32Array;
}

export interface SampleOptions {
  semanticPrompt: string;
  negativePrompt: string;
  /** The parsed restoration prompt (not `auto`: resolve it first); its canonical text is encoded. */
  restorationPrompt: RestorationPrompt;
  /** The restorer's degradation input [K] instead of degradationVector(restorationPrompt): the blind prompt's estimate. */
  degradation?: readonly number[];
  regions: readonly LatentRegion[];
  steps: number;
  guidanceScale: number;
  eta: number;
  seed: number;
  strength: number;
  scheduler: SchedulerName;
  useRestorer: boolean;
  /** Views of the image the restorer averages (viewsOf in imageOps/dihedral.ts); default 1. */
  restorerViews?: RestorerViews;
  /** Latent tiling: tile side and overlap in latent cells; null = one pass over the whole latent. */
  tiling: Tiling;
  /** The VAE's own tiling (tiles.ts vaeTiling); absent: vaeTiling at the pack's sizes. */
  vaeTiling?: Tiling;
  /** Regions with their own restoration: R given (step 3 does not run the restorer) and the adaptor per restoration. */
  regional?: RegionalRestoration;
  /** The initial noise [1, Cz, h, w] instead of drawing it from `seed` (golden tests). */
  initialNoise?: Float32Array;
  /** Called after every step with the guided model output and the new latents (tests, debugging). */
  onLatents?(step: number, timestep: number, noisePred: Float32Array, latents: Float32Array): void;
}

export interface SampleResult {
  /** [1, 3, H, W], clamped to [-1, 1]. */
  image: Tensor;
  /** The conditioning image after the restorer (faithful mode), [1, 3, H, W]; at strength 0 the same tensor as `image`. */
  restoredInput: Tensor | null;
  /** The timesteps run (empty at strength 0). */
  timesteps: number[];
  /** encodeMs: text encoder + VAE encoder; restorerMs: the restorer (0 when off); decodeMs: the VAE decode(s). */
  timings: { encodeMs: number; restorerMs: number; denoiseMs: number; decodeMs: number };
}

/** Steps 1-7 of the recipe on NCHW tensors. */
export async function sample(models: SpireModels, image: Tensor, options: SampleOptions, hooks: RestoreHooks = {}): Promise<SampleResult> {
  const cfg = models.config;
  const t0 = performance.now();

  // 1. Check inputs.
  const latent = checkInputs(cfg, image, options); // [1, Cz, h, w]
  const restorerOnly = options.strength === 0;
  const tiles = perTile(options.tiling, hooks); // the restorer's
  const vaeTiles = perTile(options.vaeTiling !== undefined ? options.vaeTiling : vaeTiling(image.dims[2] as number, image.dims[3] as number, 0, cfg), hooks);

  // Regions restored their own way (regionRestore.ts): at strength 0 their blend R is the result.
  const regional = options.regional ?? null;
  if (regional && restorerOnly && regional.restored) {
    return { image: regional.restored, restoredInput: regional.restored, timesteps: [], timings: { encodeMs: 0, restorerMs: 0, denoiseMs: 0, decodeMs: 0 } };
  }

  // 2. Encode prompts: [neg; sem; region_1..N; rest] in one text-encoder batch ([rest] alone at strength 0).
  const { context, cRest, cRestOf } = await encodePrompts(models, options, restorerOnly, hooks);
  let encodeMs = performance.now() - t0;

  // 3. Run the restorer (faithful mode): restore in pixel space first (regions with their own restoration: R is given).
  let y = image;
  let restoredInput: Tensor | null = null;
  let restorerMs = 0;
  if (regional) {
    y = regional.restored ?? image;
    restoredInput = regional.restored;
  } else if (options.useRestorer) {
    const restorerStart = performance.now();
    const degradation = options.degradation ?? degradationVector(options.restorationPrompt);
    y = restoredInput = await runRestorer(models, image, cRest, degradation, options.restorerViews ?? 1, tiles, hooks); // R [1, 3, H, W]
    restorerMs = performance.now() - restorerStart;
    if (restorerOnly) return { image: y, restoredInput, timesteps: [], timings: { encodeMs, restorerMs, denoiseMs: 0, decodeMs: 0 } };
  }
  // The restorer's output as a preview now, before the steps (strength 0 returned above: R is the result).
  if (restoredInput && hooks.onRestored && hooks.previewSize && hooks.previewSize > 0) hooks.onRestored(restoredPreview(restoredInput, hooks.previewSize));

  // 4. Timesteps.
  const { scheduler, timesteps } = prepareTimesteps(cfg, options);

  // 5. Prepare latents: z_T, and m when starting from the input (strength < 1).
  const prepared = await prepareLatents(models, y, latent, scheduler, timesteps, options, vaeTiles);
  encodeMs += prepared.encodeMs;

  // 6. Denoise.
  const denoiseStart = performance.now();
  const guider = new Guider({
    context: context!, // [2 + N, L, D]; null only at strength 0, which returned above
    regions: options.regions,
    guidanceScale: options.guidanceScale,
    sameNegativeAndSemantic: options.negativePrompt === options.semanticPrompt,
    latent: { channels: latent[1], height: latent[2], width: latent[3] },
  });
  const plan = latentTilePlan(latent[2], latent[3], options.tiling, cfg);
  const conditions = regional ? regional.conditions.map((c, i) => ({ cRest: cRestOf[i]!, y: c.y, weight: c.weight })) : null;
  const z = await denoise(models, { latents: prepared.latents, latent, y, cRest, conditions, scheduler, timesteps, guider, plan }, options, hooks);
  const denoiseMs = performance.now() - denoiseStart;

  // 7. Decode; in faithful mode below strength 1, detail transfer onto R.
  const decodeStart = performance.now();
  const decoded = await decodeLatents(models, { data: z, dims: latent }, restoredInput, prepared.mean, vaeTiles, hooks);
  return {
    image: decoded,
    restoredInput,
    timesteps: [...timesteps],
    timings: { encodeMs, restorerMs, denoiseMs, decodeMs: performance.now() - decodeStart },
  };
}
