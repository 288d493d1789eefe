/**
 * The IPC handler table: one handler per invoke channel of the contract,
 * built from services passed in (so tests pass fakes). The table's type makes
 * a missing channel a compile error; test/unit/main/ipc checks it at run time too.
 *
 * Handlers receive requests already validated by the dispatcher (dispatch.ts).
 */
import type { AppInfo, InvokeChannel, IpcError, OpenedImage, RequestOf, ResponseOf, Result } from '../../preload/contract/channels';
import type { EngineHost } from '../engine/host';
import type { DialogPort } from '../services/dialogPort';
import { ImageError } from '../services/imageService';

export type IpcHandler<C extends InvokeChannel> = (request: RequestOf<C>) => Promise<ResponseOf<C>>;
export type IpcHandlerTable = { [C in InvokeChannel]: IpcHandler<C> };

/** What the handlers need from the image service. */
export interface ImageOpener {
  openFile(path: string): Promise<OpenedImage>;
  openBytes(name: string, bytes: Uint8Array): Promise<OpenedImage>;
}

export interface IpcServices {
  appInfo: AppInfo;
  images: ImageOpener;
  dialog: DialogPort;
  engine: Pick<EngineHost, 'status'>;
  /** Where unexpected errors are logged (they reach the user as a short message). */
  logError?: (message: string, err: unknown) => void;
}

/** Turns a thrown error into the user-facing IpcError. ImageErrors already say what to do. */
export function toIpcError(err: unknown, doing: string): IpcError {
  if (err instanceof ImageError) return { code: err.code, message: err.message };
  const detail = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Something went wrong while ${doing} (${detail}). Try again; if it keeps happening, restart SPIRE Studio.` };
}

async function asResult<T>(doing: string, services: IpcServices, run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (!(err instanceof ImageError)) services.logError?.(`IPC handler failed while ${doing}`, err);
    return { ok: false, error: toIpcError(err, doing) };
  }
}

export function createIpcHandlers(services: IpcServices): IpcHandlerTable {
  return {
    'spire:app:info': async () => services.appInfo,
    'spire:image:open-dialog': (_request) =>
      asResult('opening the image', services, async () => {
        const path = await services.dialog.chooseImageFile();
        return path === null ? null : services.images.openFile(path);
      }),
    'spire:image:open-bytes': (request) =>
      asResult('opening the dropped image', services, () => services.images.openBytes(request.name, request.bytes)),
    'spire:engine:status': async () => services.engine.status(),
  };
}
