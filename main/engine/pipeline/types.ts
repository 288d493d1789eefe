/**
 * Types shared by the restoration pipeline, the job queue, the CLI and the
 * app. Data, plus the cancellation error and its check; no runtime imports.
 *
 * Image convention: `RgbImage` is interleaved HWC float32 RGB in [0, 1]
 * (what image I/O produces and consumes); the pipeline converts to NCHW
 * [-1, 1] for the ONNX graphs itself (manifest `imageRange`).
 */

import type { DegradationEstimate } from '../../../common/estimate';
import type { RestorationPrompt } from '../../../common/restorationPrompt';
import type { RegionRestoration } from '../../../common/regions';
import type { RunParams } from '../../../common/runParams';

/** An RGB image, HWC interleaved, float32 in [0, 1]. `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** A single-channel mask at image resolution, float32 in [0, 1] (1 = inside). */
export interface Mask {
  width: number;
  height: number;
  data: Float32Array;
}

/** One region-specific semantic prompt: where (mask) and what (prompt). */
export interface RegionPrompt {
  mask: Mask;
  prompt: string;
  /** Guidance for this region; defaults to RestoreParams.guidanceScale. */
  guidanceScale?: number;
  /** Edge softening (Gaussian radius, output pixels) before the mask goes to latent resolution; default: the VAE factor (one latent cell). */
  featherPx?: number;
  /** The region's own restoration prompt (text, in the grammar) or Keep as is; absent: it follows the run's (common/regions.ts). */
  restoration?: RegionRestoration;
}

/** A run as the engine takes it (common/runParams.ts) with float masks and its tiling set. */
export interface RestoreParams extends RunParams<RegionPrompt> {
  /** Latent tile size in pixels for large images (0 = the pack's native resolution). */
  tileSize: number;
  /** Tile overlap in pixels. */
  tileOverlap: number;
}

/** A region's own restoration as the pipeline takes it: the prompt parsed at the boundary, or Keep as is. */
export type PipelineRegionRestoration = { kind: 'keep' } | { kind: 'prompt'; restorationPrompt: RestorationPrompt };

/** A region as the pipeline takes it: its restoration prompt parsed (RegionPrompt holds the text). */
export interface PipelineRegion extends Omit<RegionPrompt, 'restoration'> {
  restoration?: PipelineRegionRestoration;
}

/**
 * RestoreParams as the pipeline takes them: checked once at the boundary (validateRestoreParams in
 * jobs/restoreParams.ts, which parses the prompts) and passed inward. The pipeline never parses text.
 */
export interface PipelineParams extends Omit<RestoreParams, 'restorationPrompt' | 'regions'> {
  /** The parsed restoration prompt (common/restorationPrompt.ts); `text` is its canonical form. */
  restorationPrompt: RestorationPrompt;
  /** Region prompts, each region's own restoration prompt parsed. */
  regions: PipelineRegion[];
}

/** What a region's restoration used (RestoreResult.regionRestorations); null: it follows the run's. */
export type RegionRestorationUsed =
  | { kind: 'keep' }
  | { kind: 'prompt'; requested: string; restorationPrompt: string; estimate: DegradationEstimate | null }
  | null;

/** What the pipeline reports after every denoising step. */
export interface StepProgress {
  /** 1-based step index among the steps actually run. */
  step: number;
  totalSteps: number;
  timestep: number;
  /** Milliseconds since the job started sampling. */
  elapsedMs: number;
  /** A cheap low-resolution preview of the current x0 prediction, when asked for. */
  preview?: RgbImage;
}

/** What the pipeline reports after every restorer pass (faithful mode): one per view of each tile. */
export interface RestorerProgress {
  /** 1-based pass among `totalPasses` = tiles x restorer views. */
  pass: number;
  totalPasses: number;
  /** Milliseconds since the restorer started. */
  elapsedMs: number;
}

/** What the pipeline reports after every VAE decoder call of the final decode (tiles x 1, or x 2 with detail transfer). */
export interface DecodeProgress {
  /** 1-based call among `totalPasses`. */
  pass: number;
  totalPasses: number;
  /** Milliseconds since the decode started. */
  elapsedMs: number;
}

export interface RestoreHooks {
  onStep?(progress: StepProgress): void;
  /** After each restorer pass: with 8 views on a large photo the restorer alone can take minutes. */
  onRestorer?(progress: RestorerProgress): void;
  /** After each VAE decoder call of the final decode. */
  onDecode?(progress: DecodeProgress): void;
  /**
   * The restorer's output R, shrunk so its longer side is at most previewSize, as soon as it exists
   * (before the first denoising step); only with previewSize and when diffusion follows.
   */
  onRestored?(preview: RgbImage): void;
  /** Aborting stops the run before the next model call; the pipeline then throws a `RestoreCancelled`. */
  signal?: AbortSignal;
  /** Largest side of the preview images (0 or undefined = no previews). */
  previewSize?: number;
}

export interface RestoreResult {
  image: RgbImage;
  /** The restoration prompt the run used (canonical text): for `auto`, the estimate's clauses (plus the output size). */
  restorationPrompt: string;
  /** What the degradation estimator read, when the run asked it (`auto`, or the blind prompt in faithful mode); else null. */
  estimate?: DegradationEstimate | null;
  /**
   * Per region, when some region restores its own way: Keep as is, the prompt its restoration used
   * (`auto` resolved from the region's own crop, with that estimate), or null (it follows the run's).
   */
  regionRestorations?: RegionRestorationUsed[];
  seed: number;
  stepsRun: number;
  /**
   * Milliseconds: encodeMs = text encoder + VAE encoder; restorerMs = the first-stage restorer
   * (faithful mode; absent from results made before it was reported); decodeMs = the VAE decode(s).
   */
  timings: { totalMs: number; encodeMs: number; restorerMs?: number; denoiseMs: number; decodeMs: number };
}

export class RestoreCancelled extends Error {
  constructor() {
    super('The restoration was cancelled.');
    this.name = 'RestoreCancelled';
  }
}

/** Throws RestoreCancelled when the caller aborted. The pipeline calls it before every model call. */
export function checkCancelled(hooks: RestoreHooks): void {
  if (hooks.signal?.aborted) throw new RestoreCancelled();
}
