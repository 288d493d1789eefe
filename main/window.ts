/**
 * The app window and the hardening around it.
 *
 * - renderer: contextIsolation, sandbox, no Node integration, webSecurity;
 * - CSP as a response header on everything the session loads (the renderer's
 *   index.html carries the same policy as a meta tag);
 * - no navigation away from the app page, no new windows, no <webview>;
 * - every permission request (camera, notifications, ...) denied;
 * - requests to anything but the app's own files (or the dev server) cancelled.
 */
import { BrowserWindow, type Session, type WebContents } from 'electron';
import { isAppPageUrl, withCspHeader, type AppPages } from './security';

export interface MainWindowOptions {
  preloadPath: string;
  /** file: URL of out/renderer/index.html, or the dev server URL. */
  pageUrl: string;
  pages: AppPages;
}

/** The dev server's hot-reload socket (same host and port as the dev page). */
function isDevSocket(url: string, origin: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.host === new URL(origin).host;
  } catch {
    return false;
  }
}

/** Applies the session-wide rules once, before any window loads. */
export function hardenSession(session: Session, pages: AppPages, rendererDirUrl: string | null): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url;
    const allowed =
      url.startsWith('devtools:') ||
      url.startsWith('data:') ||
      url.startsWith('blob:') ||
      (rendererDirUrl !== null && url.startsWith(rendererDirUrl)) ||
      (pages.origin !== undefined && (isAppPageUrl(url, { origin: pages.origin }) || isDevSocket(url, pages.origin)));
    callback({ cancel: !allowed });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders) });
  });
}

/** Rules for every webContents the app creates (there should be only the main window's). */
export function hardenWebContents(contents: WebContents, pages: AppPages): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const blockForeign = (event: Electron.Event, url: string): void => {
    if (!isAppPageUrl(url, pages)) event.preventDefault();
  };
  contents.on('will-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'SPIRE Studio',
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  hardenWebContents(win.webContents, options.pages);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.pageUrl);
  return win;
}
