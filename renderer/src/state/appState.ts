/**
 * The app's state and its reducer. Pure: no DOM, no Konva, no window.spire, so the
 * unit tests run it in Node. Side effects (IPC, decoding, blob lifetimes) live in
 * controller.ts, which dispatches the actions below.
 */
import type { IpcError, OpenedImage, RecentFile } from '../../../preload/contract/channels';
import type { PhotoFacts } from '../../../common/photo';
import type { EngineStatus } from '../../../common/engineStatus';
import type { CanvasCursor } from '../canvas/tools/toolState';
import type { Size, Viewport } from '../canvas/viewport';
import type { RunWorkspaceAction, RunWorkspaceState } from './runWorkspace';
import { initialRunWorkspace, isRunWorkspaceAction, runWorkspaceReducer } from './runWorkspace';
import type { RegionsAction, RegionsState } from './regions';
import { initialRegionsState, isRegionsAction, regionsReducer } from './regions';
import type { RestoredSession, SessionsAction, SessionsState } from './sessions';
import { initialSessionsState, isSessionsAction, noteDefaults, openPhoto, sessionsReducer } from './sessions';
import {
  IDENTITY,
  actualSize,
  clampPan,
  fitToView,
  nextZoomIn,
  nextZoomOut,
  viewCentre,
  zoomTo,
} from '../canvas/viewport';

/** The open image as the app knows it. Its decoded pixels live in bitmapCache under `sourceKey`. */
export interface ImageDoc {
  id: OpenedImage['id'];
  name: string;
  width: number;
  height: number;
  mime: OpenedImage['mime'];
  /** Key of the decoded pixels in bitmapCache; unique per open, even when the same file is opened twice. */
  sourceKey: string;
  /** How many mip levels bitmapCache holds for it (1 until the smaller copies are made). */
  levels: number;
  /** sha-256 of the file (OpenedImage.contentHash): the key of its session (sessions.ts). */
  contentHash?: string;
  /** Its colour profile, bit depth and metadata, as main read them (status bar, export warnings). */
  photo?: PhotoFacts;
}

/**
 * How the viewport follows the window:
 *   'open' - fitted when the photo was opened, never above 100 %; refitted on resize
 *   'fit'  - fitted by the user (may go above 100 %); refitted on resize
 *   null   - the user zoomed or panned: a resize keeps the view's centre where it was
 */
export type FitMode = 'open' | 'fit' | null;

export interface ViewState {
  viewport: Viewport;
  /** The canvas element's size in CSS pixels (0 x 0 until it has been measured). */
  stage: Size;
  fitMode: FitMode;
}

export interface AppState {
  image: ImageDoc | null;
  view: ViewState;
  /** Null until the first status arrives from main. */
  engine: EngineStatus | null;
  /** The last user-facing error, shown in the error banner until dismissed. */
  error: IpcError | null;
  /** An open in progress (dialog shown, bytes on their way, or decoding). `name` once known. */
  opening: { name: string | null } | null;
  /** Main's recent-files list (newest first), as last read. */
  recent: readonly RecentFile[];
  /** dragenter minus dragleave for a file drag over the window; the drop overlay shows while > 0. */
  dragDepth: number;
  cursor: CanvasCursor;
  /** Prompts, run settings, the run in progress, results, compare, sweep (runWorkspace.ts). */
  studio: RunWorkspaceState;
  /** Mask regions, canvas tool, brush and their undo history (regions.ts). */
  regions: RegionsState;
  /** The open photos and, for each one not shown, its own slices of the above (sessions.ts). */
  sessions: SessionsState;
}

export type AppAction =
  | { type: 'open/started'; name: string | null }
  | { type: 'open/ended' }
  /** `session`: what the photo's saved session brings back (sessions.ts), when it has one. */
  | { type: 'image/opened'; image: ImageDoc; session?: RestoredSession | null }
  | { type: 'image/levelsReady'; sourceKey: string; levels: number }
  | { type: 'engine/status'; status: EngineStatus }
  | { type: 'recent/loaded'; files: readonly RecentFile[] }
  | { type: 'error/shown'; error: IpcError }
  | { type: 'error/dismissed' }
  | { type: 'drag/entered' }
  | { type: 'drag/left' }
  | { type: 'drag/ended' }
  | { type: 'stage/resized'; size: Size }
  | { type: 'view/set'; viewport: Viewport }
  | { type: 'view/zoomStep'; direction: 'in' | 'out' }
  | { type: 'view/fit' }
  | { type: 'view/actual' }
  | { type: 'cursor/set'; cursor: CanvasCursor }
  | RunWorkspaceAction
  | RegionsAction
  | SessionsAction;

export const initialAppState: AppState = {
  image: null,
  view: { viewport: IDENTITY, stage: { width: 0, height: 0 }, fitMode: null },
  engine: null,
  error: null,
  opening: null,
  recent: [],
  dragDepth: 0,
  cursor: 'grab',
  studio: initialRunWorkspace(),
  regions: initialRegionsState,
  sessions: initialSessionsState,
};

/** The viewport a fit mode asks for, or null when the mode is not a fit. */
function fittedViewport(mode: FitMode, image: Size, stage: Size): Viewport | null {
  if (mode === 'open') return fitToView(image, stage, 1);
  if (mode === 'fit') return fitToView(image, stage);
  return null;
}

function withView(state: AppState, view: Partial<ViewState>): AppState {
  return { ...state, view: { ...state.view, ...view } };
}

/** Zoom to `scale` about the view centre, keeping the image in reach. */
function zoomAboutCentre(state: AppState, image: Size, scale: number): AppState {
  const { stage, viewport } = state.view;
  const next = clampPan(zoomTo(viewport, scale, viewCentre(stage)), image, stage);
  return withView(state, { viewport: next, fitMode: null });
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

export function appReducer(state: AppState, action: AppAction): AppState {
  if (isSessionsAction(action)) return sessionsReducer(state, action, appReducer);
  if (isRunWorkspaceAction(action)) {
    const studio = runWorkspaceReducer(state.studio, action);
    return studio === state.studio ? state : noteDefaults(state, { ...state, studio }, action);
  }
  if (isRegionsAction(action)) {
    const regions = regionsReducer(state.regions, action);
    return regions === state.regions ? state : { ...state, regions };
  }
  switch (action.type) {
    case 'open/started':
      return { ...state, opening: { name: action.name } };

    case 'open/ended':
      return state.opening ? { ...state, opening: null } : state;

    case 'image/opened':
      // Its own session (new, saved, or its open tab); an earlier open's error is stale.
      return openPhoto(state, action.image, action.session ?? null);

    case 'image/levelsReady': {
      const image = state.image;
      if (!image || image.sourceKey !== action.sourceKey || image.levels === action.levels) return state;
      return { ...state, image: { ...image, levels: action.levels } };
    }

    case 'engine/status':
      return { ...state, engine: action.status };

    case 'recent/loaded':
      return { ...state, recent: action.files };

    case 'error/shown':
      return { ...state, error: action.error };

    case 'error/dismissed':
      return state.error ? { ...state, error: null } : state;

    case 'drag/entered':
      return { ...state, dragDepth: state.dragDepth + 1 };

    case 'drag/left':
      return state.dragDepth > 0 ? { ...state, dragDepth: state.dragDepth - 1 } : state;

    case 'drag/ended':
      return state.dragDepth !== 0 ? { ...state, dragDepth: 0 } : state;

    case 'stage/resized': {
      const size = { width: Math.max(0, action.size.width), height: Math.max(0, action.size.height) };
      const { stage: old, viewport, fitMode } = state.view;
      if (sameSize(size, old)) return state;
      const image = state.image;
      if (!image) return withView(state, { stage: size });
      const fitted = fittedViewport(fitMode, image, size);
      if (fitted) return withView(state, { stage: size, viewport: fitted });
      // Keep whatever was at the centre of the view at the centre.
      const moved = { ...viewport, x: viewport.x + (size.width - old.width) / 2, y: viewport.y + (size.height - old.height) / 2 };
      return withView(state, { stage: size, viewport: clampPan(moved, image, size) });
    }

    case 'view/set':
      return withView(state, { viewport: action.viewport, fitMode: null });

    case 'view/zoomStep': {
      if (!state.image) return state;
      const scale = state.view.viewport.scale;
      return zoomAboutCentre(state, state.image, action.direction === 'in' ? nextZoomIn(scale) : nextZoomOut(scale));
    }

    case 'view/fit': {
      if (!state.image) return state;
      return withView(state, { viewport: fitToView(state.image, state.view.stage), fitMode: 'fit' });
    }

    case 'view/actual': {
      if (!state.image) return state;
      const { stage, viewport } = state.view;
      const next = clampPan(actualSize(viewport, viewCentre(stage)), state.image, stage);
      return withView(state, { viewport: next, fitMode: null });
    }

    case 'cursor/set':
      return state.cursor === action.cursor ? state : { ...state, cursor: action.cursor };
  }
}
