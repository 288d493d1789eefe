/**
 * The IPC contract test. Fails when
 *   - a contract channel (INVOKE_CHANNELS) has no handler or no schema, or a handler has no channel;
 *   - a handler is reached with an invalid payload (table of invalid payloads per channel);
 *   - a valid payload does not reach its handler.
 */
import { describe, expect, it, vi } from 'vitest';
import { CHANNEL_PREFIX, EVENT_CHANNELS, INVOKE_CHANNELS, type InvokeChannel, type OpenedImage, type RequestOf } from '../../../../preload/contract/channels';
import { MAX_IMAGE_BYTES, requestSchemas } from '../../../../preload/contract/schemas';
import { IpcRequestError, RESULT_CHANNELS, createIpcDispatcher } from '../../../../main/ipc/dispatch';
import { createIpcHandlers, type IpcHandlerTable, type IpcServices } from '../../../../main/ipc/handlers';
import { ImageError } from '../../../../main/services/imageService';

const image: OpenedImage = { id: 'i1', name: 'a.png', width: 2, height: 1, mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) };

function fakeServices(over: Partial<IpcServices> = {}): IpcServices {
  return {
    appInfo: { name: 'SPIRE Studio', version: '0.0.0-test', platform: 'linux' },
    images: { openFile: vi.fn(async () => image), openBytes: vi.fn(async () => image) },
    dialog: { chooseImageFile: vi.fn(async () => '/chosen/by/user.png') },
    engine: { status: () => ({ state: 'ready', pack: null, provider: null, message: 'No model pack found' }) },
    ...over,
  };
}

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
  'spire:engine:status': [undefined, null, { force: true }, 'status'],
};

/** Per channel: one payload that must reach the handler. */
const VALID: { [C in InvokeChannel]: RequestOf<C> } = {
  'spire:app:info': {},
  'spire:image:open-dialog': {},
  'spire:image:open-bytes': { name: 'dropped photo.png', bytes: new Uint8Array([137, 80, 78, 71]) },
  'spire:engine:status': {},
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
      if ((RESULT_CHANNELS as readonly string[]).includes(channel)) {
        expect(outcome).toEqual({ value: { ok: false, error: { code: 'invalid-request', message: expect.stringContaining(`Invalid request on ${channel}: `) } } });
      } else {
        expect('error' in outcome && outcome.error).toBeInstanceOf(IpcRequestError);
        expect((outcome as { error: IpcRequestError }).error.message).toMatch(new RegExp(`^Invalid request on ${channel}: `));
      }
    });

    it('passes a valid payload to its handler', async () => {
      const { table, calls } = spiedTable(createIpcHandlers(fakeServices()));
      await createIpcDispatcher(table)(channel, VALID[channel]);
      expect(calls()).toBe(1);
    });
  });

  it('refuses channels outside the contract', async () => {
    const dispatch = createIpcDispatcher(handlers);
    await expect(dispatch('spire:fs:read', { path: '/etc/passwd' })).rejects.toThrow('Unknown IPC channel "spire:fs:read".');
    await expect(dispatch('__proto__', {})).rejects.toThrow(IpcRequestError);
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

  it('turns an ImageError into the user-facing IpcError as it is', async () => {
    const services = fakeServices({
      images: { openFile: async () => image, openBytes: async () => Promise.reject(new ImageError('image-corrupt', '“x.png” … re-save it.')) },
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
    expect(await createIpcHandlers(fakeServices())['spire:engine:status']({})).toMatchObject({ state: 'ready', message: 'No model pack found' });
  });
});
