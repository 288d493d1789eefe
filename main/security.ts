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
 * Where the app's own pages live: the packaged renderer's index.html (a file: URL)
 * or, in development, the renderer dev server's origin.
 */
export interface AppPages {
  /** Exact file: URL of the renderer's index.html, when loaded from disk. */
  fileUrl?: string;
  /** Origin (scheme://host:port) of a renderer served over http(s), e.g. the dev server or the test harness. */
  origin?: string;
}

/**
 * True when `url` is one of the app's own pages. Used to decide whether an IPC
 * message comes from our window and whether a navigation is allowed.
 */
export function isAppPageUrl(url: string, pages: AppPages): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (pages.fileUrl) {
    const expected = new URL(pages.fileUrl);
    if (parsed.protocol === 'file:' && parsed.pathname === expected.pathname && parsed.host === expected.host) return true;
  }
  if (pages.origin) {
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === new URL(pages.origin).origin) return true;
  }
  return false;
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
