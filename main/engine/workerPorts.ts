/**
 * The engine worker's end of its transport: the worker_threads parent port (CLI, tests) or
 * Electron's utility-process `process.parentPort` (the app), each as a WorkerSidePort that
 * passes on only well-formed host messages. Imports nothing from `electron`.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerSidePort } from './port';
import { isHostToWorker, type HostToWorker, type WorkerToHost } from './protocol';

/** The part of Electron's utility-process `process.parentPort` this entry uses. */
interface UtilityParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  off(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** The worker_threads parent port as a WorkerSidePort; null outside a worker thread. */
export function threadPort(): WorkerSidePort | null {
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

/** Electron's utility-process parent port as a WorkerSidePort; null outside a utility process. */
export function utilityPort(): WorkerSidePort | null {
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
