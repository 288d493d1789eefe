/**
 * Builds `window.spire` from an ipcRenderer-like object: purpose-named
 * functions only, no generic invoke, each answering its channel's Result as
 * main sent it. Kept apart from index.ts (which imports electron) so unit tests
 * and the e2e harness can build the same API.
 */
import { type EngineStatus } from '../common/engineStatus';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type BatchDoneEvent, type BatchProgressEvent, type BatchStartRequest, type EngineConfigureRequest, type EventChannel, type EventChannels, type InvokeChannel, type ExportRequest, type PackImportDoneEvent, type PackImportProgressEvent, type PackImportRequest, type RequestOf, type ResponseOf, type RestoreDoneEvent, type RestoreProgressEvent, type RestoreStartRequest, type SettingsPatch, type SpireApi, type SessionSaveRequest } from './contract/channels';

/** The slice of Electron's ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export function createSpireApi(ipc: IpcRendererLike): SpireApi {
  const invoke = <C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> => {
    if (!(INVOKE_CHANNELS as readonly string[]).includes(channel)) {
      // Answered like main answers an unknown channel (main/ipc/dispatch.ts): every call answers a Result.
      return Promise.resolve({ ok: false, error: { code: 'unknown-channel', message: `Refused IPC channel ${channel}.` } });
    }
    return ipc.invoke(channel, request) as Promise<ResponseOf<C>>;
  };

  /** Subscribes to a main -> renderer event; the listener gets only the payload (never the IpcRendererEvent). */
  const subscribe = <E extends EventChannel>(channel: E, listener: (payload: EventChannels[E]) => void): (() => void) => {
    if (!(EVENT_CHANNELS as readonly string[]).includes(channel)) throw new Error(`Refused IPC event ${channel}`);
    const wrapped = (_event: unknown, payload: unknown): void => listener(payload as EventChannels[E]);
    ipc.on(channel, wrapped);
    return () => {
      ipc.removeListener(channel, wrapped);
    };
  };

  return {
    app: {
      info: () => invoke('spire:app:info', {}),
    },
    image: {
      openDialog: () => invoke('spire:image:open-dialog', {}),
      openBytes: (name: string, bytes: Uint8Array) => invoke('spire:image:open-bytes', { name, bytes }),
      recent: () => invoke('spire:image:recent', {}),
      openRecent: (path: string) => invoke('spire:image:open-recent', { path }),
      estimate: (imageId: string) => invoke('spire:image:estimate', { imageId }),
    },
    engine: {
      status: () => invoke('spire:engine:status', {}),
      onStatus: (listener: (status: EngineStatus) => void) => subscribe('spire:engine:status-changed', listener),
      listPacks: () => invoke('spire:engine:list-packs', {}),
      choosePack: () => invoke('spire:engine:choose-pack', {}),
      configure: (request: EngineConfigureRequest) => invoke('spire:engine:configure', request),
    },
    restore: {
      start: (request: RestoreStartRequest) => invoke('spire:restore:start', request),
      cancel: (jobId: string) => invoke('spire:restore:cancel', { jobId }),
      discard: (resultId: string) => invoke('spire:restore:discard', { resultId }),
      onProgress: (listener: (progress: RestoreProgressEvent) => void) => subscribe('spire:restore:progress', listener),
      onDone: (listener: (done: RestoreDoneEvent) => void) => subscribe('spire:restore:done', listener),
    },
    export: {
      save: (request: ExportRequest) => invoke('spire:export:save', request),
    },
    settings: {
      get: () => invoke('spire:settings:get', {}),
      set: (patch: SettingsPatch) => invoke('spire:settings:set', patch),
    },
    packs: {
      importModel: (request: PackImportRequest) => invoke('spire:packs:import', request),
      cancelImport: (jobId: string) => invoke('spire:packs:import-cancel', { jobId }),
      onImportProgress: (listener: (progress: PackImportProgressEvent) => void) => subscribe('spire:packs:import-progress', listener),
      onImportDone: (listener: (done: PackImportDoneEvent) => void) => subscribe('spire:packs:import-done', listener),
    },
    batch: {
      add: (source: 'files' | 'folder') => invoke('spire:batch:add', { source }),
      addBytes: (name: string, bytes: Uint8Array) => invoke('spire:batch:add-bytes', { name, bytes }),
      remove: (photoIds: string[]) => invoke('spire:batch:remove', { photoIds }),
      chooseOutput: () => invoke('spire:batch:choose-output', {}),
      start: (request: BatchStartRequest) => invoke('spire:batch:start', request),
      cancel: (batchId: string) => invoke('spire:batch:cancel', { batchId }),
      onProgress: (listener: (progress: BatchProgressEvent) => void) => subscribe('spire:batch:progress', listener),
      onDone: (listener: (done: BatchDoneEvent) => void) => subscribe('spire:batch:done', listener),
    },
    session: {
      load: (contentHash: string, imageId: string) => invoke('spire:session:load', { contentHash, imageId }),
      save: (request: SessionSaveRequest) => invoke('spire:session:save', request),
      delete: (contentHash: string) => invoke('spire:session:delete', { contentHash }),
    },
  };
}
