/**
 * The run workspace's side effects: restore jobs (start, cancel, progress, results),
 * the strength sweep's queue, result history housekeeping, export, and settings that
 * persist through main. Everything it learns goes into the store; the heavy work (the
 * restoration, composing and encoding exports) happens in main, so the window stays
 * responsive: here there is only decoding a finished PNG and making a thumbnail.
 */
import type { IpcError, RestoreDoneEvent, RestoreProgressEvent, RestoredImage, Result, SpireApi } from '../../../preload/contract/channels';
import type { ExportFormat, ExportKind, PackInfo } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import type { HistoryEntry } from '../state/historyResults';
import { currentEntry, evicted } from '../state/historyResults';
import { regionsForRun } from '../state/regions';
import { buildRestoreRequest, stepsToRun } from '../state/run';
import type { RunSettings } from '../state/settings';
import { providersFor, runSettingsFromView, seedForRun } from '../state/settings';
import type { Store } from '../state/store';
import type { SweepAxis } from '../state/sweep';
import { cellLabel, gridShape, sweepCells } from '../state/sweep';

/** Where result pixels and small pictures go (bitmapCache + object URLs in the app, fakes in tests). */
export interface ResultImages {
  /** Decodes a result and keeps it; resolves to its bitmapCache key. */
  load(resultId: string, bytes: Uint8Array, mime: string): Promise<string>;
  release(key: string): void;
  /** A small PNG of the kept result for the history strip, as an object URL. */
  thumbnail(key: string): Promise<string | null>;
  /** An object URL for encoded bytes (a step preview). */
  url(bytes: Uint8Array, mime: string): string;
  revoke(url: string): void;
}

export interface RunController {
  /** Subscribes to job events and loads settings and packs; returns the cleanup. */
  start(): () => void;
  run(): Promise<void>;
  cancel(): Promise<void>;
  sweep(axes: SweepAxis[]): Promise<void>;
  deleteResult(id: string): Promise<void>;
  setSettings(patch: Partial<RunSettings>): void;
  /** "Pack defaults": steps, strength, guidance, scheduler, colour fix and faithful mode as the loaded pack recommends. */
  resetToPackDefaults(): void;
  choosePack(): Promise<void>;
  listPacks(): Promise<PackInfo[]>;
  exportImage(options: { kind: ExportKind; format: ExportFormat; quality: number }): Promise<string | null>;
}

const NO_BRIDGE: IpcError = {
  code: 'no-bridge',
  message: "SPIRE Studio's connection to its main process is missing, so nothing can run. Start the app with `npm start`.",
};

function ipcFailure(what: string, err: unknown): IpcError {
  const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
  return { code: 'ipc-failed', message: `${what} failed because the app's main process did not answer${detail}. Try again; restart SPIRE Studio if it keeps happening.` };
}

/** Settings main keeps as run defaults (seed, its lock and the restorer switch stay per session). */
const PERSISTED_DEFAULTS = ['steps', 'guidanceScale', 'strength', 'colorFix', 'colorFixLevels', 'scheduler', 'seedLocked', 'seed', 'useRestorer', 'restorerViews'] as const;

export function createRunController(
  store: Store<AppState, AppAction>,
  api: SpireApi | undefined,
  images: ResultImages,
  random: () => number = Math.random,
  now: () => number = Date.now,
): RunController {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const studio = () => store.getState().studio;
  const fail = (error: IpcError) => dispatch({ type: 'error/shown', error });

  /** The sweep cell the running job belongs to, by job id. */
  const sweepJobs = new Map<string, { sweepId: string; index: number }>();
  /** Jobs this window started (done events for others are ignored). */
  const myJobs = new Set<string>();
  /** Done events for job ids not known yet (an event overtaking restore.start's answer), by job id. */
  const early = new Map<string, RestoreDoneEvent>();
  const EARLY_LIMIT = 16;
  let persistTimer: ReturnType<typeof setTimeout> | null = null;

  /** Frees what entries that left the history held. */
  function housekeep(before: AppState['studio']['history']): void {
    for (const gone of evicted(before, studio().history)) freeEntry(gone);
  }

  function freeEntry(entry: HistoryEntry): void {
    images.release(entry.resultKey);
    if (entry.thumbnailUrl) images.revoke(entry.thumbnailUrl);
    void api?.restore.discard(entry.id).catch(() => undefined);
  }

  function replacePreview(url: string | null): void {
    const old = studio().job.previewUrl;
    if (old && old !== url) images.revoke(old);
  }

  /** Starts one job; resolves to false when it could not start (the reason is on screen). */
  async function startJob(
    kind: 'single' | 'sweep',
    cell?: { sweepId: string; index: number; restorationPrompt: string; seed: number },
  ): Promise<string | null> {
    const restorationPrompt = cell?.restorationPrompt;
    const fixedSeed = cell?.seed;
    if (!api) {
      fail(NO_BRIDGE);
      return null;
    }
    const state = store.getState();
    const { prompt, settings } = state.studio;
    const seed = fixedSeed ?? seedForRun(settings, random);
    const built = buildRestoreRequest({
      imageId: state.image?.id ?? null,
      prompt,
      settings,
      seed,
      regions: regionsForRun(state.regions),
      ...(restorationPrompt !== undefined ? { restorationPrompt } : {}),
      ...(state.engine?.pack?.hasRestorer !== undefined ? { hasRestorer: state.engine.pack.hasRestorer } : {}),
    });
    if (!built.ok) {
      fail({ code: 'cannot-run', message: built.reason });
      return null;
    }
    dispatch({ type: 'settings/seedUsed', seed });
    dispatch({ type: 'run/starting', kind, seed, totalSteps: stepsToRun(settings) });
    let answer: Result<{ jobId: string }>;
    try {
      answer = await api.restore.start(built.request);
    } catch (err) {
      dispatch({ type: 'run/ended' });
      fail(ipcFailure('Starting the restoration', err));
      return null;
    }
    if (!answer.ok) {
      dispatch({ type: 'run/ended' });
      fail(answer.error);
      return null;
    }
    const { jobId } = answer.value;
    myJobs.add(jobId);
    if (cell) sweepJobs.set(jobId, { sweepId: cell.sweepId, index: cell.index });
    const cancelledEarly = studio().job.status === 'cancelling';
    dispatch({ type: 'run/started', jobId });
    const overtaken = early.get(jobId);
    if (overtaken) {
      early.delete(jobId);
      void onDone(overtaken);
    } else if (cancelledEarly) void api.restore.cancel(jobId).catch(() => undefined);
    return jobId;
  }

  function onProgress(p: RestoreProgressEvent): void {
    const job = studio().job;
    if (job.jobId !== p.jobId) return;
    const previewUrl = p.preview ? images.url(p.preview.bytes, 'image/png') : null;
    if (previewUrl) replacePreview(previewUrl);
    dispatch({ type: 'run/progress', jobId: p.jobId, phase: p.phase, step: p.step, totalSteps: p.totalSteps, etaMs: p.etaMs, elapsedMs: p.elapsedMs, previewUrl });
  }

  async function keepResult(result: RestoredImage, sweepId: string | null, makeCurrent: boolean): Promise<string | null> {
    let key: string;
    try {
      key = await images.load(result.resultId, result.bytes, result.mime);
    } catch {
      fail({ code: 'decode-failed', message: 'The restored image came back but could not be shown (its PNG did not decode). Run it again.' });
      return null;
    }
    const entry: HistoryEntry = {
      id: result.resultId,
      imageId: result.imageId,
      resultKey: key,
      thumbnailUrl: null,
      width: result.width,
      height: result.height,
      semanticPrompt: result.semanticPrompt,
      restorationPrompt: result.restorationPrompt,
      estimatedPrompt: result.estimate?.restorationPrompt ?? null,
      regionPrompts: (result.params.regions ?? []).map((r) => r.prompt),
      seed: result.seed,
      steps: result.stepsRun,
      elapsedMs: Math.round(result.seconds * 1000),
      finishedAt: now(),
      pinned: false,
      sweepId,
    };
    const before = studio().history;
    dispatch({ type: 'history/added', entry, makeCurrent });
    housekeep(before);
    void images.thumbnail(key).then((url) => {
      if (!url) return;
      if (studio().history.entries.some((e) => e.id === entry.id)) dispatch({ type: 'history/thumbnail', id: entry.id, url });
      else images.revoke(url);
    });
    return entry.id;
  }

  async function onDone(done: RestoreDoneEvent): Promise<void> {
    if (!myJobs.delete(done.jobId)) {
      // Possibly ours, before restore.start answered: keep it a little while.
      early.set(done.jobId, done);
      if (early.size > EARLY_LIMIT) early.delete(early.keys().next().value as string);
      return;
    }
    const cell = sweepJobs.get(done.jobId);
    sweepJobs.delete(done.jobId);
    if (studio().job.jobId === done.jobId) {
      replacePreview(null);
      dispatch({ type: 'run/ended' });
    }
    if (!done.result.ok) {
      const cancelled = done.result.error.code === 'cancelled';
      if (cell) {
        if (cancelled) dispatch({ type: 'sweep/cancelled', id: cell.sweepId });
        else dispatch({ type: 'sweep/cellFailed', id: cell.sweepId, index: cell.index, reason: done.result.error.message });
      }
      if (!cancelled) fail(done.result.error);
      if (cell && !cancelled) void nextSweepCell();
      return;
    }
    const id = await keepResult(done.result.value, cell?.sweepId ?? null, !cell);
    if (cell) {
      if (id) dispatch({ type: 'sweep/cellDone', id: cell.sweepId, index: cell.index, entryId: id });
      else dispatch({ type: 'sweep/cellFailed', id: cell.sweepId, index: cell.index, reason: 'could not be shown' });
      void nextSweepCell();
    }
  }

  async function nextSweepCell(): Promise<void> {
    const run = studio().sweep.run;
    if (!run || run.status !== 'running' || run.next >= run.cells.length) return;
    const cell = run.cells[run.next]!;
    dispatch({ type: 'sweep/cellStarted', id: run.id, index: cell.index });
    const jobId = await startJob('sweep', { sweepId: run.id, index: cell.index, restorationPrompt: cell.restorationPrompt, seed: run.seed });
    if (!jobId) {
      dispatch({ type: 'sweep/cellFailed', id: run.id, index: cell.index, reason: 'did not start' });
      dispatch({ type: 'sweep/cancelled', id: run.id });
    }
  }

  function persist(): void {
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = setTimeout(() => {
      persistTimer = null;
      if (!api) return;
      const s = studio().settings;
      const defaults = Object.fromEntries(PERSISTED_DEFAULTS.map((k) => [k, s[k]]));
      api.settings.set({ defaults, defaultsPack: s.defaultsPack }).then(
        (r) => {
          if (!r.ok) fail(r.error);
        },
        (err: unknown) => fail(ipcFailure('Saving the settings', err)),
      );
    }, 400);
  }

  async function configure(request: { packDir?: string | null; providers?: string[] }): Promise<void> {
    if (!api) return fail(NO_BRIDGE);
    try {
      const r = await api.engine.configure(request);
      if (!r.ok) return fail(r.error);
      // Only the engine choices: the run settings on screen are newer than main's copy (saving is debounced).
      const { packDir, providers } = r.value;
      dispatch({ type: 'settings/loaded', settings: runSettingsFromView({ packDir, providers, defaults: {} }, studio().settings) });
    } catch (err) {
      fail(ipcFailure('Changing the engine settings', err));
    }
  }

  return {
    start() {
      if (!api) return () => undefined;
      let live = true;
      const offProgress = api.restore.onProgress((p) => live && onProgress(p));
      const offDone = api.restore.onDone((d) => {
        if (live) void onDone(d);
      });
      // Pack defaults (state/settings.ts): once main's saved settings are in, every pack the engine
      // loads is offered to the settings reducer, which decides whether its recommendation applies.
      let settingsIn = false;
      const offerPack = (): void => {
        const pack = store.getState().engine?.pack;
        if (live && settingsIn && pack && studio().settings.defaultsPack !== pack.dir) dispatch({ type: 'settings/packLoaded', pack });
      };
      const offStore = store.subscribe(offerPack);
      const settingsLoaded = (): void => {
        settingsIn = true;
        offerPack();
      };
      api.settings.get().then(
        (view) => {
          if (live) dispatch({ type: 'settings/loaded', settings: runSettingsFromView(view, studio().settings) });
          settingsLoaded();
        },
        settingsLoaded, // defaults stay; the engine status shows real trouble
      );
      return () => {
        live = false;
        offProgress();
        offDone();
        offStore();
        if (persistTimer) clearTimeout(persistTimer);
      };
    },

    async run() {
      if (studio().job.status !== 'idle') return;
      await startJob('single');
    },

    async cancel() {
      const job = studio().job;
      if (job.status === 'idle' || job.status === 'cancelling') return;
      const sweep = studio().sweep.run;
      if (sweep && sweep.status === 'running') dispatch({ type: 'sweep/cancelled', id: sweep.id });
      dispatch({ type: 'run/cancelling' });
      if (!api || job.jobId === null) return; // startJob cancels once the id arrives
      try {
        const r = await api.restore.cancel(job.jobId);
        if (!r.ok) fail(r.error);
      } catch (err) {
        fail(ipcFailure('Cancelling the restoration', err));
      }
    },

    async sweep(axes) {
      if (studio().job.status !== 'idle') return;
      let cells;
      try {
        cells = sweepCells(studio().prompt.controls, axes);
      } catch (err) {
        fail({ code: 'bad-sweep', message: err instanceof Error ? err.message : String(err) });
        return;
      }
      // One seed for every cell, so the cells differ only in the swept parameter.
      const seed = seedForRun(studio().settings, random);
      dispatch({ type: 'sweep/started', id: `sweep-${now()}`, axes, cells, seed });
      await nextSweepCell();
    },

    async deleteResult(id) {
      const before = studio().history;
      dispatch({ type: 'history/delete', id });
      housekeep(before);
    },

    setSettings(patch) {
      const before = studio().settings;
      dispatch({ type: 'settings/set', patch });
      const after = studio().settings;
      if (PERSISTED_DEFAULTS.some((k) => before[k] !== after[k])) {
        if (!after.defaultsSaved) dispatch({ type: 'settings/set', patch: { defaultsSaved: true } });
        persist();
      }
      if (patch.provider !== undefined && patch.provider !== before.provider) void configure({ providers: providersFor(patch.provider) });
      if (patch.packDir !== undefined && patch.packDir !== before.packDir) void configure({ packDir: patch.packDir });
    },

    resetToPackDefaults() {
      const pack = store.getState().engine?.pack;
      if (!pack) return;
      dispatch({ type: 'settings/packDefaults', pack });
      if (!studio().settings.defaultsSaved) dispatch({ type: 'settings/set', patch: { defaultsSaved: true } });
      persist();
    },

    async choosePack() {
      if (!api) return fail(NO_BRIDGE);
      try {
        const r = await api.engine.choosePack();
        if (!r.ok) return fail(r.error);
        if (r.value) dispatch({ type: 'settings/set', patch: { packDir: r.value.dir } });
      } catch (err) {
        fail(ipcFailure('Choosing a model pack', err));
      }
    },

    async listPacks() {
      if (!api) return [];
      try {
        const r = await api.engine.listPacks();
        if (r.ok) return r.value;
        fail(r.error);
      } catch (err) {
        fail(ipcFailure('Listing the model packs', err));
      }
      return [];
    },

    async exportImage({ kind, format, quality }) {
      if (!api) {
        fail(NO_BRIDGE);
        return null;
      }
      const state = store.getState();
      const current = currentEntry(state.studio.history, state.image?.id ?? null);
      const withQuality = format === 'jpeg' || format === 'webp' ? { quality } : {};
      let request: Parameters<SpireApi['export']['save']>[0];
      if (kind === 'sweep-grid') {
        const run = state.studio.sweep.run;
        const cells = run
          ? run.cells.flatMap((cell, i) => {
              const resultId = run.results[i];
              // A cell whose result was deleted from the history is left out of the sheet.
              const kept = resultId ? state.studio.history.entries.find((e) => e.id === resultId) : undefined;
              return kept ? [{ resultId: kept.id, label: cellLabel(cell, kept.estimatedPrompt !== null) }] : [];
            })
          : [];
        if (!run || cells.length === 0) {
          fail({ code: 'nothing-to-export', message: 'There is no sweep grid to export yet: run a strength sweep first.' });
          return null;
        }
        request = { kind, format, cells, columns: cells.length === run.cells.length ? gridShape(run).cols : Math.ceil(Math.sqrt(cells.length)), ...withQuality };
      } else {
        if (!current) {
          fail({ code: 'nothing-to-export', message: 'There is no result to export yet: run a restoration (or pick one in the history) first.' });
          return null;
        }
        request = { kind, format, resultId: current.id, imageId: current.imageId, ...withQuality };
        if (kind === 'wipe') request.wipePosition = state.studio.compare.wipe;
      }
      try {
        const r = await api.export.save(request);
        if (!r.ok) {
          fail(r.error);
          return null;
        }
        return r.value?.path ?? null;
      } catch (err) {
        fail(ipcFailure('Exporting', err));
        return null;
      }
    },
  };
}
