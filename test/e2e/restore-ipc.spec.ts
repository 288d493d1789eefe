/**
 * The restore, export, settings and recent-files IPC, driven through the REAL
 * preload (window.spire) with page.evaluate, against main's real services and
 * the real engine worker on the tiny-random fixture pack (random weights: the
 * output looks like noise; this checks the plumbing, not the restoration).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreDoneEvent, RestoreParamsWire, RestoreProgressEvent, SpireApi } from '../../preload/contract/channels';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import { TINY_PACK, launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;
let photo: string;
let imageId: string;

/** What the page collects from the restore events. */
interface Collected {
  progress: (Omit<RestoreProgressEvent, 'preview'> & { previewBytes: number; previewWidth: number })[];
  done: (Omit<RestoreDoneEvent, 'result'> & { ok: boolean; code?: string; message?: string; resultId?: string; width?: number; height?: number; bytes?: number; seed?: number; prompt?: string })[];
}

const params = (over: Partial<RestoreParamsWire> = {}): RestoreParamsWire => ({
  restorationPrompt: 'Upsample to 2.0x; Denoise with sigma 0.05;',
  semanticPrompt: 'a harbour',
  negativePrompt: '',
  regions: [{ prompt: 'the sky', mask: { width: 4, height: 4, data: new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]) } }],
  steps: 3,
  guidanceScale: 7.5,
  seed: 1234,
  strength: 1,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'wavelet',
  useRestorer: false,
  ...over,
});

type SpireWindow = { spire: SpireApi; __collected: Collected };

const collected = (): Promise<Collected> => app.page.evaluate(() => (globalThis as unknown as SpireWindow).__collected);

async function waitForDone(jobId: string, timeout = 60_000): Promise<Collected['done'][number]> {
  await expect.poll(async () => (await collected()).done.some((d) => d.jobId === jobId), { timeout }).toBe(true);
  return (await collected()).done.find((d) => d.jobId === jobId)!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-restore-'));
  photo = join(dir, 'harbour.png');
  await writeFile(photo, await quadrants(32, 32));
  app = await launchApp();
  for (const t0 = Date.now(); app.engine.status().state !== 'ready'; ) {
    if (Date.now() - t0 > 30_000) throw new Error(`the engine did not get ready: ${JSON.stringify(app.engine.status())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Listen the way the renderer would, keeping a summary of each event.
  await app.page.evaluate(() => {
    const w = globalThis as unknown as SpireWindow;
    w.__collected = { progress: [], done: [] };
    w.spire.restore.onProgress((p) => w.__collected.progress.push({ jobId: p.jobId, phase: p.phase, step: p.step, totalSteps: p.totalSteps, etaMs: p.etaMs, elapsedMs: p.elapsedMs, previewBytes: p.preview?.bytes.byteLength ?? 0, previewWidth: p.preview?.width ?? 0 }));
    w.spire.restore.onDone((d) =>
      w.__collected.done.push(
        d.result.ok
          ? { jobId: d.jobId, ok: true, resultId: d.result.value.resultId, width: d.result.value.width, height: d.result.value.height, bytes: d.result.value.bytes.byteLength, seed: d.result.value.seed, prompt: d.result.value.restorationPrompt }
          : { jobId: d.jobId, ok: false, code: d.result.error.code, message: d.result.error.message },
      ),
    );
  });
  app.dialog.next = photo;
  const opened = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.image.openDialog());
  if (!opened.ok || !opened.value) throw new Error(`could not open the test photo: ${JSON.stringify(opened)}`);
  imageId = opened.value.id;
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('restore over IPC', () => {
  let resultId = '';

  it('runs a job: progress for every step (with previews), then done with the result', async () => {
    // The caller names the job (as the renderer does): its events carry that id.
    const jobId = randomUUID();
    const started = await app.page.evaluate(([j, id, p]) => (globalThis as unknown as SpireWindow).spire.restore.start({ jobId: j, imageId: id, params: p, previewSize: 16 }), [jobId, imageId, params()] as const);
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.jobId).toBe(jobId);
    const done = await waitForDone(jobId);
    expect(done).toMatchObject({ ok: true, width: 64, height: 64, seed: 1234, prompt: 'Upsample to 2.0x; Denoise with sigma 0.05;' });
    const progress = (await collected()).progress.filter((p) => p.jobId === jobId);
    // Every step, then the decode (tiled: one report per decoder call).
    const steps = progress.filter((p) => p.phase === 'denoise');
    expect(steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(steps.every((p) => p.totalSteps === 3)).toBe(true);
    expect(progress.slice(3).every((p) => p.phase === 'decode')).toBe(true);
    expect(progress.slice(3).length).toBeGreaterThan(0);
    expect(progress.some((p) => p.previewBytes > 0 && p.previewWidth > 0 && p.previewWidth <= 16)).toBe(true);
    resultId = done.resultId!;
    // The order the page saw: all progress of this job before its done.
    const order = app.events.filter((e) => e !== 'spire:engine:status-changed');
    expect(order.lastIndexOf('spire:restore:progress')).toBeLessThan(order.lastIndexOf('spire:restore:done'));
  });


  it('faithful mode reports each restorer pass (views x tiles) before the denoising steps', async () => {
    const p = params({ useRestorer: true, restorerViews: 2 });
    const started = await app.page.evaluate(([j, id, q]) => (globalThis as unknown as SpireWindow).spire.restore.start({ jobId: j, imageId: id, params: q }), [randomUUID(), imageId, p] as const);
    if (!started.ok) throw new Error(started.error.message);
    const done = await waitForDone(started.value.jobId);
    expect(done).toMatchObject({ ok: true });
    const progress = (await collected()).progress.filter((e) => e.jobId === started.value.jobId);
    const passes = progress.filter((e) => e.phase === 'restorer');
    // The test pack's native size is small, so the image is tiled: 2 views of every tile.
    expect(passes.length % 2).toBe(0);
    expect(passes.map((e) => `${e.step}/${e.totalSteps}`)).toEqual(passes.map((_, i) => `${i + 1}/${passes.length}`));
    expect(progress.map((e) => `${e.phase} ${e.step}/${e.totalSteps}`).slice(passes.length, passes.length + 3)).toEqual(['denoise 1/3', 'denoise 2/3', 'denoise 3/3']);
    expect(progress.slice(passes.length + 3).every((e) => e.phase === 'decode')).toBe(true);
  });
  it('cancels a running job within a step: done says cancelled', async () => {
    const start = (jobId: string) => app.page.evaluate(([j, id, p]) => (globalThis as unknown as SpireWindow).spire.restore.start({ jobId: j, imageId: id, params: p }), [jobId, imageId, params({ steps: 500 })] as const);
    const jobId = randomUUID();
    const started = await start(jobId);
    if (!started.ok) throw new Error(started.error.message);
    await expect
      .poll(async () => {
        const c = await collected();
        const ended = c.done.find((d) => d.jobId === jobId);
        if (ended) throw new Error(`the long job ended before it could be cancelled: ${JSON.stringify(ended)}`);
        return c.progress.filter((p) => p.jobId === jobId).length;
      }, { timeout: 30_000 })
      .toBeGreaterThan(0);
    // The id of a job still running is refused.
    expect(await start(jobId)).toMatchObject({ ok: false, error: { code: 'job-id-in-use' } });
    const cancelled = await app.page.evaluate((j) => (globalThis as unknown as SpireWindow).spire.restore.cancel(j), jobId);
    expect(cancelled).toEqual({ ok: true, value: { cancelled: true } });
    expect(await waitForDone(jobId, 30_000)).toEqual({ jobId, ok: false, code: 'cancelled', message: 'The restoration was cancelled.' });
    const steps = (await collected()).progress.filter((p) => p.jobId === jobId).length;
    expect(steps).toBeLessThan(500);
    expect(await app.page.evaluate((j) => (globalThis as unknown as SpireWindow).spire.restore.cancel(j), jobId)).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('refuses a bad request before the engine: the field and the reason', async () => {
    const bad = await app.page.evaluate(([j, id, p]) => (globalThis as unknown as SpireWindow).spire.restore.start({ jobId: j, imageId: id, params: p }), [randomUUID(), imageId, params({ restorationPrompt: 'Deblur with sigma 9.0;' })] as const);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringContaining('params.restorationPrompt') } });
    const gone = await app.page.evaluate(([j, p]) => (globalThis as unknown as SpireWindow).spire.restore.start({ jobId: j, imageId: 'no-such-image', params: p }), [randomUUID(), params()] as const);
    expect(gone).toMatchObject({ ok: false, error: { code: 'image-not-open' } });
  });

  it('image.estimate reads the opened photo: the estimated prompt, each operation with its probability', async () => {
    const answer = await app.page.evaluate((id) => (globalThis as unknown as SpireWindow).spire.image.estimate(id), imageId);
    if (!answer.ok) throw new Error(answer.error.message);
    expect(() => parseRestorationPrompt(answer.value.restorationPrompt)).not.toThrow();
    expect(answer.value.operations.map((o) => o.key).sort()).toEqual(['blur', 'jpeg', 'noise']);
    for (const o of answer.value.operations) expect(o.probability).toBeGreaterThanOrEqual(0);
    expect(app.services.estimateService.latestOf(imageId)).toEqual(answer.value);
    const gone = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.image.estimate('no-such-image'));
    expect(gone).toMatchObject({ ok: false, error: { code: 'image-not-open' } });
    const path = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.image.estimate('/etc/passwd'));
    expect(path).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('exports the result through the save dialog: a file sharp reads, with prompts, seed and model inside', async () => {
    const target = join(dir, 'restored.png');
    app.dialog.nextSave = target;
    const saved = await app.page.evaluate((r) => (globalThis as unknown as SpireWindow).spire.export.save({ kind: 'result', resultId: r, format: 'png' }), resultId);
    expect(saved).toEqual({ ok: true, value: { path: target } });
    expect(app.dialog.saves.at(-1)).toMatchObject({ defaultName: 'harbour-restored.png', format: 'png' });
    const meta = await sharp(target).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    const text = await readFile(target, 'latin1');
    for (const key of ['spire:restoration-prompt', 'spire:prompt', 'spire:seed', 'spire:model', 'spire:regions']) expect(text).toContain(key);
    expect(text).toContain('tiny-random');
    expect(text).toContain('1234');
  });

  it('exports a labelled side-by-side as JPEG and a sweep grid as WebP; a cancelled dialog writes nothing', async () => {
    const sbs = join(dir, 'compare.jpg');
    app.dialog.nextSave = sbs;
    expect(await app.page.evaluate((r) => (globalThis as unknown as SpireWindow).spire.export.save({ kind: 'side-by-side', resultId: r, format: 'jpeg', quality: 85 }), resultId)).toEqual({ ok: true, value: { path: sbs } });
    const sbsMeta = await sharp(sbs).metadata();
    expect(sbsMeta.format).toBe('jpeg');
    expect(sbsMeta.width).toBe(2 * 64 + 2);
    expect(sbsMeta.xmp?.toString('utf8')).toContain('spire:seed');

    const grid = join(dir, 'sweep');
    app.dialog.nextSave = grid; // no extension: main adds .webp
    const saved = await app.page.evaluate(
      (r) => (globalThis as unknown as SpireWindow).spire.export.save({ kind: 'sweep-grid', format: 'webp', cells: [{ resultId: r, label: 'strength 1.0' }, { resultId: r, label: 'again' }], columns: 2 }),
      resultId,
    );
    expect(saved).toEqual({ ok: true, value: { path: `${grid}.webp` } });
    expect((await sharp(`${grid}.webp`).metadata()).format).toBe('webp');

    const before = (await readdir(dir)).sort();
    app.dialog.nextSave = null;
    expect(await app.page.evaluate((r) => (globalThis as unknown as SpireWindow).spire.export.save({ kind: 'wipe', resultId: r, wipePosition: 0.3, format: 'png' }), resultId)).toEqual({ ok: true, value: null });
    expect((await readdir(dir)).sort()).toEqual(before);
    await app.screenshot('restore-ipc');
  });
});

describe('settings, packs and recent files over IPC', () => {
  it('settings.set changes the run defaults; get answers them', async () => {
    const set = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.settings.set({ defaults: { steps: 12, colorFix: 'adain' } }));
    expect(set).toMatchObject({ ok: true, value: { defaults: { steps: 12, colorFix: 'adain', scheduler: 'ddim' } } });
    expect(await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.settings.get())).toMatchObject({ ok: true, value: { defaults: { steps: 12 } } });
  });

  it('lists the loaded fixture pack', async () => {
    const packs = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.engine.listPacks());
    expect(packs.ok && packs.value.find((p) => p.name === 'tiny-random')).toMatchObject({ loaded: true });
  });

  it('recent files: the dialog-opened photo is listed and reopens; any other path is refused', async () => {
    const recent = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.image.recent());
    expect(recent.ok && recent.value.map((r) => r.path)).toEqual([photo]);
    const again = await app.page.evaluate((p) => (globalThis as unknown as SpireWindow).spire.image.openRecent(p), photo);
    expect(again).toMatchObject({ ok: true, value: { name: 'harbour.png', width: 32, height: 32 } });
    const sneaky = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.image.openRecent('/etc/hostname'));
    expect(sneaky).toMatchObject({ ok: false, error: { message: expect.stringContaining('not on the recent files list') } });
  });

  it('choosePack loads the folder picked in the dialog; configure refuses a folder main never saw', async () => {
    const other = join(TINY_PACK, '..', 'tiny-random-additive');
    app.dialog.nextFolder = other;
    const chosen = await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.engine.choosePack());
    expect(chosen).toMatchObject({ ok: true, value: { name: 'tiny-random-additive' } });
    await expect.poll(() => app.engine.status().pack?.name, { timeout: 30_000 }).toBe('tiny-random-additive');
    // That pack has no degradation estimator: asking says so in words.
    const noEstimator = await app.page.evaluate((id) => (globalThis as unknown as SpireWindow).spire.image.estimate(id), imageId);
    expect(noEstimator).toMatchObject({ ok: false, error: { code: 'no-estimator', message: expect.stringContaining('has no degradation estimator') } });
    expect(await app.page.evaluate(() => (globalThis as unknown as SpireWindow).spire.settings.get())).toMatchObject({ ok: true, value: { packDir: expect.stringContaining('tiny-random-additive') } });
    const refused = await app.page.evaluate((d) => (globalThis as unknown as SpireWindow).spire.engine.configure({ packDir: d }), dir);
    expect(refused).toMatchObject({ ok: false, error: { code: 'pack-unknown' } });
  });
});
