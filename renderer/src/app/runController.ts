/**
 * The run workspace's side effects, one module per concern, composed into the one
 * controller the components call (through runContext.ts):
 *
 *   jobs.ts                restore jobs: the renderer names each job; start, cancel, progress, the end
 *   sweepQueue.ts          the sweep's cells, one job after another
 *   resultHistory.ts       finished results into the history; what leaves it is freed
 *   settingsPersistence.ts run settings saved through main, the engine's pack and provider
 *   exportRequests.ts      the export dialog's choice -> main's export request
 *   packImports.ts         "Import Stable Diffusion model…": main's dialog, progress, cancel
 *
 * Everything they learn goes into the store; the heavy work (the restoration, composing and
 * encoding exports) happens in main, so the window stays responsive: here there is only
 * decoding a finished PNG and making a thumbnail.
 */
import type { PackInfo, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import type { RunSettings } from '../state/settings';
import type { Store } from '../state/store';
import type { SweepAxis, SweepTarget } from '../state/sweep';
import { exportImage, type ExportChoice } from './exportRequests';
import { createJobs } from './jobs';
import { createPackImports, type ImportChoice } from './packImports';
import { createResultHistory, type ResultImages } from './resultHistory';
import { createSettingsPersistence } from './settingsPersistence';
import { createSweepQueue } from './sweepQueue';

export type { ResultImages } from './resultHistory';

export interface RunController {
  /** Subscribes to job and import events and loads settings and packs; returns the cleanup. */
  start(): () => void;
  run(): Promise<void>;
  cancel(): Promise<void>;
  /** A sweep over the photo's prompt, or (`target`) one region's. */
  sweep(axes: SweepAxis[], target?: SweepTarget): Promise<void>;
  deleteResult(id: string): Promise<void>;
  setSettings(patch: Partial<RunSettings>): void;
  /** "Pack defaults": steps, strength, guidance, scheduler, colour fix and faithful mode as the loaded pack recommends. */
  resetToPackDefaults(): void;
  choosePack(): Promise<void>;
  listPacks(): Promise<PackInfo[]>;
  /** Main's file or folder dialog, then the import (one at a time). */
  importModel(choice: ImportChoice): Promise<void>;
  cancelImport(): Promise<void>;
  /** Hides how the last import ended. */
  dismissImport(): void;
  exportImage(options: ExportChoice): Promise<string | null>;
}

/** What tests replace: the seed draw, the clock and how jobs are named. */
export interface RunControllerOptions {
  /** 0..1, for unlocked seeds; default Math.random. */
  random?: () => number;
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** A new job (or import) id; default crypto.randomUUID(). */
  newJobId?: () => string;
}

export function createRunController(store: Store<AppState, AppAction>, api: SpireApi | undefined, images: ResultImages, options: RunControllerOptions = {}): RunController {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const newJobId = options.newJobId ?? (() => crypto.randomUUID());
  const history = createResultHistory(store, api, images, now);
  const jobs = createJobs(store, api, images, { random, newJobId });
  const sweep = createSweepQueue(store, jobs, history, random, now);
  const settings = createSettingsPersistence(store, api);
  const imports = createPackImports(store, api, newJobId);
  const job = () => store.getState().studio.job;

  return {
    start() {
      const stopJobs = jobs.listen();
      const stopSettings = settings.load();
      const stopImports = imports.listen();
      return () => {
        stopJobs();
        stopSettings();
        stopImports();
      };
    },

    async run() {
      if (job().status !== 'idle') return;
      // The result goes to the photo the run started on, even when another is shown by then.
      await jobs.start({ kind: 'single' }, async (outcome, photoKey) => {
        if (outcome.ok) await history.keep(outcome.value, null, true, photoKey);
      });
    },

    async cancel() {
      const { status } = job();
      if (status === 'idle' || status === 'cancelling') return;
      sweep.stop();
      await jobs.cancel();
    },

    sweep: (axes, target) => sweep.start(axes, target),
    async deleteResult(id) {
      history.remove(id);
    },
    setSettings: (patch) => settings.set(patch),
    resetToPackDefaults: () => settings.resetToPackDefaults(),
    choosePack: () => settings.choosePack(),
    listPacks: () => settings.listPacks(),
    importModel: (choice) => imports.importModel(choice),
    cancelImport: () => imports.cancel(),
    dismissImport: () => imports.dismiss(),
    exportImage: (choice) => exportImage(store, api, choice),
  };
}
