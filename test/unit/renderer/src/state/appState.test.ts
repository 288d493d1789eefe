import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../../common/engineStatus';
import { FIT_MARGIN, MIN_VISIBLE, screenToImage } from '../../../../../renderer/src/canvas/viewport';
import type { AppAction, AppState, ImageDoc } from '../../../../../renderer/src/state/appState';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';

const photo = (over: Partial<ImageDoc> = {}): ImageDoc => ({
  id: 'img-1',
  name: 'kodim23.png',
  width: 768,
  height: 512,
  mime: 'image/png',
  sourceKey: 'img-1#1',
  levels: 1,
  ...over,
});

const run = (actions: AppAction[], from: AppState = initialAppState): AppState => actions.reduce(appReducer, from);
const sized = (width = 1280, height = 732): AppState => run([{ type: 'stage/resized', size: { width, height } }]);

describe('opening', () => {
  it('shows a photo that fits at 100 % centred, and clears the open state and old error', () => {
    const s = run(
      [
        { type: 'error/shown', error: { code: 'internal', message: 'old' } },
        { type: 'open/started', name: 'kodim23.png' },
        { type: 'image/opened', image: photo() },
      ],
      sized(),
    );
    expect(s.image?.name).toBe('kodim23.png');
    expect(s.opening).toBeNull();
    expect(s.error).toBeNull();
    expect(s.view.fitMode).toBe('open');
    expect(s.view.viewport).toEqual({ scale: 1, x: (1280 - 768) / 2, y: (732 - 512) / 2 });
  });

  it('fits a large photo inside the view on open', () => {
    const s = run([{ type: 'image/opened', image: photo({ width: 6000, height: 4000 }) }], sized());
    expect(s.view.viewport.scale).toBeCloseTo((732 - 2 * FIT_MARGIN) / 4000, 9);
  });

  it('fits once the canvas is measured when the photo came first', () => {
    const s = run([
      { type: 'image/opened', image: photo({ width: 6000, height: 4000 }) },
      { type: 'stage/resized', size: { width: 1280, height: 732 } },
    ]);
    expect(s.view.viewport.scale).toBeCloseTo((732 - 2 * FIT_MARGIN) / 4000, 9);
  });

  it('ends an open (cancelled dialog) without touching the photo', () => {
    const opened = run([{ type: 'image/opened', image: photo() }], sized());
    const s = run([{ type: 'open/started', name: null }, { type: 'open/ended' }], opened);
    expect(s.opening).toBeNull();
    expect(s.image).toBe(opened.image);
  });

  it('records mip levels only for the photo they belong to', () => {
    const opened = run([{ type: 'image/opened', image: photo() }], sized());
    expect(appReducer(opened, { type: 'image/levelsReady', sourceKey: 'img-1#1', levels: 4 }).image?.levels).toBe(4);
    expect(appReducer(opened, { type: 'image/levelsReady', sourceKey: 'other#9', levels: 4 })).toBe(opened);
  });
});

describe('zoom actions', () => {
  const opened = run([{ type: 'image/opened', image: photo() }], sized());
  const centre = { x: 640, y: 366 };

  it('zoom in/out step along the ladder about the view centre', () => {
    const under = screenToImage(opened.view.viewport, centre);
    const zin = appReducer(opened, { type: 'view/zoomStep', direction: 'in' });
    expect(zin.view.viewport.scale).toBe(2);
    expect(zin.view.fitMode).toBeNull();
    const after = screenToImage(zin.view.viewport, centre);
    expect(after.x).toBeCloseTo(under.x, 9);
    expect(after.y).toBeCloseTo(under.y, 9);
    const zout = appReducer(opened, { type: 'view/zoomStep', direction: 'out' });
    expect(zout.view.viewport.scale).toBeCloseTo(2 / 3, 12);
  });

  it('fit may go above 100 % for a small photo and is remembered', () => {
    const s = appReducer(opened, { type: 'view/fit' });
    expect(s.view.viewport.scale).toBeCloseTo(Math.min((1280 - 32) / 768, (732 - 32) / 512), 9);
    expect(s.view.viewport.scale).toBeGreaterThan(1);
    expect(s.view.fitMode).toBe('fit');
  });

  it('100 % about the centre', () => {
    const zoomed = run([{ type: 'view/set', viewport: { scale: 0.3, x: 10, y: 20 } }], opened);
    const s = appReducer(zoomed, { type: 'view/actual' });
    expect(s.view.viewport.scale).toBe(1);
  });

  it('zoom actions do nothing without a photo', () => {
    const empty = sized();
    for (const action of [{ type: 'view/zoomStep', direction: 'in' }, { type: 'view/fit' }, { type: 'view/actual' }] as const) {
      expect(appReducer(empty, action)).toBe(empty);
    }
  });

  it('view/set leaves fit mode', () => {
    const fitted = appReducer(opened, { type: 'view/fit' });
    const s = appReducer(fitted, { type: 'view/set', viewport: { scale: 1.5, x: 1, y: 2 } });
    expect(s.view.viewport).toEqual({ scale: 1.5, x: 1, y: 2 });
    expect(s.view.fitMode).toBeNull();
  });
});

describe('resizing the window', () => {
  it('refits while in a fit mode', () => {
    const fitted = run([{ type: 'image/opened', image: photo({ width: 6000, height: 4000 }) }], sized());
    const s = appReducer(fitted, { type: 'stage/resized', size: { width: 800, height: 600 } });
    expect(s.view.viewport.scale).toBeCloseTo((800 - 32) / 6000, 9);
    expect(s.view.stage).toEqual({ width: 800, height: 600 });
  });

  it('keeps the centre of the view still after the user zoomed', () => {
    const opened = run(
      [
        { type: 'image/opened', image: photo() },
        { type: 'view/set', viewport: { scale: 4, x: -1000, y: -600 } },
      ],
      sized(1000, 800),
    );
    const under = screenToImage(opened.view.viewport, { x: 500, y: 400 });
    const s = appReducer(opened, { type: 'stage/resized', size: { width: 1200, height: 700 } });
    const after = screenToImage(s.view.viewport, { x: 600, y: 350 });
    expect(after.x).toBeCloseTo(under.x, 9);
    expect(after.y).toBeCloseTo(under.y, 9);
    expect(s.view.viewport.scale).toBe(4);
  });

  it('keeps the photo reachable when the window shrinks', () => {
    const opened = run(
      [
        { type: 'image/opened', image: photo() },
        { type: 'view/set', viewport: { scale: 1, x: 1200, y: 0 } },
      ],
      sized(1280, 732),
    );
    const s = appReducer(opened, { type: 'stage/resized', size: { width: 400, height: 732 } });
    expect(s.view.viewport.x).toBeLessThanOrEqual(400 - MIN_VISIBLE);
  });

  it('ignores a resize to the same size', () => {
    const s = sized();
    expect(appReducer(s, { type: 'stage/resized', size: { width: 1280, height: 732 } })).toBe(s);
  });
});

describe('drag depth', () => {
  it('counts nested enters and leaves, and a drop ends the drag', () => {
    let s = run([{ type: 'drag/entered' }, { type: 'drag/entered' }, { type: 'drag/left' }]);
    expect(s.dragDepth).toBe(1);
    s = appReducer(s, { type: 'drag/left' });
    expect(s.dragDepth).toBe(0);
    s = appReducer(s, { type: 'drag/left' });
    expect(s.dragDepth).toBe(0); // never negative
    s = run([{ type: 'drag/entered' }, { type: 'drag/entered' }, { type: 'drag/ended' }]);
    expect(s.dragDepth).toBe(0);
  });
});

describe('engine, errors, cursor', () => {
  const status: EngineStatus = { state: 'ready', pack: { name: 'tiny', dir: '/p' }, provider: 'cpu', message: null };

  it('stores the latest engine status', () => {
    const s = run([{ type: 'engine/status', status }, { type: 'engine/status', status: { ...status, state: 'busy' } }]);
    expect(s.engine?.state).toBe('busy');
  });

  it('shows and dismisses the error', () => {
    const shown = appReducer(initialAppState, { type: 'error/shown', error: { code: 'internal', message: 'Bad thing.' } });
    expect(shown.error?.message).toBe('Bad thing.');
    const gone = appReducer(shown, { type: 'error/dismissed' });
    expect(gone.error).toBeNull();
    expect(appReducer(gone, { type: 'error/dismissed' })).toBe(gone);
  });

  it('sets the cursor, returning the same state when unchanged', () => {
    const s = appReducer(initialAppState, { type: 'cursor/set', cursor: 'grabbing' });
    expect(s.cursor).toBe('grabbing');
    expect(appReducer(s, { type: 'cursor/set', cursor: 'grabbing' })).toBe(s);
  });
});
