/**
 * The `restore` method of the engine worker, in-process over a fake port, with the
 * tiny-random fixture pack loaded for real and a fake restorer in place of the pipeline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runEngineWorker } from '../../../../../main/engine/engineWorker';
import { readImage } from '../../../../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS } from '../../../../../main/engine/jobs/restoreParams';
import type { RestoreParams } from '../../../../../main/engine/pipeline/types';
import type { WorkerSidePort } from '../../../../../main/engine/port';
import type { EngineConfig, HostToWorker, RestoreJobParams, RestoreJobResult, RestoreProgress, WorkerToHost } from '../../../../../main/engine/protocol';
import { runRestoreJob } from '../../../../../main/engine/jobs/restoreJob';
import { CostMemory } from '../../../../../main/engine/jobs/runProgress';
import { restore } from '../../../../../main/engine/pipeline/restore';
import { FakeModels } from '../pipeline/fakeModels';
import { fakePipeline } from './fakePipeline';
import { ADOBE_RGB_ICC, PROPHOTO_ICC, cameraJpeg, profilePng16, readWithPil, srgbPixelsWithPil } from '../image/photoFixtures';

const repo = resolve(import.meta.dirname, '../../../../..');
const TINY_PACK = join(repo, 'test/fixtures/packs/tiny-random');

type Response = Extract<WorkerToHost, { kind: 'response' }>;

function harness(packOverride: string | null, calls: string[] = []) {
  const sent: WorkerToHost[] = [];
  let listener: ((m: HostToWorker) => void) | null = null;
  const waiters: { pred: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];
  const port: WorkerSidePort = {
    postMessage(m) {
      sent.push(m);
      for (const w of [...waiters])
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
    },
    onMessage(l) {
      listener = l;
      return () => (listener = null);
    },
  };
  const next = (pred: (m: WorkerToHost) => boolean): Promise<WorkerToHost> => {
    const found = sent.find(pred);
    return found ? Promise.resolve(found) : new Promise((r) => waiters.push({ pred, resolve: r }));
  };
  const worker = runEngineWorker(port, { createPipeline: async () => fakePipeline(calls) });
  const config: EngineConfig = { packOverride, packRoots: [join(repo, 'no-such-folder')], providers: ['cpu'], threads: 1 };
  listener!({ kind: 'init', config });
  let id = 0;
  return {
    sent,
    worker,
    ready: () => next((m) => m.kind === 'status' && m.status.state === 'ready'),
    send: (m: HostToWorker) => listener?.(m),
    /** Sends a restore request; returns its id and its response. */
    restore(params: RestoreJobParams): { id: number; response: Promise<Response> } {
      const rid = ++id;
      listener?.({ kind: 'request', id: rid, method: 'restore', params });
      return { id: rid, response: next((m) => m.kind === 'response' && m.id === rid) as Promise<Response> };
    },
    progressOf: (rid: number): RestoreProgress[] => sent.filter((m) => m.kind === 'progress' && m.id === rid).map((m) => (m as { progress: RestoreProgress }).progress),
  };
}

let current: ReturnType<typeof harness> | null = null;
afterEach(() => {
  current?.worker.dispose();
  current = null;
});

async function tinyPng(width: number, height: number, alpha = false): Promise<Uint8Array> {
  const channels = alpha ? 4 : 3;
  const px = Buffer.alloc(width * height * channels);
  for (let i = 0; i < px.length; i++) px[i] = alpha && i % 4 === 3 ? 200 : (i * 37) % 256;
  return new Uint8Array(await sharp(px, { raw: { width, height, channels } }).png().toBuffer());
}

const params = (over: Partial<RestoreParams> = {}): RestoreParams => ({ ...DEFAULT_RESTORE_PARAMS, steps: 4, seed: 42, ...over });

describe('restore jobs in the engine worker', () => {
  it('restores, reports every step with an ETA and a preview PNG, keeps alpha and writes the metadata', async () => {
    const h = (current = harness(TINY_PACK));
    await h.ready();
    const job = h.restore({
      input: { bytes: await tinyPng(16, 12, true), name: 'in.png' },
      params: params({ restorationPrompt: 'upsample to 2x', semanticPrompt: '', steps: 5 }),
      previewSize: 4,
    });
    const res = await job.response;
    expect(res.ok).toBe(true);
    const result = (res as { result: RestoreJobResult }).result;
    expect(result.image).toMatchObject({ width: 32, height: 24, format: 'png', hasAlpha: true });
    expect(result.restorationPrompt).toBe('Upsample to 2.0x;');
    expect(result.pack?.name).toBeTruthy();
    expect(result.provider).toBe('cpu');
    const decoded = await readImage(result.image.bytes);
    expect([decoded.rgb.width, decoded.rgb.height]).toEqual([32, 24]);
    expect(decoded.alpha?.data[100]).toBeCloseTo(200 / 255, 2);
    expect(decoded.metadata.text).toMatchObject({ 'spire:restoration-prompt': 'Upsample to 2.0x;', 'spire:seed': '42', 'spire:steps': '5' });
    const progress = h.progressOf(job.id);
    expect(progress.map((p) => `${p.phase} ${p.step}`)).toEqual(['denoise 1', 'denoise 2', 'denoise 3', 'denoise 4', 'denoise 5', 'decode 1']);
    expect(progress[0]?.etaMs).toBeGreaterThan(0);
    expect(progress[4]?.etaMs).toBeGreaterThan(0); // the decode is still to come
    expect(progress.at(-1)?.etaMs).toBe(0);
    expect(progress.at(-1)?.fraction).toBe(1);
    const preview = progress[2]?.preview;
    expect(preview).toMatchObject({ width: 4, height: 4 });
    const pv = await readImage(preview?.png ?? new Uint8Array());
    expect(pv.rgb.data[0]).toBeCloseTo(3 / 5, 2);
    // The progress for a request always comes before its response.
    const responseIndex = h.sent.findIndex((m) => m.kind === 'response' && m.id === job.id);
    const lastProgress = h.sent.findLastIndex((m) => m.kind === 'progress' && m.id === job.id);
    expect(lastProgress).toBeLessThan(responseIndex);
  });

  it('faithful mode: the restorer passes, the steps and the decode, with one fraction and one ETA over them all', async () => {
    const h = (current = harness(TINY_PACK));
    await h.ready();
    const job = h.restore({ input: { bytes: await tinyPng(8, 8), name: 'in.png' }, params: params({ useRestorer: true, restorerViews: 4, strength: 0.5, steps: 4 }) });
    expect((await job.response).ok).toBe(true);
    const progress = h.progressOf(job.id);
    expect(progress.map((p) => `${p.phase} ${p.step}/${p.totalSteps}`)).toEqual(['restorer 1/4', 'restorer 2/4', 'restorer 3/4', 'restorer 4/4', 'denoise 1/4', 'denoise 2/4', 'denoise 3/4', 'denoise 4/4', 'decode 1/1']);
    // The ETA at the last restorer pass still counts the steps (it used to read 0 there, then jump up).
    expect(progress[0]?.etaMs).toBeGreaterThan(0);
    expect(progress[3]?.etaMs).toBeGreaterThan(0);
    const fractions = progress.map((p) => p.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions[3]!).toBeLessThan(1);
    expect(fractions.at(-1)).toBe(1);
  });

  it('reports failures in plain words and keeps serving jobs after each', async () => {
    const h = (current = harness(TINY_PACK));
    await h.ready();
    const bytes = await tinyPng(8, 8);
    const oom = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'fail:oom' }) });
    const nan = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'fail:nan' }) });
    const thrown = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'fail:throw' }) });
    const badPrompt = h.restore({ input: { bytes, name: 'a.png' }, params: params({ restorationPrompt: 'Sharpen please;' }) });
    const badImage = h.restore({ input: { bytes: bytes.subarray(0, 30), name: 'cut.png' }, params: params() });
    const badSteps = h.restore({ input: { bytes, name: 'a.png' }, params: params({ steps: 0 }) });
    const fine = h.restore({ input: { bytes, name: 'a.png' }, params: params() });
    const err = async (j: { response: Promise<Response> }): Promise<{ code: string; message: string }> => {
      const r = await j.response;
      expect(r.ok).toBe(false);
      return (r as { error: { code: string; message: string } }).error;
    };
    expect(await err(oom)).toMatchObject({ code: 'out-of-memory', message: expect.stringMatching(/ran out of memory.*8 x 8.*smaller image/) });
    expect(await err(nan)).toMatchObject({ code: 'bad-output', message: expect.stringMatching(/NaN.*another seed/) });
    expect(await err(thrown)).toMatchObject({ code: 'restore-failed', message: 'The restoration failed: the adaptor exploded' });
    expect(await err(badPrompt)).toMatchObject({ code: 'bad-prompt', message: expect.stringMatching(/unknown operation 'Sharpen'.*allowed: Deblur/) });
    expect(await err(badImage)).toMatchObject({ code: 'image-truncated', message: expect.stringMatching(/cut\.png.*cut off/) });
    expect(await err(badSteps)).toMatchObject({ code: 'bad-params', message: expect.stringMatching(/steps must be a whole number from 1/) });
    expect((await fine.response).ok).toBe(true);
  });

  it('never runs a queued job that is cancelled, and stops a running one within a step', async () => {
    const calls: string[] = [];
    const h = (current = harness(TINY_PACK, calls));
    await h.ready();
    const bytes = await tinyPng(8, 8);
    const slow = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'slow', steps: 50 }) });
    const queued = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'queued' }) });
    const after = h.restore({ input: { bytes, name: 'a.png' }, params: params({ semanticPrompt: 'after' }) });
    h.send({ kind: 'cancel', id: queued.id });
    // Wait until the slow job has made a step, then cancel it.
    while (h.progressOf(slow.id).length === 0) await new Promise((r) => setTimeout(r, 5));
    const t = Date.now();
    h.send({ kind: 'cancel', id: slow.id });
    const r = await slow.response;
    expect(Date.now() - t).toBeLessThan(1000);
    expect(r).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(h.progressOf(slow.id).length).toBeLessThan(50);
    expect(await queued.response).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect((await after.response).ok).toBe(true);
    expect(calls).toEqual(['slow', 'after']);
    expect(h.progressOf(queued.id)).toEqual([]);
  });

  it('says how to fix a missing pack', async () => {
    const h = (current = harness(null));
    await h.ready();
    const r = await h.restore({ input: { bytes: await tinyPng(8, 8), name: 'a.png' }, params: params() }).response;
    expect(r).toMatchObject({ ok: false, error: { code: 'pack-not-loaded', message: expect.stringMatching(/No model pack is loaded.*SPIRE_MODEL_PACK/) } });
  });
});

describe('one progress over a run of the real pipeline (fake models)', () => {
  it('goes monotonically to 1 over restorer views, steps and the tiled decode; the restorer output is previewed before the steps', async () => {
    const sent: RestoreProgress[] = [];
    const result = await runRestoreJob(
      // 48 x 40 over the fake pack's native 32: tiled restorer, denoiser and decoder.
      { input: { bytes: await tinyPng(48, 40), name: 'in.png' }, params: params({ useRestorer: true, restorerViews: 8, strength: 0.5, steps: 8 }), previewSize: 16 },
      {
        pipeline: { restore: (rgb, p, hooks) => restore(new FakeModels(), rgb, p, hooks) },
        pack: null,
        provider: 'cpu',
        signal: new AbortController().signal,
        sendProgress: (p) => sent.push(p),
        costs: new CostMemory(),
      },
    );
    expect(result.stepsRun).toBe(4);
    const phases = [...new Set(sent.map((p) => p.phase))];
    expect(phases).toEqual(['restorer', 'denoise', 'decode']);
    const restorer = sent.filter((p) => p.phase === 'restorer');
    expect(restorer.at(-1)!.totalSteps % 8).toBe(0); // tiles x 8 views
    expect(restorer.at(-1)!.totalSteps).toBeGreaterThan(8);
    // One report per pass (the last one carries the restorer's output), then one per step, then per decoder call.
    expect(restorer.map((p) => p.step)).toEqual(Array.from({ length: restorer.at(-1)!.totalSteps }, (_, i) => i + 1));
    expect(sent.filter((p) => p.phase === 'denoise').map((p) => p.step)).toEqual([1, 2, 3, 4]);
    const decode = sent.filter((p) => p.phase === 'decode');
    expect(decode.at(-1)!.step).toBe(decode.at(-1)!.totalSteps);
    expect(decode.at(-1)!.totalSteps % 2).toBe(0); // detail transfer: the latent and the input's mean, per tile
    const fractions = sent.map((p) => p.fraction);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions[0]!).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    expect(sent.slice(0, -1).every((p) => p.fraction < 1)).toBe(true);
    // The restorer's output is a preview before the first step, at most 16 px on its longer side.
    const firstPreview = sent.findIndex((p) => p.preview);
    const firstStep = sent.findIndex((p) => p.phase === 'denoise');
    expect(firstPreview).toBeGreaterThan(-1);
    expect(firstPreview).toBeLessThan(firstStep);
    expect(sent[firstPreview]!.phase).toBe('restorer');
    expect(sent[firstPreview]!.step).toBe(sent[firstPreview]!.totalSteps);
    expect(sent[firstPreview]!.preview).toMatchObject({ width: 16, height: 13 });
  });

  it('learns the phase costs of a run for the next one', async () => {
    const costs = new CostMemory();
    const job = async () =>
      runRestoreJob(
        { input: { bytes: await tinyPng(16, 16), name: 'in.png' }, params: params({ useRestorer: true, restorerViews: 2, strength: 0.5, steps: 4 }) },
        { pipeline: { restore: (rgb, p, hooks) => restore(new FakeModels(), rgb, p, hooks) }, pack: null, provider: 'cpu', signal: new AbortController().signal, sendProgress: () => undefined, costs },
      );
    expect(costs.factor('restorer')).toBe(1);
    await job();
    // The fake models take far less than the priors (made for the real pack on two cores).
    expect(costs.factor('restorer')).toBeLessThan(1);
    expect(costs.factor('denoise')).toBeLessThan(1);
  });
});

describe('restore jobs keep a wide-gamut photo', () => {
  const inGamut = (x: number, y: number): [number, number, number] => [0.4 + 0.02 * x, 0.42 + 0.02 * y, 0.45 - 0.01 * x];
  it.each([
    { name: 'Adobe RGB JPEG', make: () => cameraJpeg({ width: 8, height: 6, icc: ADOBE_RGB_ICC, pixel: inGamut }), profile: 'Adobe RGB (1998)' },
    { name: 'ProPhoto 16-bit PNG', make: () => profilePng16({ width: 8, height: 6, icc: PROPHOTO_ICC, pixel: inGamut }), profile: 'ProPhoto RGB' },
  ])('$name restored unchanged comes back within 1/255 after colour management, sRGB and keep-profile', async ({ make, profile }) => {
    const h = (current = harness(TINY_PACK));
    await h.ready();
    const dir = await mkdtemp(join(tmpdir(), 'spire-job-colour-'));
    try {
      const source = await make();
      await writeFile(join(dir, 'in'), source);
      for (const colour of ['srgb', 'keep-profile'] as const) {
        const res = await h.restore({ input: { bytes: new Uint8Array(source), name: 'in' }, params: params({ semanticPrompt: 'identity', steps: 1 }), output: { format: 'tiff', colour } }).response;
        expect(res.ok).toBe(true);
        const out = join(dir, `${colour}.tif`);
        await writeFile(out, (res as { result: RestoreJobResult }).result.image.bytes);
        expect(readWithPil(out).icc).toBe(colour === 'srgb' ? null : profile);
        const [a, b] = srgbPixelsWithPil(join(dir, 'in'), out);
        const diff = Math.max(...a!.map((p, i) => Math.max(...p.map((v, c) => Math.abs(v - b![i]![c]!)))));
        expect(diff, colour).toBeLessThanOrEqual(1);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
