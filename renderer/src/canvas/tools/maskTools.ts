/**
 * The masking tools, each a small state machine (see toolState.ts). They paint into the
 * active region's mask, in image pixels; the store rasterises (regions.ts, raster.ts).
 *
 *   brush, eraser   idle ──down──▶ drawing ──up──▶ idle      (commit the stroke)
 *                                    └──cancel (Esc)──▶ idle (drop it)
 *   rect            idle ──down──▶ dragging ──up──▶ idle     (commit the rectangle)
 *   lasso           idle ──down──▶ drawing ──up──▶ idle      (commit the closed outline)
 *   fill            idle ──click──▶ idle                     (flood fill at the click)
 *
 * While drawing, the tool keeps its points and shows them as the store's `draft`
 * (Konva draws it over the masks); the mask changes once, when the gesture ends, and
 * that is one undo step. Alt subtracts with the brush, rectangle, lasso and fill (the
 * eraser always does). The primary button draws; the middle button is left to pan.
 */
import type { PaintMode } from '../raster';
import type { BrushSettings, Draft, MaskOp } from '../../state/regions';
import type { Vec2 } from '../viewport';
import { screenToImage } from '../viewport';
import type { CanvasEditor, CanvasPointerInfo } from './toolState';
import { Tool, ToolState } from './toolState';

/** What the masking tools need from the editor besides the viewport. */
export interface MaskEditor extends CanvasEditor {
  getBrush(): BrushSettings;
  setDraft(draft: Draft | null): void;
  /** Where to draw the brush outline (image pixels), or null to hide it. */
  setHover(point: Vec2 | null): void;
  /** Applies a finished edit to the active region (making a region if there is none). */
  commitMask(op: MaskOp): void;
}

function isMaskEditor(editor: CanvasEditor): editor is MaskEditor {
  return 'commitMask' in editor && 'setDraft' in editor;
}

/** Screen pixels the pointer must move before a brush or lasso adds a point. */
export const MIN_POINT_SPACING = 1.5;

/** What the drawing states are started with. */
interface Gesture {
  pointerId: number;
  /** Image pixels. */
  start: Vec2;
  /** Canvas (screen) pixels, to thin out points. */
  screen: Vec2;
  mode: PaintMode;
}

function isGesture(info: unknown): info is Gesture {
  return typeof info === 'object' && info !== null && 'pointerId' in info && 'start' in info && 'mode' in info;
}

abstract class MaskToolState extends ToolState {
  protected get masks(): MaskEditor {
    if (!isMaskEditor(this.editor)) throw new Error(`Tool "${this.tool.id}" needs an editor that can edit masks.`);
    return this.editor;
  }

  protected toImage(info: CanvasPointerInfo): Vec2 {
    return screenToImage(this.editor.getViewport(), info.point);
  }

  protected modeFor(info: CanvasPointerInfo): PaintMode {
    return this.tool.id === 'eraser' || info.altKey ? 'erase' : 'paint';
  }

  /** Starts a gesture on a primary-button press over an open image; null otherwise. */
  protected gestureFor(info: CanvasPointerInfo): Gesture | null {
    if (info.button !== 0 || !this.editor.getImageSize()) return null;
    return { pointerId: info.pointerId, start: this.toImage(info), screen: info.point, mode: this.modeFor(info) };
  }
}

/** Idle for every masking tool: crosshair, brush outline under the pointer, a press starts `next`. */
function idleState(next: string | null, onClick?: (masks: MaskEditor, gesture: Gesture) => void) {
  return class Idle extends MaskToolState {
    readonly id = 'idle';

    override onEnter(): void {
      this.editor.setCursor('crosshair');
    }

    override onExit(): void {
      this.masks.setHover(null);
    }

    override onPointerMove(info: CanvasPointerInfo): void {
      this.masks.setHover(this.editor.getImageSize() ? this.toImage(info) : null);
    }

    override onPointerDown(info: CanvasPointerInfo): void {
      const gesture = this.gestureFor(info);
      if (!gesture) return;
      if (onClick) onClick(this.masks, gesture);
      if (next) this.tool.transition(next, gesture);
    }
  };
}

/** Collects points while the pointer moves; shared by the brush (a stroke) and the lasso (an outline). */
abstract class Tracing extends MaskToolState {
  readonly id = 'drawing';
  protected gesture: Gesture | null = null;
  protected points: Vec2[] = [];
  private lastScreen: Vec2 | null = null;

  protected abstract draft(points: readonly Vec2[], mode: PaintMode): Draft;
  protected abstract finish(points: readonly Vec2[], mode: PaintMode): MaskOp | null;

  override onEnter(info: unknown): void {
    if (!isGesture(info)) throw new Error(`${this.tool.id}.drawing needs the gesture that started it.`);
    this.gesture = info;
    this.points = [info.start];
    this.lastScreen = info.screen;
    this.masks.setDraft(this.draft(this.points, info.mode));
  }

  override onExit(): void {
    this.gesture = null;
    this.points = [];
    this.lastScreen = null;
    this.masks.setDraft(null);
  }

  override onPointerMove(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    this.masks.setHover(this.toImage(info));
    const last = this.lastScreen;
    if (last && Math.hypot(info.point.x - last.x, info.point.y - last.y) < MIN_POINT_SPACING) return;
    this.lastScreen = info.point;
    this.points = [...this.points, this.toImage(info)];
    this.masks.setDraft(this.draft(this.points, g.mode));
  }

  override onPointerUp(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    const op = this.finish(this.points, g.mode);
    this.tool.transition('idle');
    if (op) this.masks.commitMask(op);
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

class BrushDrawing extends Tracing {
  protected draft(points: readonly Vec2[], mode: PaintMode): Draft {
    const { size, hardness } = this.masks.getBrush();
    return { kind: 'stroke', points, size, hardness, mode };
  }

  protected finish(points: readonly Vec2[], mode: PaintMode): MaskOp {
    const { size, hardness } = this.masks.getBrush();
    return { kind: 'stroke', points, size, hardness, mode };
  }
}

class LassoDrawing extends Tracing {
  protected draft(points: readonly Vec2[], mode: PaintMode): Draft {
    return { kind: 'lasso', points, mode };
  }

  /** Fewer than three points encloses nothing: a click with the lasso does nothing. */
  protected finish(points: readonly Vec2[], mode: PaintMode): MaskOp | null {
    return points.length >= 3 ? { kind: 'lasso', points, mode } : null;
  }
}

class RectDragging extends MaskToolState {
  readonly id = 'dragging';
  private gesture: Gesture | null = null;
  private corner: Vec2 | null = null;

  override onEnter(info: unknown): void {
    if (!isGesture(info)) throw new Error('rect.dragging needs the gesture that started it.');
    this.gesture = info;
    this.corner = info.start;
    this.masks.setDraft({ kind: 'rect', a: info.start, b: info.start, mode: info.mode });
  }

  override onExit(): void {
    this.gesture = null;
    this.corner = null;
    this.masks.setDraft(null);
  }

  override onPointerMove(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    this.corner = this.toImage(info);
    this.masks.setDraft({ kind: 'rect', a: g.start, b: this.corner, mode: g.mode });
  }

  override onPointerUp(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    const b = this.toImage(info);
    this.tool.transition('idle');
    // A click (no area) draws nothing.
    if (Math.abs(b.x - g.start.x) >= 1 && Math.abs(b.y - g.start.y) >= 1) this.masks.commitMask({ kind: 'rect', a: g.start, b, mode: g.mode });
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

export function createBrushTool(editor: CanvasEditor, id: 'brush' | 'eraser' = 'brush'): Tool {
  return new Tool(id, editor, [idleState('drawing'), BrushDrawing], 'idle');
}

export function createEraserTool(editor: CanvasEditor): Tool {
  return createBrushTool(editor, 'eraser');
}

export function createRectTool(editor: CanvasEditor): Tool {
  return new Tool('rect', editor, [idleState('dragging'), RectDragging], 'idle');
}

export function createLassoTool(editor: CanvasEditor): Tool {
  return new Tool('lasso', editor, [idleState('drawing'), LassoDrawing], 'idle');
}

export function createFillTool(editor: CanvasEditor): Tool {
  return new Tool(
    'fill',
    editor,
    [idleState(null, (masks, g) => masks.commitMask({ kind: 'fill', point: g.start, mode: g.mode }))],
    'idle',
  );
}
