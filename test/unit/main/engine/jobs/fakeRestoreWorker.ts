/** Worker entry for tests: the real engine worker with the fake pipeline (fakePipeline.ts) in place of the real one. */
import { runEngineWorker } from '../../../../../main/engine/engineWorker';
import { threadPort } from '../../../../../main/engine/workerPorts';
import { fakePipeline } from './fakePipeline';

const port = threadPort();
if (!port) throw new Error('fakeRestoreWorker must run in a worker thread');
runEngineWorker(port, { exit: () => process.exit(0), createPipeline: async () => fakePipeline() });
