/**
 * Batch in the app: several photos restored one after another with one run's settings (or each
 * with its own estimate), written into a folder the user chose, with the CLI's names and
 * overwrite rules (outputNames.ts). The renderer names photos by id; paths come only from main's
 * dialogs (a multi-select open dialog, a folder dialog), a dropped photo comes as its bytes.
 *
 * Recipe (start): one batch at a time (`queue-full`) -> the output folder chosen (`output-no-folder`)
 * -> every photo still on the list (`image-not-open`) -> the outputs named, two photos with one name
 * or an output that is its photo refused (`usage`) -> the folder takes a file (`output-read-only`)
 * -> answer at once; then, per photo in order: `running` -> an existing output without
 * overwrite: `skipped` -> the engine's `restore` job (the same job the editor's Run and the CLI
 * send; it reads the file itself, so one photo is read at a time, and encodes the output with the
 * run's metadata) -> written atomically (never over a file unless overwrite) -> `done`, or `failed`
 * with the reason, and on to the next. Cancel aborts the running job; it and every photo not yet
 * run end `cancelled`. Then one `spire:batch:done` with the counts.
 *
 * Bounds: MAX_BATCH_PHOTOS photos on the list (and so a batch); dropped photos' bytes together
 * at most MAX_BATCH_DROPPED_BYTES (more: add them as a folder). No Electron import.
 */
import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { BatchAdded, BatchDoneEvent, BatchPhoto, BatchPhotoState, BatchStartRequest } from '../../preload/contract/channels';
import { MAX_BATCH_PHOTOS } from '../../preload/contract/schemas';
import { SpireError, isSpireError, toErrorInfo } from '../../common/errors';
import { formatRestorationPrompt, parseRestorationPrompt } from '../../common/restorationPrompt';
import type { EngineHost } from '../engine/host';
import { writeFileAtomic } from '../engine/image';
import type { ImageSource } from '../engine/protocol';
import { isRestoreProgress } from '../engine/protocol';
import type { DialogPort } from './dialogPort';
import { checkWritable, existingFiles, folderImages, isItsOwnInput, isRestorableName, outputsInFolder, skippedFilesLine } from './outputNames';
import { toEngineParams, type EmitEvent } from './restoreService';

export { MAX_BATCH_PHOTOS };
/** Dropped photos' bytes main holds for the batch list, together. */
export const MAX_BATCH_DROPPED_BYTES = 1024 * 1024 * 1024;

/** A photo on the list as main keeps it: a path from a dialog, or the bytes of a drop. */
interface Entry {
  photo: BatchPhoto;
  path: string | null;
  bytes: Uint8Array | null;
}

export interface BatchServiceOptions {
  /** The engine; with `status`/`onStatus`, each photo waits for a (re)starting engine, as the CLI does. */
  engine: Pick<EngineHost, 'request'> & Partial<Pick<EngineHost, 'status' | 'onStatus'>>;
  dialog: Pick<DialogPort, 'chooseImageFiles' | 'chooseFolder'>;
  emit: EmitEvent;
  /** Most photos on the list; default MAX_BATCH_PHOTOS. */
  maxPhotos?: number;
  /** Most dropped bytes held; default MAX_BATCH_DROPPED_BYTES. */
  maxDroppedBytes?: number;
  log?: (message: string, err: unknown) => void;
}

/** The prompt a photo runs with when it takes its own estimate: `auto`, keeping the output size (Upsample) the user chose. */
export function ownEstimatePrompt(restorationPrompt: string): string {
  const size = parseRestorationPrompt(restorationPrompt).operations.filter((o) => o.key === 'downsample');
  return formatRestorationPrompt({ operations: size, blind: false, auto: true });
}

/** Share of a photo's work the restorer passes take when diffusion steps follow (strength > 0). */
const RESTORER_SHARE_BEFORE_STEPS = 0.3;

export class BatchService {
  private readonly entries = new Map<string, Entry>();
  private outputFolder: string | null = null;
  private running: { batchId: string; controller: AbortController } | null = null;
  private readonly maxPhotos: number;
  private readonly maxDroppedBytes: number;

  constructor(private readonly options: BatchServiceOptions) {
    this.maxPhotos = options.maxPhotos ?? MAX_BATCH_PHOTOS;
    this.maxDroppedBytes = options.maxDroppedBytes ?? MAX_BATCH_DROPPED_BYTES;
  }

  /** The list, in the order photos were added. */
  photos(): BatchPhoto[] {
    return [...this.entries.values()].map((e) => e.photo);
  }

  /** Main's multi-select dialog (`files`) or folder dialog (`folder`); null when the user cancelled. */
  async add(source: 'files' | 'folder'): Promise<BatchAdded | null> {
    if (source === 'files') {
      const paths = await this.options.dialog.chooseImageFiles();
      if (paths === null || paths.length === 0) return null;
      const images = paths.filter(isRestorableName);
      const others = paths.filter((p) => !isRestorableName(p)).map((p) => basename(p));
      return { photos: this.addPaths(images), note: others.length > 0 ? skippedFilesLine('Added photos', others) : null };
    }
    const folder = await this.options.dialog.chooseFolder('Add the photos of a folder to the batch');
    if (folder === null) return null;
    let listed;
    try {
      listed = await folderImages(folder);
    } catch (err) {
      throw new SpireError('image-unreadable', `The folder “${basename(folder)}” cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Choose another folder.`);
    }
    if (listed.images.length === 0) throw new SpireError('image-missing', `The folder “${basename(folder)}” has no PNG, JPEG, WebP or TIFF images. Choose another folder.`);
    return { photos: this.addPaths(listed.images), note: listed.others.length > 0 ? skippedFilesLine(basename(folder), listed.others) : null };
  }

  /** A dropped photo: its bytes stay in main until it leaves the list. */
  addBytes(name: string, bytes: Uint8Array): BatchAdded {
    this.refuseWhileRunning('add photos to it');
    if (!isRestorableName(name)) return { photos: [], note: `“${name}” is not a PNG, JPEG, WebP or TIFF file, so it was not added.` };
    this.roomFor(1);
    const held = [...this.entries.values()].reduce((n, e) => n + (e.bytes?.byteLength ?? 0), 0);
    if (held + bytes.byteLength > this.maxDroppedBytes) {
      throw new SpireError('queue-full', `The batch already holds ${Math.round(held / 2 ** 20)} MB of dropped photos, so “${name}” was not added. Add the rest with Add folder… instead.`);
    }
    const photo: BatchPhoto = { id: randomUUID(), name, source: 'dropped' };
    this.entries.set(photo.id, { photo, path: null, bytes });
    return { photos: [photo], note: null };
  }

  /** Takes photos off the list (none named: all); refused while a batch runs. */
  remove(photoIds: readonly string[]): number {
    this.refuseWhileRunning('change its photos');
    const ids = photoIds.length === 0 ? [...this.entries.keys()] : photoIds;
    let removed = 0;
    for (const id of ids) if (this.entries.delete(id)) removed += 1;
    return removed;
  }

  /** Main's folder dialog for the outputs; the folder must take a file. Null when cancelled. */
  async chooseOutput(): Promise<{ folder: string } | null> {
    const folder = await this.options.dialog.chooseFolder('Choose the folder for the restored photos');
    if (folder === null) return null;
    await checkWritable(folder, folder);
    this.outputFolder = resolve(folder);
    return { folder: this.outputFolder };
  }

  /** Checks the batch (see the recipe) and starts it; answers at once, the work follows as events. */
  async start(request: BatchStartRequest): Promise<{ batchId: string; total: number }> {
    if (this.running) throw new SpireError('queue-full', 'A batch is already running. Wait for it to finish or cancel it, then start this one.');
    const folder = this.outputFolder;
    if (folder === null) throw new SpireError('output-no-folder', 'Choose an output folder for the restored photos first (Output folder…).');
    const entries = request.photoIds.map((id) => {
      const e = this.entries.get(id);
      if (!e) throw new SpireError('image-not-open', 'A photo of this batch is no longer on the list. Add it again, then start the batch.');
      return e;
    });
    const outputs = outputsInFolder(
      entries.map((e) => e.photo.name),
      folder,
      request.format,
      'Take one of them off the batch, or restore it on its own.',
    );
    entries.forEach((e, k) => {
      if (e.path !== null && isItsOwnInput(e.path, outputs[k]!)) {
        throw new SpireError('usage', `“${e.photo.name}” would be written over itself: the output folder is its folder. Choose another output folder.`);
      }
    });
    await checkWritable(folder, folder);
    const controller = new AbortController();
    this.running = { batchId: request.batchId, controller };
    void this.runAll(request, entries, outputs, controller.signal).finally(() => {
      if (this.running?.batchId === request.batchId) this.running = null;
    });
    return { batchId: request.batchId, total: entries.length };
  }

  /** Cancels the running batch: its running job is aborted, the photos not yet run end `cancelled`. */
  cancel(batchId: string): boolean {
    if (this.running?.batchId !== batchId) return false;
    this.running.controller.abort();
    return true;
  }

  /** Whether a batch is running. */
  isRunning(): boolean {
    return this.running !== null;
  }

  private addPaths(paths: readonly string[]): BatchPhoto[] {
    this.refuseWhileRunning('add photos to it');
    const known = new Set([...this.entries.values()].map((e) => e.path).filter((p): p is string => p !== null));
    const fresh = [...new Set(paths.map((p) => resolve(p)))].filter((p) => !known.has(p));
    this.roomFor(fresh.length);
    return fresh.map((path) => {
      const photo: BatchPhoto = { id: randomUUID(), name: basename(path), source: 'file' };
      this.entries.set(photo.id, { photo, path, bytes: null });
      return photo;
    });
  }

  private roomFor(count: number): void {
    if (this.entries.size + count > this.maxPhotos) {
      throw new SpireError('queue-full', `A batch holds at most ${this.maxPhotos} photos and ${this.entries.size} are on the list, so these ${count} were not added. Run this batch first, or split the folder.`);
    }
  }

  private refuseWhileRunning(what: string): void {
    if (this.running) throw new SpireError('queue-full', `A batch is running; wait for it to finish or cancel it to ${what}.`);
  }

  private async runAll(request: BatchStartRequest, entries: Entry[], outputs: string[], signal: AbortSignal): Promise<void> {
    const { emit } = this.options;
    const counts: BatchDoneEvent['counts'] = { queued: 0, running: 0, done: 0, failed: 0, skipped: 0, cancelled: 0 };
    const report = (k: number, state: BatchPhotoState, fraction: number, message: string | null) =>
      emit('spire:batch:progress', { batchId: request.batchId, photoId: entries[k]!.photo.id, state, fraction, message, output: basename(outputs[k]!) });
    entries.forEach((_, k) => report(k, 'queued', 0, null));
    const wire = request.ownEstimate ? { ...request.params, restorationPrompt: ownEstimatePrompt(request.params.restorationPrompt) } : request.params;
    const params = toEngineParams(wire);
    const restorerShare = wire.strength > 0 ? RESTORER_SHARE_BEFORE_STEPS : 1;
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k]!;
      const output = outputs[k]!;
      if (signal.aborted) {
        report(k, 'cancelled', 0, 'Cancelled before it ran.');
        counts.cancelled += 1;
        continue;
      }
      report(k, 'running', 0, null);
      await this.engineSettled(signal);
      const state = await this.runOne(entry, output, request, params, signal, restorerShare, (fraction) => report(k, 'running', fraction, null)).catch((err: unknown) => {
        this.options.log?.('batch photo failed unexpectedly', err);
        return { state: 'failed' as const, message: `The restoration failed: ${String(err)}` };
      });
      report(k, state.state, state.state === 'done' ? 1 : 0, state.message);
      counts[state.state] += 1;
    }
    emit('spire:batch:done', { batchId: request.batchId, counts });
  }

  /** Resolves once the engine is not (re)starting (after a crash mid-batch the host restarts it), or on cancel. */
  private engineSettled(signal: AbortSignal): Promise<void> {
    const { status, onStatus } = this.options.engine;
    if (!status || !onStatus) return Promise.resolve();
    const settled = (): boolean => signal.aborted || !['starting', 'restarting'].includes(status.call(this.options.engine).state);
    if (settled()) return Promise.resolve();
    return new Promise((resolveSettled) => {
      const done = () => {
        off();
        signal.removeEventListener('abort', done);
        resolveSettled();
      };
      const off = onStatus.call(this.options.engine, () => {
        if (settled()) done();
      });
      signal.addEventListener('abort', done);
    });
  }

  /** One photo: skipped (its output exists), restored and written, failed with the reason, or cancelled. */
  private async runOne(
    entry: Entry,
    output: string,
    request: BatchStartRequest,
    params: ReturnType<typeof toEngineParams>,
    signal: AbortSignal,
    restorerShare: number,
    progress: (fraction: number) => void,
  ): Promise<{ state: 'done' | 'failed' | 'skipped' | 'cancelled'; message: string }> {
    const name = basename(output);
    const exists = `“${name}” is already in the output folder; left as it is. Tick “Replace existing outputs” to restore it again.`;
    if (!request.overwrite && (await existingFiles([output])).length > 0) return { state: 'skipped', message: exists };
    const input: ImageSource = entry.path !== null ? { path: entry.path } : { bytes: entry.bytes!, name: entry.photo.name };
    const started = Date.now();
    try {
      const result = await this.options.engine.request(
        'restore',
        {
          input,
          params,
          output: {
            format: request.format,
            ...(request.quality !== undefined ? { quality: request.quality } : {}),
            ...(request.colour !== undefined ? { colour: request.colour } : {}),
            ...(request.stripLocation !== undefined ? { stripLocation: request.stripLocation } : {}),
          },
        },
        {
          signal,
          onProgress: (p) => {
            if (!isRestoreProgress(p) || signal.aborted) return;
            // The engine's one weighted fraction over the run (restorer passes, steps, decode).
            if (typeof p.fraction === 'number') return progress(Math.min(1, Math.max(0, p.fraction)));
            if (p.totalSteps <= 0) return;
            const done = Math.min(1, p.step / p.totalSteps);
            progress(p.phase === 'restorer' ? done * restorerShare : restorerShare < 1 ? restorerShare + done * (1 - restorerShare) : done);
          },
        },
      );
      await writeFileAtomic(output, result.image.bytes, request.overwrite);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      return { state: 'done', message: `Written as “${name}” (${result.image.width} × ${result.image.height}, ${seconds} s).` };
    } catch (err) {
      if (signal.aborted || isSpireError(err, 'cancelled')) return { state: 'cancelled', message: 'Cancelled; nothing was written.' };
      if (isSpireError(err, 'output-exists')) return { state: 'skipped', message: exists };
      const info = toErrorInfo(err, (detail) => ({ code: 'restore-failed', message: `The restoration failed: ${detail}` }));
      if (info.code === 'restore-failed') this.options.log?.('batch photo failed', err);
      return { state: 'failed', message: info.message };
    }
  }
}
