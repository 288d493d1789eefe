/**
 * "Import Stable Diffusion model…" for the app: the renderer names the import (a job id) and the
 * kind of source (file or folder); this service shows main's dialog, picks where the pack goes,
 * runs the importer with progress and cancel, and reports the new pack, already listed.
 *
 * Recipe (start): one import at a time (refuse a second with `job-id-in-use`) -> the dialog of the
 * asked kind (null: the user cancelled, nothing else happens) -> the destination: a new folder in
 * the user data folder's packs folder (a pack root, so EngineControl lists and loads it), named after
 * the source, made unique -> the embedded pack's folder as `restorerFrom` when the user kept
 * "faithful" ticked -> `importModel` with an AbortSignal, not awaited -> answer the job id and the
 * source's name. Then: every progress report -> `spire:packs:import-progress` (at most one per
 * `progressIntervalMs` within a stage); the end -> `spire:packs:import-done` with the pack as
 * `engine.listPacks` lists it, or the importer's error (`import-unsupported`, `import-failed`,
 * `output-exists`, `cancelled`) as it is. Every import that started gets exactly one done event.
 *
 * Paths: the source comes only from the dialog; the destination only from `packsDir`. Nothing is
 * ever written beside the user's model. A failed or cancelled import's folder (one this service
 * reserved, so it did not exist before) is removed, in case the importer left something.
 *
 * The importer (main/import/importModel.ts) is passed in as `importModel`, so tests use a fake.
 * No Electron import.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { PackImportRequest, PackImportStarted, PackInfo } from '../../preload/contract/channels';
import { SpireError, isSpireError, toErrorInfo, type ErrorInfo } from '../../common/errors';
import type { DialogPort } from './dialogPort';
import type { ImportOptions, ImportProgress } from '../import/importModel';
import type { EmitEvent } from './restoreService';

export interface ImportHooks {
  onProgress?(p: ImportProgress): void;
  signal?: AbortSignal;
}

/** The importer (main/import/importModel.ts importModel, injected so tests can fake it): throws SpireError `import-unsupported`, `import-failed`, `output-exists` or `cancelled`. */
export type ImportModelFn = (options: ImportOptions, hooks?: ImportHooks) => Promise<{ packDir: string; name: string }>;

export interface ImportServiceOptions {
  importModel: ImportModelFn;
  dialog: Pick<DialogPort, 'chooseModelSource'>;
  emit: EmitEvent;
  /** The packs folder in the user data folder, where every imported pack goes (one of the engine's pack roots). */
  packsDir: string;
  /** The embedded pack's folder (its restorer and estimator are copied in), or null when the app has none. */
  embeddedPack: () => Promise<string | null>;
  /** The pack list as `engine.listPacks` answers it: the new pack is reported as listed there. */
  listPacks: () => Promise<PackInfo[]>;
  /** The importer's `python` option (SPIRE_PYTHON), when set. */
  python?: string;
  /** Least time between two progress events of the same stage (ms); default 100. */
  progressIntervalMs?: number;
  now?: () => number;
  log?: (message: string, err: unknown) => void;
}

/** Longest folder name given to an imported pack (before a "-2" suffix). */
const MAX_NAME = 64;

/** The folder name a source gives its pack: the file name without a checkpoint extension, or the folder's name; only safe characters. */
export function packFolderName(source: string): string {
  let name = basename(resolve(source));
  const ext = extname(name).toLowerCase();
  if (ext === '.safetensors' || ext === '.ckpt') name = name.slice(0, -ext.length);
  const safe = name
    .replace(/[^A-Za-z0-9._ -]+/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.-]+|[\s.-]+$/g, '')
    .slice(0, MAX_NAME)
    .trim();
  return safe.length > 0 ? safe : 'imported-model';
}

/** `base`, or `base-2`, `base-3`, … : the first not taken (case-insensitively: Windows and macOS folders). */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const lower = new Set([...taken].map((t) => t.toLowerCase()));
  if (!lower.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!lower.has(candidate.toLowerCase())) return candidate;
  }
}

interface RunningImport {
  jobId: string;
  controller: AbortController;
  /** The destination, once chosen (null while the dialog is open). */
  outDir: string | null;
}

export class ImportService {
  private running: RunningImport | null = null;
  /** The import's promise, for tests and shutdown. */
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: ImportServiceOptions) {}

  /** The dialog, then the import in the background; null when the user cancelled the dialog. */
  async start(request: PackImportRequest): Promise<PackImportStarted | null> {
    if (this.running) {
      throw new SpireError('job-id-in-use', 'A model is being imported already: wait for it to finish, or cancel it, before importing another.');
    }
    const job: RunningImport = { jobId: request.jobId, controller: new AbortController(), outDir: null };
    this.running = job; // held while the dialog is open too, so a second click cannot start a second import
    let outDir: string;
    let source: string;
    let restorerFrom: string | null;
    try {
      const picked = await this.options.dialog.chooseModelSource(request.source);
      if (picked === null) {
        this.running = null;
        return null;
      }
      source = resolve(picked);
      await mkdir(this.options.packsDir, { recursive: true });
      const taken = await readdir(this.options.packsDir);
      outDir = join(resolve(this.options.packsDir), uniqueName(packFolderName(source), taken));
      restorerFrom = request.withRestorer ? await this.options.embeddedPack() : null;
    } catch (err) {
      this.running = null;
      throw err;
    }
    job.outDir = outDir;
    this.finished = this.run(job, {
      source,
      outDir,
      fp16: request.fp16,
      restorerFrom,
      ...(this.options.python ? { python: this.options.python } : {}),
    });
    return { jobId: request.jobId, sourceName: basename(source) };
  }

  /** Cancels the running import; false when none runs under that id (or its dialog is still open). */
  cancel(jobId: string): boolean {
    const job = this.running;
    if (!job || job.jobId !== jobId || job.outDir === null || job.controller.signal.aborted) return false;
    job.controller.abort();
    return true;
  }

  /** Cancels whatever runs (the app is quitting) and waits for it to end. */
  async stop(): Promise<void> {
    this.running?.controller.abort();
    await this.finished;
  }

  /** Resolves when the import started last has ended (its done event sent). */
  whenIdle(): Promise<void> {
    return this.finished;
  }

  private async run(job: RunningImport, options: ImportOptions): Promise<void> {
    const { emit } = this.options;
    const interval = this.options.progressIntervalMs ?? 100;
    const now = this.options.now ?? Date.now;
    let lastStage: string | null = null;
    let lastAt = -Infinity;
    const onProgress = (p: ImportProgress): void => {
      if (job.controller.signal.aborted) return;
      const t = now();
      if (p.stage === lastStage && t - lastAt < interval) return;
      lastStage = p.stage;
      lastAt = t;
      const fraction = Number.isFinite(p.fraction) ? Math.min(1, Math.max(0, p.fraction)) : 0;
      emit('spire:packs:import-progress', { jobId: job.jobId, stage: p.stage, fraction, message: p.message });
    };

    let result: { ok: true; value: PackInfo } | { ok: false; error: ErrorInfo };
    try {
      const imported = await this.options.importModel(options, { onProgress, signal: job.controller.signal });
      result = { ok: true, value: await this.listed(imported.packDir) };
    } catch (err) {
      result = { ok: false, error: this.failure(err, job.controller.signal.aborted) };
      // The folder was free when this import reserved it, so whatever is there now is the importer's leftover.
      if (!isSpireError(err, 'output-exists')) await rm(options.outDir, { recursive: true, force: true }).catch(() => undefined);
    }
    this.running = null;
    emit('spire:packs:import-done', { jobId: job.jobId, result });
  }

  /** The new pack as the pack list shows it (so the renderer can load it); an import that did not produce a listed pack failed. */
  private async listed(packDir: string): Promise<PackInfo> {
    const dir = resolve(packDir);
    const pack = (await this.options.listPacks()).find((p) => p.dir === dir);
    if (!pack) {
      throw new SpireError('import-failed', `The import finished, but SPIRE Studio cannot read the pack it wrote (${dir}). Delete that folder and import the model again.`);
    }
    return pack;
  }

  private failure(err: unknown, aborted: boolean): ErrorInfo {
    if (aborted && !(err instanceof SpireError && err.code !== 'cancelled')) return { code: 'cancelled', message: 'The import was cancelled; no pack was written.' };
    if (!(err instanceof SpireError)) this.options.log?.('model import failed', err);
    return toErrorInfo(err, (detail) => ({
      code: 'import-failed',
      message: `Importing the model failed (${detail}). Check that it is a Stable Diffusion 1.5 model and that the disk has room, then try again.`,
    }));
  }
}
