/**
 * The SPIRE restoration pipeline: one degraded image in, one restored image out.
 *
 * `restore()` is the recipe of models/README.md ("The sampling recipe the engine implements",
 * spire/sampler.py), wrapped for whole photos:
 *
 *   restore(models, input, params, hooks)
 *     1. check inputs             parse the restoration prompt (canonical text), sizes, strength
 *        estimate                 `auto` and the blind prompt (faithful mode): the degradation estimator
 *                                 reads the input (estimate.ts). `auto` runs with its clauses
 *                                 (resolveAutoPrompt: plus the requested output size); the blind prompt
 *                                 keeps its text and gives the restorer the estimate's numbers with the
 *                                 blind flag (blindDegradationVector). Restorer only with nothing to do
 *                                 (no operation named: a clean photo's estimate is "") returns the input.
 *     2. condition image          `Upsample to Kx`: bicubic-resize the input K times (the model
 *                                 restores at output resolution); RGB [0,1] -> NCHW [-1,1];
 *                                 reflect-pad to sizeMultiple; region masks feathered, to latent resolution
 *     3. sample()                 the diffusion recipe below, tiled when the image is large
 *     4. finish                   crop the padding; colour fix against the restorer's output R (faithful
 *                                 mode; none at strength 0, where the output is R) or else the
 *                                 conditioning image; NCHW [-1,1] -> RGB [0,1]
 *
 *   sample(models, y, options, hooks)        y: [1, 3, H, W] in [-1, 1], H, W multiples of sizeMultiple
 *     1. check inputs             strength in [0, 1]; 0 only in faithful mode (useRestorer)
 *     2. encode prompts           one text-encoder batch [neg; sem; region_1..N; rest] -> (3 + N) x [1, L, D]
 *                                 (strength 0: [rest] alone)
 *     3. faithful mode            R = y = clamp(restorer(y, c_rest, d), -1, 1)   (tiled like the image;
 *                                 d = degradationVector of the parsed restoration prompt, or
 *                                 options.degradation when restore() gives it: the blind prompt's estimate)
 *                                 strength 0, "restorer only": stop here, image = R (no VAE, UNet,
 *                                 scheduler; stepsRun 0)
 *     4. timesteps                setTimesteps(steps); strength < 1 keeps the last floor(steps * strength)
 *     5. prepare latents          noise [1, Cz, h, w] (seeded Generator, or options.initialNoise);
 *                                 strength < 1: m = vaeEncode(y) (the latent mean, unscaled),
 *                                 z = addNoise(m * scaleFactor, noise, t0)
 *     6. denoise                  per t, per latent tile (one tile when small):
 *                                   fused = adaptor(z, t, c_rest, y)                        (batch 1)
 *                                   out = unet(K x z, K x t, [c_neg; c_sem; c_1..c_N], K x fused)  K = 2 + N
 *                                   eps = CFG / regional guidance of out;  tiles blended
 *                                   (no regions and negative == semantic prompt, or g == 1: CFG returns c, so
 *                                   one batch-1 UNet pass on c_sem instead of K = 2)
 *                                 z = scheduler.step(eps, t, z)
 *     7. decode                   image = clamp(vaeDecode(z / scaleFactor), -1, 1); faithful mode with
 *                                 strength < 1, detail transfer:
 *                                   image = clamp(R + vaeDecode(z / scaleFactor) - vaeDecode(m), -1, 1)
 *                                 (both decodes tiled alike) so the autoencoder's reconstruction error
 *                                 cancels and only what diffusion changed reaches the output. Faithful
 *                                 mode at strength 1 starts from pure noise (no m): plain decode.
 *
 * Every model call first checks hooks.signal (RestoreCancelled). Non-finite values from a
 * model stop the run with an error naming the step. Same inputs, seed and provider give the
 * same bytes. Design notes and costs: ./README.md.
 */
import { classifierFreeGuidance, regionalGuidance } from '../guidance';
import { colorFix } from '../imageOps/colorFix';
import { averageOverViews, viewsOf } from '../imageOps/dihedral';
import { SpireError } from '../../../common/errors';
import { APP_RUN_DEFAULTS, type RestorerViews, STRENGTH_ZERO_NEEDS_RESTORER, type SchedulerName } from '../../../common/runSettings';
import { cropTensor, nchwToRgb, padToMultiple, rgbToNchw } from '../imageOps/convert';
import { featherMask, maskToLatent } from '../imageOps/masks';
import { resizeMask, resizeNchw, resizeRgb } from '../imageOps/resize';
import { TileBlender, cropTile, planTiles, tiledMap, type TilePlan, type TileRect } from '../imageOps/tiling';
import {
  blindDegradationVector,
  degradationVector,
  parseRestorationPrompt,
  resolveAutoPrompt,
  upsampleFactor,
} from '../../../common/restorationPrompt';
import { contractEstimate, estimateDegradation, type EngineEstimate } from './estimate';
import { createScheduler, type Scheduler } from '../scheduler';
import { Generator } from '../tensor/random';
import { cat, type Tensor } from '../tensor/tensor';
import type { SpireModels } from './models';
import { RestoreCancelled, type RegionPrompt, type RestoreHooks, type RestoreParams, type RestoreResult, type RgbImage, type StepProgress } from './types';

/** A region for sample(): its mask already at latent resolution. */
export interface LatentRegion {
  /** [h * w] weights in [0, 1] at latent resolution. */
  mask: Float32Array;
  prompt: string;
  guidanceScale?: number;
}

export interface SampleOptions {
  semanticPrompt: string;
  negativePrompt: string;
  /** Restoration prompt text as the model reads it (pass the canonical text; not `auto`: resolve it first). */
  restorationPrompt: string;
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
  tiling: { tile: number; overlap: number } | null;
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

const SCHEDULER_CLASSES = { ddim: 'DDIMScheduler', 'dpmpp-2m': 'DPMSolverMultistepScheduler' } as const satisfies Record<SchedulerName, string>;

/** Throws RestoreCancelled when the caller aborted. Called before every model call. */
function checkCancelled(hooks: RestoreHooks): void {
  if (hooks.signal?.aborted) throw new RestoreCancelled();
}

/** Throws a clear error when a model produced NaN or Infinity. */
export function assertFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      throw new SpireError('bad-output',
        `${what} produced ${String(data[i])} (at value ${i} of ${data.length}); the model pack or execution provider is not numerically sound ` +
          `(a float16 pack overflowing, a broken export). Try the cpu provider or another pack.`,
      );
    }
  }
}

/** K copies of a [1, ...] tensor along the batch: [K, ...]. */
function repeatBatch(t: Tensor, k: number): Tensor {
  return k === 1 ? t : cat(Array.from({ length: k }, () => t));
}

function scaled(t: Tensor, s: number): Tensor {
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (t.data[i] as number) * s;
  return { data, dims: t.dims };
}

function clampInPlace(data: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    data[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

function cropPlane(mask: Float32Array, width: number, tile: TileRect): Float32Array {
  const out = new Float32Array(tile.height * tile.width);
  for (let y = 0; y < tile.height; y++) {
    const s = (tile.y + y) * width + tile.x;
    out.set(mask.subarray(s, s + tile.width), y * tile.width);
  }
  return out;
}

/** The img2img start index into a schedule of n steps (python: n - min(int(n * strength), n)). */
export function strengthStartIndex(n: number, strength: number): number {
  return n - Math.min(Math.floor(n * strength), n);
}

/** Steps 1-7 of the recipe on NCHW tensors. */
export async function sample(models: SpireModels, image: Tensor, options: SampleOptions, hooks: RestoreHooks = {}): Promise<SampleResult> {
  const cfg = models.config;
  const f = cfg.latent.downsamplingFactor;
  const Cz = cfg.latent.channels;
  const t0 = performance.now();

  // 1. Check inputs.
  const [B, C, H, W] = image.dims as [number, number, number, number];
  if (image.dims.length !== 4 || B !== 1 || C !== 3) throw new Error(`sample() takes one image [1, 3, H, W], got [${image.dims.join(', ')}].`);
  if (H % cfg.sizeMultiple !== 0 || W % cfg.sizeMultiple !== 0) {
    throw new Error(`Image sides must be multiples of ${cfg.sizeMultiple}, got ${H} x ${W}: pad the input first (restore() does).`);
  }
  if (!(options.strength >= 0 && options.strength <= 1)) throw new Error(`strength must be in [0, 1], got ${options.strength}.`);
  if (options.strength === 0 && !options.useRestorer) throw new Error(`${STRENGTH_ZERO_NEEDS_RESTORER}.`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`steps must be a whole number >= 1, got ${options.steps}.`);
  if (!Number.isFinite(options.guidanceScale)) throw new Error(`guidanceScale must be a finite number, got ${options.guidanceScale}.`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a whole number >= 0, got ${options.seed}.`);
  if (!(options.eta >= 0 && Number.isFinite(options.eta))) throw new Error(`eta must be a number >= 0 (0 = deterministic DDIM), got ${options.eta}.`);
  if (!(options.scheduler in SCHEDULER_CLASSES)) throw new Error(`scheduler must be one of ${Object.keys(SCHEDULER_CLASSES).join(', ')}, got ${String(options.scheduler)}.`);
  if (options.useRestorer && !cfg.hasRestorer) throw new Error('This pack has no restorer: turn off the faithful mode (useRestorer).');
  const h = H / f;
  const w = W / f;
  const latentSize = Cz * h * w;
  for (const [i, r] of options.regions.entries()) {
    if (r.mask.length !== h * w) throw new Error(`Region ${i} mask has ${r.mask.length} values; the latent is ${h} x ${w}.`);
  }

  // 2. Encode prompts: [neg; sem; region_1..N; rest] in one text-encoder batch ([rest] alone at strength 0).
  const restorerOnly = options.strength === 0;
  const N = options.regions.length;
  const texts = restorerOnly
    ? [options.restorationPrompt]
    : [options.negativePrompt, options.semanticPrompt, ...options.regions.map((r) => r.prompt), options.restorationPrompt];
  checkCancelled(hooks);
  const embeddings = await models.textEncoder(models.tokenize(texts)); // [texts.length, L, D]
  const [, L, D] = embeddings.dims as [number, number, number];
  const row = (i: number): Tensor => ({ data: embeddings.data.subarray(i * L * D, (i + 1) * L * D), dims: [1, L, D] });
  const context: Tensor = { data: embeddings.data.subarray(0, (2 + N) * L * D), dims: [2 + N, L, D] }; // [uncond; sem; regions]
  const cRest = row(texts.length - 1);
  let encodeMs = performance.now() - t0;

  /**
   * run() on the whole input, or tile by tile (blended) when tiling; run() also gets the number of
   * tiles. The tiling is given in latent cells: `cell` is one cell's size in the input's units (f for
   * images, 1 for latents), `scale` the output/input size ratio. Checks cancellation before every model call.
   */
  const perTile = (input: Tensor, cell: number, scale: number, run: (x: Tensor, tiles: number) => Promise<Tensor>): Promise<Tensor> => {
    checkCancelled(hooks);
    if (!options.tiling) return run(input, 1);
    return tiledMap(input, { tile: options.tiling.tile * cell, overlap: options.tiling.overlap * cell, scale }, (tile, _rect, tiles) => {
      checkCancelled(hooks);
      return run(tile, tiles);
    });
  };

  // 3. Faithful mode: restore in pixel space first.
  let y = image;
  let restoredInput: Tensor | null = null;
  let restorerMs = 0;
  if (options.useRestorer) {
    const restorerStart = performance.now();
    const degradation = options.degradation ?? degradationVector(parseRestorationPrompt(options.restorationPrompt));
    const views = viewsOf(options.restorerViews ?? 1);
    let pass = 0; // tiles x views passes, each reported
    y = await perTile(image, f, 1, (x, tiles) =>
      averageOverViews(x, views, async (v) => {
        checkCancelled(hooks);
        const out = await models.restorer(v, cRest, degradation);
        pass += 1;
        hooks.onRestorer?.({ pass, totalPasses: tiles * views.length, elapsedMs: performance.now() - restorerStart });
        return out;
      }),
    );
    assertFinite(y.data, 'The restorer');
    clampInPlace(y.data, -1, 1);
    restoredInput = y;
    restorerMs = performance.now() - restorerStart;
    if (restorerOnly) return { image: y, restoredInput, timesteps: [], timings: { encodeMs, restorerMs, denoiseMs: 0, decodeMs: 0 } };
  }

  // 4. Timesteps.
  const scheduler: Scheduler = createScheduler(SCHEDULER_CLASSES[options.scheduler], cfg.schedulerConfig);
  scheduler.setTimesteps(options.steps);
  const begin = strengthStartIndex(options.steps, options.strength);
  const timesteps = scheduler.timesteps.slice(begin);
  if (timesteps.length === 0) {
    throw new Error(`strength ${options.strength} with ${options.steps} steps runs no step; raise the strength or the steps.`);
  }
  scheduler.setBeginIndex(begin);

  // 5. Prepare latents.
  let noise: Float32Array;
  if (options.initialNoise) {
    if (options.initialNoise.length !== latentSize) {
      throw new Error(`initialNoise has ${options.initialNoise.length} values; the latent [1, ${Cz}, ${h}, ${w}] needs ${latentSize}.`);
    }
    noise = options.initialNoise;
  } else {
    noise = new Generator(options.seed).randn(latentSize);
  }
  let z: Float32Array;
  let mean: Tensor | null = null; // [1, Cz, h, w], the unscaled latent mean of y (strength < 1)
  if (options.strength < 1) {
    const encodeStart = performance.now();
    mean = await perTile(y, f, 1 / f, (x) => models.vaeEncode(x)); // [1, Cz, h, w]
    assertFinite(mean.data, 'The VAE encoder');
    encodeMs += performance.now() - encodeStart;
    z = scheduler.addNoise(scaled(mean, cfg.latent.scaleFactor).data, noise, timesteps[0] as number);
  } else {
    z = scaled({ data: noise, dims: [latentSize] }, scheduler.initNoiseSigma).data;
  }

  // 6. Denoise.
  const whole: TileRect = { index: 0, row: 0, col: 0, y: 0, x: 0, height: h, width: w, overlapTop: 0, overlapBottom: 0, overlapLeft: 0, overlapRight: 0 };
  const plan: TilePlan | null = options.tiling ? planTiles(h, w, options.tiling.tile, options.tiling.overlap, cfg.sizeMultiple / f) : null;
  const tiled = plan !== null && plan.tiles.length > 1;

  // With no regions, classifier-free guidance u + g (c - u) is exactly c when the negative and semantic
  // prompts are the same text (u == c: the common "no semantic prompt" case) or g == 1: skip the
  // unconditional half of the batch (half the UNet work per step).
  const condOnly = N === 0 && (options.negativePrompt === options.semanticPrompt || options.guidanceScale === 1);
  const condContext: Tensor = { data: context.data.subarray(L * D, 2 * L * D), dims: [1, L, D] };

  /** Guided model output [1, Cz, th, tw] for one tile of the latent z. */
  const guidedTile = async (zTile: Tensor, t: number, tile: TileRect): Promise<Float32Array> => {
    const yTile = tiled ? cropTile(y, { y: tile.y * f, x: tile.x * f, height: tile.height * f, width: tile.width * f }) : y;
    let fused: Tensor[] = [];
    if (cfg.fusion !== null) {
      checkCancelled(hooks);
      fused = await models.adaptor(zTile, [t], cRest, yTile); // each [1, C_i, h_i, w_i]
    }
    const input = { data: scheduler.scaleModelInput(zTile.data, t), dims: zTile.dims };
    checkCancelled(hooks);
    if (condOnly) {
      // Guidance would return the conditional output unchanged: one UNet pass at batch 1.
      const out = await models.unet(input, [t], condContext, fused); // [1, Cz, th, tw]
      return out.data;
    }
    const K = 2 + N;
    const out = await models.unet(
      repeatBatch(input, K), // [K, Cz, th, tw]
      Array.from({ length: K }, () => t),
      context, // [K, L, D]
      fused.map((x) => repeatBatch(x, K)),
    ); // [K, Cz, th, tw]
    if (N === 0) return classifierFreeGuidance(out.data, options.guidanceScale);
    const regions = options.regions.map((r) => ({
      mask: tiled ? cropPlane(r.mask, w, tile) : r.mask,
      ...(r.guidanceScale !== undefined ? { guidanceScale: r.guidanceScale } : {}),
    }));
    return regionalGuidance(out.data, regions, options.guidanceScale, { batch: 1, channels: Cz, height: tile.height, width: tile.width });
  };

  const denoiseStart = performance.now();
  for (const [i, t] of timesteps.entries()) {
    const latents: Tensor = { data: z, dims: [1, Cz, h, w] };
    let eps: Float32Array;
    if (!tiled) {
      eps = await guidedTile(latents, t, whole);
    } else {
      // Every tile's guided output, blended with raised-cosine weights over the overlaps.
      const blender = new TileBlender(plan, Cz);
      for (const rect of plan.tiles) blender.add(rect.index, await guidedTile(cropTile(latents, rect), t, rect));
      eps = blender.finish();
    }
    assertFinite(eps, `The UNet at step ${i + 1} (timestep ${t})`);
    const stepOut = scheduler.step(eps, t, z, { eta: options.eta, generator: new Generator(options.seed + t) });
    z = stepOut.prevSample;
    options.onLatents?.(i + 1, t, eps, z);
    if (hooks.onStep) {
      const progress: StepProgress = { step: i + 1, totalSteps: timesteps.length, timestep: t, elapsedMs: performance.now() - denoiseStart };
      if (hooks.previewSize && hooks.previewSize > 0) {
        checkCancelled(hooks);
        progress.preview = await previewOf(models, stepOut.predOriginalSample, [1, Cz, h, w], hooks.previewSize);
      }
      hooks.onStep(progress);
    }
  }
  const denoiseMs = performance.now() - denoiseStart;

  // 7. Decode; in faithful mode below strength 1, detail transfer onto the restorer's output.
  const decodeStart = performance.now();
  const decode = async (latent: Tensor, what: string): Promise<Tensor> => {
    const out = await perTile(latent, 1, f, (x) => models.vaeDecode(x)); // [1, 3, H, W]
    assertFinite(out.data, what);
    return out;
  };
  const decoded = await decode(scaled({ data: z, dims: [1, Cz, h, w] }, 1 / cfg.latent.scaleFactor), 'The VAE decoder');
  if (restoredInput !== null && mean !== null) {
    const reconstruction = await decode(mean, 'The VAE decoder (reconstruction of the restored image)');
    const r = restoredInput.data;
    const d = decoded.data;
    const m = reconstruction.data;
    for (let i = 0; i < d.length; i++) d[i] = (r[i] as number) + (d[i] as number) - (m[i] as number);
  }
  clampInPlace(decoded.data, -1, 1);
  return {
    image: decoded,
    restoredInput,
    timesteps: [...timesteps],
    timings: { encodeMs, restorerMs, denoiseMs, decodeMs: performance.now() - decodeStart },
  };
}

/**
 * A cheap preview of the current x0 estimate: the latent shrunk (area) so the decoded image's
 * longer side is at most `size`, then decoded: one VAE-decoder call at 1/s^2 of the area.
 */
async function previewOf(models: SpireModels, x0: Float32Array, dims: readonly number[], size: number): Promise<RgbImage> {
  const { downsamplingFactor: f, scaleFactor } = models.config.latent;
  const [, , h, w] = dims as [number, number, number, number];
  const s = Math.max(1, Math.max(h, w) * f / size);
  const ph = Math.max(1, Math.round(h / s));
  const pw = Math.max(1, Math.round(w / s));
  const small = ph === h && pw === w ? { data: x0, dims } : resizeNchw({ data: x0, dims }, ph, pw, { method: 'area' });
  const decoded = await models.vaeDecode(scaled(small, 1 / scaleFactor));
  return nchwToRgb(decoded, [-1, 1], true);
}

/**
 * A region mask given at the input's or the output's size -> output size (area), feathered
 * (Gaussian, `featherPx` output pixels; default one latent cell = f px), then to latent
 * resolution by area averaging after reflect-padding like the image (imageOps/masks.ts).
 */
function regionMaskToLatent(region: RegionPrompt, index: number, inSize: [number, number], outSize: [number, number], latent: [number, number], f: number): Float32Array {
  const { mask } = region;
  const [outH, outW] = outSize;
  const atOutput = mask.height === outH && mask.width === outW;
  if (!(atOutput || (mask.height === inSize[0] && mask.width === inSize[1])) || mask.data.length !== mask.width * mask.height) {
    throw new Error(`Region ${index + 1} mask is ${mask.width} x ${mask.height}; draw it on the image (${inSize[1]} x ${inSize[0]}).`);
  }
  const full = atOutput ? mask : resizeMask(mask, outH, outW, 'area');
  const feathered = featherMask(full, region.featherPx ?? f);
  return maskToLatent(feathered, latent[0], latent[1], f).data;
}

/** Options beyond RestoreParams: for tests and tools, and what the input file says about itself. */
export interface RestoreOptions {
  /** Initial noise at the padded latent size (golden tests); default: drawn from params.seed. */
  initialNoise?: Float32Array;
  /** The quality the input JPEG's quantisation tables give (image/jpegQuality.ts): the estimate takes it over the pixels' reading. */
  jpegQualityFromFile?: number | null;
}

/**
 * Restores one RGB image ([0, 1], HWC) with a SPIRE pack. The output is the input's size
 * times the `Upsample to Kx` factor (1 without one).
 */
export async function restore(
  models: SpireModels,
  input: RgbImage,
  params: RestoreParams,
  hooks: RestoreHooks = {},
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const start = performance.now();
  const cfg = models.config;
  const f = cfg.latent.downsamplingFactor;

  // 1. Check inputs.
  const requested = parseRestorationPrompt(params.restorationPrompt);
  if (!Number.isInteger(input.width) || !Number.isInteger(input.height) || input.width < 1 || input.height < 1) {
    throw new Error(`The input image must have a positive whole width and height, got ${input.width} x ${input.height}.`);
  }
  if (input.data.length !== input.width * input.height * 3) {
    throw new Error(`The input image holds ${input.data.length} values; ${input.width} x ${input.height} RGB needs ${input.width * input.height * 3}.`);
  }
  // The estimate: `auto` takes its clauses from it; the blind prompt (faithful mode) feeds it to the restorer.
  const wantsEstimate = requested.auto || (requested.blind && params.useRestorer && Boolean(cfg.estimator));
  if (hooks.signal?.aborted) throw new RestoreCancelled();
  const estimate: EngineEstimate | null = wantsEstimate ? await estimateDegradation(models, input, { jpegQualityFromFile: options.jpegQualityFromFile ?? null }) : null;
  const prompt = estimate ? resolveAutoPrompt(requested, estimate.prompt) : requested;
  const estimateResult = estimate ? contractEstimate(estimate) : null;
  if (params.strength === 0 && params.useRestorer && !prompt.blind && prompt.operations.length === 0) {
    // Restorer only, and nothing named: the photo is left alone (a clean photo's estimate is "").
    return {
      image: { width: input.width, height: input.height, data: input.data.slice() },
      restorationPrompt: prompt.text,
      estimate: estimateResult,
      seed: params.seed,
      stepsRun: 0,
      timings: { totalMs: performance.now() - start, encodeMs: 0, restorerMs: 0, denoiseMs: 0, decodeMs: 0 },
    };
  }
  const factor = upsampleFactor(prompt);
  const outH = Math.round(input.height * factor);
  const outW = Math.round(input.width * factor);

  // 2. Condition image at output size, padded; region masks at latent resolution.
  const conditioned = factor === 1 ? input : resizeRgb(input, outH, outW, { method: 'bicubic', clamp: true });
  const padded = padToMultiple(rgbToNchw(conditioned), cfg.sizeMultiple);
  const [, , H, W] = padded.tensor.dims as [number, number, number, number];
  const regions = params.regions.map((r, i) => ({
    mask: regionMaskToLatent(r, i, [input.height, input.width], [outH, outW], [H / f, W / f], f),
    prompt: r.prompt,
    ...(r.guidanceScale !== undefined ? { guidanceScale: r.guidanceScale } : {}),
  }));

  // Tiles: above the pack's native resolution (or params.tileSize), in latent cells on the UNet's grid.
  const tileSizePx = params.tileSize > 0 ? params.tileSize : cfg.nativeResolution;
  const cell = cfg.sizeMultiple / f;
  const tile = Math.max(cell, Math.floor(tileSizePx / cfg.sizeMultiple) * cell);
  const overlap = Math.min(tile - cell, Math.max(0, Math.round(params.tileOverlap / f)));
  const tiling = Math.max(H, W) / f > tile ? { tile, overlap } : null;

  // 3. Sample.
  const result = await sample(
    models,
    padded.tensor,
    {
      semanticPrompt: params.semanticPrompt,
      negativePrompt: params.negativePrompt,
      restorationPrompt: prompt.text,
      ...(prompt.blind && estimate ? { degradation: blindDegradationVector(estimate.prompt) } : {}),
      regions,
      steps: params.steps,
      guidanceScale: params.guidanceScale,
      eta: params.eta,
      seed: params.seed,
      strength: params.strength,
      scheduler: params.scheduler,
      useRestorer: params.useRestorer,
      restorerViews: params.restorerViews,
      tiling,
      ...(options.initialNoise ? { initialNoise: options.initialNoise } : {}),
    },
    hooks,
  );

  // 4. Finish: crop the padding, colour fix (against the restorer's output when it ran; none at
  // strength 0, where the output is that image), back to RGB [0, 1].
  const cropped = cropTensor(result.image, outH, outW);
  let image = nchwToRgb(cropped, [-1, 1], true);
  if (params.colorFix !== 'none' && result.timesteps.length > 0) {
    const reference = result.restoredInput ? nchwToRgb(cropTensor(result.restoredInput, outH, outW), [-1, 1], true) : conditioned;
    image = colorFix(image, reference, params.colorFix, { levels: params.colorFixLevels ?? APP_RUN_DEFAULTS.colorFixLevels });
  }
  return {
    image,
    restorationPrompt: prompt.text,
    estimate: estimateResult,
    seed: params.seed,
    stepsRun: result.timesteps.length,
    timings: { totalMs: performance.now() - start, ...result.timings },
  };
}
