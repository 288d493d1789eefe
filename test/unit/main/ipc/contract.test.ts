/**
 * The IPC contract test. Fails when
 *   - a contract channel (INVOKE_CHANNELS) has no handler or no schema, or a handler has no channel;
 *   - a handler is reached with an invalid payload (table of invalid payloads per channel);
 *   - a valid payload does not reach its handler.
 */
import { describe, expect, it, vi } from 'vitest';
import { CHANNEL_PREFIX, EVENT_CHANNELS, INVOKE_CHANNELS, type AppSettingsView, type InvokeChannel, type OpenedImage, type RequestOf, type RestoreParamsWire } from '../../../../preload/contract/channels';
import { MAX_IMAGE_BYTES, MAX_REGIONS, requestSchemas } from '../../../../preload/contract/schemas';
import { createIpcDispatcher } from '../../../../main/ipc/dispatch';
import { SpireError } from '../../../../common/errors';
import { createIpcHandlers, type IpcHandlerTable, type IpcServices } from '../../../../main/ipc/handlers';
import { estimateOf } from '../../estimates';

const image: OpenedImage = { id: 'i1', name: 'a.png', width: 2, height: 1, mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) };

const estimate = estimateOf('Denoise with sigma 0.04;', { blur: [0.04, 0.6], noise: [0.88, 0.04], jpeg: [0.07, 80] }, { ms: 40 });

const settingsView: AppSettingsView = {
  packDir: null,
  providers: ['auto'],
  threads: 0,
  defaults: { steps: 50, guidanceScale: 7.5, strength: 1, colorFix: 'wavelet', colorFixLevels: 5, scheduler: 'ddim', seedLocked: false, seed: 0, useRestorer: false, restorerViews: 1 },
  defaultsSaved: false,
  defaultsPack: null,
};

function fakeServices(over: Partial<IpcServices> = {}): IpcServices {
  return {
    appInfo: { name: 'SPIRE Studio', version: '0.0.0-test', platform: 'linux' },
    images: { openFile: vi.fn(async () => image), openBytes: vi.fn(async () => image) },
    recent: {
      list: () => [{ path: '/photos/old.png', name: 'old.png', openedAt: 1 }],
      isKnown: (path) => path === '/photos/old.png',
      add: vi.fn(async () => undefined),
      remove: vi.fn(async () => undefined),
    },
    dialog: { chooseImageFile: vi.fn(async () => '/chosen/by/user.png') },
    engine: { status: () => ({ state: 'ready', pack: null, provider: null, message: 'No model pack found' }) },
    packs: { listPacks: async () => [], choosePack: async () => null, configure: async () => settingsView },
    imports: { start: vi.fn(async (request) => ({ jobId: request.jobId, sourceName: 'v1-5.safetensors' })), cancel: vi.fn(() => true) },
    restore: { start: () => ({ jobId: 'job-1' }), cancel: () => true, discard: () => true },
    estimates: { estimate: vi.fn(async () => estimate) },
    exporter: { save: async () => ({ path: '/out/a.png' }) },
    settings: { get: () => settingsView, set: async () => settingsView },
    batch: {
      add: vi.fn(async () => ({ photos: [{ id: 'p1', name: 'a.png', source: 'file' as const }], note: null })),
      addBytes: vi.fn(() => ({ photos: [{ id: 'p2', name: 'b.png', source: 'dropped' as const }], note: null })),
      remove: vi.fn(() => 1),
      chooseOutput: vi.fn(async () => ({ folder: '/out' })),
      start: vi.fn(async (request) => ({ batchId: request.batchId, total: request.photoIds.length })),
      cancel: vi.fn(() => true),
    },
    sessions: { load: vi.fn(async () => null), save: vi.fn(async () => ({ saved: [] })), delete: vi.fn(async () => ({ deleted: false })) },
    ...over,
  };
}

/** A run's params that pass the schema; rows below break one field at a time. */
const params: RestoreParamsWire = {
  restorationPrompt: 'Deblur with sigma 2.0; Upsample to 4.0x;',
  semanticPrompt: 'a red barn',
  negativePrompt: '',
  regions: [{ prompt: 'sky', mask: { width: 2, height: 2, data: new Uint8Array([0, 255, 128, 0]) } }],
  steps: 20,
  guidanceScale: 7.5,
  seed: 42,
  strength: 1,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'wavelet',
  useRestorer: false,
};
const start = (over: Partial<RestoreParamsWire>, extra: Record<string, unknown> = {}): unknown => ({ jobId: 'job-1', imageId: 'img-1', params: { ...params, ...over }, ...extra });
const region = (over: Record<string, unknown>): unknown => ({ prompt: 'sky', mask: { width: 2, height: 2, data: new Uint8Array(4) }, ...over });

/** A batch start that passes the schema, with `over` changed (a row below breaks one field). */
const batchStart = (over: Record<string, unknown>): unknown => ({ batchId: 'b1', photoIds: ['p1'], params: { ...params, regions: [] }, ownEstimate: false, overwrite: false, format: 'png', ...over });

/** Wraps every handler in a spy, so a test can tell whether validation let a call through. */
function spiedTable(table: IpcHandlerTable): { table: IpcHandlerTable; calls: () => number } {
  let calls = 0;
  const spied = {} as Record<InvokeChannel, (req: unknown) => Promise<unknown>>;
  for (const [channel, handler] of Object.entries(table) as [InvokeChannel, (req: unknown) => Promise<unknown>][]) {
    spied[channel] = (req) => {
      calls += 1;
      return handler(req);
    };
  }
  return { table: spied as unknown as IpcHandlerTable, calls: () => calls };
}

const HASH = 'ab'.repeat(32);
const session = { contentHash: HASH, name: 'a.png', state: '{"version":1}', masks: [{ regionId: 'r1', width: 2, height: 2, data: new Uint8Array(4) }], resultIds: ['r1'] };

/** Per channel: payloads that must be rejected. Typed as a full record, so a new channel must add its row. */
const INVALID: Record<InvokeChannel, unknown[]> = {
  'spire:app:info': [undefined, null, 'info', 42, [], { extra: true }],
  'spire:image:open-dialog': [undefined, null, { path: '/etc/passwd' }, { defaultPath: '/home' }, 'open'],
  'spire:image:open-bytes': [
    undefined,
    null,
    {},
    { name: 'a.png' },
    { bytes: new Uint8Array([1]) },
    { name: '', bytes: new Uint8Array([1]) },
    { name: '../../etc/passwd', bytes: new Uint8Array([1]) },
    { name: 'C:\\photos\\a.png', bytes: new Uint8Array([1]) },
    { name: 'a\0.png', bytes: new Uint8Array([1]) },
    { name: 'x'.repeat(256), bytes: new Uint8Array([1]) },
    { name: 'a.png', bytes: new Uint8Array(0) },
    { name: 'a.png', bytes: [1, 2, 3] },
    { name: 'a.png', bytes: 'iVBORw0KGgo=' },
    { name: 'a.png', bytes: new ArrayBuffer(4) },
    { name: 'a.png', bytes: { 0: 1, 1: 2 } },
    { name: 'a.png', bytes: new Uint8Array([1]), path: '/etc/passwd' },
    { name: 42, bytes: new Uint8Array([1]) },
  ],
  'spire:image:recent': [undefined, null, { path: '/etc' }],
  'spire:image:open-recent': [undefined, null, {}, { path: '' }, { path: 42 }, { path: 'a\0b' }, { path: '/a.png', extra: 1 }, { path: 'x'.repeat(5000) }],
  'spire:image:estimate': [undefined, null, {}, { imageId: '' }, { imageId: 42 }, { imageId: '../../etc/passwd' }, { imageId: '/photos/a.png' }, { imageId: 'x'.repeat(65) }, { imageId: 'img-1', path: '/etc/passwd' }, { path: '/photos/a.png' }],
  'spire:engine:status': [undefined, null, { force: true }, 'status'],
  'spire:engine:list-packs': [undefined, null, { root: '/' }],
  'spire:engine:choose-pack': [undefined, null, { dir: '/tmp' }],
  'spire:engine:configure': [
    undefined,
    null,
    { providers: [] },
    { providers: ['tensorrt'] },
    { providers: 'cpu' },
    { threads: -1 },
    { threads: 1.5 },
    { threads: 1000 },
    { packDir: '' },
    { packDir: 42 },
    { packDir: '/p', command: 'rm' },
  ],
  'spire:restore:start': [
    undefined,
    null,
    {},
    { params },
    { imageId: 'img-1' },
    { imageId: 'img-1', params },
    { jobId: 'job-1', imageId: '../../etc/passwd', params },
    { jobId: 'job-1', imageId: '', params },
    start({}, { jobId: '' }),
    start({}, { jobId: 'a/b' }),
    start({}, { jobId: 7 }),
    start({}, { previewSize: 5 }),
    start({}, { previewSize: 4096 }),
    start({}, { previewSize: 1.5 }),
    start({}, { path: '/etc/passwd' }),
    start({ restorationPrompt: 'Deblur with sigma 9.0;' }),
    start({ restorationPrompt: 'Sharpen please' }),
    start({ restorationPrompt: 'Upsample to 99.0x;' }),
    start({ steps: 0 }),
    start({ steps: 10.5 }),
    start({ steps: 5000 }),
    start({ guidanceScale: -1 }),
    start({ guidanceScale: Number.NaN }),
    start({ seed: -1 }),
    start({ seed: 2 ** 32 }),
    start({ seed: 1.5 }),
    start({ strength: -0.01 }),
    start({ strength: 1.5 }),
    start({ eta: 2 }),
    start({ scheduler: 'euler' as never }),
    start({ colorFix: 'magic' as never }),
    start({ useRestorer: 'yes' as never }),
    start({ restorerViews: 3 as never }),
    start({ colorFixLevels: 0 }),
    start({ colorFixLevels: 2.5 }),
    start({ tileSize: -8 }),
    start({ semanticPrompt: 'x'.repeat(3000) }),
    start({ semanticPrompt: undefined as never }),
    start({ regions: Array.from({ length: MAX_REGIONS + 1 }, () => region({})) as never }),
    start({ regions: [region({ prompt: '' })] as never }),
    start({ regions: [region({ prompt: '   ' })] as never }),
    start({ regions: [region({ guidanceScale: 99 })] as never }),
    start({ regions: [region({ mask: { width: 2, height: 2, data: new Uint8Array(3) } })] as never }),
    start({ regions: [region({ mask: { width: 2, height: 2, data: [0, 0, 0, 0] } })] as never }),
    start({ regions: [region({ mask: { width: 2, height: 2, data: new Float32Array(4) } })] as never }),
    start({ regions: [region({ mask: { width: 0, height: 0, data: new Uint8Array(0) } })] as never }),
    start({ regions: [region({ mask: { width: 100000, height: 1, data: new Uint8Array(100000) } })] as never }),
    start({ regions: [region({ extra: true })] as never }),
    { ...(start({}) as object), params: { ...params, unknownField: 1 } },
  ],
  'spire:restore:cancel': [undefined, null, {}, { jobId: '' }, { jobId: 7 }, { jobId: 'a/b' }, { jobId: 'job-1', all: true }],
  'spire:restore:discard': [undefined, null, {}, { resultId: '' }, { resultId: '../x' }],
  'spire:export:save': [
    undefined,
    null,
    {},
    { kind: 'result', format: 'png' },
    { kind: 'result', resultId: 'r1', format: 'gif' },
    { kind: 'poster', resultId: 'r1', format: 'png' },
    { kind: 'result', resultId: 'r1', format: 'jpeg', quality: 0 },
    { kind: 'result', resultId: 'r1', format: 'jpeg', quality: 101 },
    { kind: 'result', resultId: 'r1', format: 'png', path: '/etc/passwd' },
    { kind: 'result', resultId: 'r1', format: 'png', colour: 'p3' },
    { kind: 'result', resultId: 'r1', format: 'png', stripLocation: 'yes' },
    { kind: 'result', resultId: 'r1', format: 'png', wipePosition: 0.5 },
    { kind: 'wipe', resultId: 'r1', format: 'png', wipePosition: 1.5 },
    { kind: 'sweep-grid', format: 'png' },
    { kind: 'sweep-grid', format: 'png', cells: [] },
    { kind: 'sweep-grid', format: 'png', cells: Array.from({ length: 65 }, (_, i) => ({ resultId: `r${i}`, label: String(i) })) },
    { kind: 'sweep-grid', format: 'png', cells: [{ resultId: 'r1', label: 'x' }], columns: 0 },
    { kind: 'sweep-grid', format: 'png', cells: [{ resultId: 'r1', label: 'x'.repeat(201) }] },
    { kind: 'side-by-side', resultId: 'r1', imageId: '/photos/a.png', format: 'png' },
    { kind: 'result', resultId: 'r1', beforeResultId: 'r0', format: 'png' },
    { kind: 'wipe', resultId: 'r1', beforeResultId: '../r0', format: 'png' },
  ],
  'spire:settings:get': [undefined, null, { key: 'packDir' }],
  'spire:settings:set': [
    undefined,
    null,
    { packDir: '/etc' },
    { providers: ['cpu'] },
    { defaults: { steps: 0 } },
    { defaults: { strength: 2 } },
    { defaults: { scheduler: 'euler' } },
    { defaults: { colorFix: 1 } },
    { defaults: { steps: 20, other: 1 } },
    { defaults: { seedLocked: 'yes' } },
    { defaults: { seed: -1 } },
    { defaults: { seed: 2 ** 32 } },
    { defaults: { seed: 1.5 } },
    { defaults: { useRestorer: 1 } },
    { defaults: { restorerViews: 16 } },
    { defaults: { colorFixLevels: 9 } },
    { defaultsPack: '' },
    { defaultsPack: 42 },
    { defaultsSaved: true },
  ],
  'spire:packs:import': [
    undefined,
    null,
    {},
    { source: 'file', withRestorer: true, fp16: false },
    { jobId: 'imp-1', source: 'file', withRestorer: true },
    { jobId: 'imp-1', source: 'file', fp16: false },
    { jobId: 'imp-1', source: 'url', withRestorer: true, fp16: false },
    { jobId: 'imp-1', source: '/home/me/v1-5.safetensors', withRestorer: true, fp16: false },
    { jobId: 'imp-1', source: 'file', withRestorer: true, fp16: false, path: '/home/me/v1-5.safetensors' },
    { jobId: 'imp-1', source: 'file', withRestorer: true, fp16: false, outDir: '/etc' },
    { jobId: 'imp-1', source: 'file', withRestorer: true, fp16: false, python: '/bin/sh' },
    { jobId: 'imp-1', source: 'file', withRestorer: 'yes', fp16: false },
    { jobId: 'imp-1', source: 'file', withRestorer: true, fp16: 1 },
    { jobId: '../x', source: 'file', withRestorer: true, fp16: false },
    { jobId: '', source: 'folder', withRestorer: true, fp16: false },
  ],
  'spire:packs:import-cancel': [undefined, null, {}, { jobId: '' }, { jobId: 7 }, { jobId: 'a/b' }, { jobId: 'imp-1', all: true }],
  'spire:batch:add': [undefined, null, {}, { source: 'file' }, { source: '/home/me/photos' }, { source: 'folder', path: '/home/me/photos' }],
  'spire:batch:add-bytes': [undefined, null, {}, { name: 'a.png' }, { name: '../a.png', bytes: new Uint8Array([1]) }, { name: 'a.png', bytes: new Uint8Array(0) }, { name: 'a.png', bytes: [1] }, { name: 'a.png', bytes: new Uint8Array([1]), path: '/a.png' }],
  'spire:batch:remove': [undefined, null, {}, { photoIds: 'p1' }, { photoIds: ['../p1'] }, { photoIds: ['p1'], all: true }, { photoIds: Array.from({ length: 501 }, (_, i) => `p${i}`) }],
  'spire:batch:choose-output': [undefined, null, { folder: '/tmp' }],
  'spire:batch:start': [
    undefined,
    null,
    {},
    batchStart({ photoIds: [] }),
    batchStart({ photoIds: ['/photos/a.png'] }),
    batchStart({ photoIds: Array.from({ length: 501 }, (_, i) => `p${i}`) }),
    batchStart({ batchId: 'a/b' }),
    batchStart({ format: 'gif' }),
    batchStart({ overwrite: 'yes' }),
    batchStart({ ownEstimate: 1 }),
    batchStart({ quality: 0 }),
    batchStart({ output: '/etc' }),
    batchStart({ params: { ...params } }),
    batchStart({ params: { ...params, regions: [], restorationPrompt: 'Make it nice;' } }),
  ],
  'spire:batch:cancel': [undefined, null, {}, { batchId: '' }, { batchId: 'x/y' }, { batchId: 'b1', all: true }],
  'spire:session:load': [
    undefined,
    {},
    { contentHash: HASH },
    { contentHash: '../../etc', imageId: 'img-1' },
    { contentHash: HASH.toUpperCase(), imageId: 'img-1' },
    { contentHash: `${HASH}0`, imageId: 'img-1' },
    { contentHash: HASH, imageId: 'a/b' },
    { contentHash: HASH, imageId: 'img-1', path: '/home/me' },
  ],
  'spire:session:save': [
    undefined,
    { ...session, contentHash: '/home/me/photo.png' },
    { ...session, state: 7 },
    { ...session, state: 'x'.repeat(4 * 1024 * 1024 + 1) },
    { ...session, masks: [{ regionId: 'r1', width: 2, height: 2, data: new Uint8Array(3) }] },
    { ...session, masks: [{ regionId: 'r1', width: 2, height: 2, data: [0, 0, 0, 0] }] },
    { ...session, resultIds: ['../escape'] },
    { ...session, resultIds: Array.from({ length: 201 }, (_, i) => `r${i}`) },
    { ...session, dir: '/tmp' },
  ],
  'spire:session:delete': [undefined, {}, { contentHash: '' }, { contentHash: 'abc' }, { contentHash: HASH, all: true }],
};

/** Per channel: one payload that must reach the handler. */
const VALID: { [C in InvokeChannel]: RequestOf<C> } = {
  'spire:app:info': {},
  'spire:image:open-dialog': {},
  'spire:image:open-bytes': { name: 'dropped photo.png', bytes: new Uint8Array([137, 80, 78, 71]) },
  'spire:image:recent': {},
  'spire:image:open-recent': { path: '/photos/old.png' },
  'spire:image:estimate': { imageId: 'img-1' },
  'spire:engine:status': {},
  'spire:engine:list-packs': {},
  'spire:engine:choose-pack': {},
  'spire:engine:configure': { packDir: '/packs/tiny', providers: ['webgpu', 'cpu'], threads: 2 },
  'spire:restore:start': { jobId: 'job-1', imageId: 'img-1', params: { ...params, tileSize: 512, tileOverlap: 64 }, previewSize: 128 },
  'spire:restore:cancel': { jobId: 'job-1' },
  'spire:restore:discard': { resultId: 'result-1' },
  'spire:export:save': { kind: 'sweep-grid', format: 'webp', quality: 90, cells: [{ resultId: 'r1', label: 'strength 0.5' }], columns: 1 },
  'spire:settings:get': {},
  'spire:settings:set': { defaults: { steps: 30, colorFix: 'adain', seedLocked: true, seed: 4294967295, useRestorer: true, strength: 0, restorerViews: 8 }, defaultsPack: '/packs/compact' },
  'spire:packs:import': { jobId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', source: 'folder', withRestorer: false, fp16: true },
  'spire:packs:import-cancel': { jobId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' },
  'spire:batch:add': { source: 'folder' },
  'spire:batch:add-bytes': { name: 'dropped.jpg', bytes: new Uint8Array([255, 216]) },
  'spire:batch:remove': { photoIds: [] },
  'spire:batch:choose-output': {},
  'spire:batch:start': { batchId: 'b1', photoIds: ['p1', 'p2'], params: { ...params, regions: [] }, ownEstimate: true, overwrite: false, format: 'jpeg', quality: 90 },
  'spire:batch:cancel': { batchId: 'b1' },
  'spire:session:load': { contentHash: HASH, imageId: 'img-1' },
  'spire:session:save': session,
  'spire:session:delete': { contentHash: HASH },
};

describe('IPC contract', () => {
  const handlers = createIpcHandlers(fakeServices());

  it('every contract channel is prefixed, has a handler and a schema; nothing extra', () => {
    for (const channel of [...INVOKE_CHANNELS, ...EVENT_CHANNELS]) expect(channel.startsWith(CHANNEL_PREFIX)).toBe(true);
    for (const channel of INVOKE_CHANNELS) {
      expect(typeof handlers[channel], `handler for ${channel}`).toBe('function');
      expect(requestSchemas[channel], `schema for ${channel}`).toBeDefined();
      expect(INVALID[channel]?.length ?? 0, `invalid payloads listed for ${channel}`).toBeGreaterThan(0);
    }
    expect(Object.keys(handlers).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(Object.keys(requestSchemas).sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  describe.each(INVOKE_CHANNELS.map((c) => [c] as const))('%s', (channel) => {
    it.each(INVALID[channel].map((p) => [p] as const))('rejects %o before the handler runs', async (payload) => {
      const { table, calls } = spiedTable(createIpcHandlers(fakeServices()));
      const dispatch = createIpcDispatcher(table);
      const outcome = await dispatch(channel, payload).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      expect(calls()).toBe(0);
      // Every channel answers the refusal inside its Result; none rejects.
      expect(outcome).toEqual({ value: { ok: false, error: { code: 'invalid-request', message: expect.stringMatching(new RegExp(`^Invalid request on ${channel}: `)) } } });
    });

    it('passes a valid payload to its handler', async () => {
      const { table, calls } = spiedTable(createIpcHandlers(fakeServices()));
      await createIpcDispatcher(table)(channel, VALID[channel]);
      expect(calls()).toBe(1);
    });
  });

  it('refuses channels outside the contract, in a Result', async () => {
    const dispatch = createIpcDispatcher(handlers);
    expect(await dispatch('spire:fs:read', { path: '/etc/passwd' })).toEqual({ ok: false, error: { code: 'unknown-channel', message: 'Unknown IPC channel "spire:fs:read".' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('says which field was wrong and why', async () => {
    const dispatch = createIpcDispatcher(handlers);
    const result = await dispatch('spire:image:open-bytes', { name: 'a/b.png', bytes: new Uint8Array(0) });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    const message = (result as { error: { message: string } }).error.message;
    expect(message).toContain('name: must be a file name, not a path');
    expect(message).toContain(`bytes: must hold 1 byte to ${MAX_IMAGE_BYTES} bytes`);
  });
});

describe('IPC handlers', () => {
  it('open-dialog opens the file the dialog returned, never a path from the request', async () => {
    const services = fakeServices();
    const result = await createIpcDispatcher(createIpcHandlers(services))('spire:image:open-dialog', {});
    expect(result).toEqual({ ok: true, value: image });
    expect(services.images.openFile).toHaveBeenCalledWith('/chosen/by/user.png');
  });

  it('open-dialog answers null when the user cancels', async () => {
    const services = fakeServices({ dialog: { chooseImageFile: async () => null } });
    expect(await createIpcHandlers(services)['spire:image:open-dialog']({})).toEqual({ ok: true, value: null });
    expect(services.images.openFile).not.toHaveBeenCalled();
  });

  it('turns a SpireError into the user-facing IpcError as it is', async () => {
    const services = fakeServices({
      images: { openFile: async () => image, openBytes: async () => Promise.reject(new SpireError('image-corrupt', '“x.png” … re-save it.')) },
    });
    expect(await createIpcHandlers(services)['spire:image:open-bytes']({ name: 'x.png', bytes: new Uint8Array([1]) })).toEqual({
      ok: false,
      error: { code: 'image-corrupt', message: '“x.png” … re-save it.' },
    });
  });

  it('turns an unexpected failure into a plain "something went wrong" and logs it', async () => {
    const logError = vi.fn();
    const services = fakeServices({ dialog: { chooseImageFile: async () => Promise.reject(new Error('dialog exploded')) }, logError });
    const result = await createIpcHandlers(services)['spire:image:open-dialog']({});
    expect(result).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Something went wrong while opening the image (dialog exploded). Try again; if it keeps happening, restart SPIRE Studio.' },
    });
    expect(logError).toHaveBeenCalledOnce();
  });

  it('engine:status answers the host status', async () => {
    expect(await createIpcHandlers(fakeServices())['spire:engine:status']({})).toMatchObject({ ok: true, value: { state: 'ready', message: 'No model pack found' } });
  });

  it('the plain reads answer their value in a Result', async () => {
    const services = fakeServices();
    const dispatch = createIpcDispatcher(createIpcHandlers(services));
    expect(await dispatch('spire:app:info', {})).toEqual({ ok: true, value: services.appInfo });
    expect(await dispatch('spire:image:recent', {})).toEqual({ ok: true, value: [{ path: '/photos/old.png', name: 'old.png', openedAt: 1 }] });
    expect(await dispatch('spire:settings:get', {})).toEqual({ ok: true, value: settingsView });
  });

  it('a plain read that fails answers a failure Result, never a rejection', async () => {
    const logError = vi.fn();
    const services = fakeServices({
      engine: {
        status: () => {
          throw new Error('host gone');
        },
      },
      settings: {
        get: () => {
          throw new SpireError('internal', 'The settings file could not be read.');
        },
        set: async () => settingsView,
      },
      logError,
    });
    const handlers = createIpcHandlers(services);
    expect(await handlers['spire:engine:status']({})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Something went wrong while reading the engine status (host gone). Try again; if it keeps happening, restart SPIRE Studio.' },
    });
    expect(logError).toHaveBeenCalledOnce();
    expect(await handlers['spire:settings:get']({})).toEqual({ ok: false, error: { code: 'internal', message: 'The settings file could not be read.' } });
  });

  it('open-dialog records the chosen path on the recent list', async () => {
    const services = fakeServices();
    await createIpcHandlers(services)['spire:image:open-dialog']({});
    expect(services.recent.add).toHaveBeenCalledWith('/chosen/by/user.png');
  });

  it('open-recent refuses a path main did not record, without touching the file', async () => {
    const services = fakeServices();
    const result = await createIpcDispatcher(createIpcHandlers(services))('spire:image:open-recent', { path: '/etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'image-missing', message: expect.stringContaining('not on the recent files list') } });
    expect(services.images.openFile).not.toHaveBeenCalled();
  });

  it('open-recent opens a recorded path, and drops it from the list when the file is gone', async () => {
    const services = fakeServices();
    expect(await createIpcHandlers(services)['spire:image:open-recent']({ path: '/photos/old.png' })).toEqual({ ok: true, value: image });
    expect(services.images.openFile).toHaveBeenCalledWith('/photos/old.png');
    const gone = fakeServices({ images: { openFile: async () => Promise.reject(new SpireError('image-missing', 'gone')), openBytes: async () => image } });
    expect(await createIpcHandlers(gone)['spire:image:open-recent']({ path: '/photos/old.png' })).toMatchObject({ ok: false, error: { code: 'image-missing' } });
    expect(gone.recent.remove).toHaveBeenCalledWith('/photos/old.png');
  });

  it('restore, export and pack errors reach the renderer with their code and words', async () => {
    const services = fakeServices({
      restore: {
        start: () => {
          throw new SpireError('image-not-open', 'Open it again.');
        },
        cancel: () => false,
        discard: () => false,
      },
      exporter: { save: async () => Promise.reject(new SpireError('result-gone', 'Run it again.')) },
    });
    const handlers = createIpcHandlers(services);
    expect(await handlers['spire:restore:start'](VALID['spire:restore:start'])).toEqual({ ok: false, error: { code: 'image-not-open', message: 'Open it again.' } });
    expect(await handlers['spire:restore:cancel']({ jobId: 'j' })).toEqual({ ok: true, value: { cancelled: false } });
    expect(await handlers['spire:restore:discard']({ resultId: 'r' })).toEqual({ ok: true, value: { discarded: false } });
    expect(await handlers['spire:export:save'](VALID['spire:export:save'])).toEqual({ ok: false, error: { code: 'result-gone', message: 'Run it again.' } });
  });

  it('image:estimate answers the estimate of the image named by id', async () => {
    const services = fakeServices();
    expect(await createIpcDispatcher(createIpcHandlers(services))('spire:image:estimate', { imageId: 'img-1' })).toEqual({ ok: true, value: estimate });
    expect(services.estimates.estimate).toHaveBeenCalledWith('img-1');
  });

  it('image:estimate passes the engine’s and the service’s errors on with their code and words', async () => {
    const noEstimator = new SpireError('no-estimator', 'The model pack "tiny" has no degradation estimator, so it cannot read what is wrong with the photo: type the restoration prompt.');
    const cases: [Error, string][] = [
      [noEstimator, 'no-estimator'],
      [new SpireError('engine-unavailable', 'The engine is restarting.'), 'engine-unavailable'],
      [new SpireError('image-not-open', 'Open it again.'), 'image-not-open'],
      [new SpireError('image-corrupt', 'Re-save it.'), 'image-corrupt'],
    ];
    for (const [err, code] of cases) {
      const handlers = createIpcHandlers(fakeServices({ estimates: { estimate: async () => Promise.reject(err) } }));
      expect(await handlers['spire:image:estimate']({ imageId: 'img-1' })).toEqual({ ok: false, error: { code, message: err.message } });
    }
  });

  it('restore:start answers the job id; export:save passes null (cancelled) on', async () => {
    const handlers = createIpcHandlers(fakeServices({ exporter: { save: async () => null } }));
    expect(await handlers['spire:restore:start'](VALID['spire:restore:start'])).toEqual({ ok: true, value: { jobId: 'job-1' } });
    expect(await handlers['spire:export:save'](VALID['spire:export:save'])).toEqual({ ok: true, value: null });
  });

  it('packs:import passes only the choices on (main shows the dialog) and answers what the service started', async () => {
    const services = fakeServices();
    const dispatch = createIpcDispatcher(createIpcHandlers(services));
    expect(await dispatch('spire:packs:import', VALID['spire:packs:import'])).toEqual({ ok: true, value: { jobId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', sourceName: 'v1-5.safetensors' } });
    expect(services.imports.start).toHaveBeenCalledWith({ jobId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', source: 'folder', withRestorer: false, fp16: true });
    expect(await dispatch('spire:packs:import-cancel', { jobId: 'imp-1' })).toEqual({ ok: true, value: { cancelled: true } });
    expect(services.imports.cancel).toHaveBeenCalledWith('imp-1');
  });

  it('packs:import answers null when the dialog was cancelled, and a refusal with its code and words', async () => {
    const cancelled = createIpcHandlers(fakeServices({ imports: { start: async () => null, cancel: () => false } }));
    expect(await cancelled['spire:packs:import'](VALID['spire:packs:import'])).toEqual({ ok: true, value: null });
    expect(await cancelled['spire:packs:import-cancel']({ jobId: 'imp-1' })).toEqual({ ok: true, value: { cancelled: false } });
    const busy = new SpireError('job-id-in-use', 'A model is being imported already.');
    const refused = createIpcHandlers(fakeServices({ imports: { start: async () => Promise.reject(busy), cancel: () => false } }));
    expect(await refused['spire:packs:import'](VALID['spire:packs:import'])).toEqual({ ok: false, error: { code: 'job-id-in-use', message: busy.message } });
  });
});
