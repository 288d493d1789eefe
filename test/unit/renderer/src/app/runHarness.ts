/**
 * The run controller against a fake window.spire.restore/export/settings/engine/packs and fake result
 * images, shared by the tests of its parts (jobs, sweepQueue, exportRequests, settingsPersistence, packImports).
 * Jobs are named job1, job2, ... unless a test names them (`newJobId`; null: the app's default).
 */
import type { AppSettingsView, ExportRequest, PackImportDoneEvent, PackImportProgressEvent, PackImportRequest, PackImportStarted, RestoreDoneEvent, RestoreProgressEvent, RestoreStartRequest, RestoredImage, Result, SettingsPatch, SpireApi } from '../../../../../preload/contract/channels';
import type { ResultImages } from '../../../../../renderer/src/app/resultHistory';
import { createRunController } from '../../../../../renderer/src/app/runController';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

export const flush = () => new Promise<void>((r) => setTimeout(r, 0));

export const VIEW: AppSettingsView = {
  packDir: '/packs/tiny',
  providers: ['auto'],
  threads: 0,
  defaults: { steps: 12, guidanceScale: 5, strength: 1, colorFix: 'wavelet', colorFixLevels: 5, scheduler: 'ddim', seedLocked: false, seed: 0, useRestorer: false, restorerViews: 1 },
  defaultsSaved: true,
  defaultsPack: null,
};

export interface HarnessOptions {
  /** main's answer to restore.start; default: accepted, the job id echoed. */
  startAnswer?: (request: RestoreStartRequest) => Promise<Result<{ jobId: string }>>;
  /** How the controller names jobs; default job1, job2, ...; null: crypto.randomUUID() as in the app. */
  newJobId?: (() => string) | null;
  view?: AppSettingsView;
  /** main's answer to settings.get; default: `view` (or VIEW). */
  settingsGet?: () => Promise<Result<AppSettingsView>>;
  /** main's answer to packs.importModel; default: started, the source named v1-5.safetensors. */
  importAnswer?: (request: PackImportRequest) => Promise<Result<PackImportStarted | null>>;
}

export function harness(options: HarnessOptions = {}) {
  const progress = new Set<(p: RestoreProgressEvent) => void>();
  const done = new Set<(d: RestoreDoneEvent) => void>();
  const starts: RestoreStartRequest[] = [];
  const cancels: string[] = [];
  const discards: string[] = [];
  const exports: ExportRequest[] = [];
  const settingsSets: SettingsPatch[] = [];
  const imports: PackImportRequest[] = [];
  const importCancels: string[] = [];
  const importProgress = new Set<(p: PackImportProgressEvent) => void>();
  const importDone = new Set<(d: PackImportDoneEvent) => void>();
  let jobs = 0;
  const api = {
    restore: {
      start: async (request: RestoreStartRequest) => {
        starts.push(request);
        if (options.startAnswer) return options.startAnswer(request);
        return { ok: true, value: { jobId: request.jobId } };
      },
      cancel: async (jobId: string) => {
        cancels.push(jobId);
        return { ok: true, value: { cancelled: true } };
      },
      discard: async (resultId: string) => {
        discards.push(resultId);
        return { ok: true, value: { discarded: true } };
      },
      onProgress: (l: (p: RestoreProgressEvent) => void) => {
        progress.add(l);
        return () => progress.delete(l);
      },
      onDone: (l: (d: RestoreDoneEvent) => void) => {
        done.add(l);
        return () => done.delete(l);
      },
    },
    export: {
      save: async (request: ExportRequest) => {
        exports.push(request);
        return { ok: true, value: { path: '/tmp/out.png' } };
      },
    },
    settings: {
      get: options.settingsGet ?? (async () => ({ ok: true, value: options.view ?? VIEW })),
      set: async (patch: SettingsPatch) => {
        settingsSets.push(patch);
        return { ok: true, value: VIEW };
      },
    },
    engine: {
      listPacks: async () => ({ ok: true, value: [] }),
      choosePack: async () => ({ ok: true, value: null }),
      configure: async () => ({ ok: true, value: VIEW }),
    },
    packs: {
      importModel: async (request: PackImportRequest) => {
        imports.push(request);
        if (options.importAnswer) return options.importAnswer(request);
        return { ok: true, value: { jobId: request.jobId, sourceName: 'v1-5.safetensors' } };
      },
      cancelImport: async (jobId: string) => {
        importCancels.push(jobId);
        return { ok: true, value: { cancelled: true } };
      },
      onImportProgress: (l: (p: PackImportProgressEvent) => void) => {
        importProgress.add(l);
        return () => importProgress.delete(l);
      },
      onImportDone: (l: (d: PackImportDoneEvent) => void) => {
        importDone.add(l);
        return () => importDone.delete(l);
      },
    },
  } as unknown as SpireApi; // only the parts the run controller calls

  const released: string[] = [];
  const revoked: string[] = [];
  let urls = 0;
  const images: ResultImages = {
    load: async (id) => `key:${id}`,
    release: (key) => released.push(key),
    thumbnail: async (key) => `thumb:${key}`,
    url: () => `blob:${++urls}`,
    revoke: (url) => revoked.push(url),
  };
  const store = createStore(appReducer, initialAppState);
  store.dispatch({ type: 'image/opened', image: { id: 'img1', name: 'a.png', width: 8, height: 8, mime: 'image/png', sourceKey: 's', levels: 1 } });
  const seeds = [0.25, 0.5, 0.75];
  const newJobId = options.newJobId === null ? undefined : (options.newJobId ?? (() => `job${++jobs}`));
  const run = createRunController(store, api, images, { random: () => seeds.shift() ?? 0.1, now: () => 1000, ...(newJobId ? { newJobId } : {}) });
  const stop = run.start();

  const result = (jobId: string, seed: number, prompt = 'Remove all degradation'): RestoreDoneEvent => ({
    jobId,
    result: {
      ok: true,
      value: {
        resultId: `r-${jobId}`,
        imageId: 'img1',
        width: 8,
        height: 8,
        mime: 'image/png',
        bytes: new Uint8Array([1]),
        seed,
        restorationPrompt: prompt,
        semanticPrompt: '',
        params: { steps: 4, regions: [{ prompt: 'sky' }] } as RestoredImage['params'],
        stepsRun: 3,
        seconds: 1.5,
        provider: 'cpu',
        pack: null,
        estimate: null,
      },
    },
  });
  return {
    store,
    run,
    stop,
    starts,
    cancels,
    discards,
    exports,
    settingsSets,
    imports,
    importCancels,
    released,
    revoked,
    result,
    studio: () => store.getState().studio,
    emitProgress: (p: RestoreProgressEvent) => progress.forEach((l) => l(p)),
    emitDone: (d: RestoreDoneEvent) => done.forEach((l) => l(d)),
    emitImportProgress: (p: PackImportProgressEvent) => importProgress.forEach((l) => l(p)),
    emitImportDone: (d: PackImportDoneEvent) => importDone.forEach((l) => l(d)),
    /** Subscribed import listeners (0 after stop). */
    importListeners: () => importProgress.size + importDone.size,
  };
}

