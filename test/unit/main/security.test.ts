import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAppPageUrl, withCspHeader } from '../../../main/security';

describe('isAppPageUrl', () => {
  const file = { fileUrl: 'file:///opt/spire/resources/app.asar/out/renderer/index.html' };
  const dev = { origin: 'http://localhost:5173' };
  it.each([
    [file, 'file:///opt/spire/resources/app.asar/out/renderer/index.html', true],
    [file, 'file:///opt/spire/resources/app.asar/out/renderer/index.html#/view', true],
    [file, 'file:///etc/passwd', false],
    [file, 'file:///opt/spire/resources/app.asar/out/renderer/other.html', false],
    [file, 'https://evil.example/', false],
    [dev, 'http://localhost:5173/', true],
    [dev, 'http://localhost:5173/index.html?x=1', true],
    [dev, 'http://localhost:5174/', false],
    [dev, 'http://localhost.evil.example:5173/', false],
    [dev, 'file:///opt/spire/resources/app.asar/out/renderer/index.html', false],
    [file, 'not a url', false],
  ])('%o: %s -> %s', (pages, url, expected) => {
    expect(isAppPageUrl(url, pages)).toBe(expected);
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
