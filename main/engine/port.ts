/**
 * The tiny message-port abstraction both engine transports share.
 *
 * The engine worker runs the same code whether it is a worker_threads Worker
 * (CLI, tests) or an Electron utilityProcess (the app); only the adapter that
 * turns the transport into a `MessagePortLike` differs.
 */
import type { HostToWorker, WorkerToHost } from './protocol';

export interface MessagePortLike<In, Out> {
  postMessage(message: Out): void;
  /** Subscribes to incoming messages; returns the unsubscribe function. */
  onMessage(listener: (message: In) => void): () => void;
}

/** The worker's end: receives host messages, sends worker messages. */
export type WorkerSidePort = MessagePortLike<HostToWorker, WorkerToHost>;
/** The host's end: receives worker messages, sends host messages. */
export type HostSidePort = MessagePortLike<WorkerToHost, HostToWorker>;

/** How an engine process ended. `code` is the exit code when there was one. */
export interface EngineExit {
  code: number | null;
  /** Why, in words, when known (an uncaught error's message, a signal, "killed"). */
  reason: string | null;
}

/** One running engine process or thread, as a spawner hands it to the host. */
export interface EngineProcess {
  readonly port: HostSidePort;
  /** Ends it now (no graceful shutdown). */
  kill(): void;
  /** Called once when it has ended, for whatever reason. */
  onExit(listener: (exit: EngineExit) => void): void;
}

/** Starts a fresh engine process running the worker entry. */
export type EngineSpawner = () => EngineProcess;
