/**
 * The open photos' sessions, their side effects (state/sessions.ts holds them, pure):
 *
 *   restore  a photo about to open -> main's saved session for its content hash -> its results
 *            decoded (bitmapCache) -> RestoredSession for `image/opened`; thumbnails follow
 *   watch    every change of an open photo's session -> session.save 600 ms after the last one
 *            (the snapshot of sessionSnapshot.ts: prompts, settings, regions and masks, history);
 *            a photo closed -> saved at once with what it had, then what it held here and in main
 *            is freed (its pixels, results, thumbnails; a run still going is cancelled)
 *   show / close  the tab row's buttons
 *
 * Saving never touches the user's files: main writes into the user data folder only.
 */
import type { OpenedImage, RestoredImage, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState, ImageDoc } from '../state/appState';
import { snapshotOf, restoredFrom } from '../state/sessionSnapshot';
import type { PhotoSlices, RestoredSession } from '../state/sessions';
import { allPhotoSlices, forPhoto, photoKey } from '../state/sessions';
import type { Store } from '../state/store';
import type { ResultImages } from './resultHistory';

/** How long saving waits for the next change of the same photo. */
export const SESSION_SAVE_DELAY_MS = 600;

export interface PhotoSessions {
  /** The saved session of a photo about to open (null: none, already open, or unreadable). */
  restore(opened: OpenedImage, image: ImageDoc): Promise<RestoredSession | null>;
  /** Follows the store: saves changed sessions, frees closed photos; returns the unsubscribe. */
  watch(): () => void;
  show(key: string): void;
  close(key: string): void;
  /** Saves every open photo's pending changes now. */
  flush(): Promise<void>;
}

/** The parts of a photo's slices a save writes: a new reference in any of them is a change. */
function savedParts(s: PhotoSlices): readonly unknown[] {
  const { prompt, estimate, settings, history, compare } = s.studio;
  return [prompt.semantic, prompt.restorationText, estimate, settings, history.entries, history.currentId, compare.on, compare.mode, s.regions.items, s.regions.activeId];
}

function sameParts(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function createPhotoSessions(store: Store<AppState, AppAction>, api: SpireApi | undefined, images: ResultImages, options: { saveDelayMs?: number } = {}): PhotoSessions {
  const delay = options.saveDelayMs ?? SESSION_SAVE_DELAY_MS;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The last slices seen of each open photo. */
  let known = new Map<string, PhotoSlices>();
  let saving: Promise<unknown> = Promise.resolve();
  /** Each photo's masks as last saved (by identity: a mask edit makes a new one); unchanged masks are not sent again. */
  const savedMasks = new Map<string, readonly unknown[]>();

  function save(key: string, slices: PhotoSlices): Promise<void> {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
    if (!api || !slices.image.contentHash) return Promise.resolve();
    const { masks, ...snapshot } = snapshotOf(slices);
    const maskRefs = slices.regions.items.map((r) => r.mask);
    const last = savedMasks.get(key);
    const unchanged = last !== undefined && sameParts(last, maskRefs);
    const request = { contentHash: slices.image.contentHash, name: slices.image.name, ...snapshot, ...(unchanged ? {} : { masks }) };
    // One save at a time, in order; a failure is not the user's business (the session is a convenience): logged.
    const run = saving.then(() =>
      api.session.save(request).then(
        (r) => {
          if (!r.ok) console.warn(`SPIRE Studio could not save the session of ${slices.image.name}: ${r.error.message}`);
          else savedMasks.set(key, maskRefs);
        },
        (err: unknown) => console.warn(`SPIRE Studio could not save the session of ${slices.image.name}`, err),
      ),
    );
    saving = run;
    return run;
  }

  function schedule(key: string): void {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        const slices = allPhotoSlices(store.getState()).get(key);
        if (slices) void save(key, slices);
      }, delay),
    );
  }

  /** Frees what a closed photo held: its pixels, results and thumbnails here, its results in main, its run. */
  function free(slices: PhotoSlices): void {
    images.release(slices.image.sourceKey);
    for (const e of slices.studio.history.entries) {
      images.release(e.resultKey);
      if (e.thumbnailUrl) images.revoke(e.thumbnailUrl);
      void api?.restore.discard(e.id).catch(() => undefined);
    }
    const { job } = slices.studio;
    if (job.previewUrl) images.revoke(job.previewUrl);
    if (job.jobId && job.status !== 'idle') void api?.restore.cancel(job.jobId).catch(() => undefined);
  }

  function follow(): void {
    const now = allPhotoSlices(store.getState());
    for (const [key, slices] of now) {
      const before = known.get(key);
      if (before && !sameParts(savedParts(before), savedParts(slices))) schedule(key);
    }
    for (const [key, slices] of known) {
      if (now.has(key)) continue;
      // Closed: saved with what it had, then freed (main must still hold its results while it saves).
      void save(key, slices).then(() => {
        savedMasks.delete(key);
        free(slices);
      });
    }
    known = now;
  }

  /** Thumbnails for the entries a restored session brought back. */
  function thumbnails(key: string, entries: readonly { id: string; resultKey: string }[]): void {
    for (const e of entries) {
      void images.thumbnail(e.resultKey).then((url) => {
        if (!url) return;
        const photo = allPhotoSlices(store.getState()).get(key);
        if (photo?.studio.history.entries.some((x) => x.id === e.id)) store.dispatch(forPhoto(key, { type: 'history/thumbnail', id: e.id, url }));
        else images.revoke(url);
      });
    }
  }

  return {
    async restore(opened, image) {
      const key = photoKey(image);
      if (!api || !opened.contentHash || store.getState().sessions.tabs.some((t) => t.key === key)) return null;
      let saved;
      try {
        const r = await api.session.load(opened.contentHash, opened.id);
        if (!r.ok || !r.value) return null;
        saved = r.value;
      } catch {
        return null; // main did not answer: the photo opens afresh
      }
      const decoded = new Map<string, { resultKey: string; image: RestoredImage }>();
      for (const result of saved.results) {
        try {
          decoded.set(result.resultId, { resultKey: await images.load(result.resultId, result.bytes, result.mime), image: result });
        } catch {
          // A result that does not decode is left out of the history.
        }
      }
      const restored = restoredFrom(saved, image, decoded);
      const used = new Set(restored?.history.entries.map((e) => e.id) ?? []);
      for (const [id, d] of decoded) if (!used.has(id)) images.release(d.resultKey);
      if (restored) setTimeout(() => thumbnails(key, restored.history.entries), 0);
      return restored;
    },

    watch() {
      known = allPhotoSlices(store.getState());
      const unsubscribe = store.subscribe(follow);
      return () => {
        unsubscribe();
        for (const t of timers.values()) clearTimeout(t);
        timers.clear();
      };
    },

    show(key) {
      store.dispatch({ type: 'sessions/switch', key });
    },

    close(key) {
      store.dispatch({ type: 'sessions/close', key });
    },

    async flush() {
      const pending = [...timers.keys()];
      const slices = allPhotoSlices(store.getState());
      await Promise.all(pending.map((key) => slices.get(key) && save(key, slices.get(key)!)));
    },
  };
}
