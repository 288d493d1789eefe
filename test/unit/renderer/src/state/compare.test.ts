import { describe, expect, it } from 'vitest';
import { screenToImage } from '../../../../../renderer/src/canvas/viewport';
import { compareReducer, comparePanes, initialCompareState, paneAt, paneToStage, wipeClipWidth } from '../../../../../renderer/src/state/compare';

const stage = { width: 800, height: 400 };
const viewport = { scale: 2, x: 100, y: 20 };

describe('compare', () => {
  it('toggles, switches mode (which turns it on), clamps the wipe, flips', () => {
    let s = compareReducer(initialCompareState, { type: 'compare/toggle' });
    expect(s.on).toBe(true);
    s = compareReducer(s, { type: 'compare/toggle' });
    s = compareReducer(s, { type: 'compare/mode', mode: 'side' });
    expect(s).toMatchObject({ on: true, mode: 'side' });
    expect(compareReducer(s, { type: 'compare/wipe', at: 1.7 }).wipe).toBe(1);
    expect(compareReducer(s, { type: 'compare/wipe', at: Number.NaN }).wipe).toBe(0.5);
    s = compareReducer(s, { type: 'compare/flip', flipped: true });
    expect(s.flipped).toBe(true);
    expect(compareReducer(s, { type: 'compare/toggle' }).flipped).toBe(false);
  });

  it('side by side: both panes show the same image point at their centres', () => {
    const panes = comparePanes({ ...initialCompareState, mode: 'side' }, stage, viewport);
    expect(panes.map((p) => [p.left, p.width, p.shows])).toEqual([
      [0, 400, 'original'],
      [400, 400, 'result'],
    ]);
    const centreOfView = screenToImage(viewport, { x: 400, y: 200 });
    for (const p of panes) expect(screenToImage(p.viewport, { x: p.width / 2, y: 200 })).toEqual(centreOfView);
  });

  it('a pointer in either pane maps to the stage point under the same image point', () => {
    const panes = comparePanes({ ...initialCompareState, mode: 'side' }, stage, viewport);
    const right = paneAt(panes, 650)!;
    expect(right.shows).toBe('result');
    const inPane = { x: 650 - right.left, y: 100 };
    const atStage = paneToStage(right, inPane, stage, 'side');
    expect(screenToImage(viewport, atStage)).toEqual(screenToImage(right.viewport, inPane));
    const left = paneAt(panes, 10)!;
    expect(screenToImage(viewport, paneToStage(left, { x: 10, y: 5 }, stage, 'side'))).toEqual(screenToImage(left.viewport, { x: 10, y: 5 }));
  });

  it('the flip key shows the original wherever the result would be', () => {
    const flipped = { ...initialCompareState, flipped: true };
    expect(comparePanes({ ...flipped, mode: 'result' }, stage, viewport).map((p) => p.shows)).toEqual(['original']);
    expect(comparePanes({ ...flipped, mode: 'side' }, stage, viewport).map((p) => p.shows)).toEqual(['original', 'original']);
  });

  it('the wipe clip is the wipe line in image pixels, inside the image', () => {
    // Line at 0.5 * 800 = 400 px on screen -> (400 - 100) / 2 = 150 image px.
    expect(wipeClipWidth(0.5, 800, viewport, 480)).toBe(150);
    expect(wipeClipWidth(0, 800, viewport, 480)).toBe(0);
    expect(wipeClipWidth(1, 800, viewport, 200)).toBe(200);
  });
});
