/**
 * The renderer's side effects: talking to main over window.spire, reading dropped
 * files, decoding images. Everything it learns goes into the store as an action;
 * components call these methods and read the store, nothing else.
 */
import type { IpcError, OpenedImage, RecentFile, Result, SpireApi } from '../../../preload/contract/channels';
import type { FileLike } from '../io/droppedFiles';
import { fileNameForUpload, pickImageFile } from '../io/droppedFiles';
import type { AppAction, AppState, ImageDoc } from '../state/appState';
import type { RestoredSession } from '../state/sessions';
import type { Store } from '../state/store';

/** A dropped or pasted file: the parts of a DOM File the controller uses. */
export interface DroppedFile extends FileLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Where decoded pixels live (bitmapCache.ts in the app, a fake in tests). The store only
 * ever holds the key `load` returns.
 */
export interface ImageSources {
  /** Decodes encoded bytes and keeps the pixels; resolves to their key, rejects when they do not decode. */
  load(imageId: string, bytes: Uint8Array, mime: string): Promise<string>;
  /** Makes the smaller copies for zoomed-out drawing; resolves to the level count (0 if released meanwhile). */
  buildLevels(key: string): Promise<number>;
  release(key: string): void;
}

export interface AppController {
  /** Shows the OS open dialog and opens what the user picks. */
  openDialog(): Promise<void>;
  /** Opens the first image among dropped or pasted files. */
  openFiles(files: readonly DroppedFile[]): Promise<void>;
  /** Reopens a file from main's recent list (main refuses paths it did not record). */
  openRecent(path: string): Promise<void>;
  /** Reads main's recent-files list into the store; a failure leaves the old list (main's error shows in the banner). */
  refreshRecent(): Promise<void>;
  dismissError(): void;
  /** Follows the engine's status; returns the unsubscribe function. */
  watchEngine(): () => void;
}

const NO_BRIDGE: IpcError = {
  code: 'no-bridge',
  message:
    "SPIRE Studio's connection to its main process is missing, so photos cannot be opened. Start the app with `npm start` instead of opening the page in a browser.",
};

function describeFailure(what: string, err: unknown): IpcError {
  const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
  return {
    code: 'ipc-failed',
    message: `${what} failed because the app's main process did not answer${detail}. Try again; restart SPIRE Studio if it keeps happening.`,
  };
}

/** Where a photo's saved session comes from (app/photoSessions.ts): asked before the photo is shown. */
export interface SessionSource {
  restore(opened: OpenedImage, image: ImageDoc): Promise<RestoredSession | null>;
}

export function createController(
  store: Store<AppState, AppAction>,
  api: SpireApi | undefined,
  images: ImageSources,
  sessions?: SessionSource,
): AppController {
  const dispatch = store.dispatch;
  /** Bumped by every open; a slower earlier open that finishes later is dropped. */
  let latestOpen = 0;

  function fail(error: IpcError): void {
    dispatch({ type: 'error/shown', error });
  }

  /** Decodes the image main sent and shows it, unless a newer open has started meanwhile. */
  async function show(opened: OpenedImage, ticket: number): Promise<void> {
    dispatch({ type: 'open/started', name: opened.name });
    let sourceKey: string;
    try {
      sourceKey = await images.load(opened.id, opened.bytes, opened.mime);
    } catch {
      if (ticket === latestOpen) {
        dispatch({ type: 'open/ended' });
        fail({
          code: 'decode-failed',
          message: `“${opened.name}” could not be shown: its ${opened.mime} data did not decode. Re-save the photo as PNG or JPEG and open it again.`,
        });
      }
      return;
    }
    if (ticket !== latestOpen) {
      images.release(sourceKey);
      return;
    }
    const { id, name, width, height, mime, contentHash, photo } = opened;
    const image: ImageDoc = { id, name, width, height, mime, sourceKey, levels: 1, ...(contentHash ? { contentHash } : {}), ...(photo ? { photo } : {}) };
    // Its saved session (same file, or an identical copy, opened before) comes with it.
    const session = sessions ? await sessions.restore(opened, image) : null;
    if (ticket !== latestOpen) {
      images.release(sourceKey);
      return;
    }
    dispatch({ type: 'image/opened', image, session });
    void refreshRecent();
    // A photo already open shows its own tab: these pixels are not needed.
    if (store.getState().image?.sourceKey !== sourceKey) return images.release(sourceKey);
    const levels = await images.buildLevels(sourceKey);
    if (levels > 1) dispatch({ type: 'image/levelsReady', sourceKey, levels });
  }

  async function refreshRecent(): Promise<void> {
    if (!api) return;
    let result: Result<RecentFile[]>;
    try {
      result = await api.image.recent();
    } catch {
      // Main did not answer. The list is a convenience: keep the one shown; opening a stale entry reports its own error.
      return;
    }
    // Main's failure is worded for the user: show it, and keep the list shown.
    if (result.ok) dispatch({ type: 'recent/loaded', files: result.value });
    else fail(result.error);
  }

  /** Shared tail of all ways to open: report failure, treat `null` as a cancelled dialog. */
  async function handle(result: Result<OpenedImage | null>, ticket: number): Promise<void> {
    if (ticket !== latestOpen) return;
    if (!result.ok) {
      dispatch({ type: 'open/ended' });
      fail(result.error);
      return;
    }
    if (result.value === null) {
      dispatch({ type: 'open/ended' });
      return;
    }
    await show(result.value, ticket);
  }

  return {
    async openDialog() {
      if (!api) return fail(NO_BRIDGE);
      const ticket = ++latestOpen;
      dispatch({ type: 'open/started', name: null });
      let result: Result<OpenedImage | null>;
      try {
        result = await api.image.openDialog();
      } catch (err) {
        if (ticket === latestOpen) {
          dispatch({ type: 'open/ended' });
          fail(describeFailure('Opening a photo', err));
        }
        return;
      }
      await handle(result, ticket);
    },

    async openFiles(files) {
      const picked = pickImageFile(files);
      if (!picked.ok) return fail(picked.error);
      if (!api) return fail(NO_BRIDGE);
      const file = picked.file;
      const name = fileNameForUpload(file);
      const ticket = ++latestOpen;
      dispatch({ type: 'open/started', name });
      let result: Result<OpenedImage>;
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        result = await api.image.openBytes(name, bytes);
      } catch (err) {
        if (ticket === latestOpen) {
          dispatch({ type: 'open/ended' });
          // File.arrayBuffer() rejects with a DOMException (NotReadableError, NotFoundError).
          const readFailed = err instanceof Error && /NotReadable|NotFound|Security/.test(err.name);
          fail(
            readFailed
              ? { code: 'read-failed', message: `“${name}” could not be read. Check that the file still exists and that you may read it, then drop it again.` }
              : describeFailure(`Opening “${name}”`, err),
          );
        }
        return;
      }
      await handle(result, ticket);
    },

    async openRecent(path) {
      if (!api) return fail(NO_BRIDGE);
      const known = store.getState().recent.find((f) => f.path === path);
      const name = known?.name ?? null;
      const ticket = ++latestOpen;
      dispatch({ type: 'open/started', name });
      let result: Result<OpenedImage>;
      try {
        result = await api.image.openRecent(path);
      } catch (err) {
        if (ticket === latestOpen) {
          dispatch({ type: 'open/ended' });
          fail(describeFailure(`Opening “${name ?? path}”`, err));
        }
        return;
      }
      // A file that could not be opened (moved, deleted) may have left main's list.
      if (!result.ok) void refreshRecent();
      await handle(result, ticket);
    },

    refreshRecent,

    dismissError() {
      dispatch({ type: 'error/dismissed' });
    },

    watchEngine() {
      if (!api) {
        fail(NO_BRIDGE);
        return () => {};
      }
      let live = true;
      let heardEvent = false;
      const unsubscribe = api.engine.onStatus((status) => {
        heardEvent = true;
        if (live) dispatch({ type: 'engine/status', status });
      });
      api.engine.status().then(
        (result) => {
          if (!live) return;
          // An event that arrived while we waited is newer than this answer.
          if (result.ok) {
            if (!heardEvent) dispatch({ type: 'engine/status', status: result.value });
          } else fail(result.error);
        },
        (err: unknown) => {
          if (live) fail(describeFailure('Reading the engine status', err));
        },
      );
      return () => {
        live = false;
        unsubscribe();
      };
    },
  };
}
