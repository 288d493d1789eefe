/** window.spire as the preload builds it: purpose-named calls on the right channels, and listeners that never see the IPC event. */
import { describe, expect, it } from 'vitest';
import type { PackImportDoneEvent, PackImportProgressEvent, RestoreDoneEvent, RestoreParamsWire, RestoreProgressEvent } from '../../../preload/contract/channels';
import type { EngineStatus } from '../../../common/engineStatus';
import { createSpireApi, type IpcRendererLike } from '../../../preload/api';

function fakeIpc(): IpcRendererLike & { invoked: [string, unknown][]; listeners: Map<string, Set<(e: unknown, p: unknown) => void>>; emit(ch: string, p: unknown): void } {
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(e: unknown, p: unknown) => void>>();
  return {
    invoked,
    listeners,
    invoke: async (channel, payload) => {
      invoked.push([channel, payload]);
      return { channel };
    },
    on: (channel, l) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
    emit: (channel, payload) => {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'ipc-event-internals' }, payload);
    },
  };
}

describe('createSpireApi', () => {
  it('maps each function to its contract channel with the request shape', async () => {
    const ipc = fakeIpc();
    const api = createSpireApi(ipc);
    const bytes = new Uint8Array([1, 2]);
    await api.app.info();
    await api.image.openDialog();
    await api.image.openBytes('a.png', bytes);
    await api.engine.status();
    await api.image.recent();
    await api.image.openRecent('/photos/a.png');
    await api.image.estimate('img');
    await api.engine.listPacks();
    await api.engine.choosePack();
    await api.engine.configure({ providers: ['cpu'], threads: 2 });
    const params: RestoreParamsWire = {
      restorationPrompt: 'Remove all degradation',
      semanticPrompt: '',
      negativePrompt: '',
      regions: [],
      steps: 4,
      guidanceScale: 7.5,
      seed: 1,
      strength: 1,
      scheduler: 'ddim',
      eta: 0,
      colorFix: 'none',
      useRestorer: false,
    };
    await api.restore.start({ jobId: 'job', imageId: 'img', params, previewSize: 64 });
    await api.restore.cancel('job');
    await api.restore.discard('res');
    await api.export.save({ kind: 'wipe', resultId: 'res', wipePosition: 0.25, format: 'jpeg', quality: 80 });
    await api.settings.get();
    await api.settings.set({ defaults: { steps: 30 } });
    await api.packs.importModel({ jobId: 'imp', source: 'file', withRestorer: true, fp16: false });
    await api.packs.cancelImport('imp');
    await api.batch.add('folder');
    await api.batch.addBytes('b.png', bytes);
    await api.batch.remove(['p1']);
    await api.batch.chooseOutput();
    await api.batch.start({ batchId: 'b1', photoIds: ['p1'], params, ownEstimate: true, overwrite: false, format: 'png' });
    await api.batch.cancel('b1');
    const hash = 'c'.repeat(64);
    const mask = { regionId: 'r1', width: 1, height: 1, data: new Uint8Array([9]) };
    await api.session.load(hash, 'img');
    await api.session.save({ contentHash: hash, name: 'a.png', state: '{}', masks: [mask], resultIds: ['res'] });
    await api.session.delete(hash);
    expect(ipc.invoked).toEqual([
      ['spire:app:info', {}],
      ['spire:image:open-dialog', {}],
      ['spire:image:open-bytes', { name: 'a.png', bytes }],
      ['spire:engine:status', {}],
      ['spire:image:recent', {}],
      ['spire:image:open-recent', { path: '/photos/a.png' }],
      ['spire:image:estimate', { imageId: 'img' }],
      ['spire:engine:list-packs', {}],
      ['spire:engine:choose-pack', {}],
      ['spire:engine:configure', { providers: ['cpu'], threads: 2 }],
      ['spire:restore:start', { jobId: 'job', imageId: 'img', params, previewSize: 64 }],
      ['spire:restore:cancel', { jobId: 'job' }],
      ['spire:restore:discard', { resultId: 'res' }],
      ['spire:export:save', { kind: 'wipe', resultId: 'res', wipePosition: 0.25, format: 'jpeg', quality: 80 }],
      ['spire:settings:get', {}],
      ['spire:settings:set', { defaults: { steps: 30 } }],
      ['spire:packs:import', { jobId: 'imp', source: 'file', withRestorer: true, fp16: false }],
      ['spire:packs:import-cancel', { jobId: 'imp' }],
      ['spire:batch:add', { source: 'folder' }],
      ['spire:batch:add-bytes', { name: 'b.png', bytes }],
      ['spire:batch:remove', { photoIds: ['p1'] }],
      ['spire:batch:choose-output', {}],
      ['spire:batch:start', { batchId: 'b1', photoIds: ['p1'], params, ownEstimate: true, overwrite: false, format: 'png' }],
      ['spire:batch:cancel', { batchId: 'b1' }],
      ['spire:session:load', { contentHash: hash, imageId: 'img' }],
      ['spire:session:save', { contentHash: hash, name: 'a.png', state: '{}', masks: [mask], resultIds: ['res'] }],
      ['spire:session:delete', { contentHash: hash }],
    ]);
  });

  it('exposes no generic invoke/send/on', () => {
    const api = createSpireApi(fakeIpc()) as unknown as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['app', 'batch', 'engine', 'export', 'image', 'packs', 'restore', 'session', 'settings']);
    for (const group of Object.values(api)) {
      for (const [name, fn] of Object.entries(group as Record<string, unknown>)) {
        expect(typeof fn).toBe('function');
        expect(['invoke', 'send', 'on', 'ipcRenderer']).not.toContain(name);
      }
    }
  });

  it('onStatus passes only the status (no IpcRendererEvent) and returns a working unsubscribe', () => {
    const ipc = fakeIpc();
    const api = createSpireApi(ipc);
    const got: unknown[][] = [];
    const unsubscribe = api.engine.onStatus((...args: unknown[]) => got.push(args));
    const status: EngineStatus = { state: 'ready', pack: null, provider: 'cpu', message: null };
    ipc.emit('spire:engine:status-changed', status);
    expect(got).toEqual([[status]]);
    unsubscribe();
    ipc.emit('spire:engine:status-changed', { ...status, state: 'busy' });
    expect(got).toHaveLength(1);
    expect(ipc.listeners.get('spire:engine:status-changed')?.size).toBe(0);
  });

  it('restore.onProgress and onDone deliver only their payloads and unsubscribe independently', () => {
    const ipc = fakeIpc();
    const api = createSpireApi(ipc);
    const progress: unknown[][] = [];
    const done: unknown[][] = [];
    const offProgress = api.restore.onProgress((...args: unknown[]) => progress.push(args));
    const offDone = api.restore.onDone((...args: unknown[]) => done.push(args));
    const p: RestoreProgressEvent = { jobId: 'j', phase: 'denoise', step: 1, totalSteps: 4, etaMs: null, elapsedMs: 10 };
    const d: RestoreDoneEvent = { jobId: 'j', result: { ok: false, error: { code: 'cancelled', message: 'The restoration was cancelled.' } } };
    ipc.emit('spire:restore:progress', p);
    ipc.emit('spire:restore:done', d);
    expect(progress).toEqual([[p]]);
    expect(done).toEqual([[d]]);
    offProgress();
    ipc.emit('spire:restore:progress', p);
    ipc.emit('spire:restore:done', d);
    expect(progress).toHaveLength(1);
    expect(done).toHaveLength(2);
    offDone();
    expect(ipc.listeners.get('spire:restore:progress')?.size).toBe(0);
    expect(ipc.listeners.get('spire:restore:done')?.size).toBe(0);
  });

  it('packs.onImportProgress and onImportDone deliver only their payloads and unsubscribe', () => {
    const ipc = fakeIpc();
    const api = createSpireApi(ipc);
    const progress: unknown[][] = [];
    const done: unknown[][] = [];
    const offProgress = api.packs.onImportProgress((...args: unknown[]) => progress.push(args));
    const offDone = api.packs.onImportDone((...args: unknown[]) => done.push(args));
    const p: PackImportProgressEvent = { jobId: 'imp', stage: 'convert', fraction: 0.25, message: 'Converting the UNet' };
    const d: PackImportDoneEvent = { jobId: 'imp', result: { ok: true, value: { name: 'v1-5', dir: '/data/packs/v1-5', loaded: false } } };
    ipc.emit('spire:packs:import-progress', p);
    ipc.emit('spire:packs:import-done', d);
    expect(progress).toEqual([[p]]);
    expect(done).toEqual([[d]]);
    offProgress();
    offDone();
    expect(ipc.listeners.get('spire:packs:import-progress')?.size).toBe(0);
    expect(ipc.listeners.get('spire:packs:import-done')?.size).toBe(0);
  });
});
