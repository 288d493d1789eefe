/**
 * Compare: the before (the original, or another result picked in the strip) against the current
 * result (compare.ts has the geometry and which two are shown).
 * Drawn over the canvas while compare is on; it shares the store's viewport, so zoom
 * and pan here and in the editing view are one and the same, and both panes of the
 * side-by-side view move together. Konva is write-only here too.
 *
 * Input: drag pans, the wheel zooms about the pointer, dragging the wipe line (or the
 * slider in its bar under the picture) moves the wipe. Holding the flip key (\) shows the before.
 * Each pane carries `data-image-rect` (`x,y,width,height`, pane pixels): where it draws the photo,
 * the same numbers Konva gets, for the end-to-end tests' geometry checks.
 */
import { useEffect, useRef } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { Group, Image as KonvaImage, Layer, Stage } from 'react-konva';
import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import { getBitmap } from '../canvas/bitmapCache';
import { clampPan, panBy, wheelZoomFactor, zoomBy } from '../canvas/viewport';
import type { CompareMode } from '../state/compare';
import { compareSides, comparePanes, paneAt, paneToStage, wipeClipWidth } from '../state/compare';
import type { HistoryEntry } from '../state/historyResults';
import { currentEntry } from '../state/historyResults';
import { entryTitle } from '../state/runLabel';
import './CompareView.css';

/** How close (px) to the wipe line a press grabs it. */
const WIPE_GRAB_PX = 10;

export function CompareView() {
  const { store } = useServices();
  const hostRef = useRef<HTMLDivElement>(null);
  const image = useAppState((s) => s.image);
  const viewport = useAppState((s) => s.view.viewport);
  const stage = useAppState((s) => s.view.stage);
  const compare = useStudio((s) => s.compare);
  const history = useStudio((s) => s.history);
  const sides = compareSides(history, compare, image?.id ?? null);
  const showing = sides !== null;
  const gesture = useRef<{ kind: 'pan' | 'wipe'; last: { x: number; y: number }; pointerId: number } | null>(null);

  // Wheel zoom about the pointer (non-passive, so the page itself does not scroll).
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const { image: img, view } = store.getState();
      const cmp = store.getState().studio.compare;
      if (!img) return;
      const rect = host.getBoundingClientRect();
      const point = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      const panes = comparePanes(cmp, view.stage, view.viewport);
      const pane = paneAt(panes, point.x)!;
      const anchor = paneToStage(pane, { x: point.x - pane.left, y: point.y }, view.stage, cmp.mode);
      const next = clampPan(zoomBy(view.viewport, wheelZoomFactor(e), anchor), img, view.stage);
      store.dispatch({ type: 'view/set', viewport: next });
    };
    host.addEventListener('wheel', onWheel, { passive: false });
    return () => host.removeEventListener('wheel', onWheel);
  }, [store, showing]);

  if (!image || !sides || stage.width <= 0 || stage.height <= 0) return null;

  const dpr = window.devicePixelRatio;
  const panes = comparePanes(compare, stage, viewport);
  const scale = viewport.scale;
  // A result of another size (e.g. `Upsample to 4.0x`) is drawn over the photo's own rectangle.
  const bitmapOf = (e: HistoryEntry | null) => (e ? getBitmap(e.resultKey, (scale * dpr * image.width) / e.width) : getBitmap(image.sourceKey, scale * dpr));
  const before = bitmapOf(sides.before);
  const after = bitmapOf(sides.after);
  const labelOf = (e: HistoryEntry | null) => (e ? entryTitle(e) : 'Original');
  const wipeX = compare.wipe * stage.width;
  const pictureHeight = panes[0]!.height;

  const local = (e: ReactPointerEvent) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 && e.button !== 1) return;
    const p = local(e);
    const kind = compare.mode === 'wipe' && !compare.flipped && Math.abs(p.x - wipeX) <= WIPE_GRAB_PX ? 'wipe' : 'pan';
    e.currentTarget.setPointerCapture(e.pointerId);
    gesture.current = { kind, last: p, pointerId: e.pointerId };
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const g = gesture.current;
    if (!g || g.pointerId !== e.pointerId) return;
    const p = local(e);
    if (g.kind === 'wipe') store.dispatch({ type: 'compare/wipe', at: p.x / stage.width });
    else {
      const { view } = store.getState();
      store.dispatch({ type: 'view/set', viewport: clampPan(panBy(view.viewport, { x: p.x - g.last.x, y: p.y - g.last.y }), image, view.stage) });
    }
    g.last = p;
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    gesture.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };

  const crisp = scale >= 1;
  const draw = (bitmap: ImageBitmap | undefined) =>
    bitmap ? <KonvaImage image={bitmap} x={0} y={0} width={image.width} height={image.height} perfectDrawEnabled={false} /> : null;

  return (
    <div
      ref={hostRef}
      className={`compare-host mode-${compare.mode}`}
      data-testid="compare-view"
      data-mode={compare.mode}
      data-flipped={compare.flipped ? 'true' : 'false'}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onContextMenu={(e) => e.preventDefault()}
    >
      {panes.map((pane, i) => {
        const v = pane.viewport;
        const x = crisp ? Math.round(v.x) : v.x;
        const y = crisp ? Math.round(v.y) : v.y;
        const showsAfter = pane.shows === 'after';
        const wipeClip = compare.mode === 'wipe' && showsAfter ? wipeClipWidth(compare.wipe, stage.width, v, image.width) : null;
        const label = showsAfter ? labelOf(sides.after) : labelOf(sides.before);
        const rect = [x, y, image.width * v.scale, image.height * v.scale].map((n) => Math.round(n * 100) / 100).join(',');
        return (
          <div
            className="compare-pane"
            key={i}
            data-testid={`compare-pane-${i}`}
            data-shows={pane.shows}
            data-image-rect={rect}
            style={{ left: pane.left, width: pane.width, height: pane.height }}
          >
            <Stage width={pane.width} height={pane.height} x={x} y={y} scaleX={v.scale} scaleY={v.scale} listening={false}>
              <Layer imageSmoothingEnabled={!crisp} listening={false}>
                {draw(showsAfter ? after : before)}
                {wipeClip !== null ? <Group clipX={0} clipY={0} clipWidth={wipeClip} clipHeight={image.height}>{draw(before)}</Group> : null}
              </Layer>
            </Stage>
            <span className="pane-label" data-testid={`compare-label-${i}`} title={label}>
              <b>{showsAfter ? 'B' : 'A'}</b> {label}
            </span>
          </div>
        );
      })}
      {compare.mode === 'wipe' && !compare.flipped ? (
        <>
          <div className="wipe-line" aria-hidden="true" style={{ left: Math.round(wipeX), height: pictureHeight }} />
          <span className="pane-label wipe-before" data-testid="compare-label-before" title={labelOf(sides.before)}>
            <b>A</b> {labelOf(sides.before)}
          </span>
        </>
      ) : null}
      {compare.mode === 'wipe' ? (
        <div className="wipe-bar" data-testid="wipe-bar" style={{ top: pictureHeight }} onPointerDown={(e) => e.stopPropagation()}>
          <span className="wipe-end">A</span>
          <input
            type="range"
            className="wipe-slider"
            data-testid="wipe-slider"
            aria-label="Wipe position"
            min={0}
            max={1}
            step={0.001}
            value={compare.wipe}
            onChange={(e) => store.dispatch({ type: 'compare/wipe', at: Number(e.target.value) })}
          />
          <span className="wipe-end">B</span>
        </div>
      ) : null}
      {compare.flipped ? <span className="flip-badge">{sides.before ? 'A' : 'Original'} (release \ to see the result)</span> : null}
    </div>
  );
}

const MODES: { mode: CompareMode; label: string; title: string }[] = [
  { mode: 'result', label: 'After', title: 'The result alone' },
  { mode: 'side', label: 'Side by side', title: 'Before and after side by side, zoom and pan together' },
  { mode: 'wipe', label: 'Wipe', title: 'Drag the line to wipe between before and after' },
];

/** The toolbar's compare controls: on/off (C) and the mode. */
export function CompareControls() {
  const { store } = useServices();
  const compare = useStudio((s) => s.compare);
  const imageId = useAppState((s) => s.image?.id ?? null);
  const hasResult = useStudio((s) => currentEntry(s.history, imageId) !== null);
  return (
    <div className="tb-group" aria-label="Compare">
      <button
        type="button"
        className={`tb-button${compare.on && hasResult ? ' tb-pressed' : ''}`}
        data-testid="compare-toggle"
        aria-pressed={compare.on && hasResult}
        disabled={!hasResult}
        title={hasResult ? 'Show the result / back to editing (C); hold \\ to see the original' : 'Run a restoration first'}
        onClick={() => store.dispatch({ type: 'compare/toggle' })}
      >
        Compare
      </button>
      {MODES.map((m) => (
        <button
          type="button"
          key={m.mode}
          className={`tb-button tb-seg${hasResult && compare.on && compare.mode === m.mode ? ' tb-pressed' : ''}`}
          data-testid={`compare-mode-${m.mode}`}
          aria-pressed={hasResult && compare.on && compare.mode === m.mode}
          disabled={!hasResult}
          title={m.title}
          onClick={() => store.dispatch({ type: 'compare/mode', mode: m.mode })}
        >
          {m.label}
        </button>
      ))}
    </div>
  );
}
