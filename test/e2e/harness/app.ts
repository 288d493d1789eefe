/**
 * The end-to-end harness: the built renderer in Debian's Chromium, talking to
 * main's real handler table through the real preload.
 *
 *   page (out/renderer, served at http://spire.test/ with the CSP header)
 *     -> window.spire (preload/index.ts, `electron` = electronShim.ts)
 *     -> binding __spireHarnessInvoke (sender frame checked like main does, refused in a Result)
 *     -> createIpcDispatcher(createIpcHandlers(...))   <- the same code main registers
 *     -> the services main builds (createAppServices: images, restore jobs, export,
 *        settings and recent files in memory, model import), a fake DialogPort (open, save,
 *        folder, model), a fake importer (FakeImporter) writing into a temporary user data folder,
 *        SupervisedEngineHost over a real worker_threads Worker running out/main/worker.js
 *   engine status, restore progress/done -> page.evaluate(__spireHarnessEmit) -> listeners
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, normalize, relative } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { EventChannel, EventChannels } from '../../../preload/contract/channels';
import { SupervisedEngineHost } from '../../../main/engine/host';
import type { EngineProcess } from '../../../main/engine/port';
import type { EngineConfig } from '../../../main/engine/protocol';
import { threadSpawner } from '../../../main/engine/threadSpawner';
import { createIpcDispatcher } from '../../../main/ipc/dispatch';
import { createIpcHandlers } from '../../../main/ipc/handlers';
import { untrustedSenderRefusal } from '../../../main/ipc/register';
import { SpireError } from '../../../common/errors';
import { CONTENT_SECURITY_POLICY, isAppPageUrl } from '../../../main/security';
import { createAppServices, type AppServices } from '../../../main/services/appServices';
import type { DialogPort, SaveDialogOptions } from '../../../main/services/dialogPort';
import type { ImportOptions } from '../../../main/import/importModel';
import type { ImportHooks, ImportModelFn } from '../../../main/services/importService';
import { engineConfigFrom } from '../../../main/services/engineConfig';
import { RecentFiles } from '../../../main/services/recentFiles';
import { OUT, REPO, buildPreloadForPage, ensureAppBuilt } from './build';
import { fromWire, toWire } from './wire';

export const APP_ORIGIN = 'http://spire.test';
export const APP_URL = `${APP_ORIGIN}/index.html`;
export const ARTIFACTS = join(REPO, 'test-results/e2e');

const CHROMIUM = process.env.SPIRE_CHROMIUM ?? '/usr/bin/chromium';
// The app's page is a secure context (file:// packaged, http://localhost in dev), so the renderer may use
// crypto.randomUUID() (it names restore jobs); the harness's made-up origin is made one too.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  `--unsafely-treat-insecure-origin-as-secure=${APP_ORIGIN}`,
];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * A DialogPort whose answers the test sets: `next` is the file "the user" opens
 * (null = cancel), `nextSave` the path they save to (null = cancel; a spec points
 * it into a temporary folder), `nextFolder` the folder they pick, `nextModel`
 * the model they import. Each save dialog's options are recorded in `saves`,
 * each import dialog's kind in `modelKinds`.
 */
export class FakeDialog implements DialogPort {
  next: string | null = null;
  nextSave: string | null = null;
  nextFolder: string | null = null;
  /** The files "the user" picks in the batch's multi-select dialog (null = cancel). */
  nextFiles: string[] | null = null;
  nextModel: string | null = null;
  calls = 0;
  readonly saves: SaveDialogOptions[] = [];
  readonly modelKinds: ('file' | 'folder')[] = [];
  async chooseImageFile(): Promise<string | null> {
    this.calls += 1;
    return this.next;
  }
  async chooseImageFiles(): Promise<string[] | null> {
    return this.nextFiles;
  }
  async chooseSaveFile(options: SaveDialogOptions): Promise<string | null> {
    this.saves.push(options);
    return this.nextSave;
  }
  async chooseFolder(): Promise<string | null> {
    return this.nextFolder;
  }
  async chooseModelSource(kind: 'file' | 'folder'): Promise<string | null> {
    this.modelKinds.push(kind);
    return this.nextModel;
  }
}

/**
 * The importer (main/import/importModel.ts) as the specs drive it: each import reports `convert`
 * and `export-unet` progress, then waits for `finish()` (it then writes `pack(options)` into its
 * outDir and reports `write`) or for the abort signal (it then throws `cancelled`, as the real one).
 * `calls` records every import's options.
 */
export class FakeImporter {
  readonly calls: ImportOptions[] = [];
  /** What a finished import writes into its outDir; default: a copy of the tiny pack named after the folder. */
  pack: (options: ImportOptions) => Promise<string> = async (o) => {
    const name = basename(o.outDir);
    await cp(TINY_PACK, o.outDir, { recursive: true, filter: (src) => !src.includes(join(TINY_PACK, 'golden')) });
    const manifest = JSON.parse(await readFile(join(o.outDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(o.outDir, 'manifest.json'), JSON.stringify({ ...manifest, name }, null, 1));
    return name;
  };
  private gates: (() => void)[] = [];

  readonly importModel: ImportModelFn = async (options: ImportOptions, hooks?: ImportHooks) => {
    this.calls.push(options);
    const report = (stage: string, fraction: number, message: string) => hooks?.onProgress?.({ stage, fraction, message });
    report('convert', 0.05, 'Reading the checkpoint');
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        this.gates = this.gates.filter((g) => g !== resolve); // a cancelled import no longer waits
        reject(new SpireError('cancelled', 'Import cancelled.'));
      };
      if (hooks?.signal?.aborted) return abort();
      hooks?.signal?.addEventListener('abort', abort);
      this.gates.push(resolve);
      report('export-unet', 0.4, 'Exporting the UNet to ONNX');
    });
    report('write', 0.95, 'Writing the pack');
    const name = await this.pack(options);
    return { packDir: options.outDir, name };
  };

  /** Lets the oldest waiting import finish. */
  finish(): void {
    this.gates.shift()?.();
  }
}

export interface LaunchOptions {
  /** Overrides of the engine configuration (pack folder, providers). Default: tiny-random fixture pack, CPU. */
  engine?: Partial<EngineConfig>;
  viewport?: { width: number; height: number };
  /** The importer behind "Import Stable Diffusion model…"; default: `importer` (FakeImporter). */
  importModel?: ImportModelFn;
}

export interface HarnessApp {
  page: Page;
  dialog: FakeDialog;
  importer: FakeImporter;
  /** The user data packs folder (imported models go there; removed on close). */
  userPacksDir: string;
  engine: SupervisedEngineHost;
  /** The services behind the handler table (restore results, images, ...), as main builds them. */
  services: AppServices;
  /** Events sent to the page so far, in order (channel names only). */
  events: EventChannel[];
  /** Engine processes started so far (a test may kill one). */
  engineProcesses: EngineProcess[];
  /** Requests the page made that were not for the app's own files (all were refused). */
  blockedRequests: string[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  /** CSP violations the page reported. */
  cspViolations(): Promise<string[]>;
  /** Saves test-results/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export const TINY_PACK = join(REPO, 'test/fixtures/packs/tiny-random');

let preloadScript: Promise<string> | null = null;

export async function launchApp(options: LaunchOptions = {}): Promise<HarnessApp> {
  ensureAppBuilt();
  preloadScript ??= buildPreloadForPage();
  const preload = await preloadScript;

  // Main's side: the same services and handler table main/index.ts builds, with a fake dialog.
  const dialog = new FakeDialog();
  const importer = new FakeImporter();
  const appDataDir = await mkdtemp(join(tmpdir(), 'spire-e2e-user-data-'));
  const userPacksDir = join(appDataDir, 'packs');
  const engineProcesses: EngineProcess[] = [];
  const spawnThread = threadSpawner({ workerPath: join(OUT, 'main/worker.js') });
  const config: EngineConfig = {
    ...engineConfigFrom({ env: { SPIRE_PROVIDERS: 'cpu', SPIRE_THREADS: '1' }, resourcesPath: null, appRoot: REPO }),
    packOverride: TINY_PACK,
    ...options.engine,
  };
  const engine = new SupervisedEngineHost({
    spawn: () => {
      const p = spawnThread();
      engineProcesses.push(p);
      return p;
    },
    config,
    backoffMs: () => 200,
    log: () => undefined,
  });
  // main -> renderer events: pushed into the page once it is there (set below).
  let pushEvent: (channel: EventChannel, payload: unknown) => void = () => undefined;
  const events: EventChannel[] = [];
  const emit = <E extends EventChannel>(channel: E, payload: EventChannels[E]): void => {
    events.push(channel);
    pushEvent(channel, payload);
  };
  const services = createAppServices({
    appInfo: { name: 'SPIRE Studio', version: 'e2e', platform: process.platform },
    config,
    engine,
    dialog,
    emit,
    recent: new RecentFiles(null),
    settingsStore: null,
    userPacksDir,
    sessionsDir: join(appDataDir, 'sessions'),
    importModel: options.importModel ?? importer.importModel,
  });
  const dispatch = createIpcDispatcher(createIpcHandlers(services));

  const userDataDir = await mkdtemp(join(tmpdir(), 'spire-e2e-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: options.viewport ?? { width: 1100, height: 720 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const blockedRequests: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));

  // Serve out/renderer at http://spire.test/ with the CSP header; refuse everything else.
  const rendererDir = join(OUT, 'renderer');
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== APP_ORIGIN) {
      blockedRequests.push(url.href);
      return route.abort('blockedbyclient');
    }
    const path = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (relative(rendererDir, path).startsWith('..')) return route.fulfill({ status: 403, body: 'outside the renderer' });
    try {
      const body = await readFile(path);
      return route.fulfill({
        status: 200,
        body,
        headers: { 'Content-Type': MIME[extname(path)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });

  // IPC: only the app's own top-level page may call (others get main's refusal Result); then the same dispatcher main registers.
  await page.exposeBinding('__spireHarnessInvoke', async (source, channel: unknown, payload: unknown) => {
    if (source.frame !== page.mainFrame() || !isAppPageUrl(source.frame.url(), { origin: APP_ORIGIN })) {
      return toWire(untrustedSenderRefusal(String(channel)));
    }
    return toWire(await dispatch(String(channel), fromWire(payload)));
  });
  await page.addInitScript({
    content: `window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.addInitScript({ content: preload });

  // Events -> the page's listeners, in the order they were sent (one evaluate after another).
  let eventChain: Promise<unknown> = Promise.resolve();
  pushEvent = (channel, payload) => {
    const wire = toWire(payload);
    eventChain = eventChain.then(() =>
      page
        .evaluate(([c, p]) => (globalThis as unknown as { __spireHarnessEmit?: (c: string, p: unknown) => number }).__spireHarnessEmit?.(c, p), [channel, wire] as const)
        .catch(() => undefined), // page navigating or closed: the renderer asks for the status when it loads
    );
  };
  const unsubscribe = engine.onStatus((status) => emit('spire:engine:status-changed', status));
  engine.start();

  await page.goto(APP_URL, { timeout: 120_000 }); // a busy machine (model training beside the tests) loads the bundle slowly
  await mkdir(ARTIFACTS, { recursive: true });

  return {
    page,
    dialog,
    importer,
    userPacksDir,
    engine,
    services,
    events,
    engineProcesses,
    blockedRequests,
    pageErrors,
    cspViolations: () => page.evaluate(() => [...((globalThis as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])]),
    async screenshot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      unsubscribe();
      await services.importService.stop();
      await context.close();
      await engine.stop();
      await rm(userDataDir, { recursive: true, force: true });
      await rm(appDataDir, { recursive: true, force: true });
    },
  };
}
