// Drives the headless editor with pointer events (tldraw style) and checks each masking
// tool's state path, the draft it shows while drawing, and the edit it commits.
import { beforeEach, describe, expect, it } from 'vitest';
import { Editor } from '../../../../../../renderer/src/canvas/editor';
import type { CanvasPointerInfo } from '../../../../../../renderer/src/canvas/tools/toolState';
import type { AppAction, AppState } from '../../../../../../renderer/src/state/appState';
import { appReducer, initialAppState } from '../../../../../../renderer/src/state/appState';
import type { Store } from '../../../../../../renderer/src/state/store';
import { createStore } from '../../../../../../renderer/src/state/store';

function pointer(x: number, y: number, extra: Partial<CanvasPointerInfo> = {}): CanvasPointerInfo {
  return { point: { x, y }, button: 0, pointerId: 1, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, ...extra };
}

/** A 200 x 100 photo shown at 200 % with its top-left at (10, 20) on an 800 x 600 canvas. */
function setup(): { store: Store<AppState, AppAction>; editor: Editor } {
  const store = createStore(appReducer, initialAppState);
  store.dispatch({ type: 'stage/resized', size: { width: 800, height: 600 } });
  store.dispatch({ type: 'image/opened', image: { id: 'a', name: 'a.png', width: 200, height: 100, mime: 'image/png', sourceKey: 'a#1', levels: 1 } });
  store.dispatch({ type: 'view/set', viewport: { scale: 2, x: 10, y: 20 } });
  return { store, editor: new Editor(store) };
}

/** Screen point for an image point at this view. */
const screen = (x: number, y: number) => ({ x: 10 + 2 * x, y: 20 + 2 * y });
const down = (e: Editor, x: number, y: number, extra: Partial<CanvasPointerInfo> = {}) => e.pointerDown(pointer(screen(x, y).x, screen(x, y).y, extra));
const move = (e: Editor, x: number, y: number) => e.pointerMove(pointer(screen(x, y).x, screen(x, y).y));
const up = (e: Editor, x: number, y: number) => e.pointerUp(pointer(screen(x, y).x, screen(x, y).y));

function coverage(store: Store<AppState, AppAction>, x: number, y: number, index = 0): number {
  const region = store.getState().regions.items[index];
  if (!region) throw new Error(`no region ${index}`);
  return region.mask.data[y * region.mask.width + x]!;
}

describe('masking tools', () => {
  let store: Store<AppState, AppAction>;
  let editor: Editor;
  beforeEach(() => {
    ({ store, editor } = setup());
  });

  it('starts with the pan tool; choosing a tool updates the store and the crosshair', () => {
    expect(editor.path).toBe('pan.idle');
    editor.setTool('brush');
    expect(editor.path).toBe('brush.idle');
    expect(store.getState().regions.tool).toBe('brush');
    expect(store.getState().cursor).toBe('crosshair');
    editor.setTool('pan');
    expect(store.getState().cursor).toBe('grab');
  });

  it('brush: idle -> drawing -> idle; the draft follows the pointer and the mask changes only on pointer up', () => {
    editor.setTool('brush');
    store.dispatch({ type: 'regions/brush', brush: { size: 10, hardness: 1 } });
    down(editor, 20, 50);
    expect(editor.path).toBe('brush.drawing');
    move(editor, 60, 50);
    move(editor, 100, 50);
    const draft = store.getState().regions.draft;
    expect(draft?.kind).toBe('stroke');
    expect(draft && 'points' in draft ? draft.points : []).toEqual([{ x: 20, y: 50 }, { x: 60, y: 50 }, { x: 100, y: 50 }]);
    // Nothing committed yet: no region exists.
    expect(store.getState().regions.items).toHaveLength(0);
    up(editor, 100, 50);
    expect(editor.tool.history.slice(-3)).toEqual(['idle', 'drawing', 'idle']);
    const s = store.getState().regions;
    expect(s.draft).toBeNull();
    // Painting with no region made one, and the stroke landed in it.
    expect(s.items).toHaveLength(1);
    expect(coverage(store, 60, 50)).toBe(255);
    expect(coverage(store, 60, 58)).toBe(0);
    expect(coverage(store, 150, 50)).toBe(0);
    expect(s.history.undo).toHaveLength(1);
  });

  it('brush: Escape mid-stroke drops it', () => {
    editor.setTool('brush');
    down(editor, 20, 50);
    move(editor, 60, 50);
    editor.cancel();
    expect(editor.path).toBe('brush.idle');
    expect(store.getState().regions.draft).toBeNull();
    up(editor, 60, 50);
    expect(store.getState().regions.items).toHaveLength(0);
  });

  it('brush ignores the secondary button and a press with no image', () => {
    editor.setTool('brush');
    down(editor, 20, 50, { button: 2 });
    expect(editor.path).toBe('brush.idle');
    const bare = new Editor(createStore(appReducer, initialAppState));
    bare.setTool('brush');
    bare.pointerDown(pointer(5, 5));
    expect(bare.path).toBe('brush.idle');
  });

  it('eraser removes paint from the active region', () => {
    editor.setTool('rect');
    down(editor, 10, 10);
    move(editor, 100, 90);
    up(editor, 100, 90);
    expect(coverage(store, 50, 50)).toBe(255);
    editor.setTool('eraser');
    store.dispatch({ type: 'regions/brush', brush: { size: 20, hardness: 1 } });
    down(editor, 50, 50);
    up(editor, 50, 50);
    expect(coverage(store, 50, 50)).toBe(0);
    expect(coverage(store, 20, 20)).toBe(255);
    expect(store.getState().regions.history.undo).toHaveLength(2);
  });

  it('rect: idle -> dragging -> idle; a click without area commits nothing', () => {
    editor.setTool('rect');
    down(editor, 10, 10);
    expect(editor.path).toBe('rect.dragging');
    move(editor, 30, 40);
    expect(store.getState().regions.draft).toEqual({ kind: 'rect', a: { x: 10, y: 10 }, b: { x: 30, y: 40 }, mode: 'paint' });
    up(editor, 30, 40);
    expect(editor.path).toBe('rect.idle');
    expect(coverage(store, 20, 20)).toBe(255);
    expect(coverage(store, 31, 20)).toBe(0);
    down(editor, 50, 50);
    up(editor, 50, 50);
    expect(store.getState().regions.history.undo).toHaveLength(1);
  });

  it('rect with Alt subtracts', () => {
    editor.setTool('rect');
    down(editor, 0, 0);
    up(editor, 100, 100);
    down(editor, 0, 0, { altKey: true });
    up(editor, 50, 100);
    expect(coverage(store, 20, 20)).toBe(0);
    expect(coverage(store, 70, 20)).toBe(255);
  });

  it('lasso: idle -> drawing -> idle fills the traced outline', () => {
    editor.setTool('lasso');
    down(editor, 10, 10);
    expect(editor.path).toBe('lasso.drawing');
    move(editor, 90, 10);
    move(editor, 90, 90);
    move(editor, 10, 90);
    up(editor, 10, 90);
    expect(editor.path).toBe('lasso.idle');
    expect(coverage(store, 50, 50)).toBe(255);
    expect(coverage(store, 95, 50)).toBe(0);
  });

  it('fill floods the inside of a lassoed outline ring', () => {
    editor.setTool('rect');
    down(editor, 20, 20);
    up(editor, 80, 80);
    editor.setTool('rect');
    down(editor, 25, 25, { altKey: true });
    up(editor, 75, 75);
    expect(coverage(store, 50, 50)).toBe(0);
    editor.setTool('fill');
    down(editor, 50, 50);
    expect(editor.path).toBe('fill.idle');
    up(editor, 50, 50);
    expect(coverage(store, 50, 50)).toBe(255);
    expect(coverage(store, 5, 5)).toBe(0);
  });

  it('switching tools mid-stroke abandons the stroke', () => {
    editor.setTool('brush');
    down(editor, 20, 50);
    move(editor, 60, 50);
    editor.setTool('pan');
    expect(store.getState().regions.draft).toBeNull();
    expect(store.getState().regions.items).toHaveLength(0);
  });

  it('the brush outline follows the pointer in image pixels and hides when it leaves', () => {
    editor.setTool('brush');
    move(editor, 33, 44);
    expect(store.getState().regions.hover).toEqual({ x: 33, y: 44 });
    editor.pointerLeave();
    expect(store.getState().regions.hover).toBeNull();
  });

  it('undo and redo of a stroke through the editor', () => {
    editor.setTool('brush');
    down(editor, 20, 50);
    up(editor, 20, 50);
    expect(coverage(store, 20, 50)).toBe(255);
    // The region the first stroke made is part of the same undo step.
    editor.undo();
    expect(store.getState().regions.items).toHaveLength(0);
    editor.redo();
    expect(coverage(store, 20, 50)).toBe(255);
  });
});

describe('borrowing the hand while a masking tool is selected', () => {
  let store: Store<AppState, AppAction>;
  let editor: Editor;
  beforeEach(() => {
    ({ store, editor } = setup());
    editor.setTool('brush');
  });

  it('a middle-button drag pans, then the brush is back; nothing is painted', () => {
    editor.pointerDown(pointer(100, 100, { button: 1 }));
    expect(editor.path).toBe('pan.pointing');
    editor.pointerMove(pointer(140, 120, { button: 1 }));
    expect(editor.path).toBe('pan.panning');
    editor.pointerUp(pointer(140, 120, { button: 1 }));
    expect(editor.path).toBe('brush.idle');
    expect(store.getState().view.viewport).toEqual({ scale: 2, x: 50, y: 40 });
    expect(store.getState().regions.tool).toBe('brush');
    expect(store.getState().regions.items).toHaveLength(0);
    expect(store.getState().cursor).toBe('crosshair');
  });

  it('Space held pans with the primary button; released mid-drag, the brush returns when the drag ends', () => {
    editor.holdPan(true);
    expect(editor.path).toBe('pan.idle');
    expect(store.getState().cursor).toBe('grab');
    editor.pointerDown(pointer(100, 100));
    editor.pointerMove(pointer(90, 100));
    expect(editor.path).toBe('pan.panning');
    editor.holdPan(false);
    expect(editor.path).toBe('pan.panning');
    editor.pointerUp(pointer(90, 100));
    expect(editor.path).toBe('brush.idle');
    expect(store.getState().view.viewport.x).toBe(0);
    // Space up while idle returns at once.
    editor.holdPan(true);
    editor.holdPan(false);
    expect(editor.path).toBe('brush.idle');
  });

  it('Space mid-stroke drops the stroke rather than painting while panning', () => {
    down(editor, 20, 50);
    move(editor, 60, 50);
    editor.holdPan(true);
    expect(store.getState().regions.draft).toBeNull();
    editor.holdPan(false);
    expect(editor.path).toBe('brush.idle');
    expect(store.getState().regions.items).toHaveLength(0);
  });
});
