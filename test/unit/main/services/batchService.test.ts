/** BatchService over a fake engine and dialog: order, progress, skip existing, failure goes on, cancel, bad folders. */
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchDoneEvent, BatchProgressEvent, BatchStartRequest, EventChannel, EventChannels, RestoreParamsWire } from '../../../../preload/contract/channels';
import { SpireError } from '../../../../common/errors';
import type { RequestOptions } from '../../../../main/engine/host';
import type { EngineMethod, EngineParams, EngineResult, RestoreJobParams, RestoreJobResult } from '../../../../main/engine/protocol';
import { BatchService, ownEstimatePrompt } from '../../../../main/services/batchService';

const params: RestoreParamsWire = {
  restorationPrompt: 'Denoise with sigma 0.08; Upsample to 2.0x;',
  semanticPrompt: '',
  negativePrompt: '',
  regions: [],
  steps: 4,
  guidanceScale: 7.5,
  seed: 3,
  strength: 0,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'none',
  useRestorer: true,
};

function jobResult(tag: string): RestoreJobResult {
  return {
    image: { bytes: new TextEncoder().encode(`restored ${tag}`), format: 'png', width: 8, height: 6, hasAlpha: false },
    input: { width: 4, height: 3, format: 'png', bitDepth: 8, hasAlpha: false },
    restorationPrompt: 'Denoise with sigma 0.08;',
    estimate: null,
    semanticPrompt: '',
    seed: 3,
    stepsRun: 0,
    timings: { totalMs: 10, encodeMs: 0, denoiseMs: 0, decodeMs: 0, readMs: 1, encodeOutputMs: 1 },
    pack: { name: 'tiny', dir: '/p' },
    provider: 'cpu',
    metadata: {},
  };
}

type Script = (params: RestoreJobParams, options: RequestOptions) => Promise<RestoreJobResult>;

/** The photo's name as the job saw it. */
const nameOf = (p: RestoreJobParams): string => ('path' in p.input ? p.input.path.split('/').pop()! : p.input.name);

let dir = '';
let inDir = '';
let outDir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-batch-'));
  inDir = join(dir, 'in');
  outDir = join(dir, 'out');
  await mkdir(inDir);
  await mkdir(outDir);
  for (const n of ['a.png', 'b.jpg', 'c.webp']) await writeFile(join(inDir, n), `photo ${n}`);
  await writeFile(join(inDir, 'notes.txt'), 'not a photo');
});
afterEach(async () => {
  await chmod(outDir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

function setup(script: Script) {
  const requests: RestoreJobParams[] = [];
  const engine = {
    request<M extends EngineMethod>(method: M, p: EngineParams<M>, options: RequestOptions = {}): Promise<EngineResult<M>> {
      expect(method).toBe('restore');
      requests.push(p as RestoreJobParams);
      return script(p as RestoreJobParams, options) as Promise<EngineResult<M>>;
    },
  };
  const dialog = { files: null as string[] | null, folder: null as string | null, chooseImageFiles: async () => dialog.files, chooseFolder: async () => dialog.folder };
  const progress: BatchProgressEvent[] = [];
  let finish: (d: BatchDoneEvent) => void = () => undefined;
  const done = new Promise<BatchDoneEvent>((resolve) => (finish = resolve));
  const emit = <E extends EventChannel>(channel: E, payload: EventChannels[E]): void => {
    if (channel === 'spire:batch:progress') progress.push(payload as BatchProgressEvent);
    if (channel === 'spire:batch:done') finish(payload as BatchDoneEvent);
  };
  const service = new BatchService({ engine, dialog, emit });
  return { service, dialog, requests, progress, done };
}

const request = (photoIds: string[], over: Partial<BatchStartRequest> = {}): BatchStartRequest => ({ batchId: 'b1', photoIds, params, ownEstimate: false, overwrite: false, format: 'png', ...over });

/** Each photo's states in order, by name. */
function statesByName(progress: BatchProgressEvent[], names: Map<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of progress) {
    const name = names.get(e.photoId)!;
    const last = out[name]?.at(-1);
    if (last !== e.state) (out[name] ??= []).push(e.state);
  }
  return out;
}

async function addFolder(s: ReturnType<typeof setup>) {
  s.dialog.folder = inDir;
  const added = await s.service.add('folder');
  s.dialog.folder = outDir;
  await s.service.chooseOutput();
  return { added: added!, names: new Map(added!.photos.map((p) => [p.id, p.name])) };
}

describe('BatchService', () => {
  it('restores the photos in order with the CLI names, reports progress, and writes each output', async () => {
    const s = setup(async (p, o) => {
      o.onProgress?.({ kind: 'restore', phase: 'restorer', step: 1, totalSteps: 2, etaMs: 5, elapsedMs: 5 });
      return jobResult(nameOf(p));
    });
    const { added, names } = await addFolder(s);
    expect(added.photos.map((p) => p.name)).toEqual(['a.png', 'b.jpg', 'c.webp']);
    expect(added.note).toBe('in: skipped 1 file that is not PNG, JPEG, WebP or TIFF: notes.txt.');
    expect(await s.service.start(request(added.photos.map((p) => p.id)))).toEqual({ batchId: 'b1', total: 3 });
    const done = await s.done;
    expect(s.requests.map(nameOf)).toEqual(['a.png', 'b.jpg', 'c.webp']);
    expect(s.requests[0]!.output).toEqual({ format: 'png' });
    expect(s.requests[0]!.params.restorationPrompt).toBe(params.restorationPrompt);
    expect(done.counts).toMatchObject({ done: 3, failed: 0, skipped: 0, cancelled: 0 });
    expect(statesByName(s.progress, names)).toEqual({ 'a.png': ['queued', 'running', 'done'], 'b.jpg': ['queued', 'running', 'done'], 'c.webp': ['queued', 'running', 'done'] });
    expect(s.progress.some((e) => e.state === 'running' && e.fraction === 0.5)).toBe(true);
    expect((await readdir(outDir)).sort()).toEqual(['a.png', 'b.png', 'c.png']);
    expect(await readFile(join(outDir, 'b.png'), 'utf8')).toBe('restored b.jpg');
  });

  it('goes on after a photo fails, with the reason on that photo', async () => {
    const s = setup(async (p) => {
      if (nameOf(p) === 'b.jpg') throw new SpireError('image-corrupt', '“b.jpg” is damaged and cannot be read. Open another copy.');
      return jobResult(nameOf(p));
    });
    const { added, names } = await addFolder(s);
    await s.service.start(request(added.photos.map((p) => p.id)));
    const done = await s.done;
    expect(done.counts).toMatchObject({ done: 2, failed: 1 });
    const failed = s.progress.find((e) => e.state === 'failed')!;
    expect(names.get(failed.photoId)).toBe('b.jpg');
    expect(failed.message).toBe('“b.jpg” is damaged and cannot be read. Open another copy.');
    expect((await readdir(outDir)).sort()).toEqual(['a.png', 'c.png']);
  });

  it('skips a photo whose output exists unless told to replace it, and never touches the file when skipping', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    await writeFile(join(outDir, 'a.png'), 'mine');
    const { added, names } = await addFolder(s);
    const ids = added.photos.map((p) => p.id);
    await s.service.start(request(ids));
    expect((await s.done).counts).toMatchObject({ done: 2, skipped: 1 });
    expect(await readFile(join(outDir, 'a.png'), 'utf8')).toBe('mine');
    const skipped = s.progress.find((e) => e.state === 'skipped')!;
    expect(names.get(skipped.photoId)).toBe('a.png');
    expect(skipped.message).toMatch(/“a\.png” is already in the output folder; left as it is\. Tick “Replace existing outputs”/);
    expect(s.requests.map(nameOf)).toEqual(['b.jpg', 'c.webp']);

    // Again with overwrite: all three restored, a.png replaced.
    const again = setup(async (p) => jobResult(nameOf(p)));
    const second = await addFolder(again);
    await again.service.start(request(second.added.photos.map((p) => p.id), { batchId: 'b2', overwrite: true }));
    expect((await again.done).counts).toMatchObject({ done: 3, skipped: 0 });
    expect(await readFile(join(outDir, 'a.png'), 'utf8')).toBe('restored a.png');
  });

  it('cancel aborts the running photo and marks the rest cancelled; nothing of theirs is written', async () => {
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const s = setup(
      (p, o) =>
        new Promise((resolve, reject) => {
          if (nameOf(p) === 'a.png') return resolve(jobResult('a'));
          started();
          o.signal?.addEventListener('abort', () => reject(new SpireError('cancelled', 'The restoration was cancelled.')));
        }),
    );
    const { added, names } = await addFolder(s);
    await s.service.start(request(added.photos.map((p) => p.id)));
    await running;
    expect(s.service.cancel('other')).toBe(false);
    expect(s.service.cancel('b1')).toBe(true);
    const done = await s.done;
    expect(done.counts).toMatchObject({ done: 1, cancelled: 2 });
    expect(statesByName(s.progress, names)).toEqual({ 'a.png': ['queued', 'running', 'done'], 'b.jpg': ['queued', 'running', 'cancelled'], 'c.webp': ['queued', 'cancelled'] });
    expect(s.requests.map(nameOf)).toEqual(['a.png', 'b.jpg']);
    expect(await readdir(outDir)).toEqual(['a.png']);
    expect(s.service.isRunning()).toBe(false);
  });

  it('refuses an output folder it cannot write to, before anything runs', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    const { added } = await addFolder(s);
    await rm(outDir, { recursive: true });
    await expect(s.service.start(request(added.photos.map((p) => p.id)))).rejects.toMatchObject({ code: 'output-read-only', message: expect.stringContaining('Choose a folder you can write to') });
    expect(s.requests).toEqual([]);
    expect(s.progress).toEqual([]);
    s.dialog.folder = join(dir, 'nowhere');
    await expect(s.service.chooseOutput()).rejects.toMatchObject({ code: 'output-read-only' });
  });

  it('refuses to start without an output folder, with photos off the list, or with two photos of one output name', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    s.dialog.files = [join(inDir, 'a.png'), join(inDir, 'notes.txt')];
    const added = (await s.service.add('files'))!;
    expect(added.photos.map((p) => p.name)).toEqual(['a.png']);
    expect(added.note).toMatch(/skipped 1 file .*notes\.txt/);
    await expect(s.service.start(request([added.photos[0]!.id]))).rejects.toMatchObject({ code: 'output-no-folder' });
    s.dialog.folder = outDir;
    await s.service.chooseOutput();
    await expect(s.service.start(request(['not-on-the-list']))).rejects.toMatchObject({ code: 'image-not-open' });
    const dropped = s.service.addBytes('a.jpg', new Uint8Array([1, 2, 3]));
    await expect(s.service.start(request([added.photos[0]!.id, dropped.photos[0]!.id]))).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('would both be written to') });
    // The same file added twice is one photo.
    expect((await s.service.add('files'))!.photos).toEqual([]);
    expect(s.service.photos()).toHaveLength(2);
    expect(s.service.remove([])).toBe(2);
  });

  it('refuses to write a photo over itself', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    s.dialog.files = [join(inDir, 'a.png')];
    const added = (await s.service.add('files'))!;
    s.dialog.folder = inDir;
    await s.service.chooseOutput();
    await expect(s.service.start(request([added.photos[0]!.id]))).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('written over itself') });
  });

  it('runs a dropped photo from its bytes, and each photo with its own estimate when asked, keeping the output size', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    const dropped = s.service.addBytes('scan.tif', new Uint8Array([7, 7]));
    s.dialog.folder = outDir;
    await s.service.chooseOutput();
    await s.service.start(request([dropped.photos[0]!.id], { ownEstimate: true, format: 'jpeg', quality: 80 }));
    await s.done;
    expect(s.requests[0]!.input).toEqual({ bytes: new Uint8Array([7, 7]), name: 'scan.tif' });
    expect(s.requests[0]!.params.restorationPrompt).toBe('auto; Upsample to 2.0x;');
    expect(s.requests[0]!.output).toEqual({ format: 'jpeg', quality: 80 });
    expect(await readdir(outDir)).toEqual(['scan.jpg']);
    expect(ownEstimatePrompt('Deblur with sigma 2.0;')).toBe('auto');
  });

  it('passes the colour and strip-location choices to the writer of every photo', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    const dropped = s.service.addBytes('scan.tif', new Uint8Array([7, 7]));
    s.dialog.folder = outDir;
    await s.service.chooseOutput();
    await s.service.start(request([dropped.photos[0]!.id], { format: 'tiff', colour: 'keep-profile', stripLocation: true }));
    await s.done;
    expect(s.requests[0]!.output).toEqual({ format: 'tiff', colour: 'keep-profile', stripLocation: true });
  });

  it('bounds the list and refuses a second batch while one runs', async () => {
    let release: () => void = () => undefined;
    const s = setup((p) => new Promise((resolve) => (release = () => resolve(jobResult(nameOf(p))))));
    const small = new BatchService({ engine: { request: async () => jobResult('x') } as never, dialog: s.dialog, emit: () => undefined, maxPhotos: 2, maxDroppedBytes: 4 });
    small.addBytes('a.png', new Uint8Array(3));
    expect(() => small.addBytes('b.png', new Uint8Array(2))).toThrow(/Add the rest with Add folder/);
    small.addBytes('c.png', new Uint8Array(1));
    expect(() => small.addBytes('d.png', new Uint8Array(1))).toThrow(/at most 2 photos/);

    const { added } = await addFolder(s);
    await s.service.start(request([added.photos[0]!.id]));
    await expect(s.service.start(request([added.photos[1]!.id], { batchId: 'b2' }))).rejects.toMatchObject({ code: 'queue-full' });
    expect(() => s.service.remove([])).toThrow(/A batch is running/);
    await new Promise((r) => setTimeout(r, 10));
    release();
    await s.done;
  });
});

describe('BatchService and a restarting engine', () => {
  it('waits for a restarting engine before the next photo, as the CLI does', async () => {
    const s = setup(async (p) => jobResult(nameOf(p)));
    let state: 'ready' | 'restarting' = 'restarting';
    const listeners = new Set<() => void>();
    const engine = {
      request: async (_m: string, p: RestoreJobParams) => {
        expect(state).toBe('ready');
        return jobResult(nameOf(p));
      },
      status: () => ({ state, pack: null, provider: null, message: null }),
      onStatus: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const progress: BatchProgressEvent[] = [];
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const service = new BatchService({
      engine: engine as never,
      dialog: s.dialog,
      emit: (channel, payload) => {
        if (channel === 'spire:batch:progress') progress.push(payload as BatchProgressEvent);
        if (channel === 'spire:batch:done') finish();
      },
    });
    const dropped = service.addBytes('a.png', new Uint8Array([1]));
    s.dialog.folder = outDir;
    await service.chooseOutput();
    await service.start(request([dropped.photos[0]!.id]));
    await new Promise((r) => setTimeout(r, 20));
    expect(progress.map((e) => e.state)).toEqual(['queued', 'running']);
    state = 'ready';
    for (const l of listeners) l();
    await done;
    expect(progress.at(-1)!.state).toBe('done');
    expect(listeners.size).toBe(0);
  });
});
