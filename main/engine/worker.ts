/**
 * Engine worker entry. The same file runs
 *   - as an Electron utilityProcess (the app): messages come through `process.parentPort`;
 *   - as a worker_threads Worker (CLI, tests): messages come through `parentPort`.
 * It never imports `electron`: the utilityProcess port is a property Electron puts on `process`.
 */
import { parentPort } from 'node:worker_threads';
import { runEngineWorker } from './engineWorker';
import type { WorkerSidePort } from './port';
import { isHostToWorker, type HostToWorker, type WorkerToHost } from './protocol';

/** The part of Electron's utility-process `process.parentPort` this entry uses. */
interface UtilityParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  off(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function threadPort(): WorkerSidePort | null {
  const p = parentPort;
  if (!p) return null;
  return {
    postMessage: (message: WorkerToHost) => p.postMessage(message),
    onMessage(listener: (message: HostToWorker) => void) {
      const wrapped = (data: unknown): void => {
        if (isHostToWorker(data)) listener(data);
      };
      p.on('message', wrapped);
      return () => p.off('message', wrapped);
    },
  };
}

function utilityPort(): WorkerSidePort | null {
  const p = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (!p) return null;
  return {
    postMessage: (message: WorkerToHost) => p.postMessage(message),
    onMessage(listener: (message: HostToWorker) => void) {
      const wrapped = (event: { data: unknown }): void => {
        if (isHostToWorker(event.data)) listener(event.data);
      };
      p.on('message', wrapped);
      return () => p.off('message', wrapped);
    },
  };
}

const port = threadPort() ?? utilityPort();
if (!port) {
  console.error('The SPIRE engine worker must be started by SPIRE Studio (as a worker thread or utility process).');
  process.exitCode = 2;
} else {
  runEngineWorker(port, { exit: () => process.exit(0) });
}
