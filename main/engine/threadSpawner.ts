/**
 * Runs the engine worker entry in a worker_threads Worker (CLI and tests).
 * The Electron app uses main/host/utilityProcessSpawner.ts instead; both hand
 * the same `EngineProcess` to SupervisedEngineHost.
 */
import { Worker } from 'node:worker_threads';
import type { EngineExit, EngineProcess, EngineSpawner, HostSidePort } from './port';
import type { HostToWorker, WorkerToHost } from './protocol';

export interface ThreadSpawnerOptions {
  /** The built worker entry (out/main/worker.js, or a test bundle). */
  workerPath: string;
  /** Extra env for the worker; the parent's env is shared otherwise. */
  env?: Record<string, string>;
}

/**
 * The worker's stack, MiB. Node gives a worker 4 MiB; onnxruntime's session creation runs native
 * code on that stack and overflows it (SIGSEGV, exit 139, no message) once the process's command
 * line passes about 15 KB (a 20,000-character --prompt; env size makes no difference). 8 MiB
 * survives a 50 KB argument, 16 MiB the 1.5 MB of arguments Linux allows; only touched pages are
 * committed, so the reserve costs address space, not memory.
 */
export const WORKER_STACK_MB = 16;

export function threadSpawner(options: ThreadSpawnerOptions): EngineSpawner {
  return () => {
    const worker = new Worker(options.workerPath, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      resourceLimits: { stackSizeMb: WORKER_STACK_MB },
    });
    let lastError: string | null = null;
    let killed = false;
    const exitListeners: ((exit: EngineExit) => void)[] = [];
    let ended: EngineExit | null = null;
    worker.on('error', (err) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => {
      ended = { code, reason: killed ? 'killed' : lastError };
      for (const l of exitListeners) l(ended);
    });
    const port: HostSidePort = {
      postMessage: (message: HostToWorker) => worker.postMessage(message),
      onMessage(listener: (message: WorkerToHost) => void) {
        const wrapped = (m: WorkerToHost): void => listener(m);
        worker.on('message', wrapped);
        return () => worker.off('message', wrapped);
      },
    };
    return {
      port,
      kill() {
        killed = true;
        void worker.terminate();
      },
      onExit(listener) {
        if (ended) listener(ended);
        else exitListeners.push(listener);
      },
    } satisfies EngineProcess;
  };
}
