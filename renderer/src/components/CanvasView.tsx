/**
 * The canvas: a react-konva Stage that draws the store's view of the image, and the
 * DOM event wiring that feeds the canvas editor (which runs the active tool).
 *
 * Konva is write-only here: props go in, nothing is read back. The stage carries the
 * viewport transform, so every layer (the image now; masks and regions later) is
 * drawn in image pixels.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { Image as KonvaImage, Layer, Rect, Stage } from 'react-konva';
import { useAppState, useServices } from '../app/appContext';
import { getBitmap, releaseBitmap } from '../canvas/bitmapCache';
import { MaskLayer } from '../canvas/MaskLayer';
import type { CanvasPointerInfo } from '../canvas/tools/toolState';
import './CanvasView.css';

function pointerInfo(host: HTMLElement, e: PointerEvent | ReactPointerEvent): CanvasPointerInfo {
  const rect = host.getBoundingClientRect();
  return {
    point: { x: e.clientX - rect.left, y: e.clientY - rect.top },
    button: e.button,
    pointerId: e.pointerId,
    shiftKey: e.shiftKey,
    altKey: e.altKey,
    ctrlKey: e.ctrlKey,
    metaKey: e.metaKey,
  };
}

/**
 * Releases the previously shown bitmap once a new one is on screen (safe under StrictMode's double effects),
 * unless it is an open photo's (a tab not shown): app/photoSessions.ts frees those when the photo closes.
 */
function useReleasePrevious(sourceKey: string | null, isOpen: (key: string) => boolean): void {
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const previous = shown.current;
    if (previous && previous !== sourceKey && !isOpen(previous)) releaseBitmap(previous);
    shown.current = sourceKey;
  }, [sourceKey, isOpen]);
}

export function CanvasView() {
  const { store, editor } = useServices();
  const hostRef = useRef<HTMLDivElement>(null);
  const image = useAppState((s) => s.image);
  const viewport = useAppState((s) => s.view.viewport);
  const stage = useAppState((s) => s.view.stage);
  const cursor = useAppState((s) => s.cursor);
  // Zoomed out, draw a smaller mip level of the photo (sharper and cheaper than shrinking the full one).
  const bitmap = image ? getBitmap(image.sourceKey, viewport.scale * window.devicePixelRatio) : undefined;
  const isOpen = useCallback((key: string) => store.getState().sessions.tabs.some((t) => t.sourceKey === key), [store]);
  useReleasePrevious(image?.sourceKey ?? null, isOpen);

  // The stage follows the element's size (window resizes, banners appearing).
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const measure = (width: number, height: number) =>
      store.dispatch({ type: 'stage/resized', size: { width: Math.floor(width), height: Math.floor(height) } });
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) measure(box.width, box.height);
    });
    observer.observe(host);
    const rect = host.getBoundingClientRect();
    measure(rect.width, rect.height);
    return () => observer.disconnect();
  }, [store]);

  // Wheel zoom needs a non-passive listener so it can stop the page from scrolling or zooming.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = host.getBoundingClientRect();
      editor.wheel({
        point: { x: e.clientX - rect.left, y: e.clientY - rect.top },
        deltaX: e.deltaX,
        deltaY: e.deltaY,
        deltaMode: e.deltaMode,
        ctrlKey: e.ctrlKey,
      });
    };
    host.addEventListener('wheel', onWheel, { passive: false });
    return () => host.removeEventListener('wheel', onWheel);
  }, [editor]);

  // A drag that loses the window (alt-tab mid-pan) ends where it is.
  useEffect(() => {
    const onBlur = () => editor.cancel();
    window.addEventListener('blur', onBlur);
    return () => window.removeEventListener('blur', onBlur);
  }, [editor]);

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button === 1) e.preventDefault(); // no middle-click autoscroll
    e.currentTarget.setPointerCapture(e.pointerId);
    editor.pointerDown(pointerInfo(e.currentTarget, e));
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => editor.pointerMove(pointerInfo(e.currentTarget, e));
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    editor.pointerUp(pointerInfo(e.currentTarget, e));
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  // Capture lost without a pointerup (e.g. the element was covered): end the gesture where it is.
  const onLostPointerCapture = (e: ReactPointerEvent<HTMLDivElement>) => editor.pointerUp(pointerInfo(e.currentTarget, e));
  const onPointerCancel = () => editor.cancel();
  const onPointerLeave = () => editor.pointerLeave();

  const { scale } = viewport;
  // Above 100 % show real pixels: no smoothing, and whole-pixel offsets so they stay square.
  const crisp = scale >= 1;
  const x = crisp ? Math.round(viewport.x) : viewport.x;
  const y = crisp ? Math.round(viewport.y) : viewport.y;
  const showImage = image !== null && bitmap !== undefined && stage.width > 0 && stage.height > 0;

  return (
    <div
      ref={hostRef}
      className={`canvas-host cursor-${image ? cursor : 'default'}`}
      data-testid="canvas-stage"
      data-zoom={scale}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerCancel}
      onLostPointerCapture={onLostPointerCapture}
      onPointerLeave={onPointerLeave}
      onContextMenu={(e) => e.preventDefault()}
    >
      {stage.width > 0 && stage.height > 0 ? (
        <Stage width={stage.width} height={stage.height} x={x} y={y} scaleX={scale} scaleY={scale} listening={false}>
          <Layer imageSmoothingEnabled={!crisp} listening={false}>
            {showImage ? (
              <>
                {/* A hairline frame so the photo's edge shows against the dark canvas. */}
                <Rect
                  x={0}
                  y={0}
                  width={image.width}
                  height={image.height}
                  stroke="#000"
                  strokeWidth={1}
                  strokeScaleEnabled={false}
                  shadowForStrokeEnabled={false}
                  perfectDrawEnabled={false}
                />
                <KonvaImage image={bitmap} x={0} y={0} width={image.width} height={image.height} perfectDrawEnabled={false} />
              </>
            ) : null}
          </Layer>
          {showImage ? <MaskLayer scale={scale} crisp={crisp} /> : null}
        </Stage>
      ) : null}
    </div>
  );
}
