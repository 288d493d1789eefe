/**
 * Builds the services behind the IPC handler table, the same way for the app
 * (main/index.ts) and the end-to-end harness (test/e2e/harness/app.ts): only the
 * dialogs, the event sink, the engine and where files are kept differ.
 * No Electron import.
 */
import type { AppInfo } from '../../preload/contract/channels';
import type { EngineHost } from '../engine/host';
import type { EngineConfig } from '../engine/protocol';
import type { IpcServices } from '../ipc/handlers';
import type { DialogPort } from './dialogPort';
import { EngineControl } from './engineControl';
import { EstimateService } from './estimateService';
import { ExportService } from './exportService';
import { ImageService } from './imageService';
import type { RecentFiles } from './recentFiles';
import { RestoreService, type EmitEvent } from './restoreService';
import { DEFAULT_SETTINGS, type AppSettings, type SettingsStore } from './settings';
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
  logError?: (message: string, err: unknown) => void;
}

export interface AppServices extends IpcServices {
  imageService: ImageService;
  restoreService: RestoreService;
  estimateService: EstimateService;
}

export function createAppServices(input: AppServicesInput): AppServices {
  const images = new ImageService();
  const settings = new SettingsService(input.settingsStore, input.settings ?? DEFAULT_SETTINGS);
  const estimates = new EstimateService({ engine: input.engine, images });
  const restore = new RestoreService({ engine: input.engine, images, emit: input.emit, estimates, ...(input.logError ? { log: input.logError } : {}) });
  return {
    appInfo: input.appInfo,
    images,
    recent: input.recent,
    dialog: input.dialog,
    engine: input.engine,
    packs: new EngineControl({ config: input.config, engine: input.engine, dialog: input.dialog, settings }),
    restore,
    estimates,
    exporter: new ExportService({ results: restore, images, dialog: input.dialog }),
    settings,
    ...(input.logError ? { logError: input.logError } : {}),
    imageService: images,
    restoreService: restore,
    estimateService: estimates,
  };
}
