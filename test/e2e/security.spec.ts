/** What the page can and cannot do: CSP, no Node, a narrow window.spire, no way around main's validation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/security';
import { APP_URL, launchApp, type HarnessApp } from './harness/app';

let app: HarnessApp;
beforeAll(async () => {
  app = await launchApp();
});
afterAll(async () => {
  await app?.close();
});

type G = Record<string, unknown> & { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } };

describe('renderer security', () => {
  it('carries the CSP as a meta tag and as a response header', async () => {
    const meta = await app.page.evaluate(() =>
      (globalThis as unknown as G).document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
    );
    expect(meta?.replace(/\s+/g, ' ').trim()).toBe(CONTENT_SECURITY_POLICY);
    const [nav] = await Promise.all([app.page.waitForResponse(APP_URL), app.page.reload()]);
    expect(nav.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('blocks inline scripts and outside connections (CSP enforced)', async () => {
    const result = await app.page.evaluate(async () => {
      const g = globalThis as unknown as {
        document: { createElement(t: string): { textContent: string }; head: { appendChild(n: unknown): void } };
        __inlineRan?: boolean;
        fetch(u: string): Promise<unknown>;
      };
      const s = g.document.createElement('script');
      s.textContent = 'globalThis.__inlineRan = true;';
      g.document.head.appendChild(s);
      let fetched = true;
      try {
        await g.fetch('https://example.com/');
      } catch {
        fetched = false;
      }
      return { inlineRan: g.__inlineRan === true, fetched };
    });
    expect(result).toEqual({ inlineRan: false, fetched: false });
    const violations = await app.cspViolations();
    expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
    expect(violations.some((v) => v.startsWith('connect-src'))).toBe(true);
  });

  it('has no Node in the page and exposes only purpose-named functions', async () => {
    const shape = await app.page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown> & { spire: Record<string, Record<string, unknown>> };
      return {
        require: typeof g.require,
        process: typeof g.process,
        module: typeof g.module,
        api: Object.fromEntries(Object.entries(g.spire).map(([k, v]) => [k, Object.keys(v).sort()])),
        frozen: Object.isFrozen(g.spire),
      };
    });
    expect(shape).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      api: {
        app: ['info'],
        batch: ['add', 'addBytes', 'cancel', 'chooseOutput', 'onDone', 'onProgress', 'remove', 'start'],
        engine: ['choosePack', 'configure', 'listPacks', 'onStatus', 'status'],
        export: ['save'],
        image: ['estimate', 'openBytes', 'openDialog', 'openRecent', 'recent'],
        packs: ['cancelImport', 'importModel', 'onImportDone', 'onImportProgress'],
        restore: ['cancel', 'discard', 'onDone', 'onProgress', 'start'],
        session: ['delete', 'load', 'save'],
        settings: ['get', 'set'],
      },
      frozen: true,
    });
  });

  it('main validates what the page sends, whatever the page does', async () => {
    const answers = await app.page.evaluate(async () => {
      const g = globalThis as unknown as {
        spire: { image: { openBytes(n: unknown, b: unknown): Promise<unknown> } };
        __spireHarnessInvoke(c: string, p: unknown): Promise<unknown>;
      };
      const outcomes: unknown[] = [];
      outcomes.push(await g.spire.image.openBytes('../../etc/passwd', new Uint8Array([1, 2])));
      outcomes.push(await g.spire.image.openBytes('a.png', 'not bytes'));
      for (const [channel, payload] of [
        ['spire:fs:read', { path: '/etc/passwd' }],
        ['spire:engine:status', { force: true }],
        ['spire:batch:add', { source: 'folder', path: '/etc' }],
      ] as const) {
        try {
          outcomes.push(await g.__spireHarnessInvoke(channel, payload));
        } catch (e) {
          outcomes.push(String(e));
        }
      }
      return outcomes;
    });
    expect(answers[0]).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringContaining('name: must be a file name, not a path') } });
    expect(answers[1]).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    // Every refusal is answered in a Result, the unknown channel and the plain read included.
    expect(answers[2]).toEqual({ ok: false, error: { code: 'unknown-channel', message: 'Unknown IPC channel "spire:fs:read".' } });
    expect(answers[3]).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringContaining('Invalid request on spire:engine:status') } });
    // A batch's photos come from main's dialogs, never from a path the page names.
    expect(answers[4]).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringContaining('Invalid request on spire:batch:add') } });
  });

  it('the app itself causes no CSP violations or page errors', async () => {
    const before = app.pageErrors.length;
    await app.page.reload();
    await expect.poll(() => app.page.getByTestId('app-root').count()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await app.cspViolations()).toEqual([]);
    expect(app.pageErrors.slice(before)).toEqual([]);
  });
});
