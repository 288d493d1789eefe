/**
 * ImportService: main's dialog, the destination in the user data packs folder (named after the
 * source, made unique), progress and cancel relayed as events, the importer's refusals and failures
 * as done-event errors, the new pack as the pack list shows it. The importer is a fake.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventChannel, EventChannels, PackImportDoneEvent, PackImportProgressEvent, PackImportRequest } from '../../../../preload/contract/channels';
import { SpireError } from '../../../../common/errors';
import type { EngineHost } from '../../../../main/engine/host';
import { createAppServices } from '../../../../main/services/appServices';
import { type ImportOptions } from '../../../../main/import/importModel';
import { ImportService, packFolderName, uniqueName, type ImportHooks, type ImportModelFn } from '../../../../main/services/importService';
import { RecentFiles } from '../../../../main/services/recentFiles';

const REPO = resolve(__dirname, '../../../..');

let dir: string;
let packsDir: string;
let models: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-import-'));
  packsDir = join(dir, 'user-data', 'packs');
  models = join(dir, 'my models');
  await mkdir(models, { recursive: true });
  await writeFile(join(models, 'v1-5-pruned-emaonly.safetensors'), 'weights');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a finished import leaves: a folder with a manifest the pack list can read. */
async function writePack(outDir: string, name: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify({ name, components: {} }));
}

/** Lists the folders under packsDir that hold a manifest, as EngineControl would. */
async function listPacks() {
  const names = await readdir(packsDir).then(
    (n) => n.sort(),
    () => [] as string[],
  );
  const packs = [];
  for (const n of names) {
    const d = join(packsDir, n);
    if (await stat(join(d, 'manifest.json')).then(() => true, () => false)) packs.push({ name: n, dir: d, loaded: false });
  }
  return packs;
}

interface Setup {
  importModel?: ImportModelFn;
  picked?: string | null;
  embedded?: string | null;
  now?: () => number;
}

function setup(options: Setup = {}) {
  const events: { channel: EventChannel; payload: unknown }[] = [];
  const calls: { options: ImportOptions; hooks: ImportHooks | undefined }[] = [];
  const log = vi.fn();
  const defaultImport: ImportModelFn = async (o) => {
    await writePack(o.outDir, 'imported');
    return { packDir: o.outDir, name: 'imported' };
  };
  const importModel: ImportModelFn = (o, h) => {
    calls.push({ options: o, hooks: h });
    return (options.importModel ?? defaultImport)(o, h);
  };
  const dialog = { chooseModelSource: vi.fn(async (_kind: 'file' | 'folder') => (options.picked === undefined ? join(models, 'v1-5-pruned-emaonly.safetensors') : options.picked)) };
  const service = new ImportService({
    importModel,
    dialog,
    emit: <E extends EventChannel>(channel: E, payload: EventChannels[E]) => void events.push({ channel, payload }),
    packsDir,
    embeddedPack: async () => (options.embedded === undefined ? '/app/models/packs/spire-compact' : options.embedded),
    listPacks,
    ...(options.now ? { now: options.now } : {}),
    log,
  });
  return {
    service,
    dialog,
    calls,
    log,
    progress: () => events.filter((e) => e.channel === 'spire:packs:import-progress').map((e) => e.payload as PackImportProgressEvent),
    done: () => events.filter((e) => e.channel === 'spire:packs:import-done').map((e) => e.payload as PackImportDoneEvent),
  };
}

const request = (over: Partial<PackImportRequest> = {}): PackImportRequest => ({ jobId: 'imp-1', source: 'file', withRestorer: true, fp16: false, ...over });

/** An importer that reports, writes a partial pack, then waits until it is aborted or released (`waiting`: it got there). */
function slowImporter() {
  let release: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const waiting = new Promise<void>((r) => (reached = r));
  const importModel: ImportModelFn = async (o, h) => {
    const aborted = new Promise<never>((_, reject) => {
      const abort = () => reject(new SpireError('cancelled', 'Import cancelled.'));
      if (h?.signal?.aborted) abort();
      h?.signal?.addEventListener('abort', abort);
    });
    aborted.catch(() => undefined);
    h?.onProgress?.({ stage: 'convert', fraction: 0.1, message: 'Reading the checkpoint' });
    await mkdir(o.outDir, { recursive: true });
    await writeFile(join(o.outDir, 'unet.onnx.partial'), 'half');
    const released = new Promise<void>((r) => (release = r));
    reached();
    await Promise.race([released, aborted]);
    await writePack(o.outDir, 'slow');
    return { packDir: o.outDir, name: 'slow' };
  };
  return { importModel, waiting, release: () => release() };
}

describe('packFolderName and uniqueName', () => {
  it.each([
    ['/m/v1-5-pruned-emaonly.safetensors', 'v1-5-pruned-emaonly'],
    ['/m/Realistic Vision V5.1.CKPT', 'Realistic Vision V5.1'],
    ['/m/stable-diffusion-v1-5/', 'stable-diffusion-v1-5'],
    ['/m/sd15-onnx', 'sd15-onnx'],
    ['/m/model.bin', 'model.bin'],
    ['/m/dream:shaper*8?.safetensors', 'dream-shaper-8'],
    ['/m/....safetensors', 'imported-model'],
    ['/m/' + 'x'.repeat(200) + '.ckpt', 'x'.repeat(64)],
  ])('%s -> %s', (source, name) => {
    expect(packFolderName(source)).toBe(name);
  });

  it('adds -2, -3, … to a taken name, case-insensitively', () => {
    expect(uniqueName('v1-5', [])).toBe('v1-5');
    expect(uniqueName('v1-5', ['v1-5'])).toBe('v1-5-2');
    expect(uniqueName('v1-5', ['V1-5', 'v1-5-2', 'other'])).toBe('v1-5-3');
  });
});

describe('ImportService', () => {
  it('imports what the dialog chose into the user data packs folder and reports the pack as listed', async () => {
    const s = setup();
    const started = await s.service.start(request({ fp16: true }));
    expect(started).toEqual({ jobId: 'imp-1', sourceName: 'v1-5-pruned-emaonly.safetensors' });
    expect(s.dialog.chooseModelSource).toHaveBeenCalledWith('file');
    await s.service.whenIdle();
    expect(s.calls).toHaveLength(1);
    const { options } = s.calls[0]!;
    expect(options).toEqual({ source: join(models, 'v1-5-pruned-emaonly.safetensors'), outDir: join(packsDir, 'v1-5-pruned-emaonly'), fp16: true, restorerFrom: '/app/models/packs/spire-compact' });
    // Inside the packs folder, never beside the user's model.
    expect(relative(packsDir, options.outDir).startsWith('..')).toBe(false);
    expect(relative(models, options.outDir).startsWith('..')).toBe(true);
    expect(s.done()).toEqual([{ jobId: 'imp-1', result: { ok: true, value: { name: 'v1-5-pruned-emaonly', dir: join(packsDir, 'v1-5-pruned-emaonly'), loaded: false } } }]);
    expect(await listPacks()).toEqual([{ name: 'v1-5-pruned-emaonly', dir: join(packsDir, 'v1-5-pruned-emaonly'), loaded: false }]);
  });

  it('gives a second import of the same model a new name, and passes no restorer when the user unticked it', async () => {
    const s = setup();
    await s.service.start(request());
    await s.service.whenIdle();
    await s.service.start(request({ jobId: 'imp-2', withRestorer: false, source: 'folder' }));
    await s.service.whenIdle();
    await s.service.start(request({ jobId: 'imp-3' }));
    await s.service.whenIdle();
    expect(s.calls.map((c) => [relative(packsDir, c.options.outDir), c.options.restorerFrom])).toEqual([
      ['v1-5-pruned-emaonly', '/app/models/packs/spire-compact'],
      ['v1-5-pruned-emaonly-2', null],
      ['v1-5-pruned-emaonly-3', '/app/models/packs/spire-compact'],
    ]);
    expect(s.dialog.chooseModelSource.mock.calls.map((c) => c[0])).toEqual(['file', 'folder', 'file']);
    expect(s.done().map((d) => d.result.ok && d.result.value.dir)).toEqual(s.calls.map((c) => c.options.outDir));
  });

  it('answers null and imports nothing when the user cancels the dialog; the next import may start', async () => {
    const s = setup({ picked: null });
    expect(await s.service.start(request())).toBeNull();
    expect(s.calls).toHaveLength(0);
    expect(s.done()).toEqual([]);
    expect(await s.service.start(request({ jobId: 'imp-2' }))).toBeNull();
    expect(s.dialog.chooseModelSource).toHaveBeenCalledTimes(2);
  });

  it('relays progress under the job id, at most one per interval within a stage, fraction kept in 0..1', async () => {
    let t = 0;
    const s = setup({
      now: () => t,
      importModel: async (o, h) => {
        const report = (at: number, stage: string, fraction: number) => {
          t = at;
          h?.onProgress?.({ stage, fraction, message: `${stage} ${fraction}` });
        };
        report(0, 'convert', 0);
        report(50, 'convert', 0.1); // same stage, too soon: dropped
        report(120, 'convert', 0.2);
        report(130, 'export-unet', 0.3); // a new stage always shows
        report(400, 'export-unet', 1.7);
        report(600, 'write', Number.NaN);
        await writePack(o.outDir, 'x');
        return { packDir: o.outDir, name: 'x' };
      },
    });
    await s.service.start(request());
    await s.service.whenIdle();
    expect(s.progress()).toEqual([
      { jobId: 'imp-1', stage: 'convert', fraction: 0, message: 'convert 0' },
      { jobId: 'imp-1', stage: 'convert', fraction: 0.2, message: 'convert 0.2' },
      { jobId: 'imp-1', stage: 'export-unet', fraction: 0.3, message: 'export-unet 0.3' },
      { jobId: 'imp-1', stage: 'export-unet', fraction: 1, message: 'export-unet 1.7' },
      { jobId: 'imp-1', stage: 'write', fraction: 0, message: 'write NaN' },
    ]);
    expect(s.done()).toHaveLength(1);
  });

  it('cancel aborts the importer; the import ends once, cancelled, and its unfinished folder is gone', async () => {
    const slow = slowImporter();
    const s = setup({ importModel: slow.importModel });
    await s.service.start(request());
    await slow.waiting;
    expect(await readdir(join(packsDir, 'v1-5-pruned-emaonly'))).toEqual(['unet.onnx.partial']);
    expect(s.service.cancel('other-id')).toBe(false);
    expect(s.calls[0]!.hooks?.signal?.aborted).toBe(false);
    expect(s.service.cancel('imp-1')).toBe(true);
    expect(s.calls[0]!.hooks?.signal?.aborted).toBe(true);
    expect(s.service.cancel('imp-1')).toBe(false); // already cancelling
    await s.service.whenIdle();
    expect(s.done()).toEqual([{ jobId: 'imp-1', result: { ok: false, error: { code: 'cancelled', message: 'The import was cancelled; no pack was written.' } } }]);
    expect(await readdir(packsDir)).toEqual([]);
    expect(s.progress()).toEqual([{ jobId: 'imp-1', stage: 'convert', fraction: 0.1, message: 'Reading the checkpoint' }]);
    expect(s.service.cancel('imp-1')).toBe(false); // nothing runs now
  });

  it('runs one import at a time: a second is refused while one runs (or its dialog is open)', async () => {
    const slow = slowImporter();
    const s = setup({ importModel: slow.importModel });
    await s.service.start(request());
    await expect(s.service.start(request({ jobId: 'imp-2' }))).rejects.toMatchObject({ code: 'job-id-in-use', message: expect.stringContaining('wait for it to finish, or cancel it') });
    await slow.waiting;
    slow.release();
    await s.service.whenIdle();
    expect(s.done()).toMatchObject([{ jobId: 'imp-1', result: { ok: true } }]);

    let answer: (path: string | null) => void = () => undefined;
    s.dialog.chooseModelSource.mockImplementationOnce(() => new Promise((r) => (answer = r)));
    const first = s.service.start(request({ jobId: 'imp-3' }));
    await expect(s.service.start(request({ jobId: 'imp-4' }))).rejects.toMatchObject({ code: 'job-id-in-use' });
    expect(s.service.cancel('imp-3')).toBe(false); // the OS dialog cannot be closed from here
    answer(null);
    expect(await first).toBeNull();
  });

  it('passes the importer’s refusal on as it is, and words an unexpected failure as import-failed (logged)', async () => {
    const unsupported = new SpireError('import-unsupported', 'This is an SDXL model; SPIRE Studio imports Stable Diffusion 1.5 models only.');
    const refusing = setup({ importModel: async () => Promise.reject(unsupported) });
    await refusing.service.start(request());
    await refusing.service.whenIdle();
    expect(refusing.done()).toEqual([{ jobId: 'imp-1', result: { ok: false, error: { code: 'import-unsupported', message: unsupported.message } } }]);
    expect(refusing.log).not.toHaveBeenCalled();

    const crashing = setup({
      importModel: async (o) => {
        await mkdir(o.outDir, { recursive: true });
        throw new Error('ENOSPC: no space left on device');
      },
    });
    await crashing.service.start(request({ jobId: 'imp-2' }));
    await crashing.service.whenIdle();
    expect(crashing.done()).toEqual([
      {
        jobId: 'imp-2',
        result: { ok: false, error: { code: 'import-failed', message: expect.stringMatching(/^Importing the model failed \(ENOSPC: no space left on device\)\. /) } },
      },
    ]);
    expect(crashing.log).toHaveBeenCalledOnce();
    expect(await readdir(packsDir)).toEqual([]); // the importer's leftover is removed
  });

  it('leaves a folder alone when the importer says it exists (someone else’s)', async () => {
    const s = setup({
      importModel: async (o) => {
        await writePack(o.outDir, 'theirs');
        throw new SpireError('output-exists', `${o.outDir} exists.`);
      },
    });
    await s.service.start(request());
    await s.service.whenIdle();
    expect(s.done()).toMatchObject([{ result: { ok: false, error: { code: 'output-exists' } } }]);
    expect(await readdir(packsDir)).toEqual(['v1-5-pruned-emaonly']);
  });

  it('an import whose pack the list cannot show failed', async () => {
    const s = setup({ importModel: async (o) => ({ packDir: o.outDir, name: 'ghost' }) });
    await s.service.start(request());
    await s.service.whenIdle();
    expect(s.done()).toMatchObject([{ result: { ok: false, error: { code: 'import-failed', message: expect.stringContaining('cannot read the pack it wrote') } } }]);
  });

  it('a dialog failure ends the attempt (refused in the answer) and frees the slot', async () => {
    const s = setup();
    s.dialog.chooseModelSource.mockRejectedValueOnce(new Error('no window'));
    await expect(s.service.start(request())).rejects.toThrow('no window');
    expect(await s.service.start(request({ jobId: 'imp-2' }))).toMatchObject({ jobId: 'imp-2' });
    await s.service.whenIdle();
  });

  it('stop() cancels a running import and waits for its end', async () => {
    const slow = slowImporter();
    const s = setup({ importModel: slow.importModel });
    await s.service.start(request());
    await slow.waiting;
    await s.service.stop();
    expect(s.done()).toMatchObject([{ result: { ok: false, error: { code: 'cancelled' } } }]);
  });
});

describe('createAppServices: the import as the app wires it', () => {
  it('lists the user data packs folder as a pack root, imports there with the embedded pack’s restorer, and the new pack can be chosen', async () => {
    const appPacks = join(REPO, 'test/fixtures/packs');
    const config = { packOverride: null, packRoots: [appPacks], providers: ['cpu'], threads: 1 };
    const events: EventChannel[] = [];
    const requests: unknown[] = [];
    const engine = {
      status: () => ({ state: 'ready', pack: null, provider: 'cpu', message: null }),
      request: async (method: string, params: unknown) => void requests.push([method, params]),
      stop: async () => undefined,
      start: () => undefined,
    } as unknown as EngineHost;
    const seen: ImportOptions[] = [];
    const services = createAppServices({
      appInfo: { name: 'SPIRE Studio', version: 'test', platform: 'linux' },
      config,
      engine,
      dialog: { chooseImageFile: async () => null, chooseImageFiles: async () => null, chooseSaveFile: async () => null, chooseFolder: async () => null, chooseModelSource: async () => join(models, 'v1-5-pruned-emaonly.safetensors') },
      emit: (channel) => void events.push(channel),
      recent: new RecentFiles(null),
      settingsStore: null,
      userPacksDir: packsDir,
      importModel: async (o) => {
        seen.push(o);
        await writePack(o.outDir, 'SD 1.5 (imported)');
        return { packDir: o.outDir, name: 'SD 1.5 (imported)' };
      },
    });
    expect(config.packRoots).toEqual([appPacks, packsDir]);
    await services.imports.start(request());
    await services.importService.whenIdle();
    const outDir = join(packsDir, 'v1-5-pruned-emaonly');
    // The embedded pack: the app roots' default pack (the first with a manifest), which has a restorer.
    expect(seen).toEqual([{ source: join(models, 'v1-5-pruned-emaonly.safetensors'), outDir, fp16: false, restorerFrom: join(appPacks, 'tiny-random') }]);
    expect(events).toEqual(['spire:packs:import-done']);
    const packs = await services.packs.listPacks();
    expect(packs.at(-1)).toEqual({ name: 'SD 1.5 (imported)', dir: outDir, loaded: false });
    await services.packs.configure({ packDir: outDir });
    expect(requests).toEqual([['reload-pack', { dir: outDir }]]);
  });
});
