/**
 * Builds the services behind the IPC handler table, the same way for the app
 * (main/index.ts) and the end-to-end harness (test/e2e/harness/app.ts): only the
 * dialogs, the event sink, the engine and where files are kept differ.
 * No Electron import.
 */
import { resolve } from 'node:path';
import type { AppInfo } from '../../preload/contract/channels';
import type { EngineHost } from '../engine/host';
import { discoverPack, readManifest } from '../engine/packs';
import type { EngineConfig } from '../engine/protocol';
import type { IpcServices } from '../ipc/handlers';
import type { DialogPort } from './dialogPort';
import { BatchService } from './batchService';
import { EngineControl } from './engineControl';
import { EstimateService } from './estimateService';
import { ExportService } from './exportService';
import { ImageService } from './imageService';
import { ImportService, type ImportModelFn } from './importService';
import type { RecentFiles } from './recentFiles';
import { RestoreService, type EmitEvent } from './restoreService';
import { DEFAULT_SETTINGS, type AppSettings, type SettingsStore } from './settings';
import { SessionStore } from './sessionStore';
import { SettingsService } from './settingsService';

export interface AppServicesInput {
  appInfo: AppInfo;
  /** The host sends this object at every start; EngineControl updates it when the user changes pack, providers or threads. */
  config: EngineConfig;
  engine: EngineHost;
  dialog: DialogPort;
  emit: EmitEvent;
  recent: RecentFiles;
  /** Where settings are saved (null: in memory only) and what was loaded. */
  settingsStore: Pick<SettingsStore, 'save'> | null;
  settings?: AppSettings;
  /** The packs folder in the user data folder: imported models go there; listed as a pack root. */
  userPacksDir: string;
  /** The importer (main/import/importModel.ts in the app; a fake in the e2e harness). */
  importModel: ImportModelFn;
  /** Where per-photo sessions are saved (`<userData>/sessions`); absent: none are saved or found. */
  sessionsDir?: string;
  /** The importer's Python (SPIRE_PYTHON), when set. */
  python?: string;
  logError?: (message: string, err: unknown) => void;
}

export interface AppServices extends IpcServices {
  imageService: ImageService;
  restoreService: RestoreService;
  estimateService: EstimateService;
  importService: ImportService;
  batchService: BatchService;
  sessionStore: SessionStore | null;
}

/** Sessions when there is no folder for them: nothing is found, nothing saved. */
const NO_SESSIONS: IpcServices['sessions'] = {
  load: async () => null,
  save: async () => ({ saved: [] }),
  delete: async () => ({ deleted: false }),
};

/**
 * The pack whose restorer and estimator an imported model gets: the default pack of the app's own pack
 * roots (the embedded one), if it has a restorer; null when there is none.
 */
async function embeddedPackIn(roots: readonly string[]): Promise<string | null> {
  const found = await discoverPack({ override: null, roots });
  if (!found.dir) return null;
  try {
    return (await readManifest(found.dir)).spire?.hasRestorer ? found.dir : null;
  } catch {
    return null;
  }
}

export function createAppServices(input: AppServicesInput): AppServices {
  const images = new ImageService();
  // `packs` is made below; settings asks it only when the renderer saves run defaults.
  const settings = new SettingsService(input.settingsStore, input.settings ?? DEFAULT_SETTINGS, (dir) => packs.isKnownPack(dir));
  const estimates = new EstimateService({ engine: input.engine, images });
  const restore = new RestoreService({ engine: input.engine, images, emit: input.emit, estimates, ...(input.logError ? { log: input.logError } : {}) });
  // Imported packs are always listed (and loadable): their folder is a pack root, after the app's own.
  const userPacksDir = resolve(input.userPacksDir);
  const appRoots = input.config.packRoots.filter((r) => resolve(r) !== userPacksDir);
  if (!input.config.packRoots.some((r) => resolve(r) === userPacksDir)) input.config.packRoots.push(userPacksDir);
  const packs: EngineControl = new EngineControl({ config: input.config, engine: input.engine, dialog: input.dialog, settings });
  const imports = new ImportService({
    importModel: input.importModel,
    dialog: input.dialog,
    emit: input.emit,
    packsDir: userPacksDir,
    embeddedPack: () => embeddedPackIn(appRoots),
    listPacks: () => packs.listPacks(),
    ...(input.python ? { python: input.python } : {}),
    ...(input.logError ? { log: input.logError } : {}),
  });
  const batch = new BatchService({ engine: input.engine, dialog: input.dialog, emit: input.emit, ...(input.logError ? { log: input.logError } : {}) });
  const sessionStore = input.sessionsDir ? new SessionStore({ dir: input.sessionsDir, results: restore }) : null;
  return {
    appInfo: input.appInfo,
    images,
    recent: input.recent,
    dialog: input.dialog,
    engine: input.engine,
    packs,
    imports,
    restore,
    estimates,
    exporter: new ExportService({ results: restore, images, dialog: input.dialog }),
    settings,
    sessions: sessionStore ?? NO_SESSIONS,
    ...(input.logError ? { logError: input.logError } : {}),
    imageService: images,
    restoreService: restore,
    estimateService: estimates,
    importService: imports,
    batch,
    batchService: batch,
    sessionStore,
  };
}
