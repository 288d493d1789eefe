/** window.spire as the preload builds it: purpose-named calls on the right channels, and listeners that never see the IPC event. */
import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../preload/contract/channels';
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
    expect(ipc.invoked).toEqual([
      ['spire:app:info', {}],
      ['spire:image:open-dialog', {}],
      ['spire:image:open-bytes', { name: 'a.png', bytes }],
      ['spire:engine:status', {}],
    ]);
  });

  it('exposes no generic invoke/send/on', () => {
    const api = createSpireApi(fakeIpc()) as unknown as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['app', 'engine', 'image']);
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
});
