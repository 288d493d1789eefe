/** RestoreService over a fake engine: params on the wire -> engine params, events in order, cancel, errors, kept results. */
import { describe, expect, it } from 'vitest';
import type { EventChannel, EventChannels, RestoreDoneEvent, RestoreParamsWire, RestoreProgressEvent } from '../../../../preload/contract/channels';
import type { DegradationEstimate } from '../../../../common/estimate';
import { SpireError } from '../../../../common/errors';
import type { EngineMethod, EngineParams, EngineResult, RestoreJobParams, RestoreJobResult } from '../../../../main/engine/protocol';
import type { RequestOptions } from '../../../../main/engine/host';
import { RestoreService, toEngineParams } from '../../../../main/services/restoreService';

const wire: RestoreParamsWire = {
  restorationPrompt: 'Deblur with sigma 2.0;',
  semanticPrompt: 'a barn',
  negativePrompt: '',
  regions: [{ prompt: 'sky', guidanceScale: 4, mask: { width: 2, height: 1, data: new Uint8Array([0, 255]) } }],
  steps: 3,
  guidanceScale: 7.5,
  seed: 9,
  strength: 0.5,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'none',
  useRestorer: false,
};

function jobResult(bytes = new Uint8Array([1, 2, 3])): RestoreJobResult {
  return {
    image: { bytes, format: 'png', width: 4, height: 2, hasAlpha: false },
    input: { width: 2, height: 1, format: 'png', bitDepth: 8, hasAlpha: false },
    restorationPrompt: 'Deblur with sigma 2.0;',
    estimate: null,
    semanticPrompt: 'a barn',
    seed: 9,
    stepsRun: 2,
    timings: { totalMs: 1000, encodeMs: 1, denoiseMs: 1, decodeMs: 1, readMs: 100, encodeOutputMs: 150 },
    pack: { name: 'tiny', dir: '/p' },
    provider: 'cpu',
    metadata: { 'spire:seed': '9' },
  };
}

type Script = (params: RestoreJobParams, options: RequestOptions) => Promise<RestoreJobResult>;

/** An engine whose restore does what the test's script says; records each request. */
function fakeEngine(script: Script) {
  const requests: { method: EngineMethod; params: unknown; options: RequestOptions }[] = [];
  return {
    requests,
    request<M extends EngineMethod>(method: M, params: EngineParams<M>, options: RequestOptions = {}): Promise<EngineResult<M>> {
      requests.push({ method, params, options });
      return script(params as RestoreJobParams, options) as Promise<EngineResult<M>>;
    },
  };
}

function setup(script: Script, keep?: { keepResults?: number; keepBytes?: number; maxPending?: number; estimates?: { latestOf(id: string): DegradationEstimate | undefined } }) {
  const engine = fakeEngine(script);
  const events: { channel: EventChannel; payload: unknown }[] = [];
  let resolveDone: (d: RestoreDoneEvent) => void = () => undefined;
  const done = new Promise<RestoreDoneEvent>((resolve) => (resolveDone = resolve));
  const emit = <E extends EventChannel>(channel: E, payload: EventChannels[E]): void => {
    events.push({ channel, payload });
    if (channel === 'spire:restore:done') resolveDone(payload as RestoreDoneEvent);
  };
  const service = new RestoreService({ engine, images: { get: (id) => (id === 'img' ? { bytes: new Uint8Array([7]), name: 'photo.png', width: 64, height: 48 } : undefined) }, emit, ...keep });
  return { engine, events, done, service };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** Job ids as the renderer names them (one per start). */
let named = 0;
const nextJobId = (): string => `job-${++named}`;

describe('toEngineParams', () => {
  it('turns mask bytes into 0-1 coverage and fills the tile defaults', () => {
    const p = toEngineParams(wire);
    expect(Array.from(p.regions[0]!.mask.data)).toEqual([0, 1]);
    expect(p.regions[0]).toMatchObject({ prompt: 'sky', guidanceScale: 4, mask: { width: 2, height: 1 } });
    expect(p).toMatchObject({ tileSize: 0, tileOverlap: 64, seed: 9, strength: 0.5, colorFix: 'none' });
    expect(toEngineParams({ ...wire, tileSize: 512, tileOverlap: 32 })).toMatchObject({ tileSize: 512, tileOverlap: 32 });
  });
});

describe('RestoreService', () => {
  it('runs the image the service holds, forwards progress, then done with the kept result', async () => {
    const { engine, events, done, service } = setup(async (_params, options) => {
      options.onProgress?.({ step: 1, totalSteps: 2, timestep: 900, elapsedMs: 5, etaMs: null });
      options.onProgress?.({ step: 2, totalSteps: 2, timestep: 400, elapsedMs: 9, etaMs: 4, preview: { png: new Uint8Array([9]), width: 8, height: 4 } });
      options.onProgress?.({ phase: 'decode', step: 1, totalSteps: 1, timestep: 0, elapsedMs: 11, fraction: 1, etaMs: 0 });
      options.onProgress?.({ nonsense: true });
      return jobResult();
    });
    const { jobId } = service.start({ jobId: nextJobId(), imageId: 'img', params: wire, previewSize: 64 });
    expect(service.pending()).toEqual([jobId]);
    const end = await done;
    const sent = engine.requests[0]!;
    expect(sent.method).toBe('restore');
    expect(sent.params).toMatchObject({ input: { bytes: new Uint8Array([7]), name: 'photo.png' }, previewSize: 64, output: { format: 'png' } });
    expect((sent.params as RestoreJobParams).params.regions[0]!.mask.data).toBeInstanceOf(Float32Array);
    expect(events.map((e) => e.channel)).toEqual(['spire:restore:progress', 'spire:restore:progress', 'spire:restore:progress', 'spire:restore:done']);
    expect(events[0]!.payload).toEqual({ jobId, phase: 'denoise', step: 1, totalSteps: 2, etaMs: null, elapsedMs: 5 } satisfies RestoreProgressEvent);
    expect(events[1]!.payload).toMatchObject({ jobId, step: 2, etaMs: 4, preview: { bytes: new Uint8Array([9]), width: 8, height: 4 } });
    // The run's one fraction and its decode phase pass through.
    expect(events[2]!.payload).toEqual({ jobId, phase: 'decode', step: 1, totalSteps: 1, fraction: 1, etaMs: 0, elapsedMs: 11 } satisfies RestoreProgressEvent);
    expect(end.jobId).toBe(jobId);
    if (!end.result.ok) throw new Error(end.result.error.message);
    const image = end.result.value;
    expect(image).toMatchObject({ imageId: 'img', width: 4, height: 2, mime: 'image/png', seed: 9, stepsRun: 2, seconds: 1.25, provider: 'cpu', pack: { name: 'tiny', dir: '/p' } });
    expect(image.params.regions).toEqual([{ prompt: 'sky', guidanceScale: 4 }]);
    expect(image.params).not.toHaveProperty('regions.0.mask');
    expect(service.result(image.resultId)?.metadata).toEqual({ 'spire:seed': '9' });
    expect(service.pending()).toEqual([]);
  });

  it('cancel aborts the running request; done says cancelled', async () => {
    let running!: () => void;
    const isRunning = new Promise<void>((r) => (running = r));
    const { engine, done, service } = setup(
      (_p, options) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(new SpireError('cancelled', 'The restoration was cancelled.')));
          running();
        }),
    );
    const { jobId } = service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    await isRunning;
    expect(service.cancel('not-a-job')).toBe(false);
    expect(service.cancel(jobId)).toBe(true);
    expect(engine.requests[0]!.options.signal?.aborted).toBe(true);
    expect(await done).toEqual({ jobId, result: { ok: false, error: { code: 'cancelled', message: 'The restoration was cancelled.' } } });
    expect(service.cancel(jobId)).toBe(false);
  });

  it('a job cancelled before the engine ran it never runs; done says cancelled', async () => {
    // As the worker's queue does: a job whose signal fired before its turn is dropped.
    let ran = false;
    const { engine, done, service } = setup(
      (_p, options) =>
        new Promise((resolve, reject) =>
          setImmediate(() => {
            if (options.signal?.aborted) return reject(new SpireError('cancelled', 'The job was cancelled before it started.'));
            ran = true;
            resolve(jobResult());
          }),
        ),
    );
    const { jobId } = service.start({ jobId: 'job-cancelled', imageId: 'img', params: wire });
    expect(service.cancel(jobId)).toBe(true);
    expect(await done).toMatchObject({ jobId, result: { ok: false, error: { code: 'cancelled' } } });
    expect(engine.requests[0]!.options.signal?.aborted).toBe(true);
    expect(ran).toBe(false);
  });

  it("sends the job's events under the id the renderer named, even when the engine fails at once", async () => {
    const { events, done, service } = setup(async () => Promise.reject(new SpireError('engine-unavailable', 'The engine is restarting; try again in a moment.')));
    expect(service.start({ jobId: 'named-by-renderer', imageId: 'img', params: wire })).toEqual({ jobId: 'named-by-renderer' });
    const end = await done;
    expect(end).toMatchObject({ jobId: 'named-by-renderer', result: { ok: false, error: { code: 'engine-unavailable' } } });
    expect(events).toHaveLength(1);
  });

  it('refuses the id of a job still running, without asking the engine again; a finished id may come back', async () => {
    let finish!: () => void;
    const { engine, done, service } = setup(() => new Promise((resolve) => (finish = () => resolve(jobResult()))));
    service.start({ jobId: 'twice', imageId: 'img', params: wire });
    let refused: unknown;
    try {
      service.start({ jobId: 'twice', imageId: 'img', params: wire });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(SpireError);
    expect(refused).toMatchObject({ code: 'job-id-in-use' });
    expect(engine.requests).toHaveLength(1);
    expect(service.pending()).toEqual(['twice']);
    finish();
    expect((await done).jobId).toBe('twice');
    expect(service.start({ jobId: 'twice', imageId: 'img', params: wire })).toEqual({ jobId: 'twice' });
  });

  it("passes the engine's error code and words on", async () => {
    const { done, service } = setup(async () => Promise.reject(new SpireError('pack-not-loaded', 'No model pack is loaded. Choose one in Settings.')));
    service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    expect((await done).result).toEqual({ ok: false, error: { code: 'pack-not-loaded', message: 'No model pack is loaded. Choose one in Settings.' } });
  });

  it('a non-engine failure becomes restore-failed', async () => {
    const { done, service } = setup(async () => Promise.reject(new Error('boom')));
    service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    expect((await done).result).toEqual({ ok: false, error: { code: 'restore-failed', message: 'The restoration failed: boom' } });
  });

  it('refuses an image it does not hold, without asking the engine', () => {
    const { engine, service } = setup(async () => jobResult());
    expect(() => service.start({ jobId: nextJobId(), imageId: 'gone', params: wire })).toThrow(SpireError);
    expect(() => service.start({ jobId: nextJobId(), imageId: 'gone', params: wire })).toThrow(expect.objectContaining({ code: 'image-not-open' }));
    expect(engine.requests).toHaveLength(0);
  });

  it('keeps at most keepResults results (oldest dropped) and discards on request', async () => {
    const { service, events } = setup(async () => jobResult(), { keepResults: 2 });
    for (let i = 0; i < 3; i++) service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    await tick();
    const ids = events.filter((e) => e.channel === 'spire:restore:done').map((e) => ((e.payload as RestoreDoneEvent).result as { value: { resultId: string } }).value.resultId);
    expect(ids).toHaveLength(3);
    expect(service.result(ids[0]!)).toBeUndefined();
    expect(service.result(ids[1]!)).toBeDefined();
    expect(service.discard(ids[1]!)).toBe(true);
    expect(service.discard(ids[1]!)).toBe(false);
    expect(service.result(ids[2]!)).toBeDefined();
  });

  it('keeps results within keepBytes, but always the newest', async () => {
    const { service, events } = setup(async () => jobResult(new Uint8Array(600)), { keepBytes: 1000 });
    service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    service.start({ jobId: nextJobId(), imageId: 'img', params: wire });
    await tick();
    const ids = events.map((e) => ((e.payload as RestoreDoneEvent).result as { value: { resultId: string } }).value.resultId);
    expect(service.result(ids[0]!)).toBeUndefined();
    expect(service.result(ids[1]!)).toBeDefined();
  });
});

describe('RestoreService: the estimate a result came from', () => {
  const estimate: DegradationEstimate = {
    restorationPrompt: 'Deblur with sigma 1.0;',
    operations: [{ key: 'blur', probability: 0.9, value: 1, present: true, source: 'pixels' }],
    jpegQualityFromFile: null,
    patches: 4,
    ms: 5,
  };
  const estimates = { latestOf: (id: string) => (id === 'img' ? estimate : undefined) };
  const used = (restorationPrompt: string, engineEstimate: DegradationEstimate | null = null) =>
    async (): Promise<RestoreJobResult> => ({ ...jobResult(), restorationPrompt, estimate: engineEstimate, metadata: { 'spire:restoration-prompt': restorationPrompt } });
  const kept = async (run: ReturnType<typeof setup>, restorationPrompt: string) => {
    run.service.start({ jobId: nextJobId(), imageId: 'img', params: { ...wire, restorationPrompt } });
    const end = await run.done;
    if (!end.result.ok) throw new Error(end.result.error.message);
    return run.service.result(end.result.value.resultId)!;
  };

  it("records the app's estimate when the run's prompt is it unchanged (at any output size), with the engine's metadata keys", async () => {
    const plain = await kept(setup(used('Deblur with sigma 1.0;'), { estimates }), 'Deblur with sigma 1.0;');
    expect(plain.image.estimate).toBe(estimate);
    expect(plain.metadata).toMatchObject({ 'spire:restoration-prompt': 'Deblur with sigma 1.0;', 'spire:requested-prompt': 'Deblur with sigma 1.0;' });
    expect(JSON.parse(plain.metadata['spire:estimate']!)).toMatchObject({ restorationPrompt: 'Deblur with sigma 1.0;' });
    // At 2x the estimate's blur is measured at the output's resolution: twice the sigma.
    const bigger = await kept(setup(used('Deblur with sigma 2.0; Upsample to 2.0x;'), { estimates }), 'Deblur with sigma 2.0; Upsample to 2.0x;');
    expect(bigger.image.estimate).toBe(estimate);
  });

  it('records none for a prompt the user changed, or without the estimates', async () => {
    const edited = await kept(setup(used('Deblur with sigma 1.2;'), { estimates }), 'Deblur with sigma 1.2;');
    expect(edited.image.estimate).toBeNull();
    expect(edited.metadata).toEqual({ 'spire:restoration-prompt': 'Deblur with sigma 1.2;' });
    expect((await kept(setup(used('Deblur with sigma 1.0;')), 'Deblur with sigma 1.0;')).image.estimate).toBeNull();
  });

  it("keeps the engine's estimate and metadata when the engine estimated (auto)", async () => {
    const engineEstimate = { ...estimate, restorationPrompt: 'Denoise with sigma 0.05;' };
    const auto = await kept(setup(used('Denoise with sigma 0.05;', engineEstimate), { estimates }), 'auto');
    expect(auto.image.estimate).toBe(engineEstimate);
    expect(auto.image.restorationPrompt).toBe('Denoise with sigma 0.05;');
    // What was asked for stays beside what ran, so the history can say `auto → Denoise 0.05`.
    expect(auto.image.requestedPrompt).toBe('auto');
    expect(auto.metadata).toEqual({ 'spire:restoration-prompt': 'Denoise with sigma 0.05;' });
  });
});

describe('RestoreService: what a renderer can make main hold', () => {
  /** The one error start() throws, or undefined. */
  const refusal = (f: () => unknown): unknown => {
    try {
      f();
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('refuses a job beyond maxPending with queue-full, without asking the engine; a finished job frees a place', async () => {
    const finish: (() => void)[] = [];
    const { engine, service } = setup(() => new Promise((resolve) => finish.push(() => resolve(jobResult())))); // 64 x 48 image
    for (const id of ['q1', 'q2', 'q3', 'q4']) service.start({ jobId: id, imageId: 'img', params: wire });
    const refused = refusal(() => service.start({ jobId: 'q5', imageId: 'img', params: wire }));
    expect(refused).toBeInstanceOf(SpireError);
    expect(refused).toMatchObject({ code: 'queue-full', message: expect.stringContaining('4 restorations are still waiting or running') });
    expect(engine.requests).toHaveLength(4);
    expect(service.pending()).toEqual(['q1', 'q2', 'q3', 'q4']);
    finish[0]!();
    await tick();
    expect(service.start({ jobId: 'q5', imageId: 'img', params: wire })).toEqual({ jobId: 'q5' });
    expect(engine.requests).toHaveLength(5);
  });

  it('a cancelled job holds its place until its done event', async () => {
    const { service } = setup((_p, options) => new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => setTimeout(() => reject(new SpireError('cancelled', 'x')), 10))), { maxPending: 1 });
    service.start({ jobId: 'c1', imageId: 'img', params: wire });
    service.cancel('c1');
    expect(refusal(() => service.start({ jobId: 'c2', imageId: 'img', params: wire }))).toMatchObject({ code: 'queue-full' });
    await new Promise((r) => setTimeout(r, 30));
    expect(service.start({ jobId: 'c2', imageId: 'img', params: wire })).toEqual({ jobId: 'c2' });
  });

  it('refuses a mask with more pixels than its image (64 x 48) as bad-params naming the region; one at the image size runs', () => {
    const { engine, service } = setup(() => new Promise(() => undefined));
    const mask = (width: number, height: number) => ({ width, height, data: new Uint8Array(width * height) });
    const withMasks = (...masks: ReturnType<typeof mask>[]): RestoreParamsWire => ({ ...wire, regions: masks.map((m, i) => ({ prompt: `r${i}`, mask: m })) });
    const refused = refusal(() => service.start({ jobId: nextJobId(), imageId: 'img', params: withMasks(mask(64, 48), mask(65, 48)) }));
    expect(refused).toBeInstanceOf(SpireError);
    expect(refused).toMatchObject({ code: 'bad-params', field: 'regions[1].mask', message: expect.stringContaining('65 x 48, larger than the image (64 x 48)') });
    expect(refusal(() => service.start({ jobId: nextJobId(), imageId: 'img', params: withMasks(mask(4096, 4096)) }))).toMatchObject({ code: 'bad-params' });
    expect(engine.requests).toHaveLength(0);
    expect(service.pending()).toEqual([]);
    // The image's own size, and a smaller mask of another shape (the engine resizes both), are fine.
    expect(service.start({ jobId: 'fits', imageId: 'img', params: withMasks(mask(64, 48), mask(48, 64), mask(32, 24)) })).toEqual({ jobId: 'fits' });
    expect(engine.requests).toHaveLength(1);
  });

  it('converts every coverage byte to exactly byte / 255', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const p = toEngineParams({ ...wire, regions: [{ prompt: 'all', mask: { width: 16, height: 16, data: all } }] });
    const data = p.regions[0]!.mask.data;
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual(Array.from(all, (b) => Math.fround(b / 255)));
  });
});
