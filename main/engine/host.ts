/**
 * EngineHost: the one interface the rest of the app uses to reach the engine.
 *
 * `SupervisedEngineHost` implements it over any `EngineSpawner` (a
 * worker_threads Worker in the CLI and tests, an Electron utilityProcess in
 * the app, see main/host/), so restart policy, request ids and status
 * reporting are written once:
 *
 *   starting -> ready/busy (worker reports) -> [unexpected exit] -> restarting
 *   -> starting -> ... ; after `maxRestarts` quick failures -> crashed.
 *   stop() -> stopped.
 *
 * Restarts back off (`backoffMs(attempt)`); the count resets once the engine
 * has stayed up for `stableAfterMs`.
 */
import type { EngineStatus } from '../../common/engineStatus';
import { SpireError, fromErrorInfo } from '../../common/errors';
import type { EngineExit, EngineProcess, EngineSpawner } from './port';
import {
  isWorkerToHost,
  toEngineStatus,
  type EngineConfig,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type WorkerStatus,
  type WorkerToHost,
} from './protocol';

export interface RequestOptions {
  /** Progress reports the worker sends for this request before its response. */
  onProgress?: (progress: unknown) => void;
  /** Aborting sends `cancel {id}`: a queued job never runs, a running one stops within a step; the request then rejects (code `cancelled`). */
  signal?: AbortSignal;
}

export interface EngineExitInfo extends EngineExit {
  /** True when stop() asked for it. */
  expected: boolean;
  /** True when the host will start a new engine after a back-off. */
  willRestart: boolean;
}

export interface EngineHost {
  /** Starts the engine (again, after `crashed` or `stopped`). */
  start(): void;
  /** Asks the engine to shut down, kills it if it does not, and reports `stopped`. */
  stop(): Promise<void>;
  /**
   * Sends one typed request; rejects with a SpireError: the engine's answer (its code as it is), or
   * `engine-unavailable` (not running) / `engine-stopped` (it died first).
   */
  request<M extends EngineMethod>(method: M, params: EngineParams<M>, options?: RequestOptions): Promise<EngineResult<M>>;
  /** The latest status, as the renderer sees it. */
  status(): EngineStatus;
  /** The worker's fuller status (components, fallbacks), when it has reported one since it last started. */
  workerStatus(): WorkerStatus | null;
  onStatus(listener: (status: EngineStatus) => void): () => void;
  onExit(listener: (exit: EngineExitInfo) => void): () => void;
}

export interface SupervisorOptions {
  spawn: EngineSpawner;
  config: EngineConfig;
  /** Restarts allowed before giving up (reset after the engine stays up `stableAfterMs`). Default 3. */
  maxRestarts?: number;
  /** Delay before restart number `attempt` (1-based). Default 0.5 s, 1 s, 2 s, ... capped at 10 s. */
  backoffMs?: (attempt: number) => number;
  /** Uptime after which earlier crashes are forgiven. Default 60 s. */
  stableAfterMs?: number;
  /** How long stop() waits for a graceful exit before killing. Default 3 s. */
  stopGraceMs?: number;
  /** Worker log lines. Default: console. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: ((progress: unknown) => void) | undefined;
}

const defaultBackoff = (attempt: number): number => Math.min(10_000, 500 * 2 ** (attempt - 1));

function describeExit(exit: EngineExit): string {
  const code = exit.code === null ? 'no exit code' : `exit code ${exit.code}`;
  return exit.reason ? `${code}: ${exit.reason}` : code;
}

export class SupervisedEngineHost implements EngineHost {
  private proc: EngineProcess | null = null;
  private current: EngineStatus = { state: 'stopped', pack: null, provider: null, message: null };
  private lastWorker: WorkerStatus | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private restarts = 0;
  private stopping = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private readonly exitListeners = new Set<(exit: EngineExitInfo) => void>();
  private exitWaiters: (() => void)[] = [];

  private readonly maxRestarts: number;
  private readonly backoffMs: (attempt: number) => number;
  private readonly stableAfterMs: number;
  private readonly stopGraceMs: number;
  private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;

  constructor(private readonly options: SupervisorOptions) {
    this.maxRestarts = options.maxRestarts ?? 3;
    this.backoffMs = options.backoffMs ?? defaultBackoff;
    this.stableAfterMs = options.stableAfterMs ?? 60_000;
    this.stopGraceMs = options.stopGraceMs ?? 3_000;
    this.log = options.log ?? ((level, message) => console[level](`[engine] ${message}`));
  }

  start(): void {
    if (this.proc || this.restartTimer) return;
    this.stopping = false;
    this.restarts = 0;
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    const proc = this.proc;
    if (proc) {
      const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
      proc.port.postMessage({ kind: 'shutdown' });
      const timer = setTimeout(() => proc.kill(), this.stopGraceMs);
      await exited;
      clearTimeout(timer);
    }
    this.setStatus({ state: 'stopped', pack: null, provider: null, message: null });
  }

  request<M extends EngineMethod>(method: M, params: EngineParams<M>, options: RequestOptions = {}): Promise<EngineResult<M>> {
    const proc = this.proc;
    if (!proc) {
      const why =
        this.current.state === 'restarting'
          ? 'The engine is restarting; try again in a moment.'
          : this.current.state === 'crashed'
            ? 'The engine has stopped; restart SPIRE Studio.'
            : 'The engine is not running.';
      return Promise.reject(new SpireError('engine-unavailable', why));
    }
    const id = this.nextId++;
    const signal = options.signal;
    return new Promise<EngineResult<M>>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending.has(id) && this.proc === proc) proc.port.postMessage({ kind: 'cancel', id });
      };
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T): void => {
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
      this.pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject), onProgress: options.onProgress });
      proc.port.postMessage({ kind: 'request', id, method, params });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  status(): EngineStatus {
    return this.current;
  }

  workerStatus(): WorkerStatus | null {
    return this.lastWorker;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onExit(listener: (exit: EngineExitInfo) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  private spawn(): void {
    this.restartTimer = null;
    this.lastWorker = null;
    this.setStatus({ state: 'starting', pack: null, provider: null, message: this.restarts > 0 ? this.current.message : null });
    let proc: EngineProcess;
    try {
      proc = this.options.spawn();
    } catch (err) {
      this.handleExit(null, { code: null, reason: `could not start: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    this.proc = proc;
    proc.port.onMessage((message) => this.handleMessage(proc, message));
    proc.onExit((exit) => this.handleExit(proc, exit));
    proc.port.postMessage({ kind: 'init', config: this.options.config });
  }

  private handleMessage(proc: EngineProcess, message: WorkerToHost): void {
    if (proc !== this.proc || !isWorkerToHost(message)) return;
    switch (message.kind) {
      case 'status': {
        this.lastWorker = message.status;
        this.setStatus(toEngineStatus(message.status));
        if (message.status.state === 'ready' && !this.stableTimer && this.restarts > 0) {
          this.stableTimer = setTimeout(() => {
            this.stableTimer = null;
            this.restarts = 0;
          }, this.stableAfterMs);
          this.stableTimer.unref?.();
        }
        return;
      }
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(fromErrorInfo(message.error));
        return;
      }
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.progress);
        return;
      case 'log':
        this.log(message.level, message.message);
        return;
    }
  }

  private handleExit(proc: EngineProcess | null, exit: EngineExit): void {
    if (proc && proc !== this.proc) return;
    this.proc = null;
    if (this.stableTimer) {
      clearTimeout(this.stableTimer);
      this.stableTimer = null;
    }
    const stopped = `The engine stopped before answering (${describeExit(exit)}).`;
    for (const p of this.pending.values()) p.reject(new SpireError('engine-stopped', stopped));
    this.pending.clear();
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();

    const expected = this.stopping;
    let willRestart = false;
    if (!expected) {
      this.restarts += 1;
      willRestart = this.restarts <= this.maxRestarts;
      if (willRestart) {
        const delay = this.backoffMs(this.restarts);
        this.setStatus({
          state: 'restarting',
          pack: null,
          provider: null,
          message: `The engine stopped unexpectedly (${describeExit(exit)}). Restarting it in ${(delay / 1000).toFixed(1)} s (attempt ${this.restarts} of ${this.maxRestarts}).`,
        });
        this.restartTimer = setTimeout(() => this.spawn(), delay);
      } else {
        this.setStatus({
          state: 'crashed',
          pack: null,
          provider: null,
          message: `The engine stopped unexpectedly ${this.restarts} times (last: ${describeExit(exit)}) and was not restarted. Restart SPIRE Studio; if it keeps happening, see README (Troubleshooting).`,
        });
      }
    }
    for (const l of this.exitListeners) l({ ...exit, expected, willRestart });
  }

  private setStatus(status: EngineStatus): void {
    const same =
      status.state === this.current.state &&
      status.provider === this.current.provider &&
      status.message === this.current.message &&
      status.pack?.dir === this.current.pack?.dir &&
      status.pack?.name === this.current.pack?.name;
    this.current = status;
    if (same) return;
    for (const l of this.statusListeners) l(status);
  }

  private clearTimers(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.restartTimer = null;
    this.stableTimer = null;
  }
}
