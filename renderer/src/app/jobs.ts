/**
 * Restore jobs: start, cancel, progress and the end. The renderer names each job (a UUID)
 * before it asks main to start it, so every progress and done event carries an id already
 * known here: nothing is buffered and nothing is lost, whether an event comes before or
 * after restore.start's answer.
 *
 *   start    name the job -> note it as live -> run/starting -> restore.start -> run/started
 *            (refused, or main did not answer: forget it, run/ended, the reason on screen)
 *   progress the current job's phase, step, fraction over the run, ETA and preview (an object URL;
 *            the previous one revoked)
 *   done     forget the job -> run/ended (when it is the current one) -> a failure on screen
 *            (a cancel is not one) -> the starter's `ended` hook, once
 *   cancel   run/cancelling -> restore.cancel(jobId); pressed before main accepted the job,
 *            start sends it as soon as main has.
 */
import type { IpcError, RestoreDoneEvent, RestoreProgressEvent, RestoredImage, Result, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import { regionsForRun } from '../state/regions';
import type { RegionPromptOverride } from '../state/run';
import { buildRestoreRequest, stepsToRun } from '../state/run';
import type { RunSettings } from '../state/settings';
import { seedForRun } from '../state/settings';
import type { Store } from '../state/store';
import type { ResultImages } from './resultHistory';
import { NO_BRIDGE, ipcFailure, shown } from './runFailures';

/** A job to start: a single run, or one sweep cell with its own restoration prompt (the photo's or a region's) and the sweep's seed. */
export interface JobRequest {
  kind: 'single' | 'sweep';
  /** Run settings in place of the store's for this job only (a sweep cell's swept settings). */
  settings?: Partial<RunSettings>;
  restorationPrompt?: string;
  regionPrompt?: RegionPromptOverride;
  seed?: number;
}

/** Told once how a started job ended: its result, or main's error (`cancelled` included). */
export type JobEnded = (outcome: Result<RestoredImage>) => Promise<void> | void;

export interface Jobs {
  /** Subscribes to main's progress and done events; returns the unsubscribe. */
  listen(): () => void;
  /** Starts a job from the store's prompt and settings; resolves to its id, or null when it did not start (the reason is on screen). */
  start(request: JobRequest, ended: JobEnded): Promise<string | null>;
  /** Cancels the current job (its done event follows with `cancelled`). */
  cancel(): Promise<void>;
}

export interface JobsOptions {
  random: () => number;
  /** Names a job; default `crypto.randomUUID()`. */
  newJobId: () => string;
}

export function createJobs(store: Store<AppState, AppAction>, api: SpireApi | undefined, images: Pick<ResultImages, 'url' | 'revoke'>, options: JobsOptions): Jobs {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const job = () => store.getState().studio.job;
  const fail = (error: IpcError) => dispatch(shown(error));

  /** Jobs this window started and whose done event has not come, with who to tell. Events for others are ignored. */
  const live = new Map<string, JobEnded>();

  function replacePreview(url: string | null): void {
    const old = job().previewUrl;
    if (old && old !== url) images.revoke(old);
  }

  function onProgress(p: RestoreProgressEvent): void {
    if (job().jobId !== p.jobId) return;
    const previewUrl = p.preview ? images.url(p.preview.bytes, 'image/png') : null;
    if (previewUrl) replacePreview(previewUrl);
    dispatch({
      type: 'run/progress',
      jobId: p.jobId,
      phase: p.phase,
      step: p.step,
      totalSteps: p.totalSteps,
      ...(p.fraction !== undefined ? { fraction: p.fraction } : {}),
      etaMs: p.etaMs,
      elapsedMs: p.elapsedMs,
      previewUrl,
    });
  }

  async function onDone(done: RestoreDoneEvent): Promise<void> {
    const ended = live.get(done.jobId);
    if (!ended) return;
    live.delete(done.jobId);
    if (job().jobId === done.jobId) {
      replacePreview(null);
      dispatch({ type: 'run/ended' });
    }
    if (done.result.ok) {
      // What the run cost: the restorer views' cost beside their control is measured from it.
      const r = done.result.value;
      const views = r.params.useRestorer ? (r.params.restorerViews ?? 1) : 0;
      if (views > 0 && r.restorerSeconds !== undefined) dispatch({ type: 'run/measured', cost: { seconds: r.seconds, restorerSeconds: r.restorerSeconds, views, stepsRun: r.stepsRun } });
    }
    if (!done.result.ok && done.result.error.code !== 'cancelled') fail(done.result.error);
    await ended(done.result);
  }

  /** Main did not take the job: forget it, end the run, say why. */
  function notStarted(jobId: string, why: IpcError): null {
    live.delete(jobId);
    if (job().jobId === jobId) dispatch({ type: 'run/ended' });
    fail(why);
    return null;
  }

  return {
    listen() {
      if (!api) return () => undefined;
      let listening = true;
      const offProgress = api.restore.onProgress((p) => listening && onProgress(p));
      const offDone = api.restore.onDone((d) => {
        if (listening) void onDone(d);
      });
      return () => {
        listening = false;
        offProgress();
        offDone();
      };
    },

    async start(request, ended) {
      if (!api) {
        fail(NO_BRIDGE);
        return null;
      }
      const state = store.getState();
      const { prompt, settings } = state.studio;
      const seed = request.seed ?? seedForRun(settings, options.random);
      const built = buildRestoreRequest({
        imageId: state.image?.id ?? null,
        prompt,
        settings: request.settings ? { ...settings, ...request.settings } : settings,
        seed,
        regions: regionsForRun(state.regions),
        ...(request.restorationPrompt !== undefined ? { restorationPrompt: request.restorationPrompt } : {}),
        ...(request.regionPrompt !== undefined ? { regionPrompt: request.regionPrompt } : {}),
        ...(state.engine?.pack?.hasRestorer !== undefined ? { hasRestorer: state.engine.pack.hasRestorer } : {}),
      });
      if (!built.ok) {
        fail({ code: 'cannot-run', message: built.reason });
        return null;
      }
      // Named and live before main is asked: its events may come before its answer.
      const jobId = options.newJobId();
      live.set(jobId, ended);
      dispatch({ type: 'settings/seedUsed', seed });
      dispatch({ type: 'run/starting', jobId, kind: request.kind, seed, totalSteps: stepsToRun(settings) });
      let answer: Result<{ jobId: string }>;
      try {
        answer = await api.restore.start({ jobId, ...built.request });
      } catch (err) {
        return notStarted(jobId, ipcFailure('Starting the restoration', err));
      }
      if (!answer.ok) return notStarted(jobId, answer.error);
      const cancelledEarly = job().jobId === jobId && job().status === 'cancelling';
      dispatch({ type: 'run/started', jobId });
      if (cancelledEarly) void api.restore.cancel(jobId).catch(() => undefined);
      return jobId;
    },

    async cancel() {
      const { status, jobId } = job();
      if (status === 'idle' || status === 'cancelling') return;
      dispatch({ type: 'run/cancelling' });
      if (!api || status === 'starting' || jobId === null) return; // start cancels once main has the job
      try {
        const r = await api.restore.cancel(jobId);
        if (!r.ok) fail(r.error);
      } catch (err) {
        fail(ipcFailure('Cancelling the restoration', err));
      }
    },
  };
}
