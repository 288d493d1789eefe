/**
 * "Batch…": asks main to add photos (its multi-select or folder dialog, or the bytes of dropped files),
 * to choose the output folder, to start and cancel the batch, and follows the batch's events. What it
 * learns goes into the store (state/batch.ts); main's errors go into the batch dialog in main's words.
 *
 *   add          batch.add(files | folder) -> batch/added (null: the dialog was cancelled)
 *   addFiles     each dropped image's bytes -> batch.addBytes -> batch/added
 *   start        the editor's prompt and settings as one run's params (the run's checks, no regions)
 *                -> batch/starting (the id named here) -> batch.start -> started | notStarted
 *   events       spire:batch:progress / done of that id -> batch/progress / done
 *   cancel       batch/cancelling -> batch.cancel
 */
import type { SpireApi } from '../../../preload/contract/channels';
import { looksLikeImage, fileNameForUpload, MAX_DROP_BYTES } from '../io/droppedFiles';
import type { AppAction, AppState } from '../state/appState';
import { isBatchRunning } from '../state/batch';
import { buildRestoreRequest } from '../state/run';
import { seedForRun } from '../state/settings';
import type { Store } from '../state/store';
import type { DroppedFile } from './controller';
import { NO_BRIDGE, ipcFailure } from './runFailures';

export interface BatchRuns {
  /** Subscribes to the batch events; returns the cleanup. */
  listen(): () => void;
  /** Main's multi-select file dialog or folder dialog. */
  add(source: 'files' | 'folder'): Promise<void>;
  /** Dropped files: each image's bytes go to main (one at a time). */
  addFiles(files: readonly DroppedFile[]): Promise<void>;
  /** Takes photos off the list; none named: all. */
  remove(ids: string[]): Promise<void>;
  chooseOutput(): Promise<void>;
  start(): Promise<void>;
  cancel(): Promise<void>;
}

export interface BatchRunsOptions {
  /** A new batch id; default crypto.randomUUID(). */
  newBatchId?: () => string;
  /** 0..1, for an unlocked seed; default Math.random. */
  random?: () => number;
}

export function createBatchRuns(store: Store<AppState, AppAction>, api: SpireApi | undefined, options: BatchRunsOptions = {}): BatchRuns {
  const newBatchId = options.newBatchId ?? (() => crypto.randomUUID());
  const random = options.random ?? Math.random;
  const dispatch = (action: AppAction) => store.dispatch(action);
  const batch = () => store.getState().studio.batch;
  const fail = (message: string) => dispatch({ type: 'batch/failed', message });

  /** Runs one call to main; a refusal or a silent main is put in the dialog. Answers the value, or undefined. */
  async function ask<T>(what: string, call: () => Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T | undefined> {
    if (!api) {
      fail(NO_BRIDGE.message);
      return undefined;
    }
    try {
      const r = await call();
      if (r.ok) return r.value;
      fail(r.error.message);
    } catch (err) {
      fail(ipcFailure(what, err).message);
    }
    return undefined;
  }

  return {
    listen() {
      if (!api) return () => undefined;
      // A fresh window starts with an empty list: main forgets photos an earlier page added (refused, and kept, while a batch runs).
      void api.batch.remove([]).catch(() => undefined);
      const offProgress = api.batch.onProgress((event) => dispatch({ type: 'batch/progress', event }));
      const offDone = api.batch.onDone((event) => dispatch({ type: 'batch/done', event }));
      return () => {
        offProgress();
        offDone();
      };
    },

    async add(source) {
      if (isBatchRunning(batch())) return;
      const added = await ask('Adding photos', () => api!.batch.add(source));
      if (added) dispatch({ type: 'batch/added', photos: added.photos, note: added.note });
    },

    async addFiles(files) {
      if (isBatchRunning(batch())) return fail('A batch is running; add more photos when it has finished.');
      const left: string[] = [];
      for (const file of files) {
        if (!looksLikeImage(file) || file.size === 0 || file.size > MAX_DROP_BYTES) {
          left.push(file.name);
          continue;
        }
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await file.arrayBuffer());
        } catch {
          left.push(file.name);
          continue;
        }
        const added = await ask('Adding the dropped photo', () => api!.batch.addBytes(fileNameForUpload(file), bytes));
        if (!added) return;
        dispatch({ type: 'batch/added', photos: added.photos, note: added.note });
      }
      if (left.length > 0) {
        const shown = left.slice(0, 5).join(', ') + (left.length > 5 ? ` and ${left.length - 5} more` : '');
        fail(`Not added: ${shown}. Drop PNG, JPEG, WebP or TIFF photos (at most ${Math.round(MAX_DROP_BYTES / 2 ** 20)} MB each), or use Add folder….`);
      }
    },

    async remove(ids) {
      if (isBatchRunning(batch())) return;
      const r = await ask('Taking photos off the batch', () => api!.batch.remove(ids));
      if (r) dispatch({ type: 'batch/removed', ids });
    },

    async chooseOutput() {
      const chosen = await ask('Choosing the output folder', () => api!.batch.chooseOutput());
      if (chosen) dispatch({ type: 'batch/output', folder: chosen.folder });
    },

    async start() {
      const b = batch();
      if (isBatchRunning(b)) return;
      const ownEstimate = b.options.ownEstimate && store.getState().engine?.pack?.hasEstimator !== false;
      if (b.photos.length === 0) return fail('Add photos first: Add photos…, Add folder…, or drop them here.');
      if (b.outputFolder === null) return fail('Choose an output folder first (Output folder…).');
      if (!api) return fail(NO_BRIDGE.message);
      const state = store.getState();
      const { prompt, settings } = state.studio;
      // The editor's run, checked as Run checks it; a batch takes no regions (they are drawn on one photo).
      const built = buildRestoreRequest({
        imageId: 'batch',
        prompt,
        settings,
        seed: seedForRun(settings, random),
        regions: [],
        ...(state.engine?.pack?.hasRestorer !== undefined ? { hasRestorer: state.engine.pack.hasRestorer } : {}),
      });
      if (!built.ok) return fail(built.reason);
      const batchId = newBatchId();
      dispatch({ type: 'batch/starting', batchId });
      try {
        const r = await api.batch.start({ batchId, photoIds: b.photos.map((p) => p.id), params: built.request.params, ownEstimate, overwrite: b.options.overwrite, format: b.options.format, colour: b.options.colour, stripLocation: b.options.stripLocation });
        if (r.ok) dispatch({ type: 'batch/started', batchId });
        else dispatch({ type: 'batch/notStarted', batchId, message: r.error.message });
      } catch (err) {
        dispatch({ type: 'batch/notStarted', batchId, message: ipcFailure('Starting the batch', err).message });
      }
    },

    async cancel() {
      const { status, batchId } = batch();
      if ((status !== 'running' && status !== 'starting') || batchId === null || !api) return;
      dispatch({ type: 'batch/cancelling', batchId });
      await ask('Cancelling the batch', () => api.batch.cancel(batchId));
    },
  };
}
