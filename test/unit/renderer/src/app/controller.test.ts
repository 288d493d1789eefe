// The controller's side effects against a fake window.spire and fake image sources.
import { describe, expect, it } from 'vitest';
import type { IpcError, OpenedImage, RecentFile, Result, SpireApi } from '../../../../../preload/contract/channels';
import type { EngineStatus } from '../../../../../common/engineStatus';
import type { DroppedFile, ImageSources } from '../../../../../renderer/src/app/controller';
import { createController } from '../../../../../renderer/src/app/controller';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

/** A promise with its resolve/reject in hand, to finish async steps in a chosen order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

const opened = (name: string, over: Partial<OpenedImage> = {}): OpenedImage => ({
  id: `id-${name}`,
  name,
  width: 640,
  height: 480,
  mime: 'image/png',
  bytes: new Uint8Array([137, 80, 78, 71]),
  ...over,
});

interface FakeApi extends SpireApi {
  dialogAnswers: Array<Promise<Result<OpenedImage | null>>>;
  bytesCalls: { name: string; length: number }[];
  /** What image.recent() answers (or its rejection); a successful open pushes its name to the front, as main does. */
  recentList: RecentFile[] | Error;
  /** When set, image.recent() answers this failure instead of the list. */
  recentFailure: IpcError | null;
  recentCalls: string[];
  emit(status: EngineStatus): void;
  statusAnswer: ReturnType<typeof deferred<Result<EngineStatus>>>;
  listeners: Set<(s: EngineStatus) => void>;
}

/** API members these tests never reach: calling one fails the test. */
const unused = (name: string) => (): never => {
  throw new Error(`controller.test: window.spire.${name} was not expected to be called`);
};

function fakeApi(): FakeApi {
  const listeners = new Set<(s: EngineStatus) => void>();
  const api: FakeApi = {
    dialogAnswers: [],
    bytesCalls: [],
    recentList: [],
    recentFailure: null,
    recentCalls: [],
    listeners,
    statusAnswer: deferred<Result<EngineStatus>>(),
    emit: (s) => listeners.forEach((l) => l(s)),
    app: { info: async () => ({ ok: true, value: { name: 'SPIRE Studio', version: '0', platform: 'linux' } }) },
    image: {
      openDialog: () => api.dialogAnswers.shift() ?? Promise.resolve({ ok: true, value: null }),
      openBytes: async (name, bytes) => {
        api.bytesCalls.push({ name, length: bytes.length });
        return { ok: true, value: opened(name) };
      },
      recent: async () => {
        if (api.recentList instanceof Error) throw api.recentList;
        if (api.recentFailure) return { ok: false, error: api.recentFailure };
        return { ok: true, value: api.recentList };
      },
      openRecent: async (path) => {
        api.recentCalls.push(path);
        if (api.recentList instanceof Error) throw api.recentList;
        const hit = api.recentList.find((f) => f.path === path);
        if (!hit) return { ok: false, error: { code: 'image-missing', message: `${path} is not on the recent list.` } };
        api.recentList = [hit, ...api.recentList.filter((f) => f !== hit)];
        return { ok: true, value: opened(hit.name) };
      },
      estimate: async () => {
        throw new Error('controller.test: the app controller does not ask for estimates');
      },
    },
    engine: {
      status: () => api.statusAnswer.promise,
      onStatus: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      listPacks: unused('engine.listPacks'),
      choosePack: unused('engine.choosePack'),
      configure: unused('engine.configure'),
    },
    restore: {
      start: unused('restore.start'),
      cancel: unused('restore.cancel'),
      discard: unused('restore.discard'),
      onProgress: unused('restore.onProgress'),
      onDone: unused('restore.onDone'),
    },
    export: { save: unused('export.save') },
    settings: { get: unused('settings.get'), set: unused('settings.set') },
    packs: {
      importModel: unused('packs.importModel'),
      cancelImport: unused('packs.cancelImport'),
      onImportProgress: unused('packs.onImportProgress'),
      onImportDone: unused('packs.onImportDone'),
    },
    batch: {
      add: unused('batch.add'),
      addBytes: unused('batch.addBytes'),
      remove: unused('batch.remove'),
      chooseOutput: unused('batch.chooseOutput'),
      start: unused('batch.start'),
      cancel: unused('batch.cancel'),
      onProgress: unused('batch.onProgress'),
      onDone: unused('batch.onDone'),
    },
    session: { load: unused('session.load'), save: unused('session.save'), delete: unused('session.delete') },
  };
  return api;
}

/** Image sources whose decodes finish when the test says (or at once), recording releases. */
function fakeSources(opts: { failFor?: string; hold?: boolean } = {}) {
  const pending: Array<{ id: string; d: ReturnType<typeof deferred<string>> }> = [];
  const released: string[] = [];
  let n = 0;
  const sources: ImageSources & { pending: typeof pending; released: string[] } = {
    pending,
    released,
    load: async (id) => {
      if (id === opts.failFor) throw new Error('decode failed');
      const key = `${id}#${++n}`;
      if (!opts.hold) return key;
      const d = deferred<string>();
      pending.push({ id, d });
      return d.promise.then(() => key);
    },
    buildLevels: async () => 3,
    release: (key) => released.push(key),
  };
  return sources;
}

function setup(opts: Parameters<typeof fakeSources>[0] = {}, withApi = true) {
  const store = createStore(appReducer, initialAppState);
  store.dispatch({ type: 'stage/resized', size: { width: 1000, height: 800 } });
  const api = fakeApi();
  const sources = fakeSources(opts);
  const controller = createController(store, withApi ? api : undefined, sources);
  return { store, api, sources, controller };
}

const file = (name: string, type: string, content = [1, 2, 3]): DroppedFile => ({
  name,
  type,
  size: content.length,
  arrayBuffer: async () => new Uint8Array(content).buffer,
});

describe('opening from the dialog', () => {
  it('shows the photo, then records its mip levels', async () => {
    const { store, api, controller } = setup();
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('kodim23.png') }));
    await controller.openDialog();
    const s = store.getState();
    expect(s.image).toMatchObject({ name: 'kodim23.png', width: 640, height: 480, levels: 3 });
    expect(s.opening).toBeNull();
    expect(s.error).toBeNull();
  });

  it('does nothing visible when the user cancels', async () => {
    const { store, controller } = setup();
    await controller.openDialog();
    expect(store.getState().image).toBeNull();
    expect(store.getState().opening).toBeNull();
    expect(store.getState().error).toBeNull();
  });

  it("shows main's error in the banner", async () => {
    const { store, api, controller } = setup();
    api.dialogAnswers.push(Promise.resolve({ ok: false, error: { code: 'image-unsupported', message: 'That file is a PDF.' } }));
    await controller.openDialog();
    expect(store.getState().error).toEqual({ code: 'image-unsupported', message: 'That file is a PDF.' });
    expect(store.getState().opening).toBeNull();
  });

  it('explains an IPC failure in plain words', async () => {
    const { store, api, controller } = setup();
    api.dialogAnswers.push(Promise.reject(new Error('channel closed')));
    await controller.openDialog();
    expect(store.getState().error?.code).toBe('ipc-failed');
    expect(store.getState().error?.message).toMatch(/main process did not answer \(channel closed\)/);
  });

  it('keeps the current photo when the new one does not decode', async () => {
    const { store, api, controller } = setup({ failFor: 'id-broken.png' });
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('good.png') }));
    await controller.openDialog();
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('broken.png') }));
    await controller.openDialog();
    expect(store.getState().image?.name).toBe('good.png');
    expect(store.getState().error?.code).toBe('decode-failed');
    expect(store.getState().error?.message).toMatch(/“broken.png” could not be shown/);
  });

  it('lets the newest open win when an older one finishes later', async () => {
    const { store, api, sources, controller } = setup({ hold: true });
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('slow.png') }));
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('fast.png') }));
    const first = controller.openDialog();
    await flush();
    const second = controller.openDialog();
    await flush();
    expect(sources.pending.map((p) => p.id)).toEqual(['id-slow.png', 'id-fast.png']);
    sources.pending[1]!.d.resolve('');
    await second;
    sources.pending[0]!.d.resolve('');
    await first;
    expect(store.getState().image?.name).toBe('fast.png');
    expect(sources.released).toHaveLength(1);
    expect(sources.released[0]).toMatch(/^id-slow\.png#/);
  });
});

describe('opening dropped or pasted files', () => {
  it('sends the first image to main by name and bytes', async () => {
    const { store, api, controller } = setup();
    await controller.openFiles([file('notes.txt', 'text/plain'), file('kodim05.png', 'image/png', [9, 9, 9, 9])]);
    expect(api.bytesCalls).toEqual([{ name: 'kodim05.png', length: 4 }]);
    expect(store.getState().image?.name).toBe('kodim05.png');
  });

  it('refuses a non-image without calling main', async () => {
    const { store, api, controller } = setup();
    await controller.openFiles([file('notes.txt', 'text/plain')]);
    expect(api.bytesCalls).toEqual([]);
    expect(store.getState().error?.code).toBe('not-an-image');
  });

  it('reports a file that cannot be read', async () => {
    const { store, controller } = setup();
    const unreadable: DroppedFile = {
      name: 'gone.png',
      type: 'image/png',
      size: 10,
      arrayBuffer: async () => {
        const err = new Error('A requested file or directory could not be found');
        err.name = 'NotFoundError';
        throw err;
      },
    };
    await controller.openFiles([unreadable]);
    expect(store.getState().error?.code).toBe('read-failed');
    expect(store.getState().opening).toBeNull();
  });
});

describe('recent files', () => {
  const rf = (name: string, openedAt: number): RecentFile => ({ path: `/photos/${name}`, name, openedAt });

  it('reopens a recent file by path and refreshes the list afterwards', async () => {
    const { store, api, controller } = setup();
    api.recentList = [rf('b.png', 2), rf('a.png', 1)];
    await controller.refreshRecent();
    expect(store.getState().recent.map((f) => f.name)).toEqual(['b.png', 'a.png']);
    await controller.openRecent('/photos/a.png');
    await flush();
    expect(api.recentCalls).toEqual(['/photos/a.png']);
    expect(store.getState().image?.name).toBe('a.png');
    expect(store.getState().recent.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    expect(store.getState().error).toBeNull();
  });

  it('refreshes the list after a dialog open too', async () => {
    const { store, api, controller } = setup();
    api.recentList = [rf('kodim23.png', 5)];
    api.dialogAnswers.push(Promise.resolve({ ok: true, value: opened('kodim23.png') }));
    await controller.openDialog();
    await flush();
    expect(store.getState().recent).toEqual([rf('kodim23.png', 5)]);
  });

  it("shows main's refusal in the banner and keeps the current photo", async () => {
    const { store, api, controller } = setup();
    api.recentList = [rf('a.png', 1)];
    await controller.openRecent('/photos/a.png');
    await controller.openRecent('/etc/passwd');
    await flush();
    expect(store.getState().image?.name).toBe('a.png');
    expect(store.getState().opening).toBeNull();
    expect(store.getState().error).toEqual({ code: 'image-missing', message: '/etc/passwd is not on the recent list.' });
  });

  it('explains an IPC failure, and a failed refresh keeps the list shown', async () => {
    const { store, api, controller } = setup();
    api.recentList = [rf('a.png', 1)];
    await controller.refreshRecent();
    api.recentList = new Error('channel closed');
    await controller.refreshRecent();
    expect(store.getState().recent).toEqual([rf('a.png', 1)]);
    await controller.openRecent('/photos/a.png');
    expect(store.getState().error?.code).toBe('ipc-failed');
    expect(store.getState().error?.message).toMatch(/Opening “a.png” failed .*\(channel closed\)/);
    expect(store.getState().opening).toBeNull();
  });

  it("shows main's failure to read the list in the banner and keeps the list shown", async () => {
    const { store, api, controller } = setup();
    api.recentList = [rf('a.png', 1)];
    await controller.refreshRecent();
    api.recentFailure = { code: 'internal', message: 'Something went wrong while reading the recent files (disk gone).' };
    await controller.refreshRecent();
    expect(store.getState().recent).toEqual([rf('a.png', 1)]);
    expect(store.getState().error).toEqual(api.recentFailure);
  });

  it('says the bridge is missing', async () => {
    const { store, controller } = setup({}, false);
    await controller.openRecent('/photos/a.png');
    expect(store.getState().error?.code).toBe('no-bridge');
  });
});

describe('without window.spire', () => {
  it('says the bridge is missing instead of crashing', async () => {
    const { store, controller } = setup({}, false);
    await controller.openDialog();
    expect(store.getState().error?.code).toBe('no-bridge');
  });
});

describe('engine status', () => {
  const ready: EngineStatus = { state: 'ready', pack: { name: 'tiny', dir: '/p' }, provider: 'cpu', message: null };
  const starting: EngineStatus = { state: 'starting', pack: null, provider: null, message: null };

  it('takes the first answer, then follows events', async () => {
    const { store, api, controller } = setup();
    const stop = controller.watchEngine();
    api.statusAnswer.resolve({ ok: true, value: starting });
    await flush();
    expect(store.getState().engine).toEqual(starting);
    api.emit(ready);
    expect(store.getState().engine).toEqual(ready);
    stop();
    expect(api.listeners.size).toBe(0);
    api.emit(starting);
    expect(store.getState().engine).toEqual(ready);
  });

  it('does not let a late first answer overwrite a newer event', async () => {
    const { store, api, controller } = setup();
    controller.watchEngine();
    api.emit(ready);
    api.statusAnswer.resolve({ ok: true, value: starting }); // answered before the event, delivered after it
    await flush();
    expect(store.getState().engine).toEqual(ready);
  });

  it("shows main's failure to read the status in the banner, and still follows events", async () => {
    const { store, api, controller } = setup();
    controller.watchEngine();
    const error: IpcError = { code: 'internal', message: 'Something went wrong while reading the engine status (host gone).' };
    api.statusAnswer.resolve({ ok: false, error });
    await flush();
    expect(store.getState().error).toEqual(error);
    expect(store.getState().engine).toEqual(initialAppState.engine);
    api.emit(ready);
    expect(store.getState().engine).toEqual(ready);
  });

  it('explains a status call main did not answer', async () => {
    const { store, api, controller } = setup();
    controller.watchEngine();
    api.statusAnswer.reject(new Error('channel closed'));
    await flush();
    expect(store.getState().error?.code).toBe('ipc-failed');
    expect(store.getState().error?.message).toMatch(/Reading the engine status failed .*\(channel closed\)/);
  });
});
