/**
 * The engine worker's logic, independent of how it is hosted.
 *
 * Recipe on `init`: find the default pack -> read its manifest -> plan the
 * providers -> open each ONNX component -> report `ready` with the pack, the
 * provider actually used and any fallbacks. A pack that fails leaves the worker
 * `ready` with no pack and a message naming the file and the reason, so the
 * app stays usable. Requests are answered by id, one response each.
 *
 * Jobs: every request but `status` goes through one JobQueue (jobs/JobQueue.ts),
 * so pack loads and restorations run one at a time in submission order.
 * `cancel {id}` drops a queued request (answered `cancelled`, never run) or
 * aborts the running one within a step. While a restoration runs the worker
 * reports `busy`. A restoration that fails (out of memory, NaN output, a thrown
 * error, no pack) is answered with a plain-words error and the queue goes on.
 *
 * Errors: every handler throws SpireError; `respond` sends `toErrorInfo(err)` ({ code, message });
 * anything else thrown is a bug and goes as `engine-error` with its text.
 */
import type { ExecutionProvider, OpenedSession, SessionOptions } from './onnx/runtime';
import { describeFallbacks, loadPack, type LoadedPack } from './packLoader';
import { discoverPack, packInfo, readManifest } from './packs';
import { SpireError, isSpireError, toErrorInfo } from '../../common/errors';
import type { LoadedPackInfo } from '../../common/engineStatus';
import type { WorkerSidePort } from './port';
import { planProviders } from './providers';
import { JobQueue } from './jobs/JobQueue';
import { runEstimateJob } from './jobs/estimateJob';
import { runRestoreJob, type PipelineRunner } from './jobs/restoreJob';
import { CostMemory } from './jobs/runProgress';
import type { EngineConfig, EngineMethod, EngineMethods, HostToWorker, RestoreProgress, WorkerStatus } from './protocol';

/** What the worker needs from onnx/runtime.ts; loaded lazily so a broken native install is reported, not fatal. */
export interface RuntimeApi {
  openSession(modelPath: string, options: SessionOptions): Promise<OpenedSession>;
  listBackends(): { name: string; bundled: boolean }[];
  AUTO_PROVIDER_ORDER: readonly ExecutionProvider[];
  /** Drops providers that cannot start here, with the reason (optional: fakes may leave it out). */
  preflightProviders?(order: readonly ExecutionProvider[]): { order: ExecutionProvider[]; skipped: { provider: ExecutionProvider; reason: string }[] };
}

export interface EngineWorkerOptions {
  loadRuntime?: () => Promise<RuntimeApi>;
  /** Called after `shutdown` has released the sessions (the entry ends the thread/process there). */
  exit?: () => void;
  /** Builds the restoration pipeline on a loaded pack (default: jobs/defaultPipeline.ts, the real pipeline). Tests pass fakes. */
  createPipeline?: (pack: LoadedPack) => Promise<PipelineRunner>;
}

/** What a handler knows about the request it serves. */
interface JobContext {
  id: number;
  signal: AbortSignal;
}

type Handler<M extends EngineMethod> = (params: EngineMethods[M]['params'], job: JobContext) => Promise<EngineMethods[M]['result']>;

export function runEngineWorker(port: WorkerSidePort, options: EngineWorkerOptions = {}): { dispose(): void } {
  const loadRuntime = options.loadRuntime ?? (() => import('./onnx/runtime'));
  const createPipeline = options.createPipeline ?? (async (pack: LoadedPack) => (await import('./jobs/defaultPipeline')).createDefaultPipeline(pack));
  let config: EngineConfig | null = null;
  let loaded: LoadedPack | null = null;
  /** The pipeline on `loaded`, built on first use. */
  let pipeline: { pack: LoadedPack; runner: PipelineRunner } | null = null;
  let status: WorkerStatus = { state: 'starting', pack: null, provider: null, message: null, components: [], fallbacks: [] };
  let runtime: RuntimeApi | null = null;
  /** Serialises pack loads and requests that touch the pack: one job at a time, in order. */
  const jobs = new JobQueue();
  /** Ids for jobs the worker queues itself (the initial pack load); requests use the host's positive ids. */
  let internalId = -1;

  const setStatus = (next: WorkerStatus): void => {
    status = next;
    port.postMessage({ kind: 'status', status });
  };

  const getRuntime = async (): Promise<RuntimeApi> => {
    if (!runtime) {
      try {
        runtime = await loadRuntime();
      } catch (err) {
        throw new SpireError(
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
    pipeline = null;
    if (old) await Promise.allSettled([...old.sessions.values()].map((s) => s.release()));
  };

  const loadDefaultPack = async (dir?: string): Promise<WorkerStatus> => {
    if (!config) throw new SpireError('not-initialised', 'The engine was not initialised.');
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
      const preflight = rt.preflightProviders ? rt.preflightProviders(plan.order) : { order: plan.order, skipped: [] };
      loaded = await loadPack(manifest, { providers: preflight.order, threads: config.threads, openSession: rt.openSession });
      loaded.fallbacks.unshift(...preflight.skipped.map((s) => ({ component: '*', provider: s.provider, reason: s.reason })));
      const notes: string[] = [];
      if (plan.ignored.length > 0) notes.push(`Ignored unknown execution providers: ${plan.ignored.join(', ')}.`);
      const fallbackNote = describeFallbacks(loaded.fallbacks, loaded.provider);
      if (fallbackNote) notes.push(fallbackNote);
      if (loaded.components.length === 0) notes.push(`Pack "${manifest.name}" lists no ONNX components.`);
      setStatus({
        state: 'ready',
        pack: packInfo(manifest),
        provider: loaded.provider,
        message: notes.length > 0 ? notes.join(' ') : null,
        components: loaded.components,
        fallbacks: loaded.fallbacks,
      });
    } catch (err) {
      const reason =
        isSpireError(err, 'pack-invalid') && err.details.file !== undefined
          ? `The model pack in ${found.dir} could not be loaded: ${err.details.file} ${err.details.reason ?? ''}`
          : `The model pack in ${found.dir} could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
      setStatus({ state: 'ready', pack: null, provider: null, message: reason, components: [], fallbacks: [] });
    }
    return status;
  };

  /** The loaded pack's pipeline runner, created on first use; SpireError pack-not-loaded when there is none. */
  const currentPipeline = async (): Promise<{ pipeline: PipelineRunner; pack: LoadedPackInfo }> => {
    const pack = loaded;
    if (!pack || !status.pack) {
      throw new SpireError(
        'pack-not-loaded',
        `No model pack is loaded, so nothing can be restored. ${status.message ?? ''} Set SPIRE_MODEL_PACK to a pack folder (or pass --model) and try again.`.replace(/\s+/g, ' ').trim(),
      );
    }
    if (!pipeline || pipeline.pack !== pack) {
      try {
        pipeline = { pack, runner: await createPipeline(pack) };
      } catch (err) {
        throw new SpireError('pack-not-loaded', `The model pack "${status.pack.name}" cannot restore images: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { pipeline: pipeline.runner, pack: status.pack };
  };

  /** Runs `work` with the status busy, then ready again. */
  const busy = async <T>(work: () => Promise<T>): Promise<T> => {
    const idle = status;
    setStatus({ ...status, state: 'busy' });
    try {
      return await work();
    } finally {
      if (status.state === 'busy') setStatus({ ...idle, state: 'ready' });
    }
  };

  /** Per pack: what its runs' phases cost against the progress priors (jobs/runProgress.ts), learnt run by run. */
  const costs = new Map<string, CostMemory>();
  const costsOf = (dir: string): CostMemory => {
    let memory = costs.get(dir);
    if (!memory) costs.set(dir, (memory = new CostMemory()));
    return memory;
  };

  const restore: Handler<'restore'> = async (params, job) => {
    const current = await currentPipeline();
    return busy(() =>
      runRestoreJob(params, {
        pipeline: current.pipeline,
        pack: current.pack,
        provider: status.provider,
        signal: job.signal,
        sendProgress: (progress: RestoreProgress) => port.postMessage({ kind: 'progress', id: job.id, progress }),
        costs: costsOf(current.pack.dir),
      }),
    );
  };

  const estimate: Handler<'estimate'> = async (params, job) => {
    const current = await currentPipeline();
    return busy(() => runEstimateJob(params, { pipeline: current.pipeline, packName: current.pack.name, signal: job.signal }));
  };

  const handlers: { [M in EngineMethod]: Handler<M> } = {
    status: async () => status,
    'reload-pack': async (params) => loadDefaultPack(params.dir),
    backends: async () => (await getRuntime()).listBackends(),
    restore,
    estimate,
  };

  const respond = async (id: number, method: EngineMethod, params: unknown): Promise<void> => {
    const handler = Object.hasOwn(handlers, method) ? (handlers[method] as (p: unknown, job: JobContext) => Promise<unknown>) : undefined;
    if (!handler) {
      port.postMessage({ kind: 'response', id, ok: false, error: { code: 'unknown-method', message: `The engine has no method "${String(method)}".` } });
      return;
    }
    try {
      // `status` answers at once, even while a pack loads; everything else waits its turn.
      const result =
        method === 'status'
          ? await handler(params ?? {}, { id, signal: new AbortController().signal })
          : await jobs.submit(id, (signal) => handler(params ?? {}, { id, signal }));
      port.postMessage({ kind: 'response', id, ok: true, result });
    } catch (err) {
      const error = toErrorInfo(err, (detail) => ({ code: 'engine-error', message: detail }));
      port.postMessage({ kind: 'response', id, ok: false, error });
    }
  };

  const onMessage = (message: HostToWorker): void => {
    switch (message.kind) {
      case 'init':
        if (config) return;
        config = message.config;
        void jobs.submit(internalId--, () => loadDefaultPack()).catch(() => undefined);
        return;
      case 'request':
        void respond(message.id, message.method, message.params);
        return;
      case 'cancel':
        jobs.cancel(message.id);
        return;
      case 'shutdown':
        // Stop what runs and what waits, then release the sessions.
        for (const id of jobs.ids()) jobs.cancel(id);
        void jobs
          .submit(internalId--, unload)
          .catch(() => undefined)
          .then(() => options.exit?.());
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
