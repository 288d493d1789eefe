/**
 * Runs the engine worker entry in an Electron utilityProcess: a separate OS
 * process, so a native crash in onnxruntime cannot take the window down, and
 * synchronous `session.run()` never blocks the main process.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { EngineExit, EngineProcess, EngineSpawner, HostSidePort } from '../engine/port';
import { isWorkerToHost, type HostToWorker, type WorkerToHost } from '../engine/protocol';

export interface UtilityProcessSpawnerOptions {
  /** The built worker entry (out/main/worker.js). */
  workerPath: string;
  env?: Record<string, string>;
}

export function utilityProcessSpawner(options: UtilityProcessSpawnerOptions): EngineSpawner {
  return () => {
    const child: UtilityProcess = utilityProcess.fork(options.workerPath, [], {
      serviceName: 'SPIRE Studio engine',
      stdio: 'inherit',
      env: { ...process.env, ...options.env },
    });
    let lastError: string | null = null;
    let killed = false;
    let ended: EngineExit | null = null;
    const exitListeners: ((exit: EngineExit) => void)[] = [];
    // Fatal errors (V8 OOM and the like) arrive here before `exit`.
    child.on('error', (type: string, location: string) => {
      lastError = `${type} at ${location}`;
    });
    child.on('exit', (code: number) => {
      ended = { code, reason: killed ? 'killed' : lastError };
      for (const l of exitListeners) l(ended);
    });
    const port: HostSidePort = {
      postMessage: (message: HostToWorker) => child.postMessage(message),
      onMessage(listener: (message: WorkerToHost) => void) {
        const wrapped = (m: unknown): void => {
          if (isWorkerToHost(m)) listener(m);
        };
        child.on('message', wrapped);
        return () => child.off('message', wrapped);
      },
    };
    return {
      port,
      kill() {
        killed = true;
        child.kill();
      },
      onExit(listener) {
        if (ended) listener(ended);
        else exitListeners.push(listener);
      },
    } satisfies EngineProcess;
  };
}
