/**
 * Asks main for the degradation estimate of the photo on screen, whenever the photo or the loaded
 * pack changes (any way of opening: dialog, drop, paste, recent; also a photo opened before the pack
 * had loaded, and a pack switched under an open photo). What it learns goes into the store
 * (state/promptEstimate.ts), which fills the restoration prompt and drops an answer that comes too
 * late. Non-blocking: the editor stays usable while the engine reads the photo.
 */
import type { IpcError, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import { wantedEstimate } from '../state/promptEstimate';
import { forPhoto } from '../state/sessions';
import type { Store } from '../state/store';

/** Follows the store and asks for each new photo-and-pack's estimate; returns the unsubscribe function. */
export function watchEstimates(store: Store<AppState, AppAction>, api: SpireApi | undefined): () => void {
  if (!api) return () => undefined;
  let live = true;
  /** The photo and pack last asked about ("" when none is wanted). */
  let asked = '';

  const ask = (imageId: string, packDir: string): void => {
    store.dispatch({ type: 'estimate/asked', imageId, packDir });
    // The answer goes to the photo it was asked for, even when another is shown by then (state/sessions.ts).
    const photo = store.getState().sessions.activeKey;
    const send = (action: AppAction) => store.dispatch(forPhoto(photo, action));
    const failed = (error: IpcError) => live && send({ type: 'estimate/failed', imageId, packDir, code: error.code, message: error.message });
    api.image.estimate(imageId).then(
      (r) => {
        if (!live) return;
        if (r.ok) send({ type: 'estimate/arrived', imageId, packDir, estimate: r.value });
        else failed(r.error);
      },
      (err: unknown) => failed({ code: 'ipc-failed', message: `main did not answer${err instanceof Error && err.message ? ` (${err.message})` : ''}` }),
    );
  };

  const follow = (): void => {
    const state = store.getState();
    const wanted = wantedEstimate(state);
    const key = wanted ? `${wanted.imageId}\n${wanted.packDir}` : '';
    if (key === asked) return;
    asked = key; // before dispatching: the dispatch below calls follow() again
    // A photo shown again (another open photo's tab, state/sessions.ts) already has its answer.
    const had = state.studio.estimate;
    if (wanted && had.imageId === wanted.imageId && had.packDir === wanted.packDir && had.status !== 'none' && had.status !== 'reading') return;
    if (wanted) ask(wanted.imageId, wanted.packDir);
  };

  const unsubscribe = store.subscribe(follow);
  follow();
  return () => {
    live = false;
    unsubscribe();
  };
}
