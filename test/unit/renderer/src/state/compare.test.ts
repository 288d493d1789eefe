import { describe, expect, it } from 'vitest';
import { screenToImage } from '../../../../../renderer/src/canvas/viewport';
import type { HistoryEntry, HistoryState } from '../../../../../renderer/src/state/historyResults';
import { WIPE_BAR_PX, compareReducer, comparePanes, compareSides, fittedViewport, initialCompareState, paneAt, paneToStage, wipeClipWidth } from '../../../../../renderer/src/state/compare';
import { historyEntry } from './historyEntryFixture';

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
      [0, 400, 'before'],
      [400, 400, 'after'],
    ]);
    const centreOfView = screenToImage(viewport, { x: 400, y: 200 });
    for (const p of panes) expect(screenToImage(p.viewport, { x: p.width / 2, y: 200 })).toEqual(centreOfView);
  });

  it('a pointer in either pane maps to the stage point under the same image point', () => {
    const panes = comparePanes({ ...initialCompareState, mode: 'side' }, stage, viewport);
    const right = paneAt(panes, 650)!;
    expect(right.shows).toBe('after');
    const inPane = { x: 650 - right.left, y: 100 };
    const atStage = paneToStage(right, inPane, stage, 'side');
    expect(screenToImage(viewport, atStage)).toEqual(screenToImage(right.viewport, inPane));
    const left = paneAt(panes, 10)!;
    expect(screenToImage(viewport, paneToStage(left, { x: 10, y: 5 }, stage, 'side'))).toEqual(screenToImage(left.viewport, { x: 10, y: 5 }));
  });

  it('the flip key shows the original wherever the result would be', () => {
    const flipped = { ...initialCompareState, flipped: true };
    expect(comparePanes({ ...flipped, mode: 'result' }, stage, viewport).map((p) => p.shows)).toEqual(['before']);
    expect(comparePanes({ ...flipped, mode: 'side' }, stage, viewport).map((p) => p.shows)).toEqual(['before', 'before']);
  });

  it('fitted side by side: each pane holds the whole photo, and the zoom is the panes\' own', () => {
    const image = { width: 480, height: 320 };
    for (const maxScale of [1, undefined]) {
      const store = fittedViewport('side', image, stage, maxScale);
      const panes = comparePanes({ ...initialCompareState, mode: 'side' }, stage, store);
      for (const p of panes) {
        const v = p.viewport;
        expect(v.scale).toBe(store.scale);
        // The photo's rectangle in pane pixels lies inside the pane, centred, touching the fit margin on one axis.
        expect(v.x).toBeGreaterThanOrEqual(0);
        expect(v.y).toBeGreaterThanOrEqual(0);
        expect(v.x + image.width * v.scale).toBeLessThanOrEqual(p.width);
        expect(v.y + image.height * v.scale).toBeLessThanOrEqual(p.height);
        expect(v.x + (image.width * v.scale) / 2).toBeCloseTo(p.width / 2, 6);
        expect(Math.min(v.x, v.y)).toBeCloseTo(16, 6);
      }
    }
    // The same photo fitted to the whole stage would overflow each pane.
    const whole = fittedViewport(null, image, stage);
    expect(comparePanes({ ...initialCompareState, mode: 'side' }, stage, whole)[0]!.viewport.x).toBeLessThan(0);
    expect(fittedViewport('result', image, stage)).toEqual(whole);
    // A small photo fitted on open is not blown up; fitted by the user it is.
    const small = { width: 100, height: 50 };
    expect(fittedViewport('side', small, stage, 1).scale).toBe(1);
    expect(fittedViewport('side', small, stage).scale).toBeGreaterThan(1);
  });

  it('the wipe leaves a bar for its slider under the picture, and fits the photo above it', () => {
    const image = { width: 480, height: 320 };
    const fitted = fittedViewport('wipe', image, stage);
    const [pane] = comparePanes({ ...initialCompareState, mode: 'wipe' }, stage, fitted);
    expect(pane!.height).toBe(stage.height - WIPE_BAR_PX);
    expect(fitted.y + image.height * fitted.scale).toBeLessThanOrEqual(stage.height - WIPE_BAR_PX);
    expect(fitted.y).toBeGreaterThanOrEqual(0);
    // Zoomed in by the user, the picture is clipped above the bar all the same.
    expect(comparePanes({ ...initialCompareState, mode: 'wipe' }, stage, viewport)[0]!.height).toBe(stage.height - WIPE_BAR_PX);
    expect(comparePanes({ ...initialCompareState, mode: 'result' }, stage, viewport)[0]!.height).toBe(stage.height);
    // A stage too short for a bar keeps its height.
    expect(comparePanes({ ...initialCompareState, mode: 'wipe' }, { width: 300, height: 90 }, viewport)[0]!.height).toBe(90);
  });

  it('the wipe clip is the wipe line in image pixels, inside the image', () => {
    // Line at 0.5 * 800 = 400 px on screen -> (400 - 100) / 2 = 150 image px.
    expect(wipeClipWidth(0.5, 800, viewport, 480)).toBe(150);
    expect(wipeClipWidth(0, 800, viewport, 480)).toBe(0);
    expect(wipeClipWidth(1, 800, viewport, 200)).toBe(200);
  });
});

const entry = (id: string, imageId = 'img1'): HistoryEntry => historyEntry(id, { imageId });

describe('compare two results', () => {
  const history: HistoryState = { entries: [entry('c'), entry('b'), entry('a'), entry('x', 'img2')], currentId: 'c' };

  it('compare/base picks the A side, shows the compare, and goes side by side from the result alone', () => {
    const onResult = { ...initialCompareState, mode: 'result' as const };
    const s = compareReducer(onResult, { type: 'compare/base', id: 'a' });
    expect(s).toMatchObject({ baseId: 'a', on: true, mode: 'side' });
    const wipe = compareReducer({ ...initialCompareState, on: true }, { type: 'compare/base', id: 'a' });
    expect(wipe.mode).toBe('wipe');
    expect(compareReducer(s, { type: 'compare/base', id: null })).toMatchObject({ baseId: null, mode: 'side', on: true });
    expect(compareReducer(s, { type: 'compare/base', id: 'a' })).toBe(s);
  });

  it('sides: the current entry is B; A is the base when it is another entry of the same photo, else the original', () => {
    expect(compareSides(history, { baseId: 'a' }, 'img1')).toMatchObject({ after: { id: 'c' }, before: { id: 'a' } });
    expect(compareSides(history, { baseId: null }, 'img1')).toMatchObject({ after: { id: 'c' }, before: null });
    expect(compareSides(history, { baseId: 'c' }, 'img1')!.before).toBeNull(); // itself
    expect(compareSides(history, { baseId: 'x' }, 'img1')!.before).toBeNull(); // another photo's
    expect(compareSides(history, { baseId: 'gone' }, 'img1')!.before).toBeNull();
    expect(compareSides(history, { baseId: 'a' }, 'img2')).toBeNull(); // no current result for that photo
    expect(compareSides({ ...history, currentId: 'b' }, { baseId: 'a' }, 'img1')).toMatchObject({ after: { id: 'b' }, before: { id: 'a' } });
  });
});
