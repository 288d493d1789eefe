/**
 * Compare: two pictures of the open photo, the "before" and the "after". Pure state and geometry.
 *
 *   after    the current history entry
 *   before   the original photo, or any other entry of the same photo (`baseId`: picked with
 *            shift/ctrl-click or "compare with" in the strip), so two results can be compared
 *
 *   off      the editing view (the original, with its masks)
 *   result   the after alone
 *   side     before left, after right, one shared viewport: zoom and pan move both
 *   wipe     the after with the before showing left of a vertical line
 *
 * Holding the flip key shows the before wherever the after would be.
 *
 * Side by side reuses the one viewport of the store: each pane is half the stage wide and shows
 * what the full stage would show, shifted left by a quarter of the stage, so the image point at
 * the view's centre sits at each pane's centre. A pointer in either pane maps back to a
 * full-stage point (`paneToStage`), so wheel zoom about the pointer and drag-pan behave the same
 * in both panes. While the view is fitted (Fit, or as opened) the store's viewport fits what the
 * compare shows (`fittedViewport`, kept by compareFit.ts): side by side, each pane holds the
 * whole photo, and the zoom shown is the panes' own.
 *
 * The wipe's slider sits in a bar of its own under the picture (`WIPE_BAR_PX`), so it never
 * covers the photo: the pane is that much shorter than the stage.
 */
import type { Size, Vec2, Viewport } from '../canvas/viewport';
import { MAX_SCALE, fitToView } from '../canvas/viewport';
import type { HistoryEntry, HistoryState } from './historyResults';
import { currentEntry } from './historyResults';

export type CompareMode = 'result' | 'side' | 'wipe';

export interface CompareState {
  /** Showing results (true) or the editing view (false). */
  on: boolean;
  mode: CompareMode;
  /** Wipe position as a fraction of the stage width, 0..1. */
  wipe: number;
  /** The flip key is held: show the before instead of the after. */
  flipped: boolean;
  /** The history entry on the before side, or null for the original photo (an entry gone or of another photo reads as null). */
  baseId: string | null;
}

export const initialCompareState: CompareState = { on: false, mode: 'wipe', wipe: 0.5, flipped: false, baseId: null };

/** Height of the wipe's own bar under the picture (its slider lives there, off the photo). */
export const WIPE_BAR_PX = 36;

export type CompareAction =
  | { type: 'compare/toggle' }
  | { type: 'compare/show'; on: boolean }
  | { type: 'compare/mode'; mode: CompareMode }
  | { type: 'compare/wipe'; at: number }
  | { type: 'compare/flip'; flipped: boolean }
  /** The before side: a history entry, or null for the original. Shows the compare (side by side when it showed the after alone). */
  | { type: 'compare/base'; id: string | null };

export function clampWipe(at: number): number {
  return Number.isFinite(at) ? Math.min(1, Math.max(0, at)) : 0.5;
}

export function compareReducer(state: CompareState, action: CompareAction): CompareState {
  switch (action.type) {
    case 'compare/toggle':
      return { ...state, on: !state.on, flipped: false };
    case 'compare/show':
      return state.on === action.on ? state : { ...state, on: action.on, flipped: false };
    case 'compare/mode':
      return { ...state, mode: action.mode, on: true };
    case 'compare/wipe': {
      const wipe = clampWipe(action.at);
      return wipe === state.wipe ? state : { ...state, wipe };
    }
    case 'compare/flip':
      return state.flipped === action.flipped ? state : { ...state, flipped: action.flipped };
    case 'compare/base': {
      const mode = action.id !== null && state.mode === 'result' ? 'side' : state.mode;
      if (state.baseId === action.id && state.on && state.mode === mode) return state;
      return { ...state, baseId: action.id, mode, on: true, flipped: false };
    }
  }
}

/** What the compare shows for the open photo: the after (the current entry) and the before (null: the original). */
export interface CompareSides {
  before: HistoryEntry | null;
  after: HistoryEntry;
}

/** The two sides, or null when the open photo has no current result. A base that is gone, of another photo or the after itself reads as the original. */
export function compareSides(history: HistoryState, compare: Pick<CompareState, 'baseId'>, imageId: string | null): CompareSides | null {
  const after = currentEntry(history, imageId);
  if (!after) return null;
  const base = compare.baseId === null ? undefined : history.entries.find((e) => e.id === compare.baseId);
  return { after, before: base && base.imageId === after.imageId && base.id !== after.id ? base : null };
}

/** One pane of the compare view: where it sits in the stage and the viewport it draws with. */
export interface Pane {
  /** Left edge of the pane in stage pixels. */
  left: number;
  width: number;
  height: number;
  viewport: Viewport;
  shows: 'before' | 'after';
}

/** The picture's area for `mode` over a stage of `stage` size: the wipe leaves a bar for its slider under it (a stage too short for it keeps its height). */
function pictureHeight(mode: CompareMode, stage: Size): number {
  return mode === 'wipe' && stage.height > 3 * WIPE_BAR_PX ? stage.height - WIPE_BAR_PX : stage.height;
}

/** The panes to draw for `state` over a stage of `stage` size with the store's viewport. */
export function comparePanes(state: Pick<CompareState, 'mode' | 'flipped'>, stage: Size, viewport: Viewport): Pane[] {
  const afterOrBefore = state.flipped ? 'before' : 'after';
  if (state.mode !== 'side') return [{ left: 0, width: stage.width, height: pictureHeight(state.mode, stage), viewport, shows: afterOrBefore }];
  const half = Math.floor(stage.width / 2);
  const paneViewport = { ...viewport, x: viewport.x - stage.width / 4 };
  return [
    { left: 0, width: half, height: stage.height, viewport: paneViewport, shows: 'before' },
    { left: half, width: stage.width - half, height: stage.height, viewport: paneViewport, shows: afterOrBefore },
  ];
}

/**
 * The store viewport that fits the photo while the compare shows `mode` (null: the editing view):
 * the whole stage; above the wipe's bar; or, side by side, each pane on its own (the store's
 * viewport is then the pane's, shifted right by a quarter stage, as `comparePanes` undoes). With
 * `maxScale` 1 a small photo stays at 100 % (the fit on open).
 */
export function fittedViewport(mode: CompareMode | null, image: Size, stage: Size, maxScale = MAX_SCALE): Viewport {
  if (mode === null || mode === 'result') return fitToView(image, stage, maxScale);
  if (mode === 'wipe') return fitToView(image, { width: stage.width, height: pictureHeight(mode, stage) }, maxScale);
  const pane = fitToView(image, { width: Math.floor(stage.width / 2), height: stage.height }, maxScale);
  return { ...pane, x: pane.x + stage.width / 4 };
}

/** A point in a pane (pane pixels) as the full stage sees it, for zoom and pan. */
export function paneToStage(pane: Pane, point: Vec2, stage: Size, mode: CompareMode): Vec2 {
  if (mode !== 'side') return point;
  return { x: point.x + stage.width / 4, y: point.y };
}

/** Which pane a stage point falls in. */
export function paneAt(panes: readonly Pane[], x: number): Pane | undefined {
  return panes.find((p) => x >= p.left && x < p.left + p.width) ?? panes[panes.length - 1];
}

/**
 * The wipe line in image pixels (the stage carries the viewport, so a clip is given in
 * image coordinates): everything left of it shows the original.
 */
export function wipeClipWidth(wipe: number, stageWidth: number, viewport: Viewport, imageWidth: number): number {
  const screenX = clampWipe(wipe) * stageWidth;
  const imageX = (screenX - viewport.x) / viewport.scale;
  return Math.min(imageWidth, Math.max(0, imageX));
}
