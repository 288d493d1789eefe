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
 *     3. sample()                 the diffusion recipe (sample.ts), tiled when the image is large
 *     4. finish                   crop the padding; colour fix against the restorer's output R (faithful
 *                                 mode; none at strength 0, where the output is R) or else the
 *                                 conditioning image; NCHW [-1,1] -> RGB [0,1]
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
import { outputSize, regionToLatent } from './regions';
import { sample } from './sample';
import { tilingFor } from './tiles';
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
  const inSize: [number, number] = [input.height, input.width];
  const factor = upsampleFactor(prompt);
  const [outH, outW] = outputSize(input.height, input.width, factor);

  // 2. Condition image at output size, padded [1, 3, H, W]; region masks at latent resolution [h * w].
  const conditioned = factor === 1 ? input : resizeRgb(input, outH, outW, { method: 'bicubic', clamp: true });
  const padded = padToMultiple(rgbToNchw(conditioned), cfg.sizeMultiple);
  const [, , H, W] = padded.tensor.dims as [number, number, number, number];
  const regions = params.regions.map((r, i) => regionToLatent(r, i, inSize, [outH, outW], [H / f, W / f], f));

  // 3. Sample.
  const result = await sample(
    models,
    padded.tensor,
    {
      semanticPrompt: params.semanticPrompt,
      negativePrompt: params.negativePrompt,
      restorationPrompt: prompt,
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
      tiling: tilingFor(H, W, params.tileSize, params.tileOverlap, cfg),
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
