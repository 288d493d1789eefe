import { describe, expect, it } from 'vitest';
import type { Viewport } from '../../../../../renderer/src/canvas/viewport';
import {
  FIT_MARGIN,
  MAX_SCALE,
  MIN_SCALE,
  MIN_VISIBLE,
  ZOOM_STEPS,
  actualSize,
  clampPan,
  clampScale,
  fitScale,
  fitToView,
  formatZoom,
  imageToScreen,
  nextZoomIn,
  nextZoomOut,
  panBy,
  screenToImage,
  wheelZoomFactor,
  zoomBy,
  zoomTo,
} from '../../../../../renderer/src/canvas/viewport';

const close = (a: number, b: number, digits = 9) => expect(a).toBeCloseTo(b, digits);

describe('image <-> screen', () => {
  const v: Viewport = { scale: 2.5, x: 40, y: -12 };

  it('maps an image point to the screen and back', () => {
    const p = { x: 123.25, y: 77.5 };
    const s = imageToScreen(v, p);
    expect(s).toEqual({ x: 123.25 * 2.5 + 40, y: 77.5 * 2.5 - 12 });
    const back = screenToImage(v, s);
    close(back.x, p.x);
    close(back.y, p.y);
  });
});

describe('zoom about a point', () => {
  const cases: { v: Viewport; factor: number; anchor: { x: number; y: number } }[] = [
    { v: { scale: 1, x: 0, y: 0 }, factor: 2, anchor: { x: 300, y: 200 } },
    { v: { scale: 0.37, x: 112.4, y: 58 }, factor: 1.2214, anchor: { x: 10, y: 600 } },
    { v: { scale: 4, x: -900, y: -300 }, factor: 0.5, anchor: { x: 640, y: 360 } },
    { v: { scale: 0.1, x: 500, y: 500 }, factor: 0.8187, anchor: { x: 0, y: 0 } },
  ];

  it.each(cases)('keeps the image point under the anchor fixed (scale $v.scale x $factor)', ({ v, factor, anchor }) => {
    const before = screenToImage(v, anchor);
    const next = zoomBy(v, factor, anchor);
    close(next.scale, v.scale * factor);
    const after = screenToImage(next, anchor);
    close(after.x, before.x, 6);
    close(after.y, before.y, 6);
  });

  it('clamps to 2 % .. 3200 % and still keeps the anchor fixed at the limit', () => {
    const v: Viewport = { scale: 20, x: -100, y: -50 };
    const anchor = { x: 250, y: 120 };
    const before = screenToImage(v, anchor);
    const next = zoomBy(v, 10, anchor);
    expect(next.scale).toBe(MAX_SCALE);
    const after = screenToImage(next, anchor);
    close(after.x, before.x, 6);
    close(after.y, before.y, 6);
    expect(zoomTo(v, 0.0001, anchor).scale).toBe(MIN_SCALE);
  });

  it('clampScale bounds the scale and repairs non-numbers', () => {
    expect(clampScale(0.5)).toBe(0.5);
    expect(clampScale(0)).toBe(MIN_SCALE);
    expect(clampScale(1e9)).toBe(MAX_SCALE);
    expect(clampScale(Number.NaN)).toBe(1);
    expect(clampScale(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe('fit to view', () => {
  it('fits a landscape photo by its width and centres it', () => {
    const image = { width: 6000, height: 4000 };
    const view = { width: 1280, height: 732 };
    const s = fitScale(image, view);
    // Height is the tighter side here: (732 - 2*16) / 4000 = 0.175 < (1280 - 32) / 6000 = 0.208.
    close(s, (732 - 2 * FIT_MARGIN) / 4000);
    const v = fitToView(image, view);
    close(v.scale, s);
    close(v.x, (1280 - 6000 * s) / 2);
    close(v.y, (732 - 4000 * s) / 2);
    // The whole image is inside the view with the margin around it.
    const topLeft = imageToScreen(v, { x: 0, y: 0 });
    const bottomRight = imageToScreen(v, { x: 6000, y: 4000 });
    expect(topLeft.y).toBeCloseTo(FIT_MARGIN, 6);
    expect(bottomRight.y).toBeCloseTo(732 - FIT_MARGIN, 6);
    expect(topLeft.x).toBeGreaterThanOrEqual(FIT_MARGIN);
    expect(bottomRight.x).toBeLessThanOrEqual(1280 - FIT_MARGIN);
  });

  it('fits a portrait photo by its height', () => {
    const v = fitToView({ width: 500, height: 2000 }, { width: 1000, height: 800 });
    close(v.scale, (800 - 32) / 2000);
  });

  it('blows a small photo up unless capped at 100 %', () => {
    const image = { width: 100, height: 50 };
    const view = { width: 1000, height: 800 };
    expect(fitToView(image, view).scale).toBeGreaterThan(1);
    const capped = fitToView(image, view, 1);
    expect(capped.scale).toBe(1);
    expect(capped.x).toBe(450);
    expect(capped.y).toBe(375);
  });

  it('does not divide by zero for an empty view or image', () => {
    expect(Number.isFinite(fitScale({ width: 100, height: 100 }, { width: 0, height: 0 }))).toBe(true);
    expect(fitScale({ width: 0, height: 100 }, { width: 100, height: 100 })).toBe(1);
  });
});

describe('100 %', () => {
  it('sets scale 1 about the anchor', () => {
    const v: Viewport = { scale: 0.25, x: 100, y: 40 };
    const anchor = { x: 640, y: 360 };
    const before = screenToImage(v, anchor);
    const next = actualSize(v, anchor);
    expect(next.scale).toBe(1);
    const after = screenToImage(next, anchor);
    close(after.x, before.x);
    close(after.y, before.y);
  });
});

describe('zoom ladder', () => {
  it('is sorted and spans the zoom limits', () => {
    expect([...ZOOM_STEPS].sort((a, b) => a - b)).toEqual(ZOOM_STEPS);
    expect(ZOOM_STEPS[0]).toBe(MIN_SCALE);
    expect(ZOOM_STEPS[ZOOM_STEPS.length - 1]).toBe(MAX_SCALE);
    expect(ZOOM_STEPS).toContain(1);
  });

  it.each([
    [1, 2],
    [0.37, 0.5],
    [0.5, 2 / 3],
    [2 / 3, 1],
    [8, 12],
    [MAX_SCALE, MAX_SCALE],
  ])('zooms in from %s to %s', (from, to) => {
    expect(nextZoomIn(from)).toBeCloseTo(to, 12);
  });

  it.each([
    [1, 2 / 3],
    [0.37, 1 / 3],
    [2, 1],
    [0.03, 0.02],
    [MIN_SCALE, MIN_SCALE],
  ])('zooms out from %s to %s', (from, to) => {
    expect(nextZoomOut(from)).toBeCloseTo(to, 12);
  });

  it('steps in then out returns to a ladder value', () => {
    expect(nextZoomOut(nextZoomIn(1))).toBe(1);
  });
});

describe('clampPan', () => {
  const image = { width: 1000, height: 500 };
  const view = { width: 800, height: 600 };

  it('leaves a viewport that shows the image alone', () => {
    const v: Viewport = { scale: 1, x: -100, y: 50 };
    expect(clampPan(v, image, view)).toEqual(v);
  });

  it('keeps MIN_VISIBLE pixels on screen when dragged far away', () => {
    const left = clampPan({ scale: 1, x: -5000, y: 0 }, image, view);
    expect(left.x).toBe(MIN_VISIBLE - 1000); // the right edge sits MIN_VISIBLE inside the left side
    const right = clampPan({ scale: 1, x: 5000, y: 0 }, image, view);
    expect(right.x).toBe(800 - MIN_VISIBLE);
    const down = clampPan({ scale: 1, x: 0, y: 9999 }, image, view);
    expect(down.y).toBe(600 - MIN_VISIBLE);
    const up = clampPan({ scale: 1, x: 0, y: -9999 }, image, view);
    expect(up.y).toBe(MIN_VISIBLE - 500);
  });

  it('keeps a tiny image whole on screen', () => {
    const tiny = { width: 10, height: 10 };
    const v = clampPan({ scale: 1, x: -50, y: 1000 }, tiny, view);
    expect(v.x).toBe(0);
    expect(v.y).toBe(590);
  });

  it('never changes the scale', () => {
    expect(clampPan({ scale: 3, x: 1e6, y: -1e6 }, image, view).scale).toBe(3);
  });

  it('panBy moves by the delta', () => {
    expect(panBy({ scale: 2, x: 1, y: 2 }, { x: 10, y: -5 })).toEqual({ scale: 2, x: 11, y: -3 });
  });
});

describe('wheel', () => {
  it('zooms in when scrolling up and out when scrolling down', () => {
    expect(wheelZoomFactor({ deltaY: -100, deltaMode: 0, ctrlKey: false })).toBeGreaterThan(1);
    expect(wheelZoomFactor({ deltaY: 100, deltaMode: 0, ctrlKey: false })).toBeLessThan(1);
    expect(wheelZoomFactor({ deltaY: 0, deltaMode: 0, ctrlKey: false })).toBe(1);
  });

  it('is symmetric: up then down by the same amount returns', () => {
    const up = wheelZoomFactor({ deltaY: -53, deltaMode: 0, ctrlKey: false });
    const down = wheelZoomFactor({ deltaY: 53, deltaMode: 0, ctrlKey: false });
    close(up * down, 1, 12);
  });

  it('counts lines as 16 pixels and caps a single event at 2x', () => {
    close(
      wheelZoomFactor({ deltaY: 3, deltaMode: 1, ctrlKey: false }),
      wheelZoomFactor({ deltaY: 48, deltaMode: 0, ctrlKey: false }),
    );
    expect(wheelZoomFactor({ deltaY: -100000, deltaMode: 0, ctrlKey: false })).toBe(2);
    expect(wheelZoomFactor({ deltaY: 1, deltaMode: 2, ctrlKey: false })).toBe(0.5);
  });

  it('makes a trackpad pinch (ctrlKey) count more per pixel', () => {
    const pinch = wheelZoomFactor({ deltaY: -10, deltaMode: 0, ctrlKey: true });
    const wheel = wheelZoomFactor({ deltaY: -10, deltaMode: 0, ctrlKey: false });
    expect(pinch).toBeGreaterThan(wheel);
  });
});

describe('formatZoom', () => {
  it.each([
    [1, '100%'],
    [0.374, '37%'],
    [0.02, '2%'],
    [32, '3200%'],
    [1 / 12, '8%'],
  ])('%s -> %s', (scale, text) => {
    expect(formatZoom(scale)).toBe(text);
  });
});
