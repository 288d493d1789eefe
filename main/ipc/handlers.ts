/**
 * The IPC handler table: one handler per invoke channel of the contract,
 * built from services passed in (so tests pass fakes). The table's type makes
 * a missing channel a compile error; test/unit/main/ipc checks it at run time too.
 *
 * Handlers receive requests already validated by the dispatcher (dispatch.ts).
 * Every handler answers a Result through asResult, the plain reads too: it turns
 * what the handler threw into the IpcError with toErrorInfo (common/errors.ts):
 * a SpireError as it is, with its code and words; anything else as `internal`,
 * logged.
 * Paths never come from the renderer: files open through the dialog port, and
 * "open recent" only accepts a path main itself recorded from the dialog; a model
 * to import comes from the dialog too, and its pack goes where main says.
 */
import type { AppInfo, AppSettingsView, BatchAdded, BatchStartRequest, EngineConfigureRequest, ExportRequest, InvokeChannel, IpcError, OpenedImage, PackImportRequest, PackImportStarted, PackInfo, RecentFile, RequestOf, ResponseOf, RestoreStartRequest, Result, SettingsPatch, SavedSession, SessionSaveRequest } from '../../preload/contract/channels';
import type { DegradationEstimate } from '../../common/estimate';
import { SpireError, isSpireError, toErrorInfo } from '../../common/errors';
import type { EngineHost } from '../engine/host';
import type { DialogPort } from '../services/dialogPort';

export type IpcHandler<C extends InvokeChannel> = (request: RequestOf<C>) => Promise<ResponseOf<C>>;
export type IpcHandlerTable = { [C in InvokeChannel]: IpcHandler<C> };

/** What the handlers need from the image service. */
export interface ImageOpener {
  openFile(path: string): Promise<OpenedImage>;
  openBytes(name: string, bytes: Uint8Array): Promise<OpenedImage>;
}

/** Main's own list of files opened through the dialog (services/recentFiles.ts). */
export interface RecentList {
  list(): RecentFile[];
  isKnown(path: string): boolean;
  add(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export interface RestoreJobs {
  start(request: RestoreStartRequest): { jobId: string };
  cancel(jobId: string): boolean;
  discard(resultId: string): boolean;
}

/** The degradation estimates of opened images (services/estimateService.ts). */
export interface Estimates {
  estimate(imageId: string): Promise<DegradationEstimate>;
}

export interface Exporter {
  save(request: ExportRequest): Promise<{ path: string } | null>;
}

export interface SettingsAccess {
  get(): AppSettingsView;
  set(patch: SettingsPatch): Promise<AppSettingsView>;
}

export interface PackControl {
  listPacks(): Promise<PackInfo[]>;
  choosePack(): Promise<PackInfo | null>;
  configure(request: EngineConfigureRequest): Promise<AppSettingsView>;
}

/** Importing a Stable Diffusion model as a pack (services/importService.ts): main shows the dialog. */
export interface ModelImports {
  start(request: PackImportRequest): Promise<PackImportStarted | null>;
  cancel(jobId: string): boolean;
}

/** Batch in the app (services/batchService.ts): main's dialogs add photos and choose the output folder. */
export interface BatchJobs {
  add(source: 'files' | 'folder'): Promise<BatchAdded | null>;
  addBytes(name: string, bytes: Uint8Array): BatchAdded;
  remove(photoIds: readonly string[]): number;
  chooseOutput(): Promise<{ folder: string } | null>;
  start(request: BatchStartRequest): Promise<{ batchId: string; total: number }>;
  cancel(batchId: string): boolean;
}

/** Per-photo sessions in the user data folder (services/sessionStore.ts). */
export interface SessionAccess {
  load(contentHash: string, imageId: string): Promise<SavedSession | null>;
  save(request: SessionSaveRequest): Promise<{ saved: string[] }>;
  delete(contentHash: string): Promise<{ deleted: boolean }>;
}

export interface IpcServices {
  appInfo: AppInfo;
  images: ImageOpener;
  recent: RecentList;
  dialog: Pick<DialogPort, 'chooseImageFile'>;
  engine: Pick<EngineHost, 'status'>;
  packs: PackControl;
  imports: ModelImports;
  restore: RestoreJobs;
  estimates: Estimates;
  exporter: Exporter;
  settings: SettingsAccess;
  batch: BatchJobs;
  sessions: SessionAccess;
  /** Where unexpected errors are logged (they reach the user as a short message). */
  logError?: (message: string, err: unknown) => void;
}

/** A handler's failure as the renderer gets it: a SpireError's code and words; anything else `internal`, logged. */
async function asResult<T>(doing: string, services: IpcServices, run: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (!(err instanceof SpireError)) services.logError?.(`IPC handler failed while ${doing}`, err);
    const error: IpcError = toErrorInfo(err, (detail) => ({
      code: 'internal',
      message: `Something went wrong while ${doing} (${detail}). Try again; if it keeps happening, restart SPIRE Studio.`,
    }));
    return { ok: false, error };
  }
}

export function createIpcHandlers(services: IpcServices): IpcHandlerTable {
  return {
    'spire:app:info': () => asResult('reading the app information', services, () => services.appInfo),
    'spire:image:open-dialog': (_request) =>
      asResult('opening the image', services, async () => {
        const path = await services.dialog.chooseImageFile();
        if (path === null) return null;
        const opened = await services.images.openFile(path);
        await services.recent.add(path).catch((err: unknown) => services.logError?.('could not save the recent files list', err));
        return opened;
      }),
    'spire:image:open-bytes': (request) =>
      asResult('opening the dropped image', services, () => services.images.openBytes(request.name, request.bytes)),
    'spire:image:recent': () => asResult('reading the recent files', services, () => services.recent.list()),
    'spire:image:open-recent': (request) =>
      asResult('opening the recent file', services, async () => {
        if (!services.recent.isKnown(request.path)) {
          throw new SpireError('image-missing', 'That file is not on the recent files list. Open it with File › Open instead.');
        }
        try {
          const opened = await services.images.openFile(request.path);
          await services.recent.add(request.path).catch((err: unknown) => services.logError?.('could not save the recent files list', err));
          return opened;
        } catch (err) {
          if (isSpireError(err, 'image-missing')) await services.recent.remove(request.path).catch(() => undefined);
          throw err;
        }
      }),
    'spire:image:estimate': (request) =>
      asResult('reading what is wrong with the photo', services, () => services.estimates.estimate(request.imageId)),
    'spire:engine:status': () => asResult('reading the engine status', services, () => services.engine.status()),
    'spire:engine:list-packs': () => asResult('listing the model packs', services, () => services.packs.listPacks()),
    'spire:engine:choose-pack': () => asResult('choosing a model pack', services, () => services.packs.choosePack()),
    'spire:engine:configure': (request) => asResult('changing the engine settings', services, () => services.packs.configure(request)),
    'spire:restore:start': (request) => asResult('starting the restoration', services, () => services.restore.start(request)),
    'spire:restore:cancel': (request) => asResult('cancelling the restoration', services, () => ({ cancelled: services.restore.cancel(request.jobId) })),
    'spire:restore:discard': (request) => asResult('deleting the result', services, () => ({ discarded: services.restore.discard(request.resultId) })),
    'spire:export:save': (request) => asResult('exporting', services, () => services.exporter.save(request)),
    'spire:settings:get': () => asResult('reading the settings', services, () => services.settings.get()),
    'spire:settings:set': (request) => asResult('saving the settings', services, () => services.settings.set(request)),
    'spire:packs:import': (request) => asResult('importing the model', services, () => services.imports.start(request)),
    'spire:packs:import-cancel': (request) => asResult('cancelling the import', services, () => ({ cancelled: services.imports.cancel(request.jobId) })),
    'spire:batch:add': (request) => asResult('adding photos to the batch', services, () => services.batch.add(request.source)),
    'spire:batch:add-bytes': (request) => asResult('adding the dropped photo to the batch', services, () => services.batch.addBytes(request.name, request.bytes)),
    'spire:batch:remove': (request) => asResult('taking photos off the batch', services, () => ({ removed: services.batch.remove(request.photoIds) })),
    'spire:batch:choose-output': () => asResult('choosing the output folder', services, () => services.batch.chooseOutput()),
    'spire:batch:start': (request) => asResult('starting the batch', services, () => services.batch.start(request)),
    'spire:batch:cancel': (request) => asResult('cancelling the batch', services, () => ({ cancelled: services.batch.cancel(request.batchId) })),
    'spire:session:load': (request) => asResult("reading the photo's saved session", services, () => services.sessions.load(request.contentHash, request.imageId)),
    'spire:session:save': (request) => asResult("saving the photo's session", services, () => services.sessions.save(request)),
    'spire:session:delete': (request) => asResult("forgetting the photo's session", services, () => services.sessions.delete(request.contentHash)),
  };
}
