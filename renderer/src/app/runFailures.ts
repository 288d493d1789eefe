/**
 * The run workspace's own failures to reach main, in words. Main's errors arrive already
 * worded (`IpcError`) and are shown as they are; these cover a missing or silent main.
 */
import type { IpcError } from '../../../preload/contract/channels';
import type { AppAction } from '../state/appState';

export const NO_BRIDGE: IpcError = {
  code: 'no-bridge',
  message: "SPIRE Studio's connection to its main process is missing, so nothing can run. Start the app with `npm start`.",
};

/** `what` ("Starting the restoration") failed because the call to main threw. */
export function ipcFailure(what: string, err: unknown): IpcError {
  const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
  return { code: 'ipc-failed', message: `${what} failed because the app's main process did not answer${detail}. Try again; restart SPIRE Studio if it keeps happening.` };
}

/** The action that puts an error in the banner. */
export const shown = (error: IpcError): AppAction => ({ type: 'error/shown', error });
