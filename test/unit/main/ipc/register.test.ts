/** ipcMain registration: one handler per channel, and only the app's own top-level page gets through (others get a failure Result). */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../../../preload/contract/channels';
import { registerIpc } from '../../../../main/ipc/register';

const APP_PAGE = 'app://spire/index.html';

type Handler = (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>;

function fakeIpcMain(): { ipcMain: IpcMain; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  return { ipcMain, handlers };
}

function event(senderId: number, url: string, topLevel = true): IpcMainInvokeEvent {
  return { sender: { id: senderId }, senderFrame: { url, parent: topLevel ? null : {} } } as unknown as IpcMainInvokeEvent;
}

describe('registerIpc', () => {
  const window = { id: 7 } as unknown as WebContents;

  function setup() {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispatched: [string, unknown][] = [];
    const unregister = registerIpc(
      ipcMain,
      async (channel, payload) => {
        dispatched.push([channel, payload]);
        return { ok: true, value: 'answered' };
      },
      { webContents: () => window, pages: { origin: 'app://spire' } },
    );
    return { handlers, dispatched, unregister };
  }

  it('registers exactly the contract channels, and removes them again', () => {
    const { handlers, unregister } = setup();
    expect([...handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('dispatches a call from the app window top-level page', async () => {
    const { handlers, dispatched } = setup();
    await expect(handlers.get('spire:engine:status')!(event(7, APP_PAGE), {})).resolves.toEqual({ ok: true, value: 'answered' });
    expect(dispatched).toEqual([['spire:engine:status', {}]]);
  });

  it.each([
    ['another webContents', event(8, APP_PAGE)],
    ['a subframe of the window', event(7, APP_PAGE, false)],
    ['a page that navigated elsewhere', event(7, 'https://evil.example/')],
    ['another local file', event(7, 'file:///tmp/evil.html')],
    ['the renderer as a file (no longer how it loads)', event(7, 'file:///opt/spire/resources/app.asar/out/renderer/index.html')],
    ['another host of the app scheme', event(7, 'app://evil/index.html')],
  ])('refuses %s without dispatching, in a Result', async (_label, ev) => {
    const { handlers, dispatched } = setup();
    await expect(handlers.get('spire:image:open-dialog')!(ev, {})).resolves.toEqual({
      ok: false,
      error: { code: 'untrusted-sender', message: 'Refused spire:image:open-dialog: the request did not come from the SPIRE Studio window.' },
    });
    expect(dispatched).toEqual([]);
  });

  it('refuses everything before the window exists', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpc(ipcMain, async () => ({ ok: true, value: 'answered' }), { webContents: () => null, pages: { origin: 'app://spire' } });
    await expect(handlers.get('spire:app:info')!(event(7, APP_PAGE), {})).resolves.toMatchObject({ ok: false, error: { code: 'untrusted-sender', message: expect.stringMatching(/^Refused/) } });
  });
});
