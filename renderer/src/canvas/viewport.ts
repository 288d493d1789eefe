/**
 * Viewport maths: where the image sits on screen. Pure functions, no DOM, no Konva.
 *
 * Notation (all lengths in CSS pixels):
 *   image point  p = (px, py)   in image pixels, origin at the image's top-left
 *   screen point s = (sx, sy)   relative to the canvas element's top-left
 *   viewport     v = { scale, x, y }   so that  s = p * scale + (x, y)
 *
 * `scale` 1 is 100 % (one image pixel per CSS pixel). Every function returns a new
 * viewport; none mutates its input.
 */

export interface Vec2 {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Viewport {
  /** Screen pixels per image pixel (1 = 100 %). */
  scale: number;
  /** Screen position of the image's top-left corner. */
  x: number;
  y: number;
}

/** Smallest and largest zoom: 2 % to 3200 %. */
export const MIN_SCALE = 0.02;
export const MAX_SCALE = 32;

/** Empty space kept around the image when fitting it to the view. */
export const FIT_MARGIN = 16;

/** However far the user pans, at least this much of the image (or all of it, if smaller) stays on screen. */
export const MIN_VISIBLE = 48;

/**
 * The zoom ladder the zoom buttons and keys step along (Photoshop's steps):
 * 2 % ... 66.7 %, 100 %, 200 % ... 800 %, 1200 %, 1600 %, 3200 %.
 */
export const ZOOM_STEPS: readonly number[] = [
  0.02, 0.03, 0.04, 0.05, 0.0625, 1 / 12, 0.125, 1 / 6, 0.25, 1 / 3, 0.5, 2 / 3, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 32,
];

export const IDENTITY: Viewport = { scale: 1, x: 0, y: 0 };

export function clampScale(scale: number): number {
  if (!Number.isFinite(scale)) return 1;
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

export function imageToScreen(v: Viewport, p: Vec2): Vec2 {
  return { x: p.x * v.scale + v.x, y: p.y * v.scale + v.y };
}

export function screenToImage(v: Viewport, s: Vec2): Vec2 {
  return { x: (s.x - v.x) / v.scale, y: (s.y - v.y) / v.scale };
}

/** The centre of the view, in screen pixels. */
export function viewCentre(view: Size): Vec2 {
  return { x: view.width / 2, y: view.height / 2 };
}

/**
 * Sets the zoom to `scale` (clamped) while the image point under `anchor` stays under it.
 *   1. find the image point under the anchor with the old viewport
 *   2. choose the new offset so that point maps back onto the anchor
 */
export function zoomTo(v: Viewport, scale: number, anchor: Vec2): Viewport {
  const next = clampScale(scale);
  const p = screenToImage(v, anchor); // 1.
  return { scale: next, x: anchor.x - p.x * next, y: anchor.y - p.y * next }; // 2.
}

/** Multiplies the zoom by `factor` about `anchor` (see zoomTo). */
export function zoomBy(v: Viewport, factor: number, anchor: Vec2): Viewport {
  return zoomTo(v, v.scale * factor, anchor);
}

/** Moves the image by `delta` screen pixels. */
export function panBy(v: Viewport, delta: Vec2): Viewport {
  return { scale: v.scale, x: v.x + delta.x, y: v.y + delta.y };
}

/** The scale at which the whole image fits in the view with FIT_MARGIN around it. */
export function fitScale(image: Size, view: Size, margin = FIT_MARGIN): number {
  if (image.width <= 0 || image.height <= 0) return 1;
  const room = { width: Math.max(1, view.width - 2 * margin), height: Math.max(1, view.height - 2 * margin) };
  return clampScale(Math.min(room.width / image.width, room.height / image.height));
}

/** Centres the image in the view at `scale`. */
export function centreAt(image: Size, view: Size, scale: number): Viewport {
  const s = clampScale(scale);
  return { scale: s, x: (view.width - image.width * s) / 2, y: (view.height - image.height * s) / 2 };
}

/**
 * The whole image, centred. With `maxScale` 1 a small image is shown at 100 % instead of
 * being blown up (what happens when a photo is opened).
 */
export function fitToView(image: Size, view: Size, maxScale = MAX_SCALE): Viewport {
  return centreAt(image, view, Math.min(maxScale, fitScale(image, view)));
}

/** 100 % about `anchor` (the view centre for the button and the `1` key). */
export function actualSize(v: Viewport, anchor: Vec2): Viewport {
  return zoomTo(v, 1, anchor);
}

const STEP_TOLERANCE = 1e-6;

/** The next step up the zoom ladder from `scale` (MAX_SCALE at the top). */
export function nextZoomIn(scale: number): number {
  for (const step of ZOOM_STEPS) if (step > scale * (1 + STEP_TOLERANCE)) return step;
  return MAX_SCALE;
}

/** The next step down the zoom ladder from `scale` (MIN_SCALE at the bottom). */
export function nextZoomOut(scale: number): number {
  for (let i = ZOOM_STEPS.length - 1; i >= 0; i--) {
    const step = ZOOM_STEPS[i]!;
    if (step < scale * (1 - STEP_TOLERANCE)) return step;
  }
  return MIN_SCALE;
}

/**
 * Keeps the image from being lost off screen: at least MIN_VISIBLE pixels of it (or
 * all of it, when it is smaller than that on screen) stay inside the view on each axis.
 */
export function clampPan(v: Viewport, image: Size, view: Size, minVisible = MIN_VISIBLE): Viewport {
  const clampAxis = (offset: number, imageLength: number, viewLength: number): number => {
    const onScreen = imageLength * v.scale;
    const keep = Math.min(minVisible, onScreen, viewLength);
    const lo = keep - onScreen; // image's far edge `keep` pixels inside the near side of the view
    const hi = viewLength - keep; // image's near edge `keep` pixels inside the far side of the view
    return Math.min(hi, Math.max(lo, offset));
  };
  return { scale: v.scale, x: clampAxis(v.x, image.width, view.width), y: clampAxis(v.y, image.height, view.height) };
}

/** Wheel deltas come in pixels, lines or pages (WheelEvent.deltaMode 0, 1, 2). */
export interface WheelDelta {
  deltaY: number;
  deltaMode: number;
  /** Trackpad pinch arrives as a wheel event with ctrlKey set and small deltas. */
  ctrlKey: boolean;
}

const LINE_HEIGHT_PX = 16;
const PAGE_HEIGHT_PX = 800;
/** Zoom per wheel pixel: one 100 px mouse-wheel notch zooms by about 1.22x. */
const WHEEL_ZOOM_PER_PX = 0.002;
/** Pinch deltas are small, so they count for more. */
const PINCH_ZOOM_PER_PX = 0.01;
/** No single event zooms by more than this (some mice report huge deltas). */
const MAX_WHEEL_STEP = 2;

/**
 * The zoom factor for one wheel event: exponential in the delta, so zooming in then out
 * by the same amount returns exactly, and many small trackpad events feel smooth.
 * Scrolling down (positive deltaY) zooms out.
 */
export function wheelZoomFactor(wheel: WheelDelta): number {
  const unit = wheel.deltaMode === 1 ? LINE_HEIGHT_PX : wheel.deltaMode === 2 ? PAGE_HEIGHT_PX : 1;
  const px = wheel.deltaY * unit;
  const exponent = -px * (wheel.ctrlKey ? PINCH_ZOOM_PER_PX : WHEEL_ZOOM_PER_PX);
  const limit = Math.log(MAX_WHEEL_STEP);
  return Math.exp(Math.min(limit, Math.max(-limit, exponent)));
}

/** The zoom as the toolbar shows it: an integer percent, e.g. `37%`. */
export function formatZoom(scale: number): string {
  return `${Math.round(scale * 100)}%`;
}
