/**
 * SPIRE Studio main process: app lifecycle.
 *
 * Recipe: one instance only -> sandbox every renderer -> when ready: harden the
 * session, read settings, start the engine (utilityProcess, supervised), register the IPC
 * handler table, open the window -> forward engine status to the window ->
 * stop the engine on quit.
 *
 * Architecture: renderer -> preload -> main/ipc -> main/services -> engine (worker).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, ipcMain, session, type BrowserWindow } from 'electron';
import { EVENT_CHANNELS } from '../preload/contract/channels';
import { SupervisedEngineHost } from './engine/host';
import { utilityProcessSpawner } from './host/utilityProcessSpawner';
import { createIpcDispatcher } from './ipc/dispatch';
import { createIpcHandlers } from './ipc/handlers';
import { registerIpc } from './ipc/register';
import type { AppPages } from './security';
import { electronDialog } from './services/electronDialog';
import { engineConfigFrom } from './services/engineConfig';
import { ImageService } from './services/imageService';
import { SettingsStore } from './services/settings';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

const mainDir = dirname(fileURLToPath(import.meta.url)); // out/main
const preloadPath = join(mainDir, '../preload/index.cjs');
const rendererIndex = join(mainDir, '../renderer/index.html');
const workerPath = join(mainDir, 'worker.js');
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null;

const pages: AppPages = devServerUrl ? { origin: new URL(devServerUrl).origin } : { fileUrl: pathToFileURL(rendererIndex).href };
const pageUrl = devServerUrl ?? pathToFileURL(rendererIndex).href;
const rendererDirUrl = devServerUrl ? null : pathToFileURL(dirname(rendererIndex)).href + '/';

const [statusChanged] = EVENT_CHANNELS;

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, pages));

  let engine: SupervisedEngineHost | null = null;

  const openWindow = (): void => {
    mainWindow = createMainWindow({ preloadPath, pageUrl, pages });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession, pages, rendererDirUrl);
    const { settings, warning } = await new SettingsStore(join(app.getPath('userData'), 'settings.json')).load();
    if (warning) console.warn(warning);
    const host = new SupervisedEngineHost({
      spawn: utilityProcessSpawner({ workerPath }),
      config: engineConfigFrom({
        env: process.env,
        resourcesPath: app.isPackaged ? process.resourcesPath : null,
        appRoot: app.getAppPath(),
        settings,
      }),
    });
    engine = host;
    host.onStatus((status) => {
      const contents = mainWindow?.webContents;
      if (contents && !contents.isDestroyed()) contents.send(statusChanged, status);
    });
    host.start();
    const handlers = createIpcHandlers({
      appInfo: { name: app.getName(), version: app.getVersion(), platform: process.platform },
      images: new ImageService(),
      dialog: electronDialog(() => mainWindow),
      engine: host,
      logError: (message, err) => console.error(message, err),
    });
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
    void (engine?.stop() ?? Promise.resolve()).finally(() => app.quit());
  });
}
