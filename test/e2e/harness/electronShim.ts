/**
 * Stands in for `electron` when the REAL preload (preload/index.ts) is built
 * for the end-to-end harness (build.ts aliases `electron` to this file).
 *
 *   contextBridge.exposeInMainWorld  sets a frozen global, as the bridge would;
 *   ipcRenderer.invoke               calls `__spireHarnessInvoke`, a Playwright binding
 *                                    that runs main's dispatcher (same validation);
 *   ipcRenderer.on                   receives what Node pushes with `__spireHarnessEmit`.
 *
 * Runs in the page, before the renderer's scripts (page.addInitScript).
 */
import { fromWire, toWire } from './wire';

type Listener = (event: unknown, payload: unknown) => void;

interface HarnessGlobals {
  __spireHarnessInvoke?: (channel: string, payload: unknown) => Promise<unknown>;
  __spireHarnessEmit?: (channel: string, payload: unknown) => number;
}

const g = globalThis as typeof globalThis & HarnessGlobals;
const listeners = new Map<string, Set<Listener>>();

/** Node calls this (page.evaluate) to deliver a main -> renderer event; returns how many listeners got it. */
Object.defineProperty(g, '__spireHarnessEmit', {
  value: (channel: string, payload: unknown): number => {
    const set = listeners.get(channel);
    if (!set) return 0;
    const event = Object.freeze({ senderId: 0 });
    for (const l of set) l(event, fromWire(payload));
    return set.size;
  },
});

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    const freeze = (v: unknown): unknown => {
      if (typeof v === 'object' && v !== null) {
        for (const inner of Object.values(v)) freeze(inner);
        Object.freeze(v);
      }
      return v;
    };
    Object.defineProperty(g, key, { value: freeze(api), writable: false, configurable: false, enumerable: true });
  },
};

interface IpcRendererShim {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: Listener): IpcRendererShim;
  removeListener(channel: string, listener: Listener): IpcRendererShim;
}

export const ipcRenderer: IpcRendererShim = {
  async invoke(channel: string, payload: unknown): Promise<unknown> {
    const bridge = g.__spireHarnessInvoke;
    if (!bridge) throw new Error('e2e harness: __spireHarnessInvoke is not bound');
    return fromWire(await bridge(channel, toWire(payload)));
  },
  on(channel: string, listener: Listener): IpcRendererShim {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return ipcRenderer;
  },
  removeListener(channel: string, listener: Listener): IpcRendererShim {
    listeners.get(channel)?.delete(listener);
    return ipcRenderer;
  },
};
