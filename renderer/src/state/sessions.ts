/**
 * Open photos, each with its own session. Pure.
 *
 * The photo on screen keeps its state where it always was (`image`, `view`, the per-photo parts of
 * `studio`, `regions`), so every component reads the store as before. Every other open photo is a
 * tab holding those same slices (`PhotoSlices`), swapped in when it is shown and out when another is:
 *
 *   image/opened (a new photo)   the shown photo's slices -> its tab; the new photo starts from the
 *                                app's run settings (seed unlocked) and empty prompts, or from the
 *                                session saved for its content hash (`restored`)
 *   image/opened (an open photo) shows its tab (the same file, or an identical copy)
 *   sessions/switch              the shown photo's slices -> its tab; the tab's -> the store
 *   sessions/close               drops a tab (the app layer saves it and frees what it held)
 *   sessions/for                 an action for one photo, shown or not: a run's progress and end, its
 *                                result into that photo's history, a sweep's cells
 *
 * A photo is keyed by its content hash (OpenedImage.contentHash), so its saved session is found
 * again when the file is reopened. Global, not per photo: the engine, errors, recent files, the
 * pack and provider (and whose defaults are on screen), the canvas tool and brush, dialogs, imports.
 */
import type { Viewport } from '../canvas/viewport';
import { fitToView } from '../canvas/viewport';
import type { AppAction, AppState, FitMode, ImageDoc } from './appState';
import type { CompareState } from './compare';
import { initialCompareState } from './compare';
import type { EstimateState } from './promptEstimate';
import { initialEstimateState } from './promptEstimate';
import type { HistoryState } from './historyResults';
import { initialHistoryState } from './historyResults';
import type { PromptState } from './promptBuilder';
import { initialPromptState } from './promptBuilder';
import type { Region, RegionsState } from './regions';
import { initialRegionsState, regionsForImage } from './regions';
import { initialJobState } from './run';
import type { RunWorkspaceState } from './runWorkspace';
import type { RunSettings } from './settings';
import { runSettingsFrom } from './settings';
import { initialSweepState } from './sweep';

/** Photos open at once; opening one more closes the oldest that is not running. Main keeps as many images (imageService.ts). */
export const MAX_OPEN_PHOTOS = 8;

/** The parts of the run workspace that belong to one photo; the rest (pack import, dialog) are the window's. */
export const PHOTO_STUDIO_KEYS = ['prompt', 'estimate', 'settings', 'job', 'history', 'compare', 'sweep'] as const;
export type PhotoStudio = Pick<RunWorkspaceState, (typeof PHOTO_STUDIO_KEYS)[number]>;

/** Run settings that are the window's, not a photo's: the pack and provider, whose defaults are on screen, the pack's eta. */
export const GLOBAL_SETTING_KEYS = ['packDir', 'provider', 'defaultsPack', 'defaultsSaved', 'eta'] as const satisfies readonly (keyof RunSettings)[];

/** One photo's state, as the store holds it while the photo is shown. */
export interface PhotoSlices {
  image: ImageDoc;
  viewport: Viewport;
  fitMode: FitMode;
  studio: PhotoStudio;
  regions: RegionsState;
}

export interface PhotoTab {
  /** The photo's content hash (its image id when main sent none). */
  key: string;
  name: string;
  /** The photo's pixels in bitmapCache (the tab's thumbnail draws them). */
  sourceKey: string;
  /** The photo's slices while another photo is shown; null for the shown one (its slices are in the store). */
  saved: PhotoSlices | null;
}

export interface SessionsState {
  /** In the order they were opened. */
  tabs: readonly PhotoTab[];
  activeKey: string | null;
  /** The app's run settings as last loaded or changed: what a new photo starts from (seed unlocked). Null: the store's. */
  defaults: RunSettings | null;
}

export const initialSessionsState: SessionsState = { tabs: [], activeKey: null, defaults: null };

/** What a photo's saved session brings back (sessionSnapshot.ts reads it from main's copy). */
export interface RestoredSession {
  prompt: PromptState;
  estimate: EstimateState;
  /** Untrusted: read with runSettingsFrom. */
  settings: unknown;
  history: HistoryState;
  compare: CompareState;
  regions: Pick<RegionsState, 'items' | 'activeId' | 'nextId'>;
}

export type SessionsAction =
  | { type: 'sessions/switch'; key: string }
  | { type: 'sessions/close'; key: string }
  | { type: 'sessions/for'; key: string; action: AppAction };

export function isSessionsAction(action: { type: string }): action is SessionsAction {
  return action.type.startsWith('sessions/');
}

/** The key a photo's session goes by. */
export function photoKey(image: Pick<ImageDoc, 'id' | 'contentHash'>): string {
  return image.contentHash ?? image.id;
}

/** An action for the photo `key`, shown or not; null: the photo shown (the action as it is). */
export function forPhoto(key: string | null, action: AppAction): AppAction {
  return key === null ? action : { type: 'sessions/for', key, action };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, obj[k]])) as Pick<T, K>;
}

/** The shown photo's slices (null with no photo). */
export function takeSlices(state: AppState): PhotoSlices | null {
  if (!state.image) return null;
  return { image: state.image, viewport: state.view.viewport, fitMode: state.view.fitMode, studio: pick(state.studio, PHOTO_STUDIO_KEYS), regions: state.regions };
}

/** `settings` with the window's own settings (pack, provider, ...) from `current`. */
function withGlobalSettings(settings: RunSettings, current: RunSettings): RunSettings {
  return { ...settings, ...pick(current, GLOBAL_SETTING_KEYS) };
}

/** The state with `slices` shown: the view refitted when it follows the window, the tool and brush kept. */
function putSlices(state: AppState, slices: PhotoSlices): AppState {
  const stage = state.view.stage;
  const fitted = slices.fitMode === 'open' ? fitToView(slices.image, stage, 1) : slices.fitMode === 'fit' ? fitToView(slices.image, stage) : null;
  return {
    ...state,
    image: slices.image,
    view: { ...state.view, viewport: fitted ?? slices.viewport, fitMode: slices.fitMode },
    studio: { ...state.studio, ...slices.studio, settings: withGlobalSettings(slices.studio.settings, state.studio.settings), dialog: null },
    regions: { ...slices.regions, tool: state.regions.tool, brush: state.regions.brush, draft: null, hover: null },
  };
}

/** The state as if photo `key` were shown (the state itself for the shown one); null when it is not open. */
export function photoState(state: AppState, key: string): AppState | null {
  if (key === state.sessions.activeKey) return state;
  const saved = state.sessions.tabs.find((t) => t.key === key)?.saved;
  if (!saved) return null;
  return {
    ...state,
    image: saved.image,
    view: { ...state.view, viewport: saved.viewport, fitMode: saved.fitMode },
    studio: { ...state.studio, ...saved.studio },
    regions: saved.regions,
  };
}

/** Whether photo `key` has a run going. */
export function isPhotoBusy(state: AppState, key: string): boolean {
  const photo = photoState(state, key);
  return photo !== null && photo.studio.job.status !== 'idle';
}

/** The shown photo's slices put in its tab. */
function stashActive(state: AppState): AppState {
  const slices = takeSlices(state);
  const key = state.sessions.activeKey;
  if (!slices || key === null) return state;
  return { ...state, sessions: { ...state.sessions, tabs: state.sessions.tabs.map((t) => (t.key === key ? { ...t, saved: slices } : t)) } };
}

/** A photo's first slices: the app's settings with the seed unlocked, empty prompts, no history; or its saved session. */
function freshSlices(state: AppState, image: ImageDoc, restored: RestoredSession | null): PhotoSlices {
  const base = state.sessions.defaults ?? state.studio.settings;
  let settings: RunSettings = { ...base, seedLocked: false };
  // The window's global settings (pack, provider) are put back by putSlices.
  if (restored) settings = runSettingsFrom({ ...settings, ...(typeof restored.settings === 'object' ? restored.settings : {}) });
  const regions = regionsForImage(state.regions, image);
  return {
    image,
    viewport: fitToView(image, state.view.stage, 1),
    fitMode: 'open',
    studio: {
      prompt: restored?.prompt ?? initialPromptState(),
      estimate: restored?.estimate ?? initialEstimateState,
      settings,
      job: initialJobState,
      history: restored?.history ?? initialHistoryState,
      compare: restored ? { ...restored.compare, flipped: false, on: restored.compare.on && restored.history.currentId !== null } : initialCompareState,
      sweep: initialSweepState,
    },
    regions: restored ? { ...regions, ...restored.regions, items: restored.regions.items as Region[] } : regions,
  };
}

/** Shows the open photo `key`. */
function switchTo(state: AppState, key: string): AppState {
  if (key === state.sessions.activeKey) return state;
  const tab = state.sessions.tabs.find((t) => t.key === key);
  if (!tab?.saved) return state;
  const stashed = stashActive(state);
  const shown = putSlices(stashed, tab.saved);
  return { ...shown, sessions: { ...stashed.sessions, activeKey: key, tabs: stashed.sessions.tabs.map((t) => (t.key === key ? { ...t, saved: null } : t)) } };
}

/** No photo shown: the per-photo slices back to empty, the settings kept. */
function showNothing(state: AppState): AppState {
  const empty = { prompt: initialPromptState(), estimate: initialEstimateState, job: initialJobState, history: initialHistoryState, compare: initialCompareState, sweep: initialSweepState };
  return {
    ...state,
    image: null,
    view: { ...state.view, fitMode: null },
    studio: { ...state.studio, ...empty, dialog: null },
    regions: { ...initialRegionsState, tool: state.regions.tool, brush: state.regions.brush },
    sessions: { ...state.sessions, activeKey: null },
  };
}

function close(state: AppState, key: string): AppState {
  const tabs = state.sessions.tabs;
  const index = tabs.findIndex((t) => t.key === key);
  if (index < 0) return state;
  let next = state;
  if (key === state.sessions.activeKey) {
    const neighbour = tabs[index + 1] ?? tabs[index - 1];
    next = neighbour ? switchTo(state, neighbour.key) : showNothing(state);
  }
  return { ...next, sessions: { ...next.sessions, tabs: next.sessions.tabs.filter((t) => t.key !== key) } };
}

/**
 * A photo that opened: its open tab shown when it is already open (same content), else a new tab with
 * fresh slices (or its saved session). Beyond MAX_OPEN_PHOTOS the oldest tab that has no run going closes.
 */
export function openPhoto(state: AppState, image: ImageDoc, restored: RestoredSession | null): AppState {
  const key = photoKey(image);
  const base = { ...state, opening: null, error: null };
  if (state.sessions.tabs.some((t) => t.key === key)) return switchTo(base, key);
  const stashed = stashActive(base);
  const shown = putSlices(stashed, freshSlices(stashed, image, restored));
  let next: AppState = { ...shown, sessions: { ...stashed.sessions, activeKey: key, tabs: [...stashed.sessions.tabs, { key, name: image.name, sourceKey: image.sourceKey, saved: null }] } };
  while (next.sessions.tabs.length > MAX_OPEN_PHOTOS) {
    const oldest = next.sessions.tabs.find((t) => t.key !== key && !isPhotoBusy(next, t.key));
    if (!oldest) break;
    next = close(next, oldest.key);
  }
  return next;
}

/** Settings actions that change the app's run settings (a seed drawn for a run does not). */
function changesDefaults(action: AppAction): boolean {
  if (action.type === 'settings/seedUsed' || !action.type.startsWith('settings/')) return false;
  return action.type !== 'settings/set' || Object.keys(action.patch).some((k) => k !== 'seed' && k !== 'seedLocked');
}

/** After the shown photo's reducer ran: a change of the app's run settings is what new photos start from. */
export function noteDefaults(before: AppState, after: AppState, action: AppAction): AppState {
  if (!changesDefaults(action) || before.studio.settings === after.studio.settings) return after;
  return { ...after, sessions: { ...after.sessions, defaults: after.studio.settings } };
}

/** Reduces `action` in photo `key`'s slices (shown or not) with the app's reducer. */
function forSession(state: AppState, key: string, action: AppAction, reduce: (s: AppState, a: AppAction) => AppState): AppState {
  if (key === state.sessions.activeKey) return reduce(state, action);
  const tab = state.sessions.tabs.find((t) => t.key === key);
  const view = photoState(state, key);
  if (!tab || !view) return state; // closed meanwhile
  const next = reduce(view, action);
  if (next === view) return state;
  const saved = takeSlices(next);
  return { ...state, sessions: { ...state.sessions, tabs: state.sessions.tabs.map((t) => (t.key === key ? { ...t, saved } : t)) } };
}

export function sessionsReducer(state: AppState, action: SessionsAction, reduce: (s: AppState, a: AppAction) => AppState): AppState {
  switch (action.type) {
    case 'sessions/switch':
      return switchTo(state, action.key);
    case 'sessions/close':
      return close(state, action.key);
    case 'sessions/for':
      return forSession(state, action.key, action.action, reduce);
  }
}

/** Each open photo's slices (the shown one's from the store), by key. */
export function allPhotoSlices(state: AppState): Map<string, PhotoSlices> {
  const out = new Map<string, PhotoSlices>();
  for (const t of state.sessions.tabs) {
    const slices = t.key === state.sessions.activeKey ? takeSlices(state) : t.saved;
    if (slices) out.set(t.key, slices);
  }
  return out;
}
