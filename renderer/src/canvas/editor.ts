/**
 * The headless canvas editor: routes canvas events to the active tool and gives tools
 * their narrow view of the store. No DOM and no Konva here, so tests drive it with
 * `pointerDown/Move/Up` and `wheel` calls and assert the tool's state path.
 *
 * CanvasView.tsx turns DOM events into these calls; the store turns the results into
 * what Konva draws.
 */
import type { AppAction, AppState } from '../state/appState';
import type { BrushSettings, Draft, MaskOp, ToolId } from '../state/regions';
import type { Store } from '../state/store';
import type { MaskEditor } from './tools/maskTools';
import { createBrushTool, createEraserTool, createFillTool, createLassoTool, createRectTool } from './tools/maskTools';
import { createPanTool } from './tools/panTool';
import type { CanvasCursor, CanvasPointerInfo, CanvasWheelInfo, Tool } from './tools/toolState';
import type { Size, Vec2, Viewport } from './viewport';

export type { ToolId } from '../state/regions';

export class Editor implements MaskEditor {
  private readonly tools: Record<ToolId, Tool>;
  private active: Tool;
  /**
   * The hand borrowed while a masking tool stays selected: a middle-button drag, or
   * Space held (the photo-editor convention). `release` is set when Space came up
   * mid-drag: the tool comes back when the drag ends.
   */
  private borrowed: { by: 'middle' | 'space'; release: boolean } | null = null;

  constructor(private readonly store: Store<AppState, AppAction>) {
    this.tools = {
      pan: createPanTool(this),
      brush: createBrushTool(this),
      eraser: createEraserTool(this),
      rect: createRectTool(this),
      lasso: createLassoTool(this),
      fill: createFillTool(this),
    };
    this.active = this.tools[store.getState().regions.tool];
    this.active.enter();
  }

  // --- CanvasEditor: what tools may read and change -------------------------------

  getViewport(): Viewport {
    return this.store.getState().view.viewport;
  }

  setViewport(viewport: Viewport): void {
    this.store.dispatch({ type: 'view/set', viewport });
  }

  getImageSize(): Size | null {
    const image = this.store.getState().image;
    return image ? { width: image.width, height: image.height } : null;
  }

  getViewSize(): Size {
    return this.store.getState().view.stage;
  }

  setCursor(cursor: CanvasCursor): void {
    this.store.dispatch({ type: 'cursor/set', cursor });
  }

  // --- MaskEditor: what the masking tools may read and change -----------------------

  getBrush(): BrushSettings {
    return this.store.getState().regions.brush;
  }

  setDraft(draft: Draft | null): void {
    this.store.dispatch({ type: 'regions/draft', draft });
  }

  setHover(point: Vec2 | null): void {
    this.store.dispatch({ type: 'regions/hover', point });
  }

  commitMask(op: MaskOp): void {
    this.store.dispatch({ type: 'regions/mask', op });
  }

  // --- Events in --------------------------------------------------------------------

  get toolId(): string {
    return this.current.id;
  }

  /** e.g. `pan.idle`. */
  get path(): string {
    return this.current.path;
  }

  get tool(): Tool {
    return this.current;
  }

  /** The tool receiving events: the selected one, or the hand while it is borrowed. */
  private get current(): Tool {
    return this.borrowed ? this.tools.pan : this.active;
  }

  private borrowPan(by: 'middle' | 'space'): void {
    if (this.borrowed || this.active === this.tools.pan) return;
    this.active.exit();
    this.borrowed = { by, release: false };
    this.tools.pan.enter();
  }

  private returnPan(): void {
    if (!this.borrowed) return;
    this.tools.pan.exit();
    this.borrowed = null;
    this.active.enter();
  }

  /** Space down / up: pan while it is held, then back to the selected tool. */
  holdPan(held: boolean): void {
    if (held) {
      if (this.store.getState().image) this.borrowPan('space');
      return;
    }
    if (this.borrowed?.by !== 'space') return;
    if (this.tools.pan.stateId === 'idle') this.returnPan();
    else this.borrowed.release = true;
  }

  setTool(id: ToolId): void {
    this.returnPan();
    const next = this.tools[id];
    if (next === this.active) return;
    this.active.exit();
    this.active = next;
    this.store.dispatch({ type: 'regions/tool', tool: id });
    next.enter();
  }

  /** Undo the last region or mask edit; a stroke in progress is dropped first. */
  undo(): void {
    this.cancel();
    this.store.dispatch({ type: 'regions/undo' });
  }

  redo(): void {
    this.cancel();
    this.store.dispatch({ type: 'regions/redo' });
  }

  /** The pointer left the canvas: hide the brush outline. */
  pointerLeave(): void {
    this.setHover(null);
  }

  pointerDown(info: CanvasPointerInfo): void {
    // The middle button pans whatever tool is selected.
    if (info.button === 1 && this.store.getState().image) this.borrowPan('middle');
    this.current.handle('onPointerDown', info);
  }

  pointerMove(info: CanvasPointerInfo): void {
    this.current.handle('onPointerMove', info);
  }

  pointerUp(info: CanvasPointerInfo): void {
    this.current.handle('onPointerUp', info);
    if (this.borrowed && (this.borrowed.by === 'middle' || this.borrowed.release)) this.returnPan();
  }

  wheel(info: CanvasWheelInfo): void {
    if (!this.store.getState().image) return;
    this.current.handle('onWheel', info);
  }

  cancel(): void {
    this.current.handle('onCancel');
    if (this.borrowed?.by === 'middle' || this.borrowed?.release) this.returnPan();
  }
}
