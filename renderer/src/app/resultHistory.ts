/**
 * Finished results in the history: `keep` decodes a result into the app's images and adds
 * its entry (the thumbnail follows); entries that leave the history (deleted, or evicted by
 * a newer one) have what they held freed: pixels, thumbnail URL and main's copy.
 */
import type { RestoredImage, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import type { HistoryEntry } from '../state/historyResults';
import { evicted } from '../state/historyResults';
import { forPhoto, photoState } from '../state/sessions';
import type { Store } from '../state/store';
import { shown } from './runFailures';

/** Where result pixels and small pictures go (bitmapCache + object URLs in the app, fakes in tests). */
export interface ResultImages {
  /** Decodes a result and keeps it; resolves to its bitmapCache key. */
  load(resultId: string, bytes: Uint8Array, mime: string): Promise<string>;
  release(key: string): void;
  /** A small PNG of the kept result for the history strip, as an object URL. */
  thumbnail(key: string): Promise<string | null>;
  /** An object URL for encoded bytes (a step preview). */
  url(bytes: Uint8Array, mime: string): string;
  revoke(url: string): void;
}

export interface ResultHistory {
  /**
   * Adds a finished result to the history of photo `photoKey` (default: the one shown), shown or not;
   * resolves to its entry id, or null when it did not decode (the reason is on screen) or the photo was closed.
   */
  keep(result: RestoredImage, sweepId: string | null, makeCurrent: boolean, photoKey?: string): Promise<string | null>;
  /** Deletes an entry and frees what it held, here and in main. */
  remove(id: string): void;
}

export function createResultHistory(store: Store<AppState, AppAction>, api: SpireApi | undefined, images: ResultImages, now: () => number): ResultHistory {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const history = () => store.getState().studio.history;
  /** Photo `key`'s history (shown or not); null once it is closed. */
  const historyOf = (key: string | null) => (key === null ? history() : (photoState(store.getState(), key)?.studio.history ?? null));

  /** Frees what entries that left the history held. */
  function housekeep(before: AppState['studio']['history'], after: AppState['studio']['history']): void {
    for (const gone of evicted(before, after)) {
      images.release(gone.resultKey);
      if (gone.thumbnailUrl) images.revoke(gone.thumbnailUrl);
      void api?.restore.discard(gone.id).catch(() => undefined);
    }
  }

  return {
    async keep(result, sweepId, makeCurrent, photoKey) {
      const photo = photoKey ?? store.getState().sessions.activeKey;
      let key: string;
      try {
        key = await images.load(result.resultId, result.bytes, result.mime);
      } catch {
        dispatch(shown({ code: 'decode-failed', message: 'The restored image came back but could not be shown (its PNG did not decode). Run it again.' }));
        return null;
      }
      const entry: HistoryEntry = {
        id: result.resultId,
        imageId: result.imageId,
        resultKey: key,
        thumbnailUrl: null,
        width: result.width,
        height: result.height,
        semanticPrompt: result.semanticPrompt,
        restorationPrompt: result.restorationPrompt,
        estimatedPrompt: result.estimate?.restorationPrompt ?? null,
        regionPrompts: (result.params.regions ?? []).map((r) => r.prompt),
        ...((result.params.regions ?? []).some((r) => r.restoration) ? { regionRestorations: result.params.regions.map((r) => r.restoration ?? null) } : {}),
        seed: result.seed,
        steps: result.stepsRun,
        elapsedMs: Math.round(result.seconds * 1000),
        finishedAt: now(),
        pinned: false,
        sweepId,
        strength: result.params.strength,
        ...(result.requestedPrompt !== undefined ? { requestedPrompt: result.requestedPrompt } : {}),
      };
      const before = historyOf(photo);
      if (!before) {
        // The photo was closed while it ran: its saved session has what it had.
        images.release(key);
        return null;
      }
      const add: AppAction = { type: 'history/added', entry, makeCurrent };
      dispatch(forPhoto(photo, add));
      housekeep(before, historyOf(photo) ?? before);
      void images.thumbnail(key).then((url) => {
        if (!url) return;
        const thumb: AppAction = { type: 'history/thumbnail', id: entry.id, url };
        if (historyOf(photo)?.entries.some((e) => e.id === entry.id)) dispatch(forPhoto(photo, thumb));
        else images.revoke(url);
      });
      return entry.id;
    },

    remove(id) {
      const before = history();
      dispatch({ type: 'history/delete', id });
      housekeep(before, history());
    },
  };
}
