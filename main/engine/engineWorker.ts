/**
 * The engine worker's logic, independent of how it is hosted.
 *
 * Recipe on `init`: find the default pack -> read its manifest -> plan the
 * providers -> open each ONNX component -> report `ready` with the pack, the
 * provider actually used and any fallbacks. A pack that fails leaves the worker
 * `ready` with no pack and a message naming the file and the reason, so the
 * app stays usable. Requests are answered by id, one response each.
 */
import type { ExecutionProvider, OpenedSession, SessionOptions } from './onnx/runtime';
import { describeFallbacks, loadPack, type LoadedPack } from './packLoader';
import { PackError, discoverPack, readManifest } from './packs';
import type { WorkerSidePort } from './port';
import { planProviders } from './providers';
import type { EngineConfig, EngineErrorInfo, EngineMethod, EngineMethods, HostToWorker, WorkerStatus } from './protocol';

/** What the worker needs from onnx/runtime.ts; loaded lazily so a broken native install is reported, not fatal. */
export interface RuntimeApi {
  openSession(modelPath: string, options: SessionOptions): Promise<OpenedSession>;
  listBackends(): { name: string; bundled: boolean }[];
  AUTO_PROVIDER_ORDER: readonly ExecutionProvider[];
}

export interface EngineWorkerOptions {
  loadRuntime?: () => Promise<RuntimeApi>;
  /** Called after `shutdown` has released the sessions (the entry ends the thread/process there). */
  exit?: () => void;
}

type Handler<M extends EngineMethod> = (params: EngineMethods[M]['params']) => Promise<EngineMethods[M]['result']>;

class MethodError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function runEngineWorker(port: WorkerSidePort, options: EngineWorkerOptions = {}): { dispose(): void } {
  const loadRuntime = options.loadRuntime ?? (() => import('./onnx/runtime'));
  let config: EngineConfig | null = null;
  let loaded: LoadedPack | null = null;
  let status: WorkerStatus = { state: 'starting', pack: null, provider: null, message: null, components: [], fallbacks: [] };
  let runtime: RuntimeApi | null = null;
  /** Serialises pack loads and requests that touch the pack. */
  let queue: Promise<unknown> = Promise.resolve();

  const setStatus = (next: WorkerStatus): void => {
    status = next;
    port.postMessage({ kind: 'status', status });
  };

  const getRuntime = async (): Promise<RuntimeApi> => {
    if (!runtime) {
      try {
        runtime = await loadRuntime();
      } catch (err) {
        throw new MethodError(
          'runtime-unavailable',
          `onnxruntime-node could not be loaded (${err instanceof Error ? err.message : String(err)}); reinstall SPIRE Studio.`,
        );
      }
    }
    return runtime;
  };

  const unload = async (): Promise<void> => {
    const old = loaded;
    loaded = null;
    if (old) await Promise.allSettled([...old.sessions.values()].map((s) => s.release()));
  };

  const loadDefaultPack = async (dir?: string): Promise<WorkerStatus> => {
    if (!config) throw new MethodError('not-initialised', 'The engine was not initialised.');
    setStatus({ ...status, state: 'starting', message: null });
    await unload();
    const found = dir ? { dir, message: null } : await discoverPack({ override: config.packOverride, roots: config.packRoots });
    if (found.dir === null) {
      setStatus({ state: 'ready', pack: null, provider: null, message: found.message, components: [], fallbacks: [] });
      return status;
    }
    try {
      const manifest = await readManifest(found.dir);
      const rt = await getRuntime();
      const plan = planProviders(
        config.providers,
        rt.listBackends().map((b) => b.name),
        rt.AUTO_PROVIDER_ORDER,
      );
      loaded = await loadPack(manifest, { providers: plan.order, threads: config.threads, openSession: rt.openSession });
      const notes: string[] = [];
      if (plan.ignored.length > 0) notes.push(`Ignored unknown execution providers: ${plan.ignored.join(', ')}.`);
      const fallbackNote = describeFallbacks(loaded.fallbacks, loaded.provider);
      if (fallbackNote) notes.push(fallbackNote);
      if (loaded.components.length === 0) notes.push(`Pack "${manifest.name}" lists no ONNX components.`);
      setStatus({
        state: 'ready',
        pack: { name: manifest.name, dir: manifest.dir },
        provider: loaded.provider,
        message: notes.length > 0 ? notes.join(' ') : null,
        components: loaded.components,
        fallbacks: loaded.fallbacks,
      });
    } catch (err) {
      const reason =
        err instanceof PackError
          ? `The model pack in ${found.dir} could not be loaded: ${err.file} ${err.reason}`
          : `The model pack in ${found.dir} could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
      setStatus({ state: 'ready', pack: null, provider: null, message: reason, components: [], fallbacks: [] });
    }
    return status;
  };

  const handlers: { [M in EngineMethod]: Handler<M> } = {
    status: async () => status,
    'reload-pack': async (params) => loadDefaultPack(params.dir),
    backends: async () => (await getRuntime()).listBackends(),
  };

  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const respond = async (id: number, method: EngineMethod, params: unknown): Promise<void> => {
    const handler = Object.hasOwn(handlers, method) ? (handlers[method] as (p: unknown) => Promise<unknown>) : undefined;
    if (!handler) {
      port.postMessage({ kind: 'response', id, ok: false, error: { code: 'unknown-method', message: `The engine has no method "${String(method)}".` } });
      return;
    }
    try {
      // `status` answers at once, even while a pack loads; everything else waits its turn.
      const result = method === 'status' ? await handler(params ?? {}) : await enqueue(() => handler(params ?? {}));
      port.postMessage({ kind: 'response', id, ok: true, result });
    } catch (err) {
      const error: EngineErrorInfo =
        err instanceof MethodError
          ? { code: err.code, message: err.message }
          : { code: 'engine-error', message: err instanceof Error ? err.message : String(err) };
      port.postMessage({ kind: 'response', id, ok: false, error });
    }
  };

  const onMessage = (message: HostToWorker): void => {
    switch (message.kind) {
      case 'init':
        if (config) return;
        config = message.config;
        void enqueue(() => loadDefaultPack());
        return;
      case 'request':
        void respond(message.id, message.method, message.params);
        return;
      case 'cancel':
        // Nothing cancellable yet; jobs (a later issue) will honour this.
        return;
      case 'shutdown':
        void enqueue(unload).then(() => options.exit?.());
        return;
    }
  };

  const unsubscribe = port.onMessage(onMessage);
  return {
    dispose(): void {
      unsubscribe();
      void unload();
    },
  };
}
