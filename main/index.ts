/**
 * SPIRE Studio main process: app lifecycle.
 *
 * Recipe: one instance only -> sandbox every renderer, register the app:
 * scheme -> when ready: harden the session, serve the renderer on app://spire/,
 * set the packaged menu (no DevTools), read settings and recent files, start the engine (utilityProcess,
 * supervised), build the services (images, restore jobs, export, settings,
 * packs, model import), register the IPC handler table, open the window -> forward engine
 * status, restore and import events to the window -> on quit, cancel an import
 * and stop the engine.
 *
 * Architecture: renderer -> preload -> main/ipc -> main/services -> engine (worker).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, ipcMain, Menu, session, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { EventChannel, EventChannels } from '../preload/contract/channels';
import { SupervisedEngineHost } from './engine/host';
import { utilityProcessSpawner } from './host/utilityProcessSpawner';
import { createIpcDispatcher } from './ipc/dispatch';
import { createIpcHandlers } from './ipc/handlers';
import { registerIpc } from './ipc/register';
import { packagedMenuTemplate } from './appMenu';
import { APP_ORIGIN, APP_PAGE_URL, type AppPages } from './security';
import { electronDialog } from './services/electronDialog';
import { createAppServices } from './services/appServices';
import type { ImportModelFn } from './services/importService';
import { engineConfigFrom } from './services/engineConfig';
import { RecentFiles } from './services/recentFiles';
import { SettingsStore } from './services/settings';
import { createMainWindow, hardenSession, hardenWebContents, registerAppScheme, serveRenderer } from './window';

/** The importer, loaded on first use: checkpoint conversion and ONNX export are not needed to start the app. */
const importModel: ImportModelFn = (options, hooks) => import('./import/importModel').then((m) => m.importModel(options, hooks));

const mainDir = dirname(fileURLToPath(import.meta.url)); // out/main
const preloadPath = join(mainDir, '../preload/index.cjs');
const rendererDir = join(mainDir, '../renderer');
const workerPath = join(mainDir, 'worker.js');
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null;

// The built renderer comes through the app's own scheme (app://spire/), never file://.
const pages: AppPages = { origin: devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN };
const pageUrl = devServerUrl ?? APP_PAGE_URL;

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme(); // before ready

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, pages));

  let engine: SupervisedEngineHost | null = null;
  let stopImport: () => Promise<void> = async () => undefined;

  /** main -> renderer: to the app window, when it is there. */
  const emit = <E extends EventChannel>(channel: E, payload: EventChannels[E]): void => {
    const contents = mainWindow?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(channel, payload);
  };

  const openWindow = (): void => {
    mainWindow = createMainWindow({ preloadPath, pageUrl, pages, devTools: !app.isPackaged });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession, pages);
    if (!devServerUrl) serveRenderer(session.defaultSession, rendererDir);
    // A packaged build: File, Edit, View (zoom, full screen), Window; no DevTools, no reload.
    if (app.isPackaged) Menu.setApplicationMenu(Menu.buildFromTemplate(packagedMenuTemplate(process.platform) as MenuItemConstructorOptions[]));
    const userData = app.getPath('userData');
    const store = new SettingsStore(join(userData, 'settings.json'));
    const { settings, warning } = await store.load();
    if (warning) console.warn(warning);
    const recent = new RecentFiles(join(userData, 'recent-files.json'));
    const recentWarning = await recent.load();
    if (recentWarning) console.warn(recentWarning);
    // The host sends this object at every (re)start; EngineControl updates it when the user changes pack/providers/threads.
    // Imported models become packs here, never beside the user's files.
    const userPacksDir = join(userData, 'packs');
    const config = engineConfigFrom({
      env: process.env,
      resourcesPath: app.isPackaged ? process.resourcesPath : null,
      appRoot: app.getAppPath(),
      settings,
      userPacksDir,
    });
    const host = new SupervisedEngineHost({ spawn: utilityProcessSpawner({ workerPath }), config });
    engine = host;
    host.onStatus((status) => emit('spire:engine:status-changed', status));
    host.start();
    const services = createAppServices({
      appInfo: { name: app.getName(), version: app.getVersion(), platform: process.platform },
      config,
      engine: host,
      dialog: electronDialog(() => mainWindow),
      emit,
      recent,
      settingsStore: store,
      settings,
      userPacksDir,
      // Per-photo sessions (sessionStore.ts): in the user data folder, never beside the user's photos.
      sessionsDir: join(userData, 'sessions'),
      importModel,
      ...(process.env.SPIRE_PYTHON ? { python: process.env.SPIRE_PYTHON } : {}),
      logError: (message, err) => console.error(message, err),
    });
    stopImport = () => services.importService.stop();
    const handlers = createIpcHandlers(services);
    registerIpc(ipcMain, createIpcDispatcher(handlers), { webContents: () => mainWindow?.webContents ?? null, pages });
    openWindow();
    app.on('activate', () => {
      if (!mainWindow) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    // A cancelled import removes its unfinished pack before the app goes.
    void Promise.all([stopImport().catch(() => undefined), engine?.stop() ?? Promise.resolve()]).finally(() => app.quit());
  });
}
