// Drives the headless editor with pointer events, as tldraw's tests do, and checks the
// pan tool's state path and what it did to the store's viewport.
import { beforeEach, describe, expect, it } from 'vitest';
import { Editor } from '../../../../../../renderer/src/canvas/editor';
import { DRAG_THRESHOLD } from '../../../../../../renderer/src/canvas/tools/panTool';
import type { CanvasPointerInfo, CanvasWheelInfo } from '../../../../../../renderer/src/canvas/tools/toolState';
import { MIN_VISIBLE, screenToImage } from '../../../../../../renderer/src/canvas/viewport';
import type { AppAction, AppState } from '../../../../../../renderer/src/state/appState';
import { appReducer, initialAppState } from '../../../../../../renderer/src/state/appState';
import type { Store } from '../../../../../../renderer/src/state/store';
import { createStore } from '../../../../../../renderer/src/state/store';

function pointer(x: number, y: number, extra: Partial<CanvasPointerInfo> = {}): CanvasPointerInfo {
  return { point: { x, y }, button: 0, pointerId: 1, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, ...extra };
}

function wheel(x: number, y: number, deltaY: number): CanvasWheelInfo {
  return { point: { x, y }, deltaX: 0, deltaY, deltaMode: 0, ctrlKey: false };
}

/** A store with an 800 x 600 canvas and, unless told otherwise, a 1000 x 500 photo at 100 %, top-left at (0, 0). */
function setup(withImage = true): { store: Store<AppState, AppAction>; editor: Editor } {
  const store = createStore(appReducer, initialAppState);
  store.dispatch({ type: 'stage/resized', size: { width: 800, height: 600 } });
  if (withImage) {
    store.dispatch({
      type: 'image/opened',
      image: { id: 'a', name: 'a.png', width: 1000, height: 500, mime: 'image/png', sourceKey: 'a#1', levels: 1 },
    });
    store.dispatch({ type: 'view/set', viewport: { scale: 1, x: 0, y: 0 } });
  }
  return { store, editor: new Editor(store) };
}

describe('pan tool', () => {
  let store: Store<AppState, AppAction>;
  let editor: Editor;
  beforeEach(() => {
    ({ store, editor } = setup());
  });

  it('starts idle with the grab cursor', () => {
    expect(editor.path).toBe('pan.idle');
    expect(store.getState().cursor).toBe('grab');
  });

  it('idle -> pointing -> panning -> idle, moving the view by the drag', () => {
    editor.pointerDown(pointer(100, 100));
    expect(editor.path).toBe('pan.pointing');
    editor.pointerMove(pointer(101, 101)); // under the threshold: still a click
    expect(editor.path).toBe('pan.pointing');
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: 0, y: 0 });

    editor.pointerMove(pointer(130, 90));
    expect(editor.path).toBe('pan.panning');
    expect(store.getState().cursor).toBe('grabbing');
    // Measured from the press, not from where the threshold was crossed.
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: 30, y: -10 });

    editor.pointerMove(pointer(50, 60));
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: -50, y: -40 });

    editor.pointerUp(pointer(50, 60));
    expect(editor.path).toBe('pan.idle');
    expect(store.getState().cursor).toBe('grab');
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: -50, y: -40 });
    expect(store.getState().view.fitMode).toBeNull();
    expect(editor.tool.history.slice(-4)).toEqual(['idle', 'pointing', 'panning', 'idle']);
  });

  it('a click (no movement past the threshold) leaves the view alone', () => {
    editor.pointerDown(pointer(100, 100));
    editor.pointerMove(pointer(100 + DRAG_THRESHOLD - 1, 100));
    editor.pointerUp(pointer(100 + DRAG_THRESHOLD - 1, 100));
    expect(editor.path).toBe('pan.idle');
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: 0, y: 0 });
    expect(editor.tool.history).not.toContain('panning');
  });

  it('cancel (Escape) mid-drag puts the view back', () => {
    editor.pointerDown(pointer(100, 100));
    editor.pointerMove(pointer(300, 200));
    expect(store.getState().view.viewport.x).toBe(200);
    editor.cancel();
    expect(editor.path).toBe('pan.idle');
    expect(store.getState().view.viewport).toEqual({ scale: 1, x: 0, y: 0 });
  });

  it('cancel while pointing just goes back to idle', () => {
    editor.pointerDown(pointer(100, 100));
    editor.cancel();
    expect(editor.path).toBe('pan.idle');
  });

  it('keeps part of the image on screen however far it is dragged', () => {
    editor.pointerDown(pointer(700, 300));
    editor.pointerMove(pointer(-5000, 300));
    expect(store.getState().view.viewport.x).toBe(MIN_VISIBLE - 1000);
  });

  it('ignores the secondary button and other pointers', () => {
    editor.pointerDown(pointer(100, 100, { button: 2 }));
    expect(editor.path).toBe('pan.idle');
    editor.pointerDown(pointer(100, 100, { button: 1 })); // middle button pans
    expect(editor.path).toBe('pan.pointing');
    editor.pointerMove(pointer(200, 100, { pointerId: 2 }));
    expect(editor.path).toBe('pan.pointing');
    editor.pointerUp(pointer(200, 100, { pointerId: 2 }));
    expect(editor.path).toBe('pan.pointing');
    editor.pointerUp(pointer(100, 100));
    expect(editor.path).toBe('pan.idle');
  });

  it('does nothing without an image', () => {
    const empty = setup(false);
    empty.editor.pointerDown(pointer(10, 10));
    expect(empty.editor.path).toBe('pan.idle');
    const before = empty.store.getState();
    empty.editor.wheel(wheel(10, 10, -100));
    expect(empty.store.getState()).toBe(before);
  });
});

describe('wheel zoom (every tool state)', () => {
  it('zooms about the pointer in idle', () => {
    const { store, editor } = setup();
    const anchor = { x: 240, y: 130 };
    const under = screenToImage(store.getState().view.viewport, anchor);
    editor.wheel(wheel(anchor.x, anchor.y, -100));
    const v = store.getState().view.viewport;
    expect(v.scale).toBeGreaterThan(1);
    const after = screenToImage(v, anchor);
    expect(after.x).toBeCloseTo(under.x, 6);
    expect(after.y).toBeCloseTo(under.y, 6);
    expect(editor.path).toBe('pan.idle');
  });

  it('mid-drag zooms about the pointer and the drag carries on from there', () => {
    const { store, editor } = setup();
    editor.pointerDown(pointer(100, 100));
    editor.pointerMove(pointer(200, 150));
    expect(editor.path).toBe('pan.panning');
    const imagePointUnderPointer = screenToImage(store.getState().view.viewport, { x: 200, y: 150 });
    editor.wheel(wheel(200, 150, -200));
    expect(editor.path).toBe('pan.panning');
    const zoomed = store.getState().view.viewport;
    expect(zoomed.scale).toBeGreaterThan(1);
    // Moving the pointer on by (10, 0) now moves the zoomed view by (10, 0), without a jump.
    editor.pointerMove(pointer(210, 150));
    const moved = store.getState().view.viewport;
    expect(moved.x).toBeCloseTo(zoomed.x + 10, 9);
    expect(moved.y).toBeCloseTo(zoomed.y, 9);
    // The image point grabbed is still under the pointer.
    const grabbed = screenToImage(moved, { x: 210, y: 150 });
    expect(grabbed.x).toBeCloseTo(imagePointUnderPointer.x, 6);
    expect(grabbed.y).toBeCloseTo(imagePointUnderPointer.y, 6);
  });
});
