/**
 * The Konva layer over the photo that draws the regions (store -> Konva, write-only):
 * each visible region's mask (feathered: a preview of the engine's feather) in its colour, the draft of
 * the gesture in progress, and the brush outline under the pointer. Drawn in image
 * pixels: the stage carries the viewport transform.
 */
import { Circle, Image as KonvaImage, Layer, Line, Rect } from 'react-konva';
import { useAppState } from '../app/appContext';
import type { Draft, Region } from '../state/regions';
import { REGION_COLOURS, featheredMask } from '../state/regions';
import { overlayCanvas } from './maskOverlay';

/** How strongly a fully covered pixel tints the photo. */
export const OVERLAY_OPACITY = 0.5;

function RegionOverlay({ region, maskScale, width, height }: { region: Region; maskScale: number; width: number; height: number }) {
  const mask = featheredMask(region, maskScale);
  return <KonvaImage image={overlayCanvas(mask, region.colour)} x={0} y={0} width={width} height={height} opacity={OVERLAY_OPACITY} listening={false} perfectDrawEnabled={false} />;
}

function DraftShape({ draft, colour, scale }: { draft: Draft; colour: string; scale: number }) {
  const erase = draft.mode === 'erase';
  // Outlines stay one screen pixel wide at any zoom.
  const hairline = 1 / scale;
  // Rectangle and lasso drafts: a dashed outline, filled unless erasing.
  const outlineStyle = {
    fill: erase ? undefined : colour,
    opacity: erase ? 1 : OVERLAY_OPACITY,
    stroke: erase ? '#ffffff' : colour,
    strokeWidth: hairline,
    dash: [4 * hairline, 4 * hairline],
    listening: false,
  };
  switch (draft.kind) {
    case 'stroke': {
      const pts = draft.points.length === 1 ? [draft.points[0]!, draft.points[0]!] : draft.points;
      return (
        <Line
          points={pts.flatMap((p) => [p.x, p.y])}
          stroke={colour}
          strokeWidth={draft.size}
          lineCap="round"
          lineJoin="round"
          opacity={erase ? 1 : OVERLAY_OPACITY}
          // The eraser's draft cuts the overlay, showing what the stroke will remove.
          globalCompositeOperation={erase ? 'destination-out' : 'source-over'}
          listening={false}
        />
      );
    }
    case 'rect': {
      const x = Math.min(draft.a.x, draft.b.x);
      const y = Math.min(draft.a.y, draft.b.y);
      return (
        <Rect
          x={x}
          y={y}
          width={Math.abs(draft.b.x - draft.a.x)}
          height={Math.abs(draft.b.y - draft.a.y)}
          {...outlineStyle}
        />
      );
    }
    case 'lasso':
      return (
        <Line
          points={draft.points.flatMap((p) => [p.x, p.y])}
          closed
          {...outlineStyle}
        />
      );
  }
}

export function MaskLayer({ scale, crisp }: { scale: number; crisp: boolean }) {
  const regions = useAppState((s) => s.regions);
  const image = useAppState((s) => s.image);
  if (!image) return null;
  const active = regions.items.find((r) => r.id === regions.activeId);
  const colour = active?.colour ?? REGION_COLOURS[(regions.nextId - 1) % REGION_COLOURS.length]!;
  const showBrush = regions.hover !== null && (regions.tool === 'brush' || regions.tool === 'eraser');
  // The first region in the list is drawn on top.
  const visible = [...regions.items].reverse().filter((r) => r.visible);
  return (
    <>
      <Layer imageSmoothingEnabled={!crisp} listening={false}>
        {visible.map((r) => (
          <RegionOverlay key={r.id} region={r} maskScale={regions.maskScale} width={image.width} height={image.height} />
        ))}
        {regions.draft ? <DraftShape draft={regions.draft} colour={colour} scale={scale} /> : null}
      </Layer>
      {showBrush && regions.hover ? (
        <Layer listening={false}>
          <Circle x={regions.hover.x} y={regions.hover.y} radius={regions.brush.size / 2} stroke="#000000" strokeWidth={3 / scale} opacity={0.5} listening={false} />
          <Circle x={regions.hover.x} y={regions.hover.y} radius={regions.brush.size / 2} stroke="#ffffff" strokeWidth={1 / scale} listening={false} />
        </Layer>
      ) : null}
    </>
  );
}
