// "Batch…" in the renderer (app/batchRuns.ts) against a fake window.spire.batch: what is asked of main, and what the store learns.
import { describe, expect, it } from 'vitest';
import type { BatchDoneEvent, BatchProgressEvent, BatchStartRequest, Result, SpireApi } from '../../../../../preload/contract/channels';
import { createBatchRuns } from '../../../../../renderer/src/app/batchRuns';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

function setup(startAnswer: (r: BatchStartRequest) => Result<{ batchId: string; total: number }> = (r) => ({ ok: true, value: { batchId: r.batchId, total: r.photoIds.length } })) {
  const store = createStore(appReducer, initialAppState);
  const started: BatchStartRequest[] = [];
  const cancels: string[] = [];
  const bytesSent: string[] = [];
  let onProgress: (e: BatchProgressEvent) => void = () => undefined;
  let onDone: (e: BatchDoneEvent) => void = () => undefined;
  const batch: SpireApi['batch'] = {
    add: async (source) => ({ ok: true, value: { photos: [{ id: `${source}-1`, name: 'a.png', source: 'file' }], note: source === 'folder' ? 'skipped 1 file' : null } }),
    addBytes: async (name) => {
      bytesSent.push(name);
      return { ok: true, value: { photos: [{ id: `d-${name}`, name, source: 'dropped' }], note: null } };
    },
    remove: async (ids) => ({ ok: true, value: { removed: ids.length } }),
    chooseOutput: async () => ({ ok: true, value: { folder: '/home/me/restored' } }),
    start: async (r) => {
      started.push(r);
      return startAnswer(r);
    },
    cancel: async (id) => {
      cancels.push(id);
      return { ok: true, value: { cancelled: true } };
    },
    onProgress: (l) => {
      onProgress = l;
      return () => undefined;
    },
    onDone: (l) => {
      onDone = l;
      return () => undefined;
    },
  };
  const runs = createBatchRuns(store, { batch } as SpireApi, { newBatchId: () => 'b1', random: () => 0.5 });
  runs.listen();
  return { store, runs, started, cancels, bytesSent, batch: () => store.getState().studio.batch, progress: (e: BatchProgressEvent) => onProgress(e), done: (e: BatchDoneEvent) => onDone(e) };
}

const file = (name: string, type: string, size = 3) => ({ name, type, size, arrayBuffer: async () => new ArrayBuffer(size) });

describe('batch runs', () => {
  it('adds from main’s dialogs and from dropped files, leaving out what is not a photo, in words', async () => {
    const h = setup();
    await h.runs.add('folder');
    expect(h.batch().note).toBe('skipped 1 file');
    await h.runs.addFiles([file('b.jpg', 'image/jpeg'), file('notes.txt', 'text/plain'), file('empty.png', 'image/png', 0)]);
    expect(h.bytesSent).toEqual(['b.jpg']);
    expect(h.batch().photos.map((p) => p.name)).toEqual(['a.png', 'b.jpg']);
    expect(h.batch().error).toMatch(/^Not added: notes\.txt, empty\.png\. Drop PNG, JPEG, WebP or TIFF photos/);
  });

  it('will not start without an output folder, then starts with the editor’s settings and no regions, and follows the events', async () => {
    const h = setup();
    await h.runs.add('files');
    await h.runs.start();
    expect(h.started).toEqual([]);
    expect(h.batch().error).toBe('Choose an output folder first (Output folder…).');
    await h.runs.chooseOutput();
    h.store.dispatch({ type: 'batch/options', patch: { ownEstimate: true, format: 'webp' } });
    await h.runs.start();
    expect(h.started).toHaveLength(1);
    expect(h.started[0]).toMatchObject({ batchId: 'b1', photoIds: ['files-1'], ownEstimate: true, overwrite: false, format: 'webp' });
    expect(h.started[0]!.params.regions).toEqual([]);
    expect(h.started[0]!.params.strength).toBe(h.store.getState().studio.settings.strength);
    expect(h.batch().status).toBe('running');
    h.progress({ batchId: 'b1', photoId: 'files-1', state: 'running', fraction: 0.3, message: null, output: 'a.webp' });
    expect(h.batch().photos[0]).toMatchObject({ state: 'running', fraction: 0.3 });
    await h.runs.cancel();
    expect(h.cancels).toEqual(['b1']);
    h.done({ batchId: 'b1', counts: { queued: 0, running: 0, done: 0, failed: 0, skipped: 0, cancelled: 1 } });
    expect(h.batch()).toMatchObject({ status: 'idle', summary: { cancelled: 1 } });
  });

  it('runs the editor’s prompt when the loaded pack cannot estimate, whatever the checkbox says', async () => {
    const h = setup();
    h.store.dispatch({ type: 'engine/status', status: { state: 'ready', pack: { name: 'sd15', dir: '/packs/sd15', hasEstimator: false, hasRestorer: true }, provider: 'cpu', message: null } });
    await h.runs.add('files');
    await h.runs.chooseOutput();
    h.store.dispatch({ type: 'batch/options', patch: { ownEstimate: true } });
    await h.runs.start();
    expect(h.started[0]).toMatchObject({ ownEstimate: false });
  });

  it('shows main’s refusal in the dialog and is ready again', async () => {
    const h = setup(() => ({ ok: false, error: { code: 'output-read-only', message: 'Cannot write to the folder “/ro” (EACCES); nothing was run. Choose a folder you can write to.' } }));
    await h.runs.add('files');
    await h.runs.chooseOutput();
    await h.runs.start();
    expect(h.batch()).toMatchObject({ status: 'idle', error: expect.stringMatching(/^Cannot write to the folder/) });
  });
});
