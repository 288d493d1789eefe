/**
 * Registers the handler table with Electron's ipcMain. Every call is checked
 * to come from the app's own top-level page in the app's window before it is
 * validated and dispatched; a call from anywhere else is answered, like every
 * refusal, with a failure Result (`untrusted-sender`, dispatch.ts) and never
 * reaches the dispatcher.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { INVOKE_CHANNELS, type Result } from '../../preload/contract/channels';
import { isAppPageUrl, type AppPages } from '../security';
import { refusal, type IpcDispatcher } from './dispatch';

export interface TrustedSender {
  /** The app window's webContents, or null before it exists. */
  webContents(): WebContents | null;
  pages: AppPages;
}

export function isTrustedSender(event: IpcMainInvokeEvent, trusted: TrustedSender): boolean {
  const contents = trusted.webContents();
  if (!contents || event.sender.id !== contents.id) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppPageUrl(frame.url, trusted.pages);
}

/** The answer to a call from outside the app's window (the e2e harness answers its foreign frames with it too). */
export function untrustedSenderRefusal(channel: string): Result<never> {
  return refusal('untrusted-sender', `Refused ${channel}: the request did not come from the SPIRE Studio window.`);
}

/** Registers one ipcMain.handle per contract channel; returns a function that removes them. */
export function registerIpc(ipcMain: IpcMain, dispatch: IpcDispatcher, trusted: TrustedSender): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event, trusted)) return untrustedSenderRefusal(channel);
      return dispatch(channel, payload);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
