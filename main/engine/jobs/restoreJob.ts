/**
 * One restore job, as the worker runs it:
 *
 *   1. check the params (the restore-parameters schema) -> bad-prompt / bad-params
 *   2. read the input image (bytes or a path)         -> image-* codes
 *   3. fit region masks of any other size to the output size (pipeline/regions.ts)
 *   4. pipeline.restore(input, params, { signal, previewSize, onRestorer, onStep, onDecode, onRestored })
 *        each unit -> RestoreProgress (one fraction and ETA over the run, runProgress.ts; preview PNG:
 *        a step's x0, or the restorer's output as soon as it exists)
 *   5. check the output is finite                     -> bad-output
 *   6. encode it (alpha resized to the output, metadata: prompts, seed, model, and the input's
 *      camera EXIF, XMP, IPTC, DPI; its colour profile in keep-profile mode)
 *
 * Failures are SpireErrors with a code and a plain-words message (jobFailure turns
 * what came from outside our code, an abort or running out of memory, into one); the
 * worker sends them as the response's error, so the queue and worker stay usable.
 */
import { performance } from 'node:perf_hooks';
import { encodeImage, readImage, type ReadImageResult } from '../image';
import { resizeRgb } from '../imageOps/resize';
import { fitRegionMasks } from '../pipeline/regions';
import type { PipelineParams, RestoreHooks, RestoreResult, RgbImage } from '../pipeline/types';
import { RestoreCancelled } from '../pipeline/types';
import { upsampleFactor } from '../../../common/restorationPrompt';
import { SpireError, describeThrown } from '../../../common/errors';
import { type DegradationEstimate } from '../../../common/estimate';
import { APP_RUN_DEFAULTS } from '../../../common/runSettings';
import type { RegionRunInfo, RestoreJobParams, RestoreJobResult, RestoreProgress } from '../protocol';
import { KEEP_AS_IS } from '../../../common/regions';
import { strengthStartIndex } from '../pipeline/steps';
import { RunProgress, planRun, type CostMemory, type RunPhase } from './runProgress';
import { validateRestoreParams } from './restoreParams';

/** What the input file says about itself that the pipeline can use. */
export interface InputFileInfo {
  /** A JPEG's quality from its quantisation tables (image/jpegQuality.ts), else null. */
  jpegQualityFromFile: number | null;
}

/**
 * What runs the pipeline on a loaded pack (the real one, jobs/defaultPipeline.ts, wraps
 * pipeline/restore.ts; tests pass fakes). Not the restorer: that is the pack's first-stage model.
 */
export interface PipelineRunner {
  restore(input: RgbImage, params: PipelineParams, hooks: RestoreHooks, info?: InputFileInfo): Promise<RestoreResult>;
  /** The degradation estimate of one photo (pipeline/estimate.ts); absent when the pack has no estimator. */
  estimate?(input: RgbImage, info: InputFileInfo): Promise<DegradationEstimate>;
}

export interface RestoreJobContext {
  pipeline: PipelineRunner;
  pack: { name: string; dir: string } | null;
  provider: string | null;
  signal: AbortSignal;
  sendProgress(progress: RestoreProgress): void;
  /** What the last runs on this pack cost against the priors (the worker keeps it); learnt from this run too. */
  costs?: CostMemory;
}

/** How onnxruntime, V8 and the OS word running out of memory (their errors carry no code). */
const OOM = /out of memory|bad_alloc|allocation failed|failed to allocate|cannot allocate|invalid typed array length|array buffer allocation|ENOMEM/i;

/**
 * What a job ends with: a SpireError as it is; the pipeline's abort (RestoreCancelled, an AbortError)
 * as `cancelled`; what came from outside our code as `out-of-memory` (a RangeError, or the runtime's
 * words for it) or `restore-failed`, with its text in brackets.
 */
export function jobFailure(err: unknown, input?: { width: number; height: number }): SpireError {
  if (err instanceof SpireError) return err;
  if (err instanceof RestoreCancelled || (err instanceof Error && err.name === 'AbortError')) return new SpireError('cancelled', 'The restoration was cancelled.');
  const message = describeThrown(err);
  if (err instanceof RangeError || OOM.test(message)) {
    const size = input ? ` (${input.width} x ${input.height})` : '';
    return new SpireError(
      'out-of-memory',
      `The engine ran out of memory restoring this image${size}. Try a smaller image or a smaller tile size, or close other programs. (${message})`,
      { cause: err },
    );
  }
  return new SpireError('restore-failed', `The restoration failed: ${message}`, { cause: err });
}

function checkFinite(image: RgbImage): void {
  for (let i = 0; i < image.data.length; i++) {
    if (!Number.isFinite(image.data[i])) {
      throw new SpireError(
        'bad-output',
        'The model produced invalid values (NaN or infinity) for this image. Try another seed or fewer steps; if it keeps happening, run on the CPU provider (--ep cpu) or use a float32 pack.',
      );
    }
  }
}

/** The text stored in the output file. */
export function restoreMetadata(result: RestoreResult, params: PipelineParams, pack: { name: string } | null, provider: string | null): Record<string, string> {
  const meta: Record<string, string> = {
    'spire:restoration-prompt': result.restorationPrompt,
    ...estimateMetadata(params.restorationPrompt.text, result.estimate ?? null),
    'spire:seed': String(result.seed),
    'spire:steps': String(params.steps),
    'spire:guidance': String(params.guidanceScale),
    'spire:strength': String(params.strength),
    'spire:scheduler': params.scheduler,
    'spire:color-fix': params.colorFix,
  };
  if (params.colorFix === 'wavelet') meta['spire:color-fix-levels'] = String(params.colorFixLevels ?? APP_RUN_DEFAULTS.colorFixLevels);
  if (params.semanticPrompt) meta['spire:prompt'] = params.semanticPrompt;
  if (params.negativePrompt) meta['spire:negative-prompt'] = params.negativePrompt;
  if (params.regions.length > 0) {
    meta['spire:regions'] = JSON.stringify(params.regions.map((r) => r.prompt)); // the semantic prompts, as files before region restorations had them
    meta['spire:region-prompts'] = JSON.stringify(regionRunInfo(result, params).map(({ estimate: _e, ...r }) => r));
  }
  if (params.useRestorer) meta['spire:faithful'] = 'true';
  if (pack) meta['spire:model'] = pack.name;
  if (provider) meta['spire:provider'] = provider;
  meta.Software = 'SPIRE Studio';
  return meta;
}

/**
 * Each region's prompts: semantic, restoration as asked (`keep`, the prompt's text, or null when it
 * follows the run's) and, when it restored with a prompt, the one that ran and its estimate.
 */
export function regionRunInfo(result: RestoreResult, params: PipelineParams): RegionRunInfo[] {
  return params.regions.map((r, i) => {
    const used = result.regionRestorations?.[i];
    const restoration = r.restoration ? (r.restoration.kind === 'keep' ? KEEP_AS_IS : r.restoration.restorationPrompt.text) : null;
    return {
      prompt: r.prompt,
      restoration,
      ...(used?.kind === 'prompt' ? { restorationUsed: used.restorationPrompt, ...(used.estimate ? { estimate: used.estimate } : {}) } : {}),
      ...(r.featherPx !== undefined ? { featherPx: r.featherPx } : {}),
    };
  });
}

/**
 * What the estimator read, when the run asked it: the prompt as requested (`auto`, `Remove all degradation`)
 * and the estimate (per operation: probability, value, whether it made the prompt, and from where).
 */
export function estimateMetadata(requested: string, estimate: DegradationEstimate | null): Record<string, string> {
  if (!estimate) return {};
  return {
    'spire:requested-prompt': requested,
    'spire:estimate': JSON.stringify({
      restorationPrompt: estimate.restorationPrompt,
      operations: estimate.operations.map((o) => ({ key: o.key, probability: Number(o.probability.toFixed(3)), value: o.value, present: o.present, source: o.source })),
      jpegQualityFromFile: estimate.jpegQualityFromFile,
    }),
  };
}

async function previewPng(preview: RgbImage, maxSide: number): Promise<RestoreProgress['preview']> {
  let img = preview;
  const side = Math.max(img.width, img.height);
  if (side > maxSide) {
    const scale = maxSide / side;
    img = resizeRgb(img, Math.max(1, Math.round(img.height * scale)), Math.max(1, Math.round(img.width * scale)), { method: 'area', clamp: true });
  }
  return { png: new Uint8Array(await encodeImage(img, null, 'png')), width: img.width, height: img.height };
}

export async function runRestoreJob(job: RestoreJobParams, ctx: RestoreJobContext): Promise<RestoreJobResult> {
  let input: ReadImageResult | null = null;
  try {
    // 1. params: checked and the prompt parsed, once
    const params = validateRestoreParams(job.params);
    // 2. input
    const t0 = performance.now();
    input = 'bytes' in job.input ? await readImage(job.input.bytes, {}, job.input.name) : await readImage(job.input.path);
    const readMs = performance.now() - t0;
    const { rgb } = input;
    // 3. region masks at input (or output) resolution; any other size is resized to the output's
    const regions = fitRegionMasks(params.regions, [rgb.height, rgb.width], upsampleFactor(params.restorationPrompt));
    if (ctx.signal.aborted) throw new RestoreCancelled();
    // 4. restore, reporting each unit (restorer pass, step, decoder call) as one progress over the run
    const previewSize = Math.max(0, Math.floor(job.previewSize ?? 0));
    const factor = upsampleFactor(params.restorationPrompt);
    const stepsRun = params.strength === 0 ? 0 : params.steps - strengthStartIndex(params.steps, params.strength);
    const plan = planRun(
      { useRestorer: params.useRestorer, restorerViews: params.restorerViews ?? 1, stepsRun, outputMegapixels: (rgb.width * factor * rgb.height * factor) / 1e6 },
      ctx.costs ?? null,
    );
    const progress = new RunProgress(plan, () => performance.now());
    let progressChain: Promise<void> = Promise.resolve();
    /** Sends in order, the preview (when any) encoded off the pipeline's path; the chain stays ahead of the response. */
    const send = (base: RestoreProgress, preview?: RgbImage): void => {
      progressChain = progressChain.then(async () => {
        const out = { ...base };
        if (preview && previewSize > 0) {
          try {
            out.preview = await previewPng(preview, previewSize);
          } catch {
            // a preview is a nicety; never fail the job for it
          }
        }
        ctx.sendProgress(out);
      });
    };
    // The last restorer pass waits for the restorer's output (onRestored) when steps follow, so it goes out with it as the preview.
    let held: RestoreProgress | null = null;
    const flush = (preview?: RgbImage): void => {
      if (held) send(held, preview);
      held = null;
    };
    const unit = (phase: RunPhase, p: { done: number; total: number; timestep: number; elapsedMs: number }, preview?: RgbImage): void => {
      flush();
      const r = progress.unit(phase, p.done, p.total);
      const base: RestoreProgress = { phase, step: r.done, totalSteps: r.total, timestep: p.timestep, elapsedMs: p.elapsedMs, fraction: r.fraction, etaMs: r.etaMs };
      if (phase === 'restorer' && r.done === r.total && previewSize > 0 && stepsRun > 0) held = base;
      else send(base, preview);
    };
    const hooks: RestoreHooks = {
      signal: ctx.signal,
      onRestorer: (p) => unit('restorer', { done: p.pass, total: p.totalPasses, timestep: 0, elapsedMs: p.elapsedMs }),
      onStep: (p) => unit('denoise', { done: p.step, total: p.totalSteps, timestep: p.timestep, elapsedMs: p.elapsedMs }, p.preview),
      onDecode: (p) => unit('decode', { done: p.pass, total: p.totalPasses, timestep: 0, elapsedMs: p.elapsedMs }),
      onRestored: (preview) => flush(preview),
    };
    if (previewSize > 0) hooks.previewSize = previewSize;
    const result = await ctx.pipeline.restore(rgb, { ...params, regions }, hooks, { jpegQualityFromFile: input.metadata.jpegQuality });
    flush();
    await progressChain;
    if (ctx.signal.aborted) throw new RestoreCancelled();
    ctx.costs?.learn(progress.measured());
    // 5. sanity
    checkFinite(result.image);
    // 6. encode
    const t1 = performance.now();
    const format = job.output?.format ?? 'png';
    const metadata = { ...restoreMetadata(result, params, ctx.pack, ctx.provider), ...(job.output?.metadata ?? {}) };
    const bytes = await encodeImage(result.image, input.alpha, format, {
      ...(job.output?.quality !== undefined ? { quality: job.output.quality } : {}),
      bitDepth: job.output?.bitDepth ?? input.bitDepth,
      metadata,
      // the input's camera metadata (and, when asked, its colour profile) carried to the output
      source: input.bytes,
      ...(job.output?.stripLocation ? { stripLocation: true } : {}),
      ...(job.output?.colour ? { colour: job.output.colour } : {}),
    });
    return {
      image: { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), format, width: result.image.width, height: result.image.height, hasAlpha: input.alpha !== null && format !== 'jpeg' },
      input: { width: rgb.width, height: rgb.height, format: input.format, bitDepth: input.bitDepth, hasAlpha: input.alpha !== null },
      restorationPrompt: result.restorationPrompt,
      estimate: result.estimate ?? null,
      semanticPrompt: params.semanticPrompt,
      regions: regionRunInfo(result, params),
      seed: result.seed,
      stepsRun: result.stepsRun,
      timings: { ...result.timings, readMs, encodeOutputMs: performance.now() - t1 },
      pack: ctx.pack,
      provider: ctx.provider,
      metadata,
    };
  } catch (err) {
    throw jobFailure(err, input ? { width: input.rgb.width, height: input.rgb.height } : undefined);
  }
}
