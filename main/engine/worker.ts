/**
 * Engine worker entry. The same file runs
 *   - as an Electron utilityProcess (the app): messages come through `process.parentPort`;
 *   - as a worker_threads Worker (CLI, tests): messages come through `parentPort`.
 * It never imports `electron`: the utilityProcess port is a property Electron puts on `process`.
 */
import { runEngineWorker } from './engineWorker';
import { threadPort, utilityPort } from './workerPorts';

const port = threadPort() ?? utilityPort();
if (!port) {
  console.error('The SPIRE engine worker must be started by SPIRE Studio (as a worker thread or utility process).');
  process.exitCode = 2;
} else {
  runEngineWorker(port, { exit: () => process.exit(0) });
}
