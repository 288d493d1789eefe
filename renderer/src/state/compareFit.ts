/**
 * The fitted view follows the compare. While the view is fitted (`fitMode` 'open' or 'fit') the
 * store's one viewport fits what is on screen: the editing view's whole stage, the wipe's picture
 * above its slider bar, or one side-by-side pane (so each pane shows the whole photo and the zoom
 * level, the zoom steps and the wheel all start from what the panes show). Turning the compare on
 * or off, changing its mode, a resize or Fit refit it; after the user zooms or pans nothing moves.
 *
 * Pure: `followCompareFit` runs after the app reducer (`withCompareFit`, installed where the store
 * is made) and returns the same state when the viewport already fits.
 */
import type { AppAction, AppState } from './appState';
import type { CompareMode } from './compare';
import { compareSides, fittedViewport } from './compare';

/** What the canvas shows: a compare mode, or null for the editing view (compare off, or nothing to compare). */
export function shownCompareMode(state: AppState): CompareMode | null {
  const { compare, history } = state.studio;
  if (!compare.on || !state.image) return null;
  return compareSides(history, compare, state.image.id) ? compare.mode : null;
}

/** `state` with its fitted viewport fitting what is shown (unchanged when it already does, or the view is not fitted). */
export function followCompareFit(state: AppState): AppState {
  const { image, view } = state;
  if (!image || view.fitMode === null || view.stage.width <= 0 || view.stage.height <= 0) return state;
  const want = fittedViewport(shownCompareMode(state), image, view.stage, view.fitMode === 'open' ? 1 : undefined);
  const v = view.viewport;
  if (want.scale === v.scale && want.x === v.x && want.y === v.y) return state;
  return { ...state, view: { ...view, viewport: want } };
}

/** The app reducer, then `followCompareFit`. */
export function withCompareFit(reducer: (state: AppState, action: AppAction) => AppState): (state: AppState, action: AppAction) => AppState {
  return (state, action) => followCompareFit(reducer(state, action));
}
