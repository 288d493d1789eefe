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
 *
 * A job belongs to the photo it started on (state/sessions.ts): its actions go to that photo's
 * session (`forPhoto`) whether it is shown or not, so its progress shows only on that photo and
 * its end reaches that photo's history. Previews are made only while the photo is shown.
 */
import type { IpcError, RestoreDoneEvent, RestoreProgressEvent, RestoredImage, Result, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import { regionsForRun } from '../state/regions';
import type { RegionPromptOverride } from '../state/run';
import { buildRestoreRequest, stepsToRun } from '../state/run';
import type { RunSettings } from '../state/settings';
import { seedForRun } from '../state/settings';
import { forPhoto, photoKey, photoState } from '../state/sessions';
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
  /** The photo (its session key) to run on; default: the one shown. */
  photoKey?: string;
}

/** Told once how a started job ended: its result, or main's error (`cancelled` included), and the photo it ran on. */
export type JobEnded = (outcome: Result<RestoredImage>, photoKey: string) => Promise<void> | void;

export interface Jobs {
  /** Subscribes to main's progress and done events; returns the unsubscribe. */
  listen(): () => void;
  /** Starts a job from the store's prompt and settings; resolves to its id, or null when it did not start (the reason is on screen). */
  start(request: JobRequest, ended: JobEnded): Promise<string | null>;
  /** Cancels the job of photo `key` (default: the shown one); its done event follows with `cancelled`. */
  cancel(key?: string): Promise<void>;
}

export interface JobsOptions {
  random: () => number;
  /** Names a job; default `crypto.randomUUID()`. */
  newJobId: () => string;
}

export function createJobs(store: Store<AppState, AppAction>, api: SpireApi | undefined, images: Pick<ResultImages, 'url' | 'revoke'>, options: JobsOptions): Jobs {
  const dispatch = (action: AppAction) => store.dispatch(action);
  /** The job state of photo `key` (shown or not); idle when it is closed. */
  const jobOf = (key: string) => photoState(store.getState(), key)?.studio.job ?? null;
  const isShown = (key: string) => store.getState().sessions.activeKey === key;
  const fail = (error: IpcError) => dispatch(shown(error));

  /** Jobs this window started and whose done event has not come: who to tell, and the photo each runs on. Events for others are ignored. */
  const live = new Map<string, { ended: JobEnded; key: string }>();

  function replacePreview(key: string, url: string | null): void {
    const old = jobOf(key)?.previewUrl;
    if (old && old !== url) images.revoke(old);
  }

  function onProgress(p: RestoreProgressEvent): void {
    const owner = live.get(p.jobId);
    if (!owner || jobOf(owner.key)?.jobId !== p.jobId) return;
    // A photo not on screen gets the step and ETA (its tab shows it busy), not the preview.
    const previewUrl = p.preview && isShown(owner.key) ? images.url(p.preview.bytes, 'image/png') : null;
    if (previewUrl) replacePreview(owner.key, previewUrl);
    dispatch(
      forPhoto(owner.key, {
        type: 'run/progress',
        jobId: p.jobId,
        phase: p.phase,
        step: p.step,
        totalSteps: p.totalSteps,
        ...(p.fraction !== undefined ? { fraction: p.fraction } : {}),
        etaMs: p.etaMs,
        elapsedMs: p.elapsedMs,
        previewUrl,
      }),
    );
  }

  async function onDone(done: RestoreDoneEvent): Promise<void> {
    const owner = live.get(done.jobId);
    if (!owner) return;
    live.delete(done.jobId);
    if (jobOf(owner.key)?.jobId === done.jobId) {
      replacePreview(owner.key, null);
      dispatch(forPhoto(owner.key, { type: 'run/ended' }));
    }
    if (done.result.ok) {
      // What the run cost: the restorer views' cost beside their control is measured from it.
      const r = done.result.value;
      const views = r.params.useRestorer ? (r.params.restorerViews ?? 1) : 0;
      if (views > 0 && r.restorerSeconds !== undefined) dispatch(forPhoto(owner.key, { type: 'run/measured', cost: { seconds: r.seconds, restorerSeconds: r.restorerSeconds, views, stepsRun: r.stepsRun } }));
    }
    if (!done.result.ok && done.result.error.code !== 'cancelled') fail(done.result.error);
    await owner.ended(done.result, owner.key);
  }

  /** Main did not take the job: forget it, end the run, say why. */
  function notStarted(key: string, jobId: string, why: IpcError): null {
    live.delete(jobId);
    if (jobOf(key)?.jobId === jobId) dispatch(forPhoto(key, { type: 'run/ended' }));
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
      const shownState = store.getState();
      const key = request.photoKey ?? (shownState.image ? photoKey(shownState.image) : '');
      const state = photoState(shownState, key) ?? shownState;
      const { prompt, settings } = state.studio;
      const seed = request.seed ?? seedForRun(settings, options.random);
      const runSettings = request.settings ? { ...settings, ...request.settings } : settings;
      const built = buildRestoreRequest({
        imageId: state.image?.id ?? null,
        prompt,
        settings: runSettings,
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
      live.set(jobId, { ended, key });
      dispatch(forPhoto(key, { type: 'settings/seedUsed', seed }));
      dispatch(forPhoto(key, { type: 'run/starting', jobId, kind: request.kind, seed, totalSteps: stepsToRun(runSettings) }));
      let answer: Result<{ jobId: string }>;
      try {
        answer = await api.restore.start({ jobId, ...built.request });
      } catch (err) {
        return notStarted(key, jobId, ipcFailure('Starting the restoration', err));
      }
      if (!answer.ok) return notStarted(key, jobId, answer.error);
      const cancelledEarly = jobOf(key)?.jobId === jobId && jobOf(key)?.status === 'cancelling';
      dispatch(forPhoto(key, { type: 'run/started', jobId }));
      if (cancelledEarly) void api.restore.cancel(jobId).catch(() => undefined);
      return jobId;
    },

    async cancel(key) {
      const state = store.getState();
      const target = key ?? state.sessions.activeKey;
      if (target === null) return;
      const current = jobOf(target);
      if (!current) return;
      const { status, jobId } = current;
      if (status === 'idle' || status === 'cancelling') return;
      dispatch(forPhoto(target, { type: 'run/cancelling' }));
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
