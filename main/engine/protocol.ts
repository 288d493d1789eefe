/**
 * Messages between the engine host (main process, CLI, tests) and the engine
 * worker (a utilityProcess in Electron, a worker_threads Worker elsewhere).
 *
 *   host -> worker   init (once, first), request, cancel, shutdown
 *   worker -> host   status (whenever it changes), response (one per request),
 *                    progress (zero or more per request, before its response), log
 *
 * Requests carry an id; the worker answers each with exactly one response with
 * the same id: `{ ok: true, result }` or `{ ok: false, error: { code, message } }`: the error is
 * `toErrorInfo` of the SpireError the worker caught (common/errors.ts), and the host rebuilds a
 * SpireError from it (`fromErrorInfo`), so a code crosses the boundary as it is, never guessed.
 * Methods and their params/results are one typed map, `EngineMethods`: a new
 * job kind (restore, ...) is a new entry there plus a worker handler.
 *
 * Everything here must survive structured clone (no functions, no class instances).
 */
import type { EngineStatus, LoadedPackInfo, RestorePhase } from '../../common/engineStatus';
import type { DegradationEstimate } from '../../common/estimate';
import type { ErrorInfo } from '../../common/errors';
import type { ColourMode } from './image/photoColour';
import type { RestoreParams, RestoreResult } from './pipeline/types';

/** Provider names as the user or environment may request them. 'auto' means: every available provider, best first. */
export type ProviderPreference = 'auto' | string;

/** How the worker is configured. Sent once with `init`; the worker itself never reads Electron state. */
export interface EngineConfig {
  /** Explicit pack folder (from SPIRE_MODEL_PACK), tried first. */
  packOverride: string | null;
  /** Folders that hold packs, one sub-folder each, searched in order (e.g. <resources>/models/packs, <repo>/models/packs). */
  packRoots: string[];
  /** Execution providers to try, in order, or ['auto']. */
  providers: ProviderPreference[];
  /** CPU threads for onnxruntime (0 = let it choose). */
  threads: number;
}

/** What one component of a loaded pack ended up on. */
export interface LoadedComponentInfo {
  name: string;
  file: string;
  provider: string;
  inputs: string[];
  outputs: string[];
}

export interface ProviderFallback {
  component: string;
  provider: string;
  reason: string;
}

/** The worker's own view of its state; the host turns it into the contract's EngineStatus. */
export interface WorkerStatus {
  state: 'starting' | 'ready' | 'busy';
  /** The loaded pack with its recommended run settings (packs.ts packInfo), or null. */
  pack: LoadedPackInfo | null;
  provider: string | null;
  message: string | null;
  components: LoadedComponentInfo[];
  fallbacks: ProviderFallback[];
}

/** An input image: the encoded file's bytes (`name` for messages), or a path the host already validated. */
export type ImageSource = { bytes: Uint8Array; name: string } | { path: string };

export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'tiff';
export type { ColourMode };


/** How the worker encodes the restored image. */
export interface RestoreOutputOptions {
  /** Default 'png'. */
  format?: OutputFormat;
  /** JPEG/WebP quality (default 95). */
  quality?: number;
  /** PNG/TIFF bits per sample; default: 16 when the input had 16, else 8. */
  bitDepth?: 8 | 16;
  /** Extra text stored in the file, added to the engine's own (prompts, seed, model: `spire:*` keys). */
  metadata?: Record<string, string>;
  /** Leave the input's GPS position out of the output (the rest of its camera metadata is carried). Default false. */
  stripLocation?: boolean;
  /** 'srgb' (default) or 'keep-profile': the input's own colour profile (writeImage's `colour`). */
  colour?: ColourMode;
}

export interface RestoreJobParams {
  input: ImageSource;
  params: RestoreParams;
  /** Largest side of the preview PNGs sent with progress (0 or absent = no previews). */
  previewSize?: number;
  output?: RestoreOutputOptions;
}

/**
 * `progress` payload of a restore job: the pipeline's unit reports (restorer passes, steps, decoder
 * calls) with one fraction and one ETA over the whole run, and the preview as PNG bytes (a step's x0,
 * or the restorer's output as soon as it exists).
 */
export interface RestoreProgress {
  phase: RestorePhase;
  /** Unit `step` of `totalSteps` of this phase (restorer pass, denoising step or decoder call). */
  step: number;
  totalSteps: number;
  timestep: number;
  elapsedMs: number;
  /** 0..1 over the whole run, the phases weighted by their measured cost (jobs/runProgress.ts); never goes back. */
  fraction: number;
  /** Time left over the whole run, smoothed (jobs/runProgress.ts); null before the first unit. */
  etaMs: number | null;
  preview?: { png: Uint8Array; width: number; height: number };
}

export interface RestoreJobResult {
  /** The restored image, encoded as asked, with the input's alpha resized to it. */
  image: { bytes: Uint8Array; format: OutputFormat; width: number; height: number; hasAlpha: boolean };
  input: { width: number; height: number; format: string; bitDepth: 8 | 16; hasAlpha: boolean };
  /** The restoration prompt the run used (for `auto`: the estimate's clauses). */
  restorationPrompt: string;
  /** What the degradation estimator read, when the run asked it (`auto`, or the blind prompt in faithful mode). */
  estimate: DegradationEstimate | null;
  semanticPrompt: string;
  /** Each region's prompts, in order (absent from results made before regions restored their own way). */
  regions?: RegionRunInfo[];
  seed: number;
  stepsRun: number;
  timings: RestoreResult['timings'] & { readMs: number; encodeOutputMs: number };
  pack: { name: string; dir: string } | null;
  provider: string | null;
  /** The text stored in the file. */
  metadata: Record<string, string>;
}

/**
 * One region of a run: its semantic prompt and its restoration as asked (`keep` = Keep as is, a
 * prompt's canonical text, or null: it follows the run's), and, when it restored its own way with a
 * prompt, the prompt that ran (`auto` resolved from the region's crop) and what the estimator read.
 */
export interface RegionRunInfo {
  prompt: string;
  restoration: string | null;
  restorationUsed?: string;
  estimate?: DegradationEstimate | null;
  featherPx?: number;
}

/** method -> params and result. Keep params/results plain data. */
export interface EngineMethods {
  /** Answers with the worker's current status; a cheap liveness check. */
  status: { params: Record<string, never>; result: WorkerStatus };
  /** Unloads the current pack and loads the default one again (or `dir` when given). */
  'reload-pack': { params: { dir?: string }; result: WorkerStatus };
  /** Diagnostics: which providers onnxruntime-node was built with here. */
  backends: { params: Record<string, never>; result: { name: string; bundled: boolean }[] };
  /**
   * Restores one image with the loaded pack. Queued behind other jobs (one at a time, in order);
   * sends `progress` (RestoreProgress) after every denoising step; `cancel {id}` stops it within a
   * step (error code `cancelled`). Error codes: cancelled, pack-not-loaded, bad-prompt, bad-params,
   * image-* (ImageReadError codes), out-of-memory, bad-output (NaN/Inf), restore-failed.
   */
  restore: { params: RestoreJobParams; result: RestoreJobResult };
  /**
   * Reads what is wrong with one photo (the degradation estimator; a JPEG's quantisation tables give its
   * quality): the auto restoration prompt, before any run. Queued like a restore. Error codes: cancelled,
   * pack-not-loaded, no-estimator, image-*, restore-failed.
   */
  estimate: { params: EstimateJobParams; result: EstimateJobResult };
}

export interface EstimateJobParams {
  input: ImageSource;
}

export interface EstimateJobResult extends DegradationEstimate {
  input: { width: number; height: number; format: string };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];

export type HostToWorker =
  | { kind: 'init'; config: EngineConfig }
  | { kind: 'request'; id: number; method: EngineMethod; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'shutdown' };

export type WorkerToHost =
  | { kind: 'status'; status: WorkerStatus }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorInfo }
  | { kind: 'progress'; id: number; progress: unknown }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export function isRestoreProgress(value: unknown): value is RestoreProgress {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<RestoreProgress>;
  return typeof v.step === 'number' && typeof v.totalSteps === 'number' && typeof v.elapsedMs === 'number';
}

/** The contract's status built from the worker's. */
export function toEngineStatus(status: WorkerStatus): EngineStatus {
  return { state: status.state, pack: status.pack, provider: status.provider, message: status.message };
}

/** Minimal runtime check of a message from the other side (both sides are ours, but a crash can truncate state). */
export function isWorkerToHost(value: unknown): value is WorkerToHost {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'status' || kind === 'response' || kind === 'progress' || kind === 'log';
}

export function isHostToWorker(value: unknown): value is HostToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'init' || kind === 'request' || kind === 'cancel' || kind === 'shutdown';
}
