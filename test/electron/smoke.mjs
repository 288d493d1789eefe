#!/usr/bin/env node
/* global document -- page.evaluate callbacks below run in the renderer, where `document` exists. */
/**
 * Electron smoke test (`npm run test:electron`).
 *
 * Launches the BUILT app (out/) with Playwright's `_electron` and checks that
 *   - the window shows the app (data-testid=app-root);
 *   - the renderer is locked down: contextIsolation, sandbox, no nodeIntegration,
 *     webSecurity (from webContents.getLastWebPreferences()), and no
 *     `require`/`process` in the page; window.spire has only its named functions;
 *   - the engine runs in its utilityProcess and reports ready with the tiny
 *     fixture pack (SPIRE_MODEL_PACK) on the status bar.
 *
 * Needs an Electron binary (node_modules/electron/dist, or ELECTRON_PATH) and
 * a display (DISPLAY/WAYLAND_DISPLAY, or xvfb-run, which it re-runs itself under).
 * Where either is missing it prints exactly why it skipped and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from '../../scripts/lib/electronBinary.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = join(repo, 'test-results/electron');
const TIMEOUT_MS = 60_000;

/** Counts for scripts/test-all.mjs's summary (written where SPIRE_SMOKE_REPORT says). */
function report(counts) {
  if (process.env.SPIRE_SMOKE_REPORT) writeFileSync(process.env.SPIRE_SMOKE_REPORT, JSON.stringify(counts));
}

function skip(reason) {
  console.log(`Skipped the Electron smoke test: ${reason}`);
  report({ passed: 0, failed: 0, skipped: 1 });
  process.exit(0);
}

function fail(message) {
  console.error(`Electron smoke test FAILED: ${message}`);
  process.exitCode = 1;
}

const binary = findElectronBinary();
if (!binary.ok) skip(`${binary.reason} ${binary.fix}`);

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  if (process.env.SPIRE_SMOKE_UNDER_XVFB === '1') skip('no display even under xvfb-run.');
  const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' });
  if (xvfb.status !== 0) skip('no display (DISPLAY and WAYLAND_DISPLAY are unset) and xvfb-run is not installed (apt-get install xvfb).');
  const rerun = spawnSync('xvfb-run', ['-a', '-s', '-screen 0 1280x900x24', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, SPIRE_SMOKE_UNDER_XVFB: '1' },
  });
  process.exit(rerun.status ?? 1);
}

if (!existsSync(join(repo, 'out/main/index.js')) || !existsSync(join(repo, 'out/renderer/index.html'))) {
  console.log('out/ is missing: building with electron-vite first.');
  const built = spawnSync(process.execPath, [join(repo, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--config', 'electron.config.ts'], { cwd: repo, stdio: 'inherit' });
  if (built.status !== 0) {
    fail('electron-vite build failed.');
    process.exit(1);
  }
}

process.on('unhandledRejection', (err) => {
  fail(`unexpected error while driving Electron: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

const { _electron } = await import('playwright-core');
mkdirSync(artifacts, { recursive: true });

// Chromium refuses its OS sandbox when run as root (containers, CI); the JS-level sandbox
// (sandbox: true, no Node in preload or page) is what this test checks, and stays on.
const args = [repo];
if (process.platform === 'linux' && process.getuid?.() === 0) {
  console.log('Running as root: passing --no-sandbox to Electron (Chromium will not start its OS sandbox as root).');
  args.unshift('--no-sandbox');
}

let app;
try {
  app = await _electron.launch({
    executablePath: binary.executable,
    args,
    cwd: repo,
    timeout: TIMEOUT_MS,
    env: { ...process.env, SPIRE_MODEL_PACK: join(repo, 'test/fixtures/packs/tiny-random'), SPIRE_PROVIDERS: 'cpu' },
  });
} catch (err) {
  fail(`could not launch ${binary.executable} with the app in ${repo}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const checks = [];
const check = (name, ok, detail) => {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};

try {
  const page = await app.firstWindow({ timeout: TIMEOUT_MS });
  await page.getByTestId('app-root').waitFor({ timeout: TIMEOUT_MS });
  check('window shows app-root', true);

  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const win = BrowserWindow.getAllWindows()[0];
    const p = win?.webContents.getLastWebPreferences() ?? {};
    return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity, webviewTag: p.webviewTag };
  });
  check(
    'webPreferences are locked down',
    prefs.contextIsolation === true && prefs.sandbox === true && prefs.nodeIntegration === false && prefs.webSecurity !== false && prefs.webviewTag !== true,
    JSON.stringify(prefs),
  );

  const page_ = await page.evaluate(() => ({
    require: typeof globalThis.require,
    process: typeof globalThis.process,
    spire: globalThis.spire ? Object.fromEntries(Object.entries(globalThis.spire).map(([k, v]) => [k, Object.keys(v).sort()])) : null,
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null,
  }));
  check('no require/process in the page', page_.require === 'undefined' && page_.process === 'undefined', `require: ${page_.require}, process: ${page_.process}`);
  check(
    'window.spire has only its named functions',
    JSON.stringify(page_.spire) === JSON.stringify({ app: ['info'], image: ['openBytes', 'openDialog'], engine: ['onStatus', 'status'] }),
    JSON.stringify(page_.spire),
  );
  check('CSP meta tag present', typeof page_.csp === 'string' && page_.csp.includes("default-src 'none'"), page_.csp ?? 'missing');

  const opened = await app.evaluate(async ({ BrowserWindow }) => {
    const win = BrowserWindow.getAllWindows()[0];
    const before = BrowserWindow.getAllWindows().length;
    await win.webContents.executeJavaScript("window.open('https://example.com/'); true", true).catch(() => false);
    await new Promise((r) => setTimeout(r, 300));
    return { before, after: BrowserWindow.getAllWindows().length, url: win.webContents.getURL() };
  });
  check('window.open is denied', opened.after === opened.before && opened.url.startsWith('file:'), JSON.stringify(opened));

  const engine = page.getByTestId('status-engine');
  await page.waitForFunction(() => document.querySelector('[data-testid="status-engine"]')?.textContent === 'ready', null, { timeout: TIMEOUT_MS }).catch(() => undefined);
  const engineState = await engine.textContent().catch(() => null);
  const pack = await page.getByTestId('status-pack').textContent().catch(() => null);
  const provider = await page.getByTestId('status-provider').textContent().catch(() => null);
  check('engine (utilityProcess) is ready with the tiny pack', engineState === 'ready' && pack === 'tiny-random' && provider === 'cpu', `engine: ${engineState}, pack: ${pack}, provider: ${provider}`);

  await page.screenshot({ path: join(artifacts, 'smoke.png') });
  console.log(`Screenshot: ${join(artifacts, 'smoke.png')}`);
} catch (err) {
  fail(err instanceof Error ? err.stack ?? err.message : String(err));
} finally {
  await app.close().catch(() => undefined);
}

const failed = checks.filter((c) => !c.ok);
report({ passed: checks.length - failed.length, failed: failed.length || (process.exitCode === 1 ? 1 : 0), skipped: 0 });
if (failed.length > 0) fail(`${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join('; ')}`);
else if (process.exitCode !== 1) console.log(`Electron smoke test passed (${checks.length} checks).`);
