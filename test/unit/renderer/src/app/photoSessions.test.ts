// The open photos' sessions against a fake window.spire.session and fake result images: restoring a saved
// session on open, saving changes (debounced), saving and freeing a closed photo.
import { describe, expect, it } from 'vitest';
import type { OpenedImage, RestoredImage, SavedSession, SessionSaveRequest, SpireApi } from '../../../../../preload/contract/channels';
import { createPhotoSessions } from '../../../../../renderer/src/app/photoSessions';
import type { ResultImages } from '../../../../../renderer/src/app/resultHistory';
import { appReducer, initialAppState, type ImageDoc } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

const wait = (ms = 0) => new Promise<void>((r) => setTimeout(r, ms));
const HASH_A = 'a'.repeat(64);

const imageDoc = (name: string, hash: string, id = `id-${name}`): ImageDoc => ({ id, name, width: 8, height: 8, mime: 'image/png', sourceKey: `src-${id}`, levels: 1, contentHash: hash });
const opened = (doc: ImageDoc): OpenedImage => ({ id: doc.id, name: doc.name, width: 8, height: 8, mime: 'image/png', bytes: new Uint8Array([1]), ...(doc.contentHash ? { contentHash: doc.contentHash } : {}) });

function setup(saved: SavedSession | null = null) {
  const saves: SessionSaveRequest[] = [];
  const loads: string[] = [];
  const discards: string[] = [];
  const cancels: string[] = [];
  const api = {
    session: {
      load: async (hash: string, imageId: string) => {
        loads.push(`${hash.slice(0, 4)}:${imageId}`);
        return { ok: true, value: saved };
      },
      save: async (request: SessionSaveRequest) => {
        saves.push(request);
        return { ok: true, value: { saved: request.resultIds } };
      },
      delete: async () => ({ ok: true, value: { deleted: true } }),
    },
    restore: {
      discard: async (id: string) => {
        discards.push(id);
        return { ok: true, value: { discarded: true } };
      },
      cancel: async (id: string) => {
        cancels.push(id);
        return { ok: true, value: { cancelled: true } };
      },
    },
  } as unknown as SpireApi;
  const released: string[] = [];
  const revoked: string[] = [];
  const images: ResultImages = {
    load: async (id) => `key:${id}`,
    release: (key) => void released.push(key),
    thumbnail: async (key) => `thumb:${key}`,
    url: () => 'blob:x',
    revoke: (url) => void revoked.push(url),
  };
  const store = createStore(appReducer, initialAppState);
  const sessions = createPhotoSessions(store, api, images, { saveDelayMs: 5 });
  const stop = sessions.watch();
  return { store, sessions, stop, saves, loads, discards, cancels, released, revoked };
}

const savedA = (results: RestoredImage[]): SavedSession => ({
  state: JSON.stringify({ version: 1, prompt: { semantic: 'a red barn', restorationText: 'Denoise with sigma 0.08;' }, settings: { steps: 9 }, history: { entries: results.map((r) => ({ id: r.resultId, seed: 3, label: 'kept' })), currentId: results[0]?.resultId ?? null }, regions: { items: [] } }),
  masks: [],
  results,
  savedAt: 1,
});
const restored = (id: string): RestoredImage => ({ resultId: id, imageId: 'id-a.png', width: 8, height: 8, mime: 'image/png', bytes: new Uint8Array([1]) }) as RestoredImage;

describe('photo sessions', () => {
  it("restores a photo's saved session when it opens: results decoded, entries whole, thumbnails follow", async () => {
    const h = setup(savedA([restored('r1')]));
    const doc = imageDoc('a.png', HASH_A);
    const session = await h.sessions.restore(opened(doc), doc);
    expect(h.loads).toEqual(['aaaa:id-a.png']);
    expect(session?.prompt.semantic).toBe('a red barn');
    expect(session?.history.entries[0]).toMatchObject({ id: 'r1', resultKey: 'key:r1', imageId: 'id-a.png', label: 'kept' });
    h.store.dispatch({ type: 'image/opened', image: doc, session });
    await wait();
    await wait();
    expect(h.store.getState().studio.history.entries[0]?.thumbnailUrl).toBe('thumb:key:r1');
    // Already open: nothing is asked.
    expect(await h.sessions.restore(opened(imageDoc('copy.png', HASH_A, 'id-copy')), imageDoc('copy.png', HASH_A, 'id-copy'))).toBeNull();
    expect(h.loads).toHaveLength(1);
    h.stop();
  });

  it('saves a changed session once, after the last change; an unchanged one is not saved', async () => {
    const h = setup();
    h.store.dispatch({ type: 'image/opened', image: imageDoc('a.png', HASH_A) });
    await wait(20);
    expect(h.saves).toEqual([]);
    h.store.dispatch({ type: 'prompt/semantic', text: 'a red' });
    h.store.dispatch({ type: 'prompt/semantic', text: 'a red barn' });
    await wait(20);
    expect(h.saves).toHaveLength(1);
    expect(h.saves[0]).toMatchObject({ contentHash: HASH_A, name: 'a.png', resultIds: [] });
    expect(JSON.parse(h.saves[0]!.state).prompt.semantic).toBe('a red barn');
    h.stop();
  });

  it('sends the masks only when they changed since the last save', async () => {
    const h = setup();
    h.store.dispatch({ type: 'image/opened', image: imageDoc('a.png', HASH_A) });
    h.store.dispatch({ type: 'regions/add' });
    await wait(20);
    h.store.dispatch({ type: 'prompt/semantic', text: 'typing' });
    await wait(20);
    h.store.dispatch({ type: 'regions/mask', op: { kind: 'invert' } });
    await wait(20);
    expect(h.saves.map((r) => r.masks?.map((m) => m.data[0]))).toEqual([[0], undefined, [255]]);
    h.stop();
  });

  it('a closed photo is saved at once with what it had, then its pixels, results and run are freed', async () => {
    const h = setup();
    h.store.dispatch({ type: 'image/opened', image: imageDoc('a.png', HASH_A) });
    h.store.dispatch({ type: 'prompt/semantic', text: 'closing soon' });
    h.store.dispatch({
      type: 'history/added',
      makeCurrent: true,
      entry: { id: 'r1', imageId: 'id-a.png', resultKey: 'key:r1', thumbnailUrl: 'thumb:1', width: 8, height: 8, semanticPrompt: '', restorationPrompt: '', estimatedPrompt: null, regionPrompts: [], seed: 1, steps: 0, elapsedMs: 1, finishedAt: 1, pinned: false, sweepId: null },
    });
    h.store.dispatch({ type: 'run/starting', jobId: 'job-9', kind: 'single', seed: 1, totalSteps: 4 });
    h.store.dispatch({ type: 'sessions/close', key: HASH_A });
    await wait();
    expect(h.saves).toHaveLength(1);
    expect(h.saves[0]?.resultIds).toEqual(['r1']);
    expect(JSON.parse(h.saves[0]!.state).prompt.semantic).toBe('closing soon');
    expect(h.released.sort()).toEqual(['key:r1', 'src-id-a.png']);
    expect(h.revoked).toEqual(['thumb:1']);
    expect(h.discards).toEqual(['r1']);
    expect(h.cancels).toEqual(['job-9']);
    await wait(20);
    expect(h.saves).toHaveLength(1); // the pending debounced save went with the close
    h.stop();
  });

  it('a photo main sent no content hash for is never saved', async () => {
    const h = setup();
    h.store.dispatch({ type: 'image/opened', image: { ...imageDoc('a.png', HASH_A), contentHash: undefined } as unknown as ImageDoc });
    h.store.dispatch({ type: 'prompt/semantic', text: 'x' });
    await wait(20);
    expect(h.saves).toEqual([]);
    h.stop();
  });
});
