import { describe, expect, it } from 'vitest';
import { posix, win32 } from 'node:path';
import { APP_ORIGIN, APP_PAGE_URL, CONTENT_SECURITY_POLICY, appFileFor, contentTypeOf, isAppPageUrl, withCspHeader } from '../../../main/security';

describe('isAppPageUrl', () => {
  const app = { origin: APP_ORIGIN };
  const dev = { origin: 'http://localhost:5173' };
  it.each([
    [app, 'app://spire/index.html', true],
    [app, 'app://spire/', true],
    [app, 'app://spire/index.html#/view', true],
    [app, 'APP://SPIRE/index.html', true],
    [app, 'app://spire.evil/index.html', false],
    [app, 'app://evil/index.html', false],
    [app, 'app://user@spire/index.html', false],
    [app, 'file:///opt/spire/resources/app.asar/out/renderer/index.html', false],
    [app, 'file:///etc/passwd', false],
    [app, 'https://spire/index.html', false],
    [app, 'https://evil.example/', false],
    [dev, 'http://localhost:5173/', true],
    [dev, 'http://localhost:5173/index.html?x=1', true],
    [dev, 'http://localhost:5174/', false],
    [dev, 'http://localhost.evil.example:5173/', false],
    [dev, 'app://spire/index.html', false],
    [dev, 'file:///opt/spire/resources/app.asar/out/renderer/index.html', false],
    [app, 'not a url', false],
    [{ origin: 'file:///opt/spire' }, 'file:///opt/spire/x.html', false],
  ])('%o: %s -> %s', (pages, url, expected) => {
    expect(isAppPageUrl(url, pages)).toBe(expected);
  });

  it('the page the window loads is an app page', () => {
    expect(APP_PAGE_URL).toBe('app://spire/index.html');
    expect(isAppPageUrl(APP_PAGE_URL, { origin: APP_ORIGIN })).toBe(true);
  });
});

describe('appFileFor: what app://spire/ serves', () => {
  const dir = '/opt/spire/resources/app.asar/out/renderer';
  it.each([
    ['app://spire/index.html', `${dir}/index.html`],
    ['app://spire/', `${dir}/index.html`],
    ['app://spire', `${dir}/index.html`],
    ['app://spire/assets/index-abc.js?v=1#x', `${dir}/assets/index-abc.js`],
    ['app://spire/assets/a%20b.css', `${dir}/assets/a b.css`],
    // URL parsing folds `..` and `%2e%2e` segments before we see them: the path stays inside.
    ['app://spire/assets/../index.html', `${dir}/index.html`],
    ['app://spire/../../../../etc/passwd', `${dir}/etc/passwd`],
    ['app://spire/%2e%2e/%2e%2e/main/index.js', `${dir}/main/index.js`],
    ['app://spire/%2e', `${dir}/index.html`],
  ])('%s -> %s', (url, file) => {
    expect(appFileFor(url, dir, posix)).toBe(file);
  });

  it.each([
    ['encoded slash and ..', 'app://spire/..%2f..%2fmain%2findex.js'],
    ['encoded backslash', 'app://spire/..%5c..%5cmain%5cindex.js'],
    ['a NUL', 'app://spire/index.html%00.png'],
    ['a bad escape', 'app://spire/%E0%A4%A'],
    ['another host', 'app://evil/index.html'],
    ['credentials', 'app://a:b@spire/index.html'],
    ['another scheme', 'file:///opt/spire/resources/app.asar/out/renderer/index.html'],
    ['https', 'https://spire/index.html'],
    ['not a URL', '::'],
  ])('refuses %s', (_label, url) => {
    expect(appFileFor(url, dir, posix)).toBeNull();
  });

  it('refuses a sibling folder that shares the prefix (renderer-evil)', () => {
    expect(appFileFor('app://spire/..%2frenderer-evil%2fx.js', dir, posix)).toBeNull();
    expect(appFileFor('app://spire/..%2frenderer%2findex.html', dir, posix)).toBe(`${dir}/index.html`);
  });

  it('on Windows paths too', () => {
    const wdir = 'C:\\Program Files\\SPIRE Studio\\resources\\app.asar\\out\\renderer';
    expect(appFileFor('app://spire/assets/x.js', wdir, win32)).toBe(`${wdir}\\assets\\x.js`);
    expect(appFileFor('app://spire/%2e%2e%2f%2e%2e%2fmain%2findex.js', wdir, win32)).toBeNull();
    expect(appFileFor('app://spire/C:%2fWindows%2fwin.ini', wdir, win32)).toBe(`${wdir}\\C:\\Windows\\win.ini`);
  });

  it('names content types, bytes for the unknown', () => {
    expect(contentTypeOf('/r/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/r/assets/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/r/assets/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/r/x')).toBe('application/octet-stream');
  });
});

describe('CSP', () => {
  it('is the strict policy the renderer meta tag also carries', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'",
    );
  });

  it('replaces any CSP a response had, whatever its case, and keeps other headers', () => {
    const headers = withCspHeader({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});
