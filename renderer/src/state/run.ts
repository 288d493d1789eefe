/**
 * The run in progress: requested, running (step, ETA, live preview), being cancelled.
 * Pure: the request a run sends is built here (`buildRestoreRequest`) and the job's
 * life is a reducer; the IPC calls are in app/jobs.ts. The renderer names the job
 * (run/starting carries its id), so progress and the end may come before main's answer.
 *
 *   idle --run/starting(jobId)--> starting --run/started(jobId)--> running --run/progress--> running
 *     ^                             |                                | run/cancelling --> cancelling
 *     +--------- run/ended ---------+--------------------------------+---------------------+
 */
import type { RegionPromptWire, RestoreStartRequest } from '../../../preload/contract/channels';
import type { RestorePhase } from '../../../common/engineStatus';
import { describeLargePhotoAdvice, viewsForPhoto, type LargePhotoAdvice } from '../../../common/largePhotos';
import { RestorationPromptError, upsampleFactor } from '../../../common/restorationPrompt';
import { understandRestorationPrompt } from '../../../common/plainWords';
import { REGION_FEATHER_PX } from '../../../common/regions';
import type { PromptState } from './promptBuilder';
import type { RunRegion } from './regions';
import type { RunSettings } from './settings';

/** Largest side of the live step previews main sends. */
export const PREVIEW_SIZE = 256;

export type JobStatus = 'idle' | 'starting' | 'running' | 'cancelling';

export interface JobState {
  status: JobStatus;
  /** The job's id, named here before restore.start is asked; null when idle. */
  jobId: string | null;
  /** A single run, or one cell of a sweep. */
  kind: 'single' | 'sweep';
  /** What `step` of `totalSteps` counts: restorer passes (faithful mode, first), denoising steps or decoder calls. */
  phase: RestorePhase;
  step: number;
  totalSteps: number;
  /** 0..1 over the whole run, as the engine weighs its phases (null: an engine that does not say; step / totalSteps then). */
  fraction: number | null;
  etaMs: number | null;
  elapsedMs: number;
  /** Object URL of the latest step preview (the controller revokes the old one). */
  previewUrl: string | null;
  /** Seed this run uses. */
  seed: number;
  /** What the last finished run cost (kept across runs): the restorer views' cost beside the control comes from it. */
  lastCost: RunCost | null;
}

/** What one finished run cost: its wall time and the restorer's share, with the views and steps it ran. */
export interface RunCost {
  seconds: number;
  restorerSeconds: number;
  views: number;
  stepsRun: number;
}

export const initialJobState: JobState = {
  status: 'idle',
  jobId: null,
  kind: 'single',
  phase: 'denoise',
  step: 0,
  totalSteps: 0,
  fraction: null,
  etaMs: null,
  elapsedMs: 0,
  previewUrl: null,
  seed: 0,
  lastCost: null,
};

export type JobAction =
  | { type: 'run/starting'; jobId: string; kind: 'single' | 'sweep'; seed: number; totalSteps: number }
  | { type: 'run/started'; jobId: string }
  | { type: 'run/progress'; jobId: string; phase: RestorePhase; step: number; totalSteps: number; fraction?: number; etaMs: number | null; elapsedMs: number; previewUrl: string | null }
  | { type: 'run/cancelling' }
  | { type: 'run/ended' }
  | { type: 'run/measured'; cost: RunCost };

export function jobReducer(state: JobState, action: JobAction): JobState {
  switch (action.type) {
    case 'run/starting':
      return { ...initialJobState, status: 'starting', jobId: action.jobId, kind: action.kind, seed: action.seed, totalSteps: action.totalSteps, lastCost: state.lastCost };
    case 'run/started':
      // Main accepted the job. Cancel pressed before that stays cancelling (the controller cancels now);
      // a job that already ended, or another job's answer, changes nothing.
      return state.status === 'starting' && state.jobId === action.jobId ? { ...state, status: 'running' } : state;
    case 'run/progress':
      if (state.jobId !== action.jobId || state.status === 'idle') return state;
      return {
        ...state,
        phase: action.phase,
        step: action.step,
        totalSteps: action.totalSteps,
        // One bar over the run: it never goes back, whatever order events arrive in.
        fraction: action.fraction === undefined ? null : Math.max(state.fraction ?? 0, action.fraction),
        etaMs: action.etaMs,
        elapsedMs: action.elapsedMs,
        previewUrl: action.previewUrl ?? state.previewUrl,
      };
    case 'run/cancelling':
      return state.status === 'starting' || state.status === 'running' ? { ...state, status: 'cancelling' } : state;
    case 'run/ended':
      return state.status === 'idle' ? state : { ...initialJobState, lastCost: state.lastCost };
    case 'run/measured':
      return { ...state, lastCost: action.cost };
  }
}

export const isBusy = (job: JobState): boolean => job.status !== 'idle';

/** Fraction done over the whole run, 0..1: the engine's (restorer, steps and decode weighted by their cost), else step / totalSteps. */
export function progressFraction(job: Pick<JobState, 'step' | 'totalSteps'> & { fraction?: number | null }): number {
  if (typeof job.fraction === 'number') return Math.min(1, Math.max(0, job.fraction));
  return job.totalSteps > 0 ? Math.min(1, Math.max(0, job.step / job.totalSteps)) : 0;
}

/**
 * What the run is doing, in words: `Restorer view 3/8` (`Restorer pass 5/24` when the photo is
 * tiled: tiles x views), `Step 5/20`, `Decoding`; `Starting…` / `Cancelling…`; `Preparing…`
 * before the first report.
 */
export function progressLabel(job: Pick<JobState, 'status' | 'phase' | 'step' | 'totalSteps'>, restorerViews: number): string {
  if (job.status === 'starting') return 'Starting…';
  if (job.status === 'cancelling') return 'Cancelling…';
  if (job.step === 0) return 'Preparing…';
  if (job.phase === 'decode') return 'Decoding';
  if (job.phase === 'restorer') return `${job.totalSteps === restorerViews ? 'Restorer view' : 'Restorer pass'} ${job.step}/${job.totalSteps}`;
  return `Step ${job.step}/${job.totalSteps}`;
}

/** "about 12 s left", "about 1 min 05 s left"; "estimating…" before the first step. */
export function etaText(etaMs: number | null): string {
  if (etaMs === null) return 'estimating…';
  const s = Math.max(0, Math.round(etaMs / 1000));
  if (s < 1) return 'less than a second left';
  if (s < 60) return `${s} s left`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s left`;
}

/** Steps the engine actually runs: at strength < 1 it keeps the last floor(steps * strength) (pipeline/restore.ts); 0 at strength 0. */
/** Why settings above strength 0 would run no denoising step (too few steps for the strength), or null. */
export function noStepProblem(s: Pick<RunSettings, 'strength' | 'steps'>): string | null {
  return s.strength > 0 && stepsToRun(s) < 1 ? `Strength ${s.strength} with ${s.steps} steps runs no step: raise the strength or the steps.` : null;
}

export function stepsToRun(settings: Pick<RunSettings, 'steps' | 'strength'>): number {
  return Math.min(settings.steps, Math.floor(settings.steps * settings.strength));
}

/** Faithful mode as a run sends it: the toggle, unless the loaded pack has no restorer. */
export function faithfulForRun(settings: Pick<RunSettings, 'useRestorer'>, hasRestorer: boolean | undefined): boolean {
  return settings.useRestorer && hasRestorer !== false;
}

/** Strength 0 in faithful mode: the restorer's output, no diffusion step. */
export function isRestorerOnly(settings: Pick<RunSettings, 'strength' | 'useRestorer'>, hasRestorer?: boolean): boolean {
  return settings.strength === 0 && faithfulForRun(settings, hasRestorer);
}

/** Restorer views times output megapixels above which the run panel says the restorer will be slow. */
export const SLOW_RESTORER_MP_VIEWS = 12;

/**
 * A word for the run panel when the restorer's views will be slow on this photo: it runs on the
 * output (the photo times any `Upsample to Kx`) once per view, so 8 views of a 24 MP photo take
 * minutes on a CPU. Null when faithful mode is off, with 1 view, or when the work is small. With
 * the pack's advice for large photos (`largePhotos`) that applies here, the advice and its reason.
 */
export function restorerViewsHint(
  settings: Pick<RunSettings, 'useRestorer' | 'restorerViews'>,
  hasRestorer: boolean | undefined,
  image: { width: number; height: number } | null,
  restorationText: string,
  advice?: LargePhotoAdvice | null,
): string | null {
  if (!image || !faithfulForRun(settings, hasRestorer) || settings.restorerViews <= 1) return null;
  let factor = 1;
  try {
    factor = upsampleFactor(understandRestorationPrompt(restorationText).prompt);
  } catch (err) {
    if (!(err instanceof RestorationPromptError)) throw err;
  }
  const mp = (image.width * factor * image.height * factor) / 1e6;
  const mpText = mp < 10 ? mp.toFixed(1) : String(Math.round(mp));
  if (viewsForPhoto(settings.restorerViews, mp, advice).advised) return `${describeLargePhotoAdvice(advice!)} (this photo: ${mpText} MP, ${settings.restorerViews} views chosen)`;
  if (mp * settings.restorerViews <= SLOW_RESTORER_MP_VIEWS) return null;
  return `${mpText} MP x ${settings.restorerViews} views: slow on a CPU; 1 view is ${settings.restorerViews} times faster`;
}

/**
 * Prior costs in units of one restorer view, for when no run has been measured yet (embedded pack,
 * two CPU cores, 512 x 512: 1 view 0.4 s, 8 views 1.9 s, so a view is 0.21 s and the rest of a
 * restorer-only run 0.19 s; a step costs about 1.5 views and the final decode about 1.2).
 */
const PRIOR_VIEW_UNITS = { fixed: 0.87, step: 1.5, decode: 1.2 };

/**
 * What `views` restorer views cost against 1, for a run of `stepsRun` steps: time(views) / time(1) =
 * (rest + views x view) / (rest + view). Measured from the last run when it ran the restorer with the
 * same number of steps (its restorer share over its views gives a view, the remainder the rest);
 * else from the priors. Null with 1 view.
 */
export function restorerViewsCost(views: number, stepsRun: number, last: RunCost | null): { ratio: number; measured: boolean } | null {
  if (views <= 1) return null;
  let view = 1;
  let rest = PRIOR_VIEW_UNITS.fixed + (stepsRun > 0 ? stepsRun * PRIOR_VIEW_UNITS.step + PRIOR_VIEW_UNITS.decode : 0);
  const measured = last !== null && last.restorerSeconds > 0 && last.views >= 1 && last.stepsRun === stepsRun && last.seconds >= last.restorerSeconds;
  if (measured) {
    view = last.restorerSeconds / last.views;
    rest = last.seconds - last.restorerSeconds;
  }
  return { ratio: (rest + views * view) / (rest + view), measured };
}

/** `≈ 4.8× the time of 1` (the views are in the control beside it) */
export function restorerViewsCostText(views: number, cost: { ratio: number }): string {
  const r = cost.ratio < 10 ? cost.ratio.toFixed(1).replace(/\.0$/, '') : String(Math.round(cost.ratio));
  return views > 1 ? `≈ ${r}× the time of 1` : 'the fastest';
}

/** A region's restoration prompt in place of its own for one run: the cell of a sweep over that region. */
export interface RegionPromptOverride {
  regionId: string;
  restorationPrompt: string;
}

/**
 * The regions as the contract sends them: each region's own prompt checked and in canonical form,
 * its feather radius in output pixels (image pixels times the output's `Upsample to Kx`; the
 * engine's range caps it; 0 sends none: the engine's default edge). Or why a region cannot run.
 */
export function regionsForRequest(regions: readonly RunRegion[], outputFactor: number, override?: RegionPromptOverride): { ok: true; regions: RegionPromptWire[] } | { ok: false; reason: string } {
  const out: RegionPromptWire[] = [];
  for (const r of regions) {
    let restoration = r.restoration;
    if (override && override.regionId === r.id) restoration = { kind: 'prompt', restorationPrompt: override.restorationPrompt };
    if (restoration?.kind === 'prompt') {
      try {
        restoration = { kind: 'prompt', restorationPrompt: understandRestorationPrompt(restoration.restorationPrompt).prompt.text };
      } catch (err) {
        if (err instanceof RestorationPromptError) return { ok: false, reason: `Fix the restoration prompt of “${r.name}” first: ${err.message}.` };
        throw err;
      }
    }
    const featherPx = Math.min(REGION_FEATHER_PX.max, r.feather * outputFactor);
    out.push({
      prompt: r.prompt,
      ...(restoration ? { restoration } : {}),
      ...(featherPx > 0 ? { featherPx } : {}),
      mask: r.mask,
    });
  }
  return { ok: true, regions: out };
}

export type RequestBuild = { ok: true; request: Omit<RestoreStartRequest, 'jobId'> } | { ok: false; reason: string };

/**
 * The restore.start request for the current prompt and settings (all but the job id, which
 * app/jobs.ts names), or why there can be no run (no photo, an invalid restoration prompt).
 */
export function buildRestoreRequest(input: {
  imageId: string | null;
  prompt: Pick<PromptState, 'semantic' | 'restorationText'>;
  settings: RunSettings;
  seed: number;
  regions: readonly RunRegion[];
  /** Overrides the prompt's restoration text (a sweep cell). */
  restorationPrompt?: string;
  /** Overrides one region's restoration prompt (a cell of a sweep over that region). */
  regionPrompt?: RegionPromptOverride;
  previewSize?: number;
  /** Whether the loaded pack has a restorer (false: faithful mode is not sent); absent = not known. */
  hasRestorer?: boolean;
}): RequestBuild {
  if (input.imageId === null) return { ok: false, reason: 'Open a photo first.' };
  const text = input.restorationPrompt ?? input.prompt.restorationText;
  let canonical: string;
  let outputFactor: number;
  try {
    // The field may hold plain words (common/plainWords.ts): the request carries the canonical text.
    const parsed = understandRestorationPrompt(text).prompt;
    canonical = parsed.text;
    outputFactor = upsampleFactor(parsed);
  } catch (err) {
    if (err instanceof RestorationPromptError) return { ok: false, reason: `Fix the restoration prompt first: ${err.message}.` };
    throw err;
  }
  const s = input.settings;
  const useRestorer = faithfulForRun(s, input.hasRestorer);
  if (s.strength === 0 && !useRestorer) {
    const why = input.hasRestorer === false ? 'this pack has no restorer, so raise the strength' : 'turn Faithful on, or raise the strength';
    return { ok: false, reason: `Strength 0 runs only the restorer (no diffusion): ${why}.` };
  }
  const noStep = noStepProblem(s);
  if (noStep) return { ok: false, reason: noStep };
  const regions = regionsForRequest(input.regions, outputFactor, input.regionPrompt);
  if (!regions.ok) return regions;
  return {
    ok: true,
    request: {
      imageId: input.imageId,
      previewSize: input.previewSize ?? PREVIEW_SIZE,
      params: {
        restorationPrompt: canonical,
        semanticPrompt: input.prompt.semantic.trim(),
        negativePrompt: '',
        regions: regions.regions,
        steps: s.steps,
        guidanceScale: s.guidanceScale,
        seed: input.seed,
        strength: s.strength,
        scheduler: s.scheduler,
        eta: s.eta,
        colorFix: s.colorFix,
        ...(s.colorFix === 'wavelet' ? { colorFixLevels: s.colorFixLevels } : {}),
        useRestorer,
        ...(useRestorer ? { restorerViews: s.restorerViews } : {}),
      },
    },
  };
}
