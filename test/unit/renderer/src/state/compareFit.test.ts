import { describe, expect, it } from 'vitest';
import type { AppAction, AppState, ImageDoc } from '../../../../../renderer/src/state/appState';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import { comparePanes, fittedViewport } from '../../../../../renderer/src/state/compare';
import { followCompareFit, shownCompareMode, withCompareFit } from '../../../../../renderer/src/state/compareFit';
import type { HistoryEntry } from '../../../../../renderer/src/state/historyResults';
import { historyEntry } from './historyEntryFixture';

const photo: ImageDoc = { id: 'img-1', name: 'barn.png', width: 600, height: 400, mime: 'image/png', sourceKey: 'img-1#1', levels: 1 };
const stage = { width: 1000, height: 600 };

const entry = (id: string): HistoryEntry => historyEntry(id, { imageId: photo.id, width: 600, height: 400 });

const reducer = withCompareFit(appReducer);
const run = (actions: AppAction[], from: AppState = initialAppState): AppState => actions.reduce(reducer, from);
const opened = () => run([{ type: 'stage/resized', size: stage }, { type: 'image/opened', image: photo }, { type: 'view/fit' }]);
const withResult = () => run([{ type: 'history/added', entry: entry('r1'), makeCurrent: true }], opened());

describe('the fitted view follows the compare', () => {
  it('a result turns the compare on; switching to side by side refits so each pane holds the whole photo', () => {
    let s = withResult();
    expect(shownCompareMode(s)).toBe('wipe');
    expect(s.view.viewport).toEqual(fittedViewport('wipe', photo, stage));
    s = run([{ type: 'compare/mode', mode: 'side' }], s);
    expect(s.view.viewport).toEqual(fittedViewport('side', photo, stage));
    for (const pane of comparePanes(s.studio.compare, stage, s.view.viewport)) {
      const v = pane.viewport;
      expect(v.x).toBeGreaterThanOrEqual(0);
      expect(v.x + photo.width * v.scale).toBeLessThanOrEqual(pane.width);
    }
    // Back to the editing view: the whole stage again.
    s = run([{ type: 'compare/toggle' }], s);
    expect(shownCompareMode(s)).toBeNull();
    expect(s.view.viewport).toEqual(fittedViewport(null, photo, stage));
  });

  it('after the user zooms nothing moves; Fit and a resize refit to what is shown', () => {
    let s = run([{ type: 'compare/mode', mode: 'side' }], withResult());
    s = run([{ type: 'view/zoomStep', direction: 'in' }], s);
    const zoomed = s.view.viewport;
    expect(s.view.fitMode).toBeNull();
    // The zoom step starts from the panes' scale, so it is the next step above it.
    expect(zoomed.scale).toBeGreaterThan(fittedViewport('side', photo, stage).scale);
    expect(zoomed.scale).toBeLessThan(fittedViewport(null, photo, stage).scale * 1.5);
    expect(run([{ type: 'compare/mode', mode: 'wipe' }], s).view.viewport).toEqual(zoomed);
    s = run([{ type: 'view/fit' }], s);
    expect(s.view.viewport).toEqual(fittedViewport('side', photo, stage));
    const wider = { width: 1400, height: 700 };
    s = run([{ type: 'stage/resized', size: wider }], s);
    expect(s.view.viewport).toEqual(fittedViewport('side', photo, wider));
  });

  it('leaves a state alone when it already fits, when nothing is open or the view is not fitted', () => {
    const s = withResult();
    expect(followCompareFit(s)).toBe(s);
    expect(followCompareFit(initialAppState)).toBe(initialAppState);
    const unfitted = { ...s, view: { ...s.view, fitMode: null, viewport: { scale: 3, x: 1, y: 2 } } };
    expect(followCompareFit(unfitted)).toBe(unfitted);
  });

  it('opened (never above 100 %), a small photo stays at 100 % side by side', () => {
    const small = { ...photo, width: 120, height: 80 };
    let s = run([{ type: 'stage/resized', size: stage }, { type: 'image/opened', image: small }, { type: 'history/added', entry: entry('r1'), makeCurrent: true }]);
    s = run([{ type: 'compare/mode', mode: 'side' }], s);
    expect(s.view.fitMode).toBe('open');
    expect(s.view.viewport.scale).toBe(1);
  });
});
