/**
 * The pan (hand) tool: drag to move the image, wheel to zoom about the pointer.
 *
 *   idle ──pointer down──▶ pointing ──moved past DRAG_THRESHOLD──▶ panning
 *    ▲                        │ up / cancel                        │ up: keep the new view
 *    └────────────────────────┴────────────────────────────────────┘ cancel: put the view back
 *
 * `pointing` exists so a click does not nudge the view: the image only moves once the
 * pointer has travelled DRAG_THRESHOLD pixels, and then it catches up at once (the
 * pan is measured from where the button went down, not from the threshold).
 */
import type { Vec2, Viewport } from '../viewport';
import { clampPan, panBy } from '../viewport';
import type { CanvasEditor, CanvasPointerInfo, CanvasWheelInfo } from './toolState';
import { Tool, ToolState, zoomAboutPointer } from './toolState';

/** Pixels the pointer must travel with the button down before a press becomes a drag. */
export const DRAG_THRESHOLD = 3;

/** Primary (left) and middle buttons pan; the secondary button is left for context menus. */
function isPanButton(button: number): boolean {
  return button === 0 || button === 1;
}

/** What `pointing` and `panning` need to know about the press that started them. */
export interface PanGesture {
  pointerId: number;
  /** Where the button went down (canvas pixels). */
  origin: Vec2;
  /** The viewport at that moment. */
  startViewport: Viewport;
}

function isPanGesture(info: unknown): info is PanGesture {
  return typeof info === 'object' && info !== null && 'origin' in info && 'startViewport' in info;
}

class Idle extends ToolState {
  readonly id = 'idle';

  override onEnter(): void {
    this.editor.setCursor('grab');
  }

  override onPointerDown(info: CanvasPointerInfo): void {
    if (!isPanButton(info.button) || !this.editor.getImageSize()) return;
    const gesture: PanGesture = { pointerId: info.pointerId, origin: info.point, startViewport: this.editor.getViewport() };
    this.tool.transition('pointing', gesture);
  }
}

class Pointing extends ToolState {
  readonly id = 'pointing';
  private gesture: PanGesture | null = null;

  override onEnter(info: unknown): void {
    if (!isPanGesture(info)) throw new Error('pan.pointing needs the gesture that started it.');
    this.gesture = info;
  }

  override onExit(): void {
    this.gesture = null;
  }

  override onPointerMove(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    const dx = info.point.x - g.origin.x;
    const dy = info.point.y - g.origin.y;
    if (Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    this.tool.transition('panning', g);
    this.tool.handle('onPointerMove', info);
  }

  override onPointerUp(info: CanvasPointerInfo): void {
    if (this.gesture && info.pointerId !== this.gesture.pointerId) return;
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

class Panning extends ToolState {
  readonly id = 'panning';
  private gesture: PanGesture | null = null;
  /** Where the view was before the drag, to put it back on cancel. */
  private before: Viewport | null = null;
  private lastPoint: Vec2 | null = null;

  override onEnter(info: unknown): void {
    if (!isPanGesture(info)) throw new Error('pan.panning needs the gesture that started it.');
    this.gesture = info;
    this.before = info.startViewport;
    this.lastPoint = info.origin;
    this.editor.setCursor('grabbing');
  }

  override onExit(): void {
    this.gesture = null;
    this.before = null;
    this.lastPoint = null;
  }

  override onPointerMove(info: CanvasPointerInfo): void {
    const g = this.gesture;
    if (!g || info.pointerId !== g.pointerId) return;
    this.lastPoint = info.point;
    const delta = { x: info.point.x - g.origin.x, y: info.point.y - g.origin.y };
    this.apply(panBy(g.startViewport, delta));
  }

  override onPointerUp(info: CanvasPointerInfo): void {
    if (this.gesture && info.pointerId !== this.gesture.pointerId) return;
    this.tool.transition('idle');
  }

  override onCancel(): void {
    if (this.before) this.editor.setViewport(this.before);
    this.tool.transition('idle');
  }

  /** Zooming mid-drag: zoom about the pointer, then carry on dragging from the new view. */
  override onWheel(info: CanvasWheelInfo): void {
    const zoomed = zoomAboutPointer(this.editor, info);
    if (this.gesture) this.gesture = { ...this.gesture, origin: this.lastPoint ?? info.point, startViewport: zoomed };
  }

  private apply(viewport: Viewport): void {
    const image = this.editor.getImageSize();
    this.editor.setViewport(image ? clampPan(viewport, image, this.editor.getViewSize()) : viewport);
  }
}

export function createPanTool(editor: CanvasEditor): Tool {
  return new Tool('pan', editor, [Idle, Pointing, Panning], 'idle');
}
