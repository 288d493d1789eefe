/**
 * The app window and the hardening around it.
 *
 * - renderer: contextIsolation, sandbox, no Node integration, webSecurity;
 * - CSP as a response header on everything the session loads (the renderer's
 *   index.html carries the same policy as a meta tag);
 * - the built renderer served through the app's own scheme (`app://spire/`,
 *   `protocol.handle`): only files under the renderer folder, never `file://`;
 * - no navigation away from the app page, no new windows, no <webview>;
 * - every permission request (camera, notifications, ...) denied;
 * - requests to anything but the app's own pages (or the dev server) cancelled;
 * - no DevTools in a packaged build.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BrowserWindow, protocol, type Session, type WebContents } from 'electron';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, appFileFor, contentTypeOf, isAppPageUrl, withCspHeader, type AppPages } from './security';

export interface MainWindowOptions {
  preloadPath: string;
  /** APP_PAGE_URL, or the dev server URL. */
  pageUrl: string;
  pages: AppPages;
  /** False in a packaged build: the window cannot open DevTools at all. */
  devTools: boolean;
}

/**
 * Registers the app's scheme as standard (relative URLs, a real origin) and secure (a secure
 * context, like https). Must run before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves `app://spire/<path>` from `rendererDir` (out/renderer, inside the asar when packaged).
 * A URL that leaves the folder, another host, or a missing file answers 404; only GET and HEAD.
 */
export function serveRenderer(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    const file = appFileFor(request.url, rendererDir, path);
    if (file === null) return new Response(null, { status: 404 });
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return new Response(null, { status: 404 });
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: { 'Content-Type': contentTypeOf(file), 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
    });
  });
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
export function hardenSession(session: Session, pages: AppPages): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url;
    const allowed =
      url.startsWith('devtools:') ||
      url.startsWith('data:') ||
      url.startsWith('blob:') ||
      isAppPageUrl(url, pages) ||
      isDevSocket(url, pages.origin);
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
      devTools: options.devTools,
    },
  });
  hardenWebContents(win.webContents, options.pages);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.pageUrl);
  return win;
}
