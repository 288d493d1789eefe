/**
 * The named steps of sample() (sample.ts has the recipe and the notation). Each takes what the
 * steps before it made and returns what the next needs; none reads user input again: the
 * boundary (jobs/restoreParams.ts) checked it, step 1 checks shapes and invariants.
 */
import { averageOverViews, viewsOf } from '../imageOps/dihedral';
import { nchwToRgb } from '../imageOps/convert';
import { resizeMask, resizeNchw } from '../imageOps/resize';
import { TileBlender, cropTile, type TilePlan } from '../imageOps/tiling';
import { SpireError } from '../../../common/errors';
import { STRENGTH_ZERO_NEEDS_RESTORER, type RestorerViews, type SchedulerName } from '../../../common/runSettings';
import { SCHEDULER_CLASSES, createScheduler, type Scheduler } from '../scheduler';
import { Generator } from '../tensor/random';
import { cat, chunk, clamp_, cropPlane, mul, type Tensor } from '../tensor/tensor';
import type { Guider } from './guider';
import type { PipelineConfig, SpireModels } from './models';
import type { SampleOptions } from './sample';
import type { TileRun } from './tiles';
import { checkCancelled, type RestoreHooks, type RgbImage, type StepProgress } from './types';

/** [1, Cz, h, w]: the latent's dims for the image sample() was given. */
export type LatentDims = [1, number, number, number];

/** Throws a clear error when a model produced NaN or Infinity. */
export function assertFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      throw new SpireError(
        'bad-output',
        `${what} produced ${String(data[i])} (at value ${i} of ${data.length}); the model pack or execution provider is not numerically sound ` +
          `(a float16 pack overflowing, a broken export). Try the cpu provider or another pack.`,
      );
    }
  }
}

/** The img2img start index into a schedule of n steps (python: n - min(int(n * strength), n)). */
export function strengthStartIndex(n: number, strength: number): number {
  return n - Math.min(Math.floor(n * strength), n);
}

/**
 * 1. Check inputs: the shapes and invariants the recipe relies on, before any model call.
 * Returns the latent's dims [1, Cz, h, w].
 */
export function checkInputs(cfg: PipelineConfig, image: Tensor, options: SampleOptions): LatentDims {
  const [B, C, H, W] = image.dims as [number, number, number, number];
  if (image.dims.length !== 4 || B !== 1 || C !== 3) throw new Error(`sample() takes one image [1, 3, H, W], got [${image.dims.join(', ')}].`);
  if (H % cfg.sizeMultiple !== 0 || W % cfg.sizeMultiple !== 0) {
    throw new Error(`Image sides must be multiples of ${cfg.sizeMultiple}, got ${H} x ${W}: pad the input first (restore() does).`);
  }
  if (!(options.strength >= 0 && options.strength <= 1)) throw new Error(`strength must be in [0, 1], got ${options.strength}.`);
  // The boundary refuses this too (validateRestoreParams); here it is the recipe's invariant: step 3 must run at strength 0.
  if (options.strength === 0 && !options.useRestorer) throw new Error(`${STRENGTH_ZERO_NEEDS_RESTORER}.`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`steps must be a whole number >= 1, got ${options.steps}.`);
  if (!Number.isFinite(options.guidanceScale)) throw new Error(`guidanceScale must be a finite number, got ${options.guidanceScale}.`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a whole number >= 0, got ${options.seed}.`);
  if (!(options.eta >= 0 && Number.isFinite(options.eta))) throw new Error(`eta must be a number >= 0 (0 = deterministic DDIM), got ${options.eta}.`);
  if (!(options.scheduler in SCHEDULER_CLASSES)) {
    throw new Error(`scheduler must be one of ${Object.keys(SCHEDULER_CLASSES).join(', ')}, got ${String(options.scheduler)}.`);
  }
  if (options.useRestorer && !cfg.hasRestorer) throw new Error('This pack has no restorer: turn off the faithful mode (useRestorer).');
  const f = cfg.latent.downsamplingFactor;
  const Cz = cfg.latent.channels;
  const h = H / f;
  const w = W / f;
  for (const [i, r] of options.regions.entries()) {
    if (r.mask.length !== h * w) throw new Error(`Region ${i} mask has ${r.mask.length} values; the latent is ${h} x ${w}.`);
  }
  if (options.initialNoise && options.initialNoise.length !== Cz * h * w) {
    throw new Error(`initialNoise has ${options.initialNoise.length} values; the latent [1, ${Cz}, ${h}, ${w}] needs ${Cz * h * w}.`);
  }
  return [1, Cz, h, w];
}

/**
 * The prompt embeddings: context [2 + N, L, D] = [c_neg; c_sem; c_1..c_N] (null at strength 0), c_rest
 * [1, L, D] and, with options.regional, one c_rest per restoration (cRestOf[g] [1, L, D]; else empty).
 */
export interface PromptEmbeddings {
  context: Tensor | null;
  cRest: Tensor;
  cRestOf: Tensor[];
}

/**
 * 2. Encode prompts: one text-encoder batch [neg; sem; region_1..N; rest] ([rest] alone when only the
 * restorer runs), with options.regional's restoration texts appended [...; rest; rest_1..G]. A pack
 * whose restoration prompt has its own encoder (config.separateRestorationEncoder): [neg; sem;
 * region_1..N] through the text encoder, [rest; rest_1..G] through the restoration text encoder.
 */
export async function encodePrompts(models: SpireModels, options: SampleOptions, restorerOnly: boolean, hooks: RestoreHooks): Promise<PromptEmbeddings> {
  const rest = options.restorationPrompt.text;
  const own = restorerOnly ? [] : (options.regional?.conditions.map((c) => c.restorationText) ?? []);
  const semantic = restorerOnly ? [] : [options.negativePrompt, options.semanticPrompt, ...options.regions.map((r) => r.prompt)]; // 2 + N
  const restTexts = [rest, ...own];
  const row = (t: Tensor, r: number): Tensor => {
    const [, L, D] = t.dims as [number, number, number];
    return { data: t.data.subarray(r * L * D, (r + 1) * L * D), dims: [1, L, D] };
  };
  const rows = (t: Tensor, count: number): Tensor => {
    const [, L, D] = t.dims as [number, number, number];
    return { data: t.data.subarray(0, count * L * D), dims: [count, L, D] };
  };
  if (models.config.separateRestorationEncoder && models.tokenizeRestoration && models.restorationTextEncoder) {
    // The restoration prompt has its own encoder (an imported prior with another pack's restorer): two batches.
    checkCancelled(hooks);
    const context = semantic.length > 0 ? await models.textEncoder(models.tokenize(semantic)) : null; // [2 + N, L, D]
    checkCancelled(hooks);
    const restEmbeddings = await models.restorationTextEncoder(models.tokenizeRestoration(restTexts)); // [1 + G, L', D']
    return { context, cRest: row(restEmbeddings, 0), cRestOf: own.map((_, g) => row(restEmbeddings, 1 + g)) };
  }
  checkCancelled(hooks);
  const embeddings = await models.textEncoder(models.tokenize([...semantic, ...restTexts])); // [texts, L, D]
  return {
    context: restorerOnly ? null : rows(embeddings, semantic.length),
    cRest: row(embeddings, semantic.length),
    cRestOf: own.map((_, g) => row(embeddings, semantic.length + 1 + g)),
  };
}

/**
 * 3. Run the restorer: R = clamp(restorer(y, c_rest, d), -1, 1), tile by tile like the image, each
 * tile in `views` views averaged back (imageOps/dihedral.ts). Reports every pass (tiles x views).
 */
export async function runRestorer(
  models: SpireModels,
  image: Tensor, // [1, 3, H, W]
  cRest: Tensor, // [1, L, D]
  degradation: readonly number[], // [K]
  restorerViews: RestorerViews,
  tiles: TileRun,
  hooks: RestoreHooks,
): Promise<Tensor> {
  const start = performance.now();
  const f = models.config.latent.downsamplingFactor;
  const views = viewsOf(restorerViews);
  let pass = 0; // tiles x views passes, each reported
  const restored = await tiles(image, f, 1, (x, count) =>
    averageOverViews(x, views, async (v) => {
      checkCancelled(hooks);
      const out = await models.restorer(v, cRest, degradation);
      pass += 1;
      hooks.onRestorer?.({ pass, totalPasses: count * views.length, elapsedMs: performance.now() - start });
      return out;
    }),
  );
  assertFinite(restored.data, 'The restorer');
  return clamp_(restored, -1, 1); // [1, 3, H, W]
}

/** The engine's scheduler name -> the diffusers class the scheduler module builds. */
export function schedulerFor(name: SchedulerName, cfg: PipelineConfig): Scheduler {
  return createScheduler(SCHEDULER_CLASSES[name], cfg.schedulerConfig);
}

/** 4. Timesteps: the scheduler, set to `steps`, beginning where the strength says. */
export function prepareTimesteps(cfg: PipelineConfig, options: SampleOptions): { scheduler: Scheduler; timesteps: readonly number[] } {
  const scheduler = schedulerFor(options.scheduler, cfg);
  scheduler.setTimesteps(options.steps);
  const begin = strengthStartIndex(options.steps, options.strength);
  const timesteps = scheduler.timesteps.slice(begin);
  if (timesteps.length === 0) {
    throw new Error(`strength ${options.strength} with ${options.steps} steps runs no step; raise the strength or the steps.`);
  }
  scheduler.setBeginIndex(begin);
  return { scheduler, timesteps };
}

/**
 * 5. Prepare latents: noise [1, Cz, h, w]; strength < 1: m = vaeEncode(y) (unscaled) and
 * z = addNoise(m * s, noise, t0); strength 1: z = noise * initNoiseSigma.
 * encodeMs: the VAE encoder's time.
 */
export async function prepareLatents(
  models: SpireModels,
  y: Tensor, // [1, 3, H, W]
  latent: LatentDims,
  scheduler: Scheduler,
  timesteps: readonly number[],
  options: SampleOptions,
  tiles: TileRun,
): Promise<{ latents: Float32Array; mean: Tensor | null; encodeMs: number }> {
  const cfg = models.config;
  const f = cfg.latent.downsamplingFactor;
  const size = latent[1] * latent[2] * latent[3];
  const noise = options.initialNoise ?? new Generator(options.seed).randn(size); // [1, Cz, h, w]
  if (options.strength >= 1) return { latents: mul({ data: noise, dims: [size] }, scheduler.initNoiseSigma).data, mean: null, encodeMs: 0 };
  const start = performance.now();
  const mean = await tiles(y, f, 1 / f, (x) => models.vaeEncode(x)); // m [1, Cz, h, w]
  assertFinite(mean.data, 'The VAE encoder');
  const encodeMs = performance.now() - start;
  return { latents: scheduler.addNoise(mul(mean, cfg.latent.scaleFactor).data, noise, timesteps[0] as number), mean, encodeMs };
}

/** What the denoising loop works on. */
export interface DenoiseState {
  /** z_T [1, Cz, h, w]. */
  latents: Float32Array;
  latent: LatentDims;
  /** The conditioning image the adaptor sees (R in faithful mode) [1, 3, H, W]. */
  y: Tensor;
  cRest: Tensor;
  /** Regions with their own restoration: the adaptor per restoration (c_rest, y, weight [H * W]); null: once with cRest and y. */
  conditions: readonly { cRest: Tensor; y: Tensor; weight: Float32Array }[] | null;
  scheduler: Scheduler;
  timesteps: readonly number[];
  guider: Guider;
  /** The latent tiles, or null for one pass. */
  plan: TilePlan | null;
}

/**
 * 6. Denoise: per timestep, the guided noise prediction of every tile (adaptor, UNet batch from the
 * guider, guidance), blended, then one scheduler step on the whole latent. Returns z_0.
 */
export async function denoise(models: SpireModels, state: DenoiseState, options: SampleOptions, hooks: RestoreHooks): Promise<Float32Array> {
  const cfg = models.config;
  const f = cfg.latent.downsamplingFactor;
  const { latent, y, cRest, conditions, scheduler, timesteps, guider, plan } = state;
  const Cz = latent[1];
  const [, , H, W] = y.dims as [number, number, number, number];
  const weightsAt = new Map<string, Float32Array>(); // per tile and skip size: a restoration's weight, area-averaged

  /** Guided noise prediction [1, Cz, th, tw] for one tile of z (null: the whole latent). */
  const guidedTile = async (zTile: Tensor, t: number, tile: TilePlan['tiles'][number] | null): Promise<Float32Array> => {
    const window = tile ? { y: tile.y * f, x: tile.x * f, height: tile.height * f, width: tile.width * f } : { y: 0, x: 0, height: H, width: W };
    const yTile = tile ? cropTile(y, window) : y;
    let fused: Tensor[] = [];
    if (cfg.fusion !== null && conditions) {
      fused = await regionalFused(models, zTile, t, conditions, window, W, weightsAt, hooks);
    } else if (cfg.fusion !== null) {
      checkCancelled(hooks);
      fused = await models.adaptor(zTile, [t], cRest, yTile); // each [1, C_i, h_i, w_i]
    }
    const input = { data: scheduler.scaleModelInput(zTile.data, t), dims: zTile.dims };
    const batch = guider.batch(input, t, fused); // K rows
    checkCancelled(hooks);
    const out = await models.unet(batch.sample, batch.timesteps, batch.context, batch.fused); // [K, Cz, th, tw]
    return guider.combine(out, tile);
  };

  const start = performance.now();
  let z = state.latents;
  for (const [i, t] of timesteps.entries()) {
    const latents: Tensor = { data: z, dims: latent };
    let eps: Float32Array;
    if (!plan) {
      eps = await guidedTile(latents, t, null);
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
      const progress: StepProgress = { step: i + 1, totalSteps: timesteps.length, timestep: t, elapsedMs: performance.now() - start };
      if (hooks.previewSize && hooks.previewSize > 0) {
        checkCancelled(hooks);
        progress.preview = await previewOf(models, stepOut.predOriginalSample, latent, hooks.previewSize);
      }
      hooks.onStep(progress);
    }
  }
  return z;
}

/**
 * The adaptor per restoration (regions that restore their own way): fused_i = sum_g weight_g * fused_g,i
 * with weight_g area-averaged to each skip's resolution [h_i, w_i] over the tile's window. A restoration
 * with no weight in the window is not run; one that takes the whole window alone is used as it is.
 */
async function regionalFused(
  models: SpireModels,
  zTile: Tensor, // [1, Cz, th, tw]
  t: number,
  conditions: NonNullable<DenoiseState['conditions']>,
  window: { y: number; x: number; height: number; width: number }, // the tile in image pixels
  W: number,
  cache: Map<string, Float32Array>,
  hooks: RestoreHooks,
): Promise<Tensor[]> {
  const crops = conditions.map((c) => cropPlane(c.weight, W, window));
  const active = conditions.map((_, g) => g).filter((g) => crops[g]!.some((v) => v > 0));
  let blended: Tensor[] | null = null;
  for (const g of active) {
    const c = conditions[g]!;
    checkCancelled(hooks);
    const fused = await models.adaptor(zTile, [t], c.cRest, cropTile(c.y, window)); // each [1, C_i, h_i, w_i]
    if (active.length === 1) return fused;
    blended ??= fused.map((x) => ({ data: new Float32Array(x.data.length), dims: x.dims }));
    for (const [i, x] of fused.entries()) {
      const [, C, h, w] = x.dims as [number, number, number, number];
      const key = `${g}:${window.y},${window.x}:${h}x${w}`;
      let wg = cache.get(key);
      if (!wg) {
        wg = resizeMask({ width: window.width, height: window.height, data: crops[g]! }, h, w, 'area').data;
        cache.set(key, wg);
      }
      const out = blended[i]!.data;
      for (let ch = 0; ch < C; ch++) for (let p = 0; p < h * w; p++) out[ch * h * w + p]! += wg[p]! * x.data[ch * h * w + p]!;
    }
  }
  return blended ?? [];
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
  const decoded = await models.vaeDecode(mul(small, 1 / scaleFactor));
  return nchwToRgb(decoded, [-1, 1], true);
}

/** The restorer's output R [1, 3, H, W] as a small RGB preview: area-shrunk so its longer side is at most `size`. */
export function restoredPreview(restored: Tensor, size: number): RgbImage {
  const [, , H, W] = restored.dims as [number, number, number, number];
  const s = Math.max(1, Math.max(H, W) / size);
  const h = Math.max(1, Math.round(H / s));
  const w = Math.max(1, Math.round(W / s));
  const small = h === H && w === W ? restored : resizeNchw(restored, h, w, { method: 'area' });
  return nchwToRgb(small, [-1, 1], true);
}

/**
 * 7. Decode: clamp(vaeDecode(z / s), -1, 1); with R and m (faithful mode below strength 1), detail
 * transfer clamp(R + vaeDecode(z / s) - vaeDecode(m), -1, 1). Both decodes run on the same tile, one
 * after the other, and only their difference is blended (the blend is linear, so this equals
 * blending each decode): one full-size buffer instead of two, and each tile cut once.
 * `tiles` is the VAE's tiling (tiles.ts vaeTiling).
 */
export async function decodeLatents(models: SpireModels, z: Tensor, restoredInput: Tensor | null, mean: Tensor | null, tiles: TileRun, hooks: RestoreHooks = {}): Promise<Tensor> {
  const f = models.config.latent.downsamplingFactor;
  const start = performance.now();
  const decodes = restoredInput !== null && mean !== null ? 2 : 1;
  let pass = 0; // decoder calls, each reported
  const decodeTile = async (x: Tensor, count: number, what: string): Promise<Tensor> => {
    const y = await models.vaeDecode(x); // [1, 3, th, tw]
    assertFinite(y.data, what);
    pass += 1;
    hooks.onDecode?.({ pass, totalPasses: decodes * count, elapsedMs: performance.now() - start });
    return y;
  };
  const zUnscaled = mul(z, 1 / models.config.latent.scaleFactor); // [1, Cz, h, w]
  if (restoredInput === null || mean === null) {
    const decoded = await tiles(zUnscaled, 1, f, (x, count) => decodeTile(x, count, 'The VAE decoder')); // [1, 3, H, W]
    return clamp_(decoded, -1, 1);
  }
  // [1, 2 Cz, h, w]: z / s and m side by side, so one tile carries both.
  const both = cat([zUnscaled, mean], 1);
  const detail = await tiles(both, 1, f, async (x, count) => {
    const [zTile, mTile] = chunk(x, 2, 1) as [Tensor, Tensor];
    const d = await decodeTile(zTile, count, 'The VAE decoder'); // [1, 3, th, tw]
    const m = await decodeTile(mTile, count, 'The VAE decoder (reconstruction of the restored image)');
    const diff = new Float32Array(d.data.length);
    for (let i = 0; i < diff.length; i++) diff[i] = (d.data[i] as number) - (m.data[i] as number);
    return { data: diff, dims: d.dims }; // vaeDecode(z / s) - vaeDecode(m) on this tile
  });
  const r = restoredInput.data;
  const out = detail.data;
  for (let i = 0; i < out.length; i++) out[i] = (r[i] as number) + (out[i] as number);
  return clamp_(detail, -1, 1);
}
