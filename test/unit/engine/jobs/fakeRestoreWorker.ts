/** Worker entry for tests: the real engine worker with the fake restorer (fakeRestorer.ts) in place of the pipeline. */
import { runEngineWorker } from '../../../../main/engine/engineWorker';
import { threadPort } from '../../../../main/engine/workerPorts';
import { fakeRestorer } from './fakeRestorer';

const port = threadPort();
if (!port) throw new Error('fakeRestoreWorker must run in a worker thread');
runEngineWorker(port, { exit: () => process.exit(0), createRestorer: async () => fakeRestorer() });
