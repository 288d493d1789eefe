/**
 * restore(): the SPIRE restoration pipeline for whole photos, one degraded image in, one restored
 * image out. It wraps the diffusion recipe, sample() (sample.ts, steps in steps.ts), with what a
 * photo needs: the estimate, the output size, padding, region masks and the colour fix.
 *
 *   restore(models, input, params, hooks, options)    params: PipelineParams, the prompt already parsed
 *     1. check inputs             image sizes (the boundary, validateRestoreParams, checked the params)
 *        estimate                 `auto` and the blind prompt (faithful mode): the degradation estimator
 *                                 reads the input (estimate.ts). `auto` runs with its clauses
 *                                 (resolveAutoPrompt: plus the requested output size); the blind prompt
 *                                 keeps its text and gives the restorer the estimate's numbers with the
 *                                 blind flag (blindDegradationVector). Restorer only with nothing to do
 *                                 (no operation named: a clean photo's estimate is "") returns the input.
 *     2. condition image          `Upsample to Kx`: bicubic-resize the input K times (the model
 *                                 restores at output resolution); RGB [0,1] -> NCHW [-1,1] [1, 3, H, W];
 *                                 reflect-pad to sizeMultiple; region masks to latent resolution
 *                                 [h * w] (regions.ts: resized once, feathered once); tiling (tiles.ts)
 *        restoration layers       regions with their own restoration prompt or Keep as is: each distinct
 *                                 restoration's weight per pixel and bounding box (regionRestore.ts)
 *     3. restore regions          (only then) each restoration over its own crop, blended into R
 *        sample()                 the diffusion recipe (sample.ts), tiled when the image is large; with
 *                                 restored regions R is given and the adaptor runs per restoration
 *     4. finish                   crop the padding; colour fix against the restorer's output R (faithful
 *                                 mode; none at strength 0, where the output is R) or else the
 *                                 conditioning image; NCHW [-1,1] -> RGB [0,1]; Keep as is: the input's pixels
 *
 * Same inputs, seed and provider give the same bytes. Design notes and costs: ./README.md.
 */
import { colorFix } from '../imageOps/colorFix';
import { cropTensor, nchwToRgb, padToMultiple, rgbToNchw } from '../imageOps/convert';
import { resizeRgb } from '../imageOps/resize';
import { APP_RUN_DEFAULTS } from '../../../common/runSettings';
import { blindDegradationVector, resolveAutoPrompt, upsampleFactor } from '../../../common/restorationPrompt';
import { contractEstimate, estimateDegradation, type EngineEstimate } from './estimate';
import type { SpireModels } from './models';
import { keepInputPixels, restorationPlan, restoreRegions } from './regionRestore';
import { featheredRegionMask, latentRegionOf, outputSize } from './regions';
import { sample } from './sample';
import { tilingFor, vaeTiling } from './tiles';
import { checkCancelled, type PipelineParams, type RestoreHooks, type RestoreResult, type RgbImage } from './types';

/** Options beyond the params: for tests and tools, and what the input file says about itself. */
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
  params: PipelineParams,
  hooks: RestoreHooks = {},
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const start = performance.now();
  const cfg = models.config;
  const f = cfg.latent.downsamplingFactor;

  // 1. Check inputs.
  if (!Number.isInteger(input.width) || !Number.isInteger(input.height) || input.width < 1 || input.height < 1) {
    throw new Error(`The input image must have a positive whole width and height, got ${input.width} x ${input.height}.`);
  }
  if (input.data.length !== input.width * input.height * 3) {
    throw new Error(`The input image holds ${input.data.length} values; ${input.width} x ${input.height} RGB needs ${input.width * input.height * 3}.`);
  }
  // The estimate: `auto` takes its clauses from it; the blind prompt (faithful mode) feeds it to the restorer.
  const requested = params.restorationPrompt;
  const wantsEstimate = requested.auto || (requested.blind && params.useRestorer && Boolean(cfg.estimator));
  checkCancelled(hooks);
  const estimate: EngineEstimate | null = wantsEstimate ? await estimateDegradation(models, input, { jpegQualityFromFile: options.jpegQualityFromFile ?? null }) : null;
  const prompt = estimate ? resolveAutoPrompt(requested, estimate.prompt) : requested;
  const estimateResult = estimate ? contractEstimate(estimate) : null;
  const ownRestorations = params.regions.some((r) => r.restoration);
  if (params.strength === 0 && params.useRestorer && !prompt.blind && prompt.operations.length === 0 && !ownRestorations) {
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
  const inSize: [number, number] = [input.height, input.width];
  const factor = upsampleFactor(prompt);
  const [outH, outW] = outputSize(input.height, input.width, factor);

  // 2. Condition image at output size, padded [1, 3, H, W]; region masks at latent resolution [h * w].
  const conditioned = factor === 1 ? input : resizeRgb(input, outH, outW, { method: 'bicubic', clamp: true });
  const padded = padToMultiple(rgbToNchw(conditioned), cfg.sizeMultiple);
  const [, , H, W] = padded.tensor.dims as [number, number, number, number];
  const feathered = params.regions.map((r, i) => featheredRegionMask(r, i, inSize, [outH, outW], f));
  const regions = params.regions.map((r, i) => latentRegionOf(r, feathered[i]!, [H / f, W / f], f));
  // Regions that restore their own way: each restoration's weight per pixel and bounding box (null: none does).
  const layers = restorationPlan(params.regions, feathered, prompt, [H, W], params, cfg);
  const degradation = prompt.blind && estimate ? blindDegradationVector(estimate.prompt) : undefined;

  // 3a. Regions that restore their own way: each restoration over its own crop, blended into R (regionRestore.ts).
  checkCancelled(hooks);
  const own = layers
    ? await restoreRegions(
        models,
        { input, image: padded.tensor, factor, run: { prompt, ...(degradation ? { degradation } : {}) }, jpegQualityFromFile: options.jpegQualityFromFile ?? null },
        layers,
        params,
        params.regions,
        hooks,
      )
    : null;

  // 3b. Sample (R given when 3a ran).
  const result = await sample(
    models,
    padded.tensor,
    {
      semanticPrompt: params.semanticPrompt,
      negativePrompt: params.negativePrompt,
      restorationPrompt: prompt,
      ...(degradation ? { degradation } : {}),
      regions,
      steps: params.steps,
      guidanceScale: params.guidanceScale,
      eta: params.eta,
      seed: params.seed,
      strength: params.strength,
      scheduler: params.scheduler,
      useRestorer: params.useRestorer,
      restorerViews: params.restorerViews,
      tiling: tilingFor(H, W, params.tileSize, params.tileOverlap, cfg),
      vaeTiling: vaeTiling(H, W, params.tileSize, cfg),
      ...(own ? { regional: own.regional } : {}),
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
  // Keep as is: the input's own pixels where the region says so, whatever ran.
  if (own?.keepWeight) image = keepInputPixels(image, conditioned, own.keepWeight, W, result.timesteps.length > 0);
  return {
    image,
    restorationPrompt: prompt.text,
    estimate: estimateResult,
    ...(own ? { regionRestorations: own.used } : {}),
    seed: params.seed,
    stepsRun: result.timesteps.length,
    timings: { totalMs: performance.now() - start, ...result.timings, ...(own ? { restorerMs: result.timings.restorerMs + own.restorerMs } : {}) },
  };
}
