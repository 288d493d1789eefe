/**
 * The one IPC contract between the renderer and the main process.
 *
 * Main, preload and renderer all read it. It imports only the bottom layer, common/
 * (the run-settings vocabulary, the restoration prompt, the estimate and engine
 * status types), which it carries. Every channel lives under the `spire:` prefix.
 *
 *   InvokeChannels  renderer -> main, request -> Result (ipcRenderer.invoke)
 *   EventChannels   main -> renderer, fire-and-forget (webContents.send)
 *
 * Main validates every request against `schemas.ts` before a handler sees it,
 * because the renderer is untrusted.
 *
 * How a channel answers, one way for all: every invoke channel answers
 * `Result<T>` (`ResponseOf`, with T the channel's `value` in InvokeChannels) and
 * reports every failure inside it, never by rejecting: a handler's own failure,
 * a refused payload, an unknown channel, a sender outside the app's window
 * (main/ipc/dispatch.ts, register.ts). An invoke rejects only when the call
 * never reached main or main never answered (the renderer says so in words).
 * A failure is an `IpcError`, `{ code, message }` with `code` from the one code
 * union of the app (common/errors.ts ErrorCode, the codes SpireError carries in
 * main and the engine) and a message that says what to do.
 */

import type { DegradationEstimate } from '../../common/estimate';
import type { RegionRestoration } from '../../common/regions';
import type { ErrorCode, ErrorInfo } from '../../common/errors';
import type { EngineStatus, RestorePhase } from '../../common/engineStatus';
import type { RunParams } from '../../common/runParams';
import type { RunDefaults } from '../../common/runSettings';
import type { ColourMode, PhotoFacts } from '../../common/photo';

export const CHANNEL_PREFIX = 'spire:' as const;

/** An image the user opened, as the renderer receives it. */
export interface OpenedImage {
  /** Opaque id main assigns; later requests name the image by this id, never by path. */
  id: string;
  /** File name only (no directory), for display. */
  name: string;
  width: number;
  height: number;
  /** MIME type of `bytes` (the renderer decodes these for display). */
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  /** Encoded image bytes ready for display (EXIF orientation already applied). */
  bytes: Uint8Array;
  /** sha-256 of the file's bytes (64 hex digits): names the photo's saved session (`spire:session:*`). */
  contentHash?: string;
  /** Its colour profile, bit depth and metadata (status bar, export warnings); absent from fakes that predate it. */
  photo?: PhotoFacts;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

/** A user-facing failure: what happened and what to do about it. `code` is one of common/errors.ts ErrorCode. */
export type IpcError = ErrorInfo;
export type { ErrorCode };

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---------------------------------------------------------------------------
// Restore jobs
// ---------------------------------------------------------------------------

/** A region mask as the renderer sends it: one byte per pixel, 0 = outside, 255 = fully inside. */
export interface RegionMaskWire {
  width: number;
  height: number;
  /** Coverage 0-255, row-major; `data.length === width * height`. Any size: main/the engine resize it to the image. */
  data: Uint8Array;
}

export interface RegionPromptWire {
  /** What this region shows ("a red barn"); may be empty only when the region has its own `restoration`. */
  prompt: string;
  /** The region's own restoration prompt, or Keep as is (common/regions.ts); absent: it follows the run's. */
  restoration?: RegionRestoration;
  /** Edge softening in output pixels (REGION_FEATHER_PX); the engine feathers the painted coverage once. Default: one latent cell. */
  featherPx?: number;
  /** Guidance for this region (RUN_RANGES.guidanceScale); default: the run's guidanceScale. */
  guidanceScale?: number;
  mask: RegionMaskWire;
}

/** A run's settings as they cross IPC (common/runParams.ts; the engine's RestoreParams with masks as bytes). */
export interface RestoreParamsWire extends RunParams<RegionPromptWire> {
  /** Latent tile size in pixels (0 = the pack's native size); default 0. */
  tileSize?: number;
  /** Tile overlap in pixels; default 64. */
  tileOverlap?: number;
}

/** The settings of a finished run, without the mask bytes (what the history shows). */
export type RestoreParamsSummary = Omit<RestoreParamsWire, 'regions'> & {
  regions: { prompt: string; guidanceScale?: number; restoration?: RegionRestoration }[];
};

export interface RestoreStartRequest {
  /**
   * The job's id, named by the renderer before it asks (a UUID, `crypto.randomUUID()`), so every
   * progress and done event of the job carries an id the renderer already knows. Main refuses an id
   * of a job still running (`job-id-in-use`).
   */
  jobId: string;
  /** An image opened earlier (OpenedImage.id). */
  imageId: string;
  params: RestoreParamsWire;
  /** Largest side of the live step previews (16-1024), or 0 for none. Default 0. */
  previewSize?: number;
}

export interface RestoreProgressEvent {
  jobId: string;
  phase: RestorePhase;
  /** 1-based unit of this phase (restorer pass, step or decoder call) among those actually run. */
  step: number;
  totalSteps: number;
  /** 0..1 over the whole run (restorer passes, steps and decode weighted by their measured cost); never goes back. */
  fraction?: number;
  /** Time left over the whole run, smoothed so it does not jump back up on noise; null before it can be estimated. */
  etaMs: number | null;
  elapsedMs: number;
  /** The current x0 prediction, small: PNG bytes. */
  preview?: { bytes: Uint8Array; width: number; height: number };
}

/** A finished restoration, kept in main by `resultId` until it is discarded (or evicted, oldest first). */
export interface RestoredImage {
  resultId: string;
  /** The image it was restored from. */
  imageId: string;
  width: number;
  height: number;
  mime: 'image/png';
  /** Display bytes (PNG; 16-bit when the input had 16-bit samples). */
  bytes: Uint8Array;
  seed: number;
  /** As the engine understood it (canonical text). */
  restorationPrompt: string;
  semanticPrompt: string;
  params: RestoreParamsSummary;
  /** Denoising steps the run took (strength keeps a share of `params.steps`); 0 = the restorer alone. */
  stepsRun: number;
  /** Wall time of the job in seconds. */
  seconds: number;
  /** The restorer's share of `seconds`, all its views together (faithful mode); absent when it did not run. */
  restorerSeconds?: number;
  provider: string | null;
  pack: { name: string; dir: string } | null;
  /**
   * The degradation estimate the run's restoration prompt came from, or null for a prompt the user wrote:
   * the engine's when it estimated (`auto`, or the blind prompt in faithful mode), or the app's estimate of
   * this photo (`spire:image:estimate`) when the run's prompt is that estimate unchanged (at its output size).
   */
  estimate: DegradationEstimate | null;
  /** The restoration prompt as the request asked for it (`auto`, or the user's text), before the engine resolved it. */
  requestedPrompt?: string;
}

/**
 * Sent once per job that `restore.start` accepted: the result, or an error.
 * Error codes: `cancelled`, `pack-not-loaded`, `bad-prompt`, `bad-params`, `image-*`,
 * `out-of-memory`, `bad-output`, `restore-failed`, `engine-stopped`, `engine-unavailable`.
 */
export interface RestoreDoneEvent {
  jobId: string;
  result: Result<RestoredImage>;
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

export type ExportFormat = 'png' | 'jpeg' | 'webp' | 'tiff';
export type ExportKind = 'result' | 'side-by-side' | 'wipe' | 'sweep-grid';

/**
 * What to export. Main shows the save dialog (which asks before replacing a file), composes the
 * image and writes it atomically with the prompts, seed and model in its metadata.
 *   result        resultId
 *   side-by-side  resultId (+ imageId, default: the result's source) - labelled "Before" | "After"
 *   wipe          resultId (+ imageId), wipePosition 0-1 (the split's x, as a fraction of the width; default 0.5)
 *   (side-by-side and wipe take beforeResultId to put another result on the before side)
 *   sweep-grid    cells (resultId + label each, row-major), columns
 */
export interface ExportRequest {
  kind: ExportKind;
  resultId?: string;
  imageId?: string;
  cells?: { resultId: string; label: string }[];
  /** Grid columns (1-16); default: ceil(sqrt(cells)). */
  columns?: number;
  wipePosition?: number;
  /** side-by-side, wipe: a kept result on the before side instead of the photo (two results compared). */
  beforeResultId?: string;
  format: ExportFormat;
  /** JPEG/WebP quality 1-100 (default 95). */
  quality?: number;
  /** The restored image's colour: sRGB (default) or the photo's own profile (a result export only). */
  colour?: ColourMode;
  /** Leave the photo's GPS position out (default false: carried with the rest of its metadata). */
  stripLocation?: boolean;
}

// ---------------------------------------------------------------------------
// Settings and packs
// ---------------------------------------------------------------------------

export interface AppSettingsView {
  /** The pack the engine loads (chosen with engine.choosePack or engine.configure), or null for the default. */
  packDir: string | null;
  /** Execution providers in order, or ['auto']. SPIRE_PROVIDERS overrides this. */
  providers: string[];
  /** onnxruntime CPU threads; 0 = let it choose. SPIRE_THREADS overrides this. */
  threads: number;
  defaults: RunDefaults;
  /**
   * False until the user changed a run setting (first start): the editor then starts from the
   * loaded pack's recommended settings instead of `defaults`.
   */
  defaultsSaved: boolean;
  /** The pack folder `defaults` were saved with, or null (not known): another pack brings its own defaults. */
  defaultsPack: string | null;
}

/**
 * What `settings.set` may change: run defaults and the pack they belong to (pack, providers,
 * threads go through engine.configure). Setting `defaults` marks them saved.
 */
export interface SettingsPatch {
  defaults?: Partial<RunDefaults>;
  defaultsPack?: string | null;
}

export interface PackInfo {
  name: string;
  dir: string;
  /** Whether the engine has it loaded now. */
  loaded: boolean;
}

export interface EngineConfigureRequest {
  /** One of engine.listPacks()'s dirs (or one chosen with engine.choosePack), or null for the default pack. */
  packDir?: string | null;
  /** e.g. ['cuda', 'cpu'] or ['auto']. */
  providers?: string[];
  threads?: number;
}

export interface RecentFile {
  /** Full path (main recorded it from the open dialog; only these can be reopened). */
  path: string;
  name: string;
  /** When it was last opened (ms since 1970). */
  openedAt: number;
}

// ---------------------------------------------------------------------------
// Importing a Stable Diffusion model as a pack
// ---------------------------------------------------------------------------

/**
 * What the import dialog asks main to do. Main shows the OS dialog for `source` (a `.safetensors` /
 * `.ckpt` file, or a folder: diffusers layout or an ONNX export) and imports what the user chose into
 * the packs folder in the user data folder; the renderer never names a path.
 */
export interface PackImportRequest {
  /** The import's id, named by the renderer before it asks (a UUID), like a restore job's. */
  jobId: string;
  source: 'file' | 'folder';
  /** Copy the embedded pack's restorer and estimator in, so the new pack runs faithful mode and estimates prompts. */
  withRestorer: boolean;
  /** Store the weights as float16 (about half the size on disk). */
  fp16: boolean;
}

export interface PackImportStarted {
  jobId: string;
  /** The chosen file or folder's name (not its path), for "Importing v1-5-pruned.safetensors…". */
  sourceName: string;
}

export interface PackImportProgressEvent {
  jobId: string;
  /** The importer's stage, e.g. `convert`, `export-unet`, `write` (its own words; shown as `message`). */
  stage: string;
  /** 0..1 over the whole import. */
  fraction: number;
  message: string;
}

/**
 * Sent once per import that `packs.importModel` started: the new pack (already in `engine.listPacks`), or an
 * error: `cancelled`, `import-unsupported` (SDXL, SD 3, Flux, a shape the engine cannot run; nothing written),
 * `import-failed`, `output-exists`.
 */
export interface PackImportDoneEvent {
  jobId: string;
  result: Result<PackInfo>;
}

// ---------------------------------------------------------------------------
// Batch: many photos restored with one run's settings, written to a folder
// ---------------------------------------------------------------------------

/** A photo on the batch list: main keeps where it is (a path from the dialog, or dropped bytes); the renderer names it by id. */
export interface BatchPhoto {
  id: string;
  /** File name only, for display. */
  name: string;
  /** `file`: from the open dialog or a folder (read when its turn comes); `dropped`: bytes main holds. */
  source: 'file' | 'dropped';
}

/** What adding photos gave: the new ones (one already on the list is not added twice) and a note on what was left out. */
export interface BatchAdded {
  photos: BatchPhoto[];
  /** e.g. "skipped 2 files that are not PNG, JPEG, WebP or TIFF: a.gif, b.txt."; null when nothing was left out. */
  note: string | null;
}

export interface BatchStartRequest {
  /** The batch's id, named by the renderer before it asks (a UUID), like a restore job's. */
  batchId: string;
  /** The photos, in the order they are restored (ids from BatchAdded). */
  photoIds: string[];
  /** The run's settings (the editor's current ones); a batch takes no regions. */
  params: RestoreParamsWire;
  /** Each photo with its own estimate: the restoration prompt becomes `auto` (the pack's estimator reads each photo). */
  ownEstimate: boolean;
  /** Replace outputs that already exist; false: those photos are skipped. */
  overwrite: boolean;
  format: ExportFormat;
  /** sRGB (default) or each photo's own colour profile. */
  colour?: ColourMode;
  /** Leave each photo's GPS position out (default: kept with the rest of its camera metadata). */
  stripLocation?: boolean;
  /** JPEG/WebP quality 1-100 (default 95). */
  quality?: number;
}

export type BatchPhotoState = 'queued' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface BatchProgressEvent {
  batchId: string;
  photoId: string;
  state: BatchPhotoState;
  /** 0..1 of this photo's restoration. */
  fraction: number;
  /** Why it failed or was skipped (words), or what was written; null while queued or running. */
  message: string | null;
  /** The output's file name in the output folder. */
  output: string;
}

/** Sent once per started batch, after every photo's last progress event. */
export interface BatchDoneEvent {
  batchId: string;
  counts: Record<BatchPhotoState, number>;
}

// ---------------------------------------------------------------------------
// Per-photo sessions (main/services/sessionStore.ts)
// ---------------------------------------------------------------------------

/** A region's mask as a session saves it: one coverage byte a pixel. */
export interface SessionMaskWire {
  regionId: string;
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A photo's session to save under its content hash. `state` is the renderer's own JSON text
 * (prompts, settings, regions without masks, history entries); `resultIds` name the history's
 * results main keeps (their images are saved from main's copy, never sent back over IPC).
 */
export interface SessionSaveRequest {
  contentHash: string;
  /** The photo's file name, for the record. */
  name: string;
  state: string;
  /** The regions' masks; absent: the ones saved last time are kept (they did not change). */
  masks?: SessionMaskWire[];
  resultIds: string[];
}

/** A saved session as `spire:session:load` answers it; its results are main's again, under the new image id. */
export interface SavedSession {
  state: string;
  masks: SessionMaskWire[];
  results: RestoredImage[];
  /** When it was last saved or used (ms since 1970). */
  savedAt: number;
}

/**
 * renderer -> main, per channel: the request, and the value a success carries. Every channel
 * answers `Result<value>` (ResponseOf): there is no way to declare one that answers otherwise.
 */
export interface InvokeChannels {
  'spire:app:info': { request: Record<string, never>; value: AppInfo };
  /** Shows the OS open dialog; `null` when the user cancelled. */
  'spire:image:open-dialog': { request: Record<string, never>; value: OpenedImage | null };
  /** A file the user dropped on (or pasted into) the window: the renderer sends its bytes, never a path. */
  'spire:image:open-bytes': { request: { name: string; bytes: Uint8Array }; value: OpenedImage };
  /** Files opened through the dialog, newest first. */
  'spire:image:recent': { request: Record<string, never>; value: RecentFile[] };
  /** Reopens a recent file; refused unless `path` is on main's own recent list. */
  'spire:image:open-recent': { request: { path: string }; value: OpenedImage };
  /**
   * Reads what is wrong with an opened image (the pack's degradation estimator; a JPEG file's quantisation
   * tables give its quality): the restoration prompt the editor fills in when a photo opens. Queued in the
   * engine like a restore. Error codes: `image-not-open`, `no-estimator` (the loaded pack has none),
   * `pack-not-loaded`, `image-*`, `estimate-failed`, `engine-stopped`, `engine-unavailable`.
   */
  'spire:image:estimate': { request: { imageId: string }; value: DegradationEstimate };
  'spire:engine:status': { request: Record<string, never>; value: EngineStatus };
  'spire:engine:list-packs': { request: Record<string, never>; value: PackInfo[] };
  /** Folder dialog; loads the chosen pack (and remembers it); null when the user cancelled. */
  'spire:engine:choose-pack': { request: Record<string, never>; value: PackInfo | null };
  /** Saves pack/provider/thread choices and reloads (or restarts) the engine with them. */
  'spire:engine:configure': { request: EngineConfigureRequest; value: AppSettingsView };
  /**
   * Queues a restoration under the renderer's job id; progress and the result arrive as events with
   * that id (they may arrive before this answer). Answers the same id. Error codes: `image-not-open`,
   * `job-id-in-use` (a job with that id is still running).
   */
  'spire:restore:start': { request: RestoreStartRequest; value: { jobId: string } };
  /** Cancels a queued or running job (it then ends with a `cancelled` done event); false when no such job is pending. */
  'spire:restore:cancel': { request: { jobId: string }; value: { cancelled: boolean } };
  /** Forgets a result (history delete); false when it was not kept. */
  'spire:restore:discard': { request: { resultId: string }; value: { discarded: boolean } };
  /** Save dialog, compose, write; null when the user cancelled the dialog. */
  'spire:export:save': { request: ExportRequest; value: { path: string } | null };
  'spire:settings:get': { request: Record<string, never>; value: AppSettingsView };
  'spire:settings:set': { request: SettingsPatch; value: AppSettingsView };
  /**
   * Shows the file or folder dialog, then imports the chosen model into the user data folder's packs
   * folder under the renderer's job id; progress and the end arrive as `spire:packs:import-*` events.
   * Answers null when the user cancelled the dialog. Error codes: `job-id-in-use` (an import is already
   * running: one at a time).
   */
  'spire:packs:import': { request: PackImportRequest; value: PackImportStarted | null };
  /** Cancels a running import (it then ends with a `cancelled` done event, nothing half-written left); false when none runs with that id. */
  'spire:packs:import-cancel': { request: { jobId: string }; value: { cancelled: boolean } };
  /** Batch: main's multi-select open dialog (`files`) or folder dialog (`folder`) adds photos to the batch list; null when cancelled. */
  'spire:batch:add': { request: { source: 'files' | 'folder' }; value: BatchAdded | null };
  /** Batch: a dropped photo's bytes (main holds them, at most MAX_BATCH_DROPPED_BYTES together). */
  'spire:batch:add-bytes': { request: { name: string; bytes: Uint8Array }; value: BatchAdded };
  /** Batch: takes photos off the list (an empty list: all of them); refused while a batch runs. */
  'spire:batch:remove': { request: { photoIds: string[] }; value: { removed: number } };
  /** Batch: main's folder dialog for the outputs; answers the folder (checked writable), or null when cancelled. */
  'spire:batch:choose-output': { request: Record<string, never>; value: { folder: string } | null };
  /**
   * Batch: restores the photos one after another into the chosen folder; progress and the end arrive as
   * `spire:batch:*` events. Error codes: `output-no-folder`, `output-read-only`, `usage` (two photos with one
   * output name, an output that is its photo), `image-not-open`, `queue-full` (a batch is running).
   */
  'spire:batch:start': { request: BatchStartRequest; value: { batchId: string; total: number } };
  /** Batch: cancels the running photo's job; the rest are marked cancelled. False when no such batch runs. */
  'spire:batch:cancel': { request: { batchId: string }; value: { cancelled: boolean } };
  /** The saved session of the photo with this content hash (null: none, or unreadable); its results are kept again under `imageId`. */
  'spire:session:load': { request: { contentHash: string; imageId: string }; value: SavedSession | null };
  /** Saves a photo's session in the user data folder (atomically; the least recently used evicted beyond the bounds); answers the result ids saved. */
  'spire:session:save': { request: SessionSaveRequest; value: { saved: string[] } };
  /** Forgets a photo's saved session. */
  'spire:session:delete': { request: { contentHash: string }; value: { deleted: boolean } };
}

/** main -> renderer events and their payloads. */
export interface EventChannels {
  'spire:engine:status-changed': EngineStatus;
  'spire:restore:progress': RestoreProgressEvent;
  'spire:restore:done': RestoreDoneEvent;
  'spire:packs:import-progress': PackImportProgressEvent;
  'spire:packs:import-done': PackImportDoneEvent;
  'spire:batch:progress': BatchProgressEvent;
  'spire:batch:done': BatchDoneEvent;
}

export type InvokeChannel = keyof InvokeChannels;
export type EventChannel = keyof EventChannels;
export type RequestOf<C extends InvokeChannel> = InvokeChannels[C]['request'];
/** What a success of channel C carries. */
export type ValueOf<C extends InvokeChannel> = InvokeChannels[C]['value'];
/** What channel C answers: always a Result. */
export type ResponseOf<C extends InvokeChannel> = Result<ValueOf<C>>;

/** Runtime lists of the channel names, checked against the types above. */
export const INVOKE_CHANNELS = [
  'spire:app:info',
  'spire:image:open-dialog',
  'spire:image:open-bytes',
  'spire:image:recent',
  'spire:image:open-recent',
  'spire:image:estimate',
  'spire:engine:status',
  'spire:engine:list-packs',
  'spire:engine:choose-pack',
  'spire:engine:configure',
  'spire:restore:start',
  'spire:restore:cancel',
  'spire:restore:discard',
  'spire:export:save',
  'spire:settings:get',
  'spire:settings:set',
  'spire:packs:import',
  'spire:packs:import-cancel',
  'spire:batch:add',
  'spire:batch:add-bytes',
  'spire:batch:remove',
  'spire:batch:choose-output',
  'spire:batch:start',
  'spire:batch:cancel',
  'spire:session:load',
  'spire:session:save',
  'spire:session:delete',
] as const satisfies readonly InvokeChannel[];

export const EVENT_CHANNELS = [
  'spire:engine:status-changed',
  'spire:restore:progress',
  'spire:restore:done',
  'spire:packs:import-progress',
  'spire:packs:import-done',
  'spire:batch:progress',
  'spire:batch:done',
] as const satisfies readonly EventChannel[];

// Compile-time checks that the runtime lists name every channel of the types.
type MissingInvoke = Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>;
type MissingEvent = Exclude<EventChannel, (typeof EVENT_CHANNELS)[number]>;
const channelListsComplete: [MissingInvoke | MissingEvent] extends [never] ? true : never = true;
void channelListsComplete;

/**
 * What the preload exposes on `window.spire`: purpose-named functions only.
 * There is deliberately no generic `invoke(channel, ...)`. Every call answers a
 * Result (ResponseOf of its channel); only `on…` subscriptions do not.
 */
export interface SpireApi {
  app: {
    info(): Promise<Result<AppInfo>>;
  };
  image: {
    openDialog(): Promise<Result<OpenedImage | null>>;
    openBytes(name: string, bytes: Uint8Array): Promise<Result<OpenedImage>>;
    /** Files opened through the dialog, newest first. */
    recent(): Promise<Result<RecentFile[]>>;
    /** Reopens one of `recent()`'s paths (any other path is refused). */
    openRecent(path: string): Promise<Result<OpenedImage>>;
    /** What the loaded pack's degradation estimator reads from an opened image (the estimated restoration prompt). */
    estimate(imageId: string): Promise<Result<DegradationEstimate>>;
  };
  engine: {
    status(): Promise<Result<EngineStatus>>;
    /** Subscribes to status changes; returns the unsubscribe function. */
    onStatus(listener: (status: EngineStatus) => void): () => void;
    listPacks(): Promise<Result<PackInfo[]>>;
    /** Folder dialog; loads the chosen pack; null when cancelled. */
    choosePack(): Promise<Result<PackInfo | null>>;
    configure(request: EngineConfigureRequest): Promise<Result<AppSettingsView>>;
  };
  restore: {
    /** Starts the job the request names (`request.jobId`); its events may come before the answer. */
    start(request: RestoreStartRequest): Promise<Result<{ jobId: string }>>;
    cancel(jobId: string): Promise<Result<{ cancelled: boolean }>>;
    discard(resultId: string): Promise<Result<{ discarded: boolean }>>;
    /** Every job's progress (filter by jobId); returns the unsubscribe function. */
    onProgress(listener: (progress: RestoreProgressEvent) => void): () => void;
    /** Every job's end (result or error, `cancelled` included); returns the unsubscribe function. */
    onDone(listener: (done: RestoreDoneEvent) => void): () => void;
  };
  export: {
    /** Save dialog + write; `{ ok: true, value: null }` when the user cancelled. */
    save(request: ExportRequest): Promise<Result<{ path: string } | null>>;
  };
  settings: {
    get(): Promise<Result<AppSettingsView>>;
    set(patch: SettingsPatch): Promise<Result<AppSettingsView>>;
  };
  packs: {
    /** Main's file or folder dialog, then the import under `request.jobId`; null when the dialog was cancelled. */
    importModel(request: PackImportRequest): Promise<Result<PackImportStarted | null>>;
    cancelImport(jobId: string): Promise<Result<{ cancelled: boolean }>>;
    /** Every import's progress; returns the unsubscribe function. */
    onImportProgress(listener: (progress: PackImportProgressEvent) => void): () => void;
    /** Every import's end (the new pack, or an error, `cancelled` included); returns the unsubscribe function. */
    onImportDone(listener: (done: PackImportDoneEvent) => void): () => void;
  };
  batch: {
    /** Main's multi-select file dialog or folder dialog; the photos go on main's batch list. Null when cancelled. */
    add(source: 'files' | 'folder'): Promise<Result<BatchAdded | null>>;
    /** A dropped photo's bytes onto the batch list. */
    addBytes(name: string, bytes: Uint8Array): Promise<Result<BatchAdded>>;
    /** Takes photos off the list; none named: all. */
    remove(photoIds: string[]): Promise<Result<{ removed: number }>>;
    /** Main's folder dialog for the outputs; null when cancelled. */
    chooseOutput(): Promise<Result<{ folder: string } | null>>;
    start(request: BatchStartRequest): Promise<Result<{ batchId: string; total: number }>>;
    cancel(batchId: string): Promise<Result<{ cancelled: boolean }>>;
    /** Every batch photo's progress; returns the unsubscribe function. */
    onProgress(listener: (progress: BatchProgressEvent) => void): () => void;
    /** Every batch's end; returns the unsubscribe function. */
    onDone(listener: (done: BatchDoneEvent) => void): () => void;
  };
  session: {
    load(contentHash: string, imageId: string): Promise<Result<SavedSession | null>>;
    save(request: SessionSaveRequest): Promise<Result<{ saved: string[] }>>;
    delete(contentHash: string): Promise<Result<{ deleted: boolean }>>;
  };
}
