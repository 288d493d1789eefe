/** What the CLI needs from its surroundings; `main(argv, io)` takes it so tests run the CLI in-process. */
import type { ProgressStream } from './progress';

export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Fires on Ctrl+C (the entry wires SIGINT to it). */
  interrupt?: AbortSignal;
  /** Engine worker entry; default: SPIRE_ENGINE_WORKER, else worker.js next to the CLI bundle. */
  workerPath?: string;
  /** Folders searched for a default pack; default: <repo>/models/packs and ./models/packs. */
  packRoots?: string[];
}
