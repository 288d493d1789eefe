/** Worker entry for tests: the real engine worker with the fake restorer (fakeRestorer.ts) in place of the pipeline. */
import { parentPort } from 'node:worker_threads';
import { runEngineWorker } from '../../../../main/engine/engineWorker';
import { isHostToWorker, type HostToWorker, type WorkerToHost } from '../../../../main/engine/protocol';
import { fakeRestorer } from './fakeRestorer';

const p = parentPort;
if (!p) throw new Error('fakeRestoreWorker must run in a worker thread');
runEngineWorker(
  {
    postMessage: (message: WorkerToHost) => p.postMessage(message),
    onMessage(listener: (message: HostToWorker) => void) {
      const wrapped = (data: unknown): void => {
        if (isHostToWorker(data)) listener(data);
      };
      p.on('message', wrapped);
      return () => p.off('message', wrapped);
    },
  },
  { exit: () => process.exit(0), createRestorer: async () => fakeRestorer() },
);
