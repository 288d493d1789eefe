/**
 * Security policy shared by the Electron window and the end-to-end harness.
 * Pure: no `electron` import, so tests and the harness apply the very same rules.
 */

/** The renderer's Content-Security-Policy. The renderer's index.html carries the same policy as a meta tag. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The packaged renderer's own scheme and origin. Its files are served by main (window.ts,
 * `protocol.handle`) from the built renderer folder only; registered privileged (standard, secure)
 * before the app is ready, so the page is a secure context with a real origin, never `file://`.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'spire';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * Where the app's own pages live: the app's scheme (APP_ORIGIN) in a build, or the renderer dev
 * server's origin in development (the e2e harness serves its own made-up http origin).
 */
export interface AppPages {
  /** scheme://host[:port] of the renderer: APP_ORIGIN, the dev server or the test harness. */
  origin: string;
}

const PAGE_PROTOCOLS = new Set(['http:', 'https:', `${APP_SCHEME}:`]);

/**
 * True when `url` is one of the app's own pages. Used to decide whether an IPC message comes from
 * our window, whether a navigation is allowed and which requests the session lets through. Compares
 * scheme and host:port, not `URL.origin` (which is "null" for a custom scheme in Node, whose host
 * keeps its case there: Chromium lowercases a standard scheme's host).
 */
export function isAppPageUrl(url: string, pages: AppPages): boolean {
  let parsed: URL;
  let expected: URL;
  try {
    parsed = new URL(url);
    expected = new URL(pages.origin);
  } catch {
    return false;
  }
  return PAGE_PROTOCOLS.has(parsed.protocol) && parsed.protocol === expected.protocol && parsed.host.toLowerCase() === expected.host.toLowerCase() && parsed.username === '' && parsed.password === '';
}

/**
 * The file under `rendererDir` (absolute) that an APP_ORIGIN URL names, or null for anything else:
 * another scheme or host, a path that leaves the folder (`..`, encoded or not), a NUL, a bad escape.
 * `/` is index.html. Query and fragment are ignored.
 */
export function appFileFor(url: string, rendererDir: string, path: { resolve(...p: string[]): string; sep: string }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host.toLowerCase() !== APP_HOST || parsed.username !== '' || parsed.password !== '') return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0') || relative.includes('\\')) return null;
  if (relative === '' || relative === '/') relative = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + relative);
  return file.startsWith(root + path.sep) ? file : null;
}

/** Content types of what the renderer build holds; anything else is served as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  woff: 'font/woff',
  wasm: 'application/wasm',
};

export function contentTypeOf(file: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Merges the CSP into a response's headers (replacing any CSP the response already had). */
export function withCspHeader(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
