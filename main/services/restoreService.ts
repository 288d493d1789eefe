/**
 * Restore jobs for the app: the renderer names an opened image and the run's
 * settings; this service sends a `restore` request to the engine, forwards its
 * progress and its end as events, and keeps the finished results by id for
 * display, comparison and export.
 *
 * Recipe (start): refuse a job id still running, or a fifth pending job
 * (`queue-full`) -> find the image the image service holds for `imageId` ->
 * refuse a mask larger than that image -> turn the wire params into the engine's
 * RestoreParams (mask bytes 0-255 -> floats 0-1, defaults for the tile fields)
 * -> `engine.request('restore', ...)` with an AbortSignal, not awaited ->
 * answer at once with the job id the renderer named.
 * Then: every progress message -> `spire:restore:progress`; the response ->
 * keep the encoded PNG as a result, `spire:restore:done` (ok, or the engine's
 * error code and message, `cancelled` included: the host rejects with SpireError,
 * and toErrorInfo passes its code on; anything else is `restore-failed`). The
 * renderer named the job before it asked, so its events need not wait for start's answer.
 *
 * A result records the estimate its prompt came from: the engine's when it estimated
 * (`auto`, the blind prompt in faithful mode), else the app's estimate of the photo
 * (estimateService.ts) when the run's prompt is that estimate unchanged; its
 * metadata then gets the same `spire:requested-prompt` and `spire:estimate` keys the
 * engine writes, so an export says the prompt was estimated.
 *
 * No Electron import: main/index.ts passes `emit` (webContents.send), the e2e
 * harness passes one that pushes into the page.
 */
import { randomUUID } from 'node:crypto';
import type { EventChannel, EventChannels, RestoreParamsSummary, RestoreParamsWire, RestoreStartRequest, RestoredImage } from '../../preload/contract/channels';
import type { DegradationEstimate } from '../../common/estimate';
import { SpireError, toErrorInfo, type ErrorInfo } from '../../common/errors';
import { isEstimatedPrompt } from '../../common/estimatedPrompt';
import type { EngineHost } from '../engine/host';
import { estimateMetadata } from '../engine/jobs/restoreJob';
import { DEFAULT_RESTORE_PARAMS } from '../engine/jobs/restoreParams';
import type { RestoreParams } from '../engine/pipeline/types';
import { isRestoreProgress, type RestoreJobResult } from '../engine/protocol';

/** What the services need from the image service: the encoded source of an opened image. */
export interface ImageSources {
  get(id: string): { bytes: Uint8Array; name: string } | undefined;
}

/** The same, with the image's upright size (the restore service bounds masks by it). */
export interface SizedImageSources {
  get(id: string): { bytes: Uint8Array; name: string; width: number; height: number } | undefined;
}

/**
 * Jobs main holds at once (sent to the engine, not yet done). The editor runs one job at a time
 * (a sweep queues its cells itself), so 4 leaves room for a cancel overlapping the next run while
 * bounding what a renderer can pile up: each pending job holds its image bytes and float masks.
 */
export const DEFAULT_MAX_PENDING_JOBS = 4;

export type EmitEvent = <E extends EventChannel>(channel: E, payload: EventChannels[E]) => void;

/** A finished restoration as main keeps it. */
export interface KeptResult {
  image: RestoredImage;
  /** The source image's file name, for export names. */
  sourceName: string;
  /** The text the engine stored in the PNG (prompts, seed, model), reused on export. */
  metadata: Record<string, string>;
}

/** The app's estimates of opened photos (estimateService.ts). */
export interface EstimateMemory {
  latestOf(imageId: string): DegradationEstimate | undefined;
}

export interface RestoreServiceOptions {
  engine: Pick<EngineHost, 'request'>;
  images: SizedImageSources;
  emit: EmitEvent;
  /** Where the app's estimates are (a result whose prompt is one unchanged records it); none: only the engine's. */
  estimates?: EstimateMemory;
  /**
   * Most results kept (oldest dropped first). Default 320: the editor's histories (up to 8 open photos, 40
   * unpinned results each, pinned ones beside them) discard what leaves them, so the count only guards
   * against a renderer that never does; the byte bound is what usually holds.
   */
  keepResults?: number;
  /** Most bytes of results kept together (oldest dropped first, the newest is always kept). Default 1 GiB. */
  keepBytes?: number;
  /** Most jobs pending at once; one more is refused with `queue-full`. Default DEFAULT_MAX_PENDING_JOBS. */
  maxPending?: number;
  log?: (message: string, err: unknown) => void;
}

/** Coverage byte -> float, 0-255 -> 0-1: a table read is ~4x faster than a division per pixel. */
const COVERAGE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

function coverageOf(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = COVERAGE[bytes[i]!]!;
  return out;
}

/**
 * Refuses a mask with more pixels than the image it is drawn on. The engine resizes every mask to
 * the image (or the upsampled output) before use, so a bigger one adds nothing but memory and
 * main-thread time (its 0-1 floats are made here, 4 bytes a pixel). The renderer draws masks at the
 * image's size or smaller (at most 2048 px on the long side). With the contract's 16 regions and
 * 64 MiB over all masks, a request's masks are at most min(16 x image pixels, 64 Mi) bytes.
 */
export function checkMaskSizes(wire: RestoreParamsWire, image: { width: number; height: number }): void {
  const limit = image.width * image.height;
  wire.regions.forEach((r, i) => {
    const { width, height } = r.mask;
    if (width * height > limit) {
      throw new SpireError('bad-params', `Region ${i + 1}'s mask is ${width} x ${height}, larger than the image (${image.width} x ${image.height}). Draw the region again.`, {
        field: `regions[${i}].mask`,
      });
    }
  });
}

/** The engine's params from the wire form: masks 0-255 -> 0-1 floats; tile fields default. */
export function toEngineParams(wire: RestoreParamsWire): RestoreParams {
  return {
    restorationPrompt: wire.restorationPrompt,
    semanticPrompt: wire.semanticPrompt,
    negativePrompt: wire.negativePrompt,
    regions: wire.regions.map((r) => {
      return {
        prompt: r.prompt,
        mask: { width: r.mask.width, height: r.mask.height, data: coverageOf(r.mask.data) },
        ...(r.guidanceScale !== undefined ? { guidanceScale: r.guidanceScale } : {}),
        ...(r.featherPx !== undefined ? { featherPx: r.featherPx } : {}),
        ...(r.restoration !== undefined ? { restoration: r.restoration } : {}),
      };
    }),
    steps: wire.steps,
    guidanceScale: wire.guidanceScale,
    seed: wire.seed,
    strength: wire.strength,
    scheduler: wire.scheduler,
    eta: wire.eta,
    colorFix: wire.colorFix,
    colorFixLevels: wire.colorFixLevels ?? DEFAULT_RESTORE_PARAMS.colorFixLevels,
    useRestorer: wire.useRestorer,
    restorerViews: wire.restorerViews ?? DEFAULT_RESTORE_PARAMS.restorerViews,
    tileSize: wire.tileSize ?? DEFAULT_RESTORE_PARAMS.tileSize,
    tileOverlap: wire.tileOverlap ?? DEFAULT_RESTORE_PARAMS.tileOverlap,
  };
}

/** The params without mask bytes, as the history keeps them. */
export function summarizeParams(wire: RestoreParamsWire, canonicalPrompt: string): RestoreParamsSummary {
  const { regions, ...rest } = wire;
  return {
    ...rest,
    restorationPrompt: canonicalPrompt,
    regions: regions.map((r) => ({
      prompt: r.prompt,
      ...(r.guidanceScale !== undefined ? { guidanceScale: r.guidanceScale } : {}),
      ...(r.restoration !== undefined ? { restoration: r.restoration } : {}),
    })),
  };
}

/** A job's end as the renderer gets it: a SpireError's code and words; anything else as `restore-failed`. */
function errorOf(err: unknown): ErrorInfo {
  return toErrorInfo(err, (detail) => ({ code: 'restore-failed', message: `The restoration failed: ${detail}` }));
}

const CANCELLED: ErrorInfo = { code: 'cancelled', message: 'The restoration was cancelled.' };

export class RestoreService {
  private readonly jobs = new Map<string, AbortController>();
  private readonly results = new Map<string, KeptResult>();
  private readonly keepResults: number;
  private readonly keepBytes: number;
  private readonly maxPending: number;

  constructor(private readonly options: RestoreServiceOptions) {
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_JOBS;
    this.keepResults = options.keepResults ?? 320;
    this.keepBytes = options.keepBytes ?? 1024 * 1024 * 1024;
  }

  /**
   * Queues the job the renderer named; answers its id at once. Throws SpireError `job-id-in-use` when
   * a job with that id is still running, `queue-full` when maxPending jobs are not done yet,
   * `image-not-open` when the image is no longer open, `bad-params` for a mask larger than the image.
   */
  start(request: RestoreStartRequest): { jobId: string } {
    const { jobId } = request;
    if (this.jobs.has(jobId)) throw new SpireError('job-id-in-use', 'A restoration with that job id is still running, so this one did not start. Run it again.');
    if (this.jobs.size >= this.maxPending) {
      throw new SpireError('queue-full', `${this.jobs.size} restorations are still waiting or running, so this one did not start. Wait for one to finish or cancel one, then run it again.`);
    }
    const source = this.options.images.get(request.imageId);
    if (!source) throw new SpireError('image-not-open', 'That image is no longer open in SPIRE Studio. Open it again, then run the restoration.');
    checkMaskSizes(request.params, source);
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    const params = toEngineParams(request.params);
    const { emit } = this.options;
    // Sent now: the renderer already knows the id, so events may overtake start's answer.
    let run: Promise<RestoreJobResult>;
    try {
      run = this.options.engine.request(
        'restore',
        {
          input: { bytes: source.bytes, name: source.name },
          params,
          ...(request.previewSize ? { previewSize: request.previewSize } : {}),
          output: { format: 'png' },
        },
        {
          signal: controller.signal,
          onProgress: (p) => {
            if (!isRestoreProgress(p) || controller.signal.aborted) return;
            emit('spire:restore:progress', {
              jobId,
              phase: p.phase === 'restorer' || p.phase === 'decode' ? p.phase : 'denoise',
              step: p.step,
              totalSteps: p.totalSteps,
              etaMs: p.etaMs ?? null,
              elapsedMs: p.elapsedMs,
              ...(typeof p.fraction === 'number' ? { fraction: p.fraction } : {}),
              ...(p.preview ? { preview: { bytes: p.preview.png, width: p.preview.width, height: p.preview.height } } : {}),
            });
          },
        },
      );
    } catch (err) {
      run = Promise.reject(err); // still exactly one done event
    }
    run.then(
      (result) => {
        this.jobs.delete(jobId);
        const kept = this.keep(request, source.name, result);
        emit('spire:restore:done', { jobId, result: { ok: true, value: kept.image } });
      },
      (err: unknown) => {
        this.jobs.delete(jobId);
        const error = controller.signal.aborted ? CANCELLED : errorOf(err);
        if (error.code === 'restore-failed') this.options.log?.('restore job failed', err);
        emit('spire:restore:done', { jobId, result: { ok: false, error } });
      },
    );
    return { jobId };
  }

  /** Cancels a queued or running job; its done event follows with code `cancelled`. False when no such job is pending. */
  cancel(jobId: string): boolean {
    const controller = this.jobs.get(jobId);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  /** Jobs not yet done. */
  pending(): string[] {
    return [...this.jobs.keys()];
  }

  result(resultId: string): KeptResult | undefined {
    return this.results.get(resultId);
  }

  discard(resultId: string): boolean {
    return this.results.delete(resultId);
  }

  /** Keeps a result again (a saved session's, sessionStore.ts), as if it had just finished. */
  adopt(kept: KeptResult): void {
    this.results.delete(kept.image.resultId);
    this.results.set(kept.image.resultId, kept);
    this.evict();
  }

  /** The estimate a run's prompt came from: the engine's, or the app's estimate of the photo when the prompt is it unchanged. */
  private estimateOf(imageId: string, result: RestoreJobResult): DegradationEstimate | null {
    if (result.estimate) return result.estimate;
    const app = this.options.estimates?.latestOf(imageId);
    return app && isEstimatedPrompt(result.restorationPrompt, app) ? app : null;
  }

  private keep(request: RestoreStartRequest, sourceName: string, result: RestoreJobResult): KeptResult {
    const resultId = randomUUID();
    const t = result.timings;
    const estimate = this.estimateOf(request.imageId, result);
    // The engine wrote its own estimate's keys; the app's estimate gets the same ones.
    const metadata = estimate && !result.estimate ? { ...result.metadata, ...estimateMetadata(request.params.restorationPrompt, estimate) } : result.metadata;
    const kept: KeptResult = {
      image: {
        resultId,
        imageId: request.imageId,
        width: result.image.width,
        height: result.image.height,
        mime: 'image/png',
        bytes: result.image.bytes,
        seed: result.seed,
        restorationPrompt: result.restorationPrompt,
        semanticPrompt: result.semanticPrompt,
        params: summarizeParams(request.params, result.restorationPrompt),
        stepsRun: result.stepsRun,
        seconds: Math.round(t.totalMs + t.readMs + t.encodeOutputMs) / 1000,
        ...(t.restorerMs !== undefined && t.restorerMs > 0 ? { restorerSeconds: Math.round(t.restorerMs) / 1000 } : {}),
        provider: result.provider,
        pack: result.pack,
        estimate,
        requestedPrompt: request.params.restorationPrompt,
      },
      sourceName,
      metadata,
    };
    this.results.set(resultId, kept);
    this.evict();
    return kept;
  }

  private evict(): void {
    let bytes = 0;
    for (const r of this.results.values()) bytes += r.image.bytes.byteLength;
    for (const [id, r] of this.results) {
      if (this.results.size <= 1 || (this.results.size <= this.keepResults && bytes <= this.keepBytes)) break;
      this.results.delete(id);
      bytes -= r.image.bytes.byteLength;
    }
  }
}
