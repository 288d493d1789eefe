/**
 * Compare: the original against the current result. Pure state and geometry.
 *
 *   off      the editing view (the original, with its masks)
 *   result   the result alone
 *   side     original left, result right, one shared viewport: zoom and pan move both
 *   wipe     the result with the original showing left of a vertical line
 *
 * Holding the flip key shows the original wherever the result would be.
 *
 * Side by side reuses the one viewport of the store: each pane is half the stage
 * wide and shows what the full stage would show, shifted left by a quarter of the
 * stage, so the image point at the view's centre sits at each pane's centre. A
 * pointer in either pane maps back to a full-stage point (`paneToStage`), so wheel
 * zoom about the pointer and drag-pan behave the same in both panes.
 */
import type { Size, Vec2, Viewport } from '../canvas/viewport';

export type CompareMode = 'result' | 'side' | 'wipe';

export interface CompareState {
  /** Showing results (true) or the editing view (false). */
  on: boolean;
  mode: CompareMode;
  /** Wipe position as a fraction of the stage width, 0..1. */
  wipe: number;
  /** The flip key is held: show the original instead of the result. */
  flipped: boolean;
}

export const initialCompareState: CompareState = { on: false, mode: 'wipe', wipe: 0.5, flipped: false };

export type CompareAction =
  | { type: 'compare/toggle' }
  | { type: 'compare/show'; on: boolean }
  | { type: 'compare/mode'; mode: CompareMode }
  | { type: 'compare/wipe'; at: number }
  | { type: 'compare/flip'; flipped: boolean };

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
  }
}

/** One pane of the compare view: where it sits in the stage and the viewport it draws with. */
export interface Pane {
  /** Left edge of the pane in stage pixels. */
  left: number;
  width: number;
  height: number;
  viewport: Viewport;
  shows: 'original' | 'result';
}

/** The panes to draw for `state` over a stage of `stage` size with the store's viewport. */
export function comparePanes(state: CompareState, stage: Size, viewport: Viewport): Pane[] {
  const resultOrOriginal = state.flipped ? 'original' : 'result';
  if (state.mode !== 'side') return [{ left: 0, width: stage.width, height: stage.height, viewport, shows: resultOrOriginal }];
  const half = Math.floor(stage.width / 2);
  const shift = stage.width / 4;
  const paneViewport = { ...viewport, x: viewport.x - shift };
  return [
    { left: 0, width: half, height: stage.height, viewport: paneViewport, shows: 'original' },
    { left: half, width: stage.width - half, height: stage.height, viewport: paneViewport, shows: resultOrOriginal },
  ];
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
