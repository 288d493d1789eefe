/**
 * Canvas tools as small state machines (the tldraw pattern).
 *
 * A Tool owns a handful of ToolStates (`idle`, `pointing`, `panning`, ...). Exactly one
 * state is current; the editor hands each canvas event to it, and a state only
 * overrides the hooks it cares about. A state moves the tool on with
 * `this.tool.transition('next', info)`, which runs `onExit` of the old state and
 * `onEnter(info)` of the new one.
 *
 * Tools never touch Konva or the DOM: they read and write the store through
 * `CanvasEditor` (viewport, cursor), so tests can drive them with plain objects.
 */
import type { Size, Vec2, Viewport } from '../viewport';
import { clampPan, wheelZoomFactor, zoomBy } from '../viewport';

/** A pointer event in canvas coordinates (CSS pixels from the canvas's top-left). */
export interface CanvasPointerInfo {
  point: Vec2;
  /** 0 primary, 1 middle, 2 secondary (PointerEvent.button). */
  button: number;
  pointerId: number;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

export interface CanvasWheelInfo {
  point: Vec2;
  deltaX: number;
  deltaY: number;
  deltaMode: number;
  ctrlKey: boolean;
}

export type CanvasCursor = 'default' | 'grab' | 'grabbing' | 'crosshair';

/** What a tool may do to the editor. Implemented over the app store by CanvasEditor. */
export interface CanvasEditor {
  getViewport(): Viewport;
  /** Sets the viewport as the user moved it (the editor clamps it and leaves fit mode). */
  setViewport(viewport: Viewport): void;
  /** The open image's size, or null when none is open. */
  getImageSize(): Size | null;
  getViewSize(): Size;
  setCursor(cursor: CanvasCursor): void;
}

export interface ToolEventHandlers {
  onEnter?(info: unknown): void;
  onExit?(): void;
  onPointerDown?(info: CanvasPointerInfo): void;
  onPointerMove?(info: CanvasPointerInfo): void;
  onPointerUp?(info: CanvasPointerInfo): void;
  onWheel?(info: CanvasWheelInfo): void;
  /** Escape, a lost pointer capture or the window losing focus: abandon what is in progress. */
  onCancel?(): void;
}

export type ToolEvent = Exclude<keyof ToolEventHandlers, 'onEnter' | 'onExit'>;

export abstract class ToolState implements ToolEventHandlers {
  abstract readonly id: string;

  // The hooks a state may override (all optional except onWheel, which has a default).
  onEnter?(info: unknown): void;
  onExit?(): void;
  onPointerDown?(info: CanvasPointerInfo): void;
  onPointerMove?(info: CanvasPointerInfo): void;
  onPointerUp?(info: CanvasPointerInfo): void;
  onCancel?(): void;

  constructor(
    protected readonly tool: Tool,
    protected readonly editor: CanvasEditor,
  ) {}

  /**
   * Every state zooms about the pointer on the wheel unless it overrides this: wheel
   * zoom works the same whatever tool is active.
   */
  onWheel(info: CanvasWheelInfo): void {
    zoomAboutPointer(this.editor, info);
  }
}

/** The shared wheel behaviour: zoom by the wheel's factor, keeping the point under the pointer still. */
export function zoomAboutPointer(editor: CanvasEditor, info: CanvasWheelInfo): Viewport {
  const next = zoomBy(editor.getViewport(), wheelZoomFactor(info), info.point);
  const image = editor.getImageSize();
  const clamped = image ? clampPan(next, image, editor.getViewSize()) : next;
  editor.setViewport(clamped);
  return clamped;
}

export type ToolStateClass = new (tool: Tool, editor: CanvasEditor) => ToolState;

export class Tool {
  private readonly states = new Map<string, ToolState>();
  private current: ToolState;
  /** Every state entered, oldest first (what the tests assert). Capped so it cannot grow without bound. */
  readonly history: string[] = [];

  constructor(
    readonly id: string,
    editor: CanvasEditor,
    stateClasses: readonly ToolStateClass[],
    readonly initialState: string,
  ) {
    for (const StateClass of stateClasses) {
      const state = new StateClass(this, editor);
      if (this.states.has(state.id)) throw new Error(`Tool "${id}" has two states named "${state.id}".`);
      this.states.set(state.id, state);
    }
    const initial = this.states.get(initialState);
    if (!initial) throw new Error(`Tool "${id}" has no initial state "${initialState}".`);
    this.current = initial;
  }

  /** The current state's id, e.g. `idle`. */
  get stateId(): string {
    return this.current.id;
  }

  /** `tool.state`, e.g. `pan.panning`. */
  get path(): string {
    return `${this.id}.${this.current.id}`;
  }

  /** Called when the tool becomes active. */
  enter(): void {
    this.current = this.requireState(this.initialState);
    this.record();
    this.current.onEnter?.(undefined);
  }

  /** Called when another tool takes over: abandon anything in progress. */
  exit(): void {
    this.current.onCancel?.();
    this.current.onExit?.();
  }

  transition(stateId: string, info?: unknown): void {
    const next = this.requireState(stateId);
    this.current.onExit?.();
    this.current = next;
    this.record();
    next.onEnter?.(info);
  }

  /** Hands an event to the current state; states that do not override the hook ignore it. */
  handle<E extends ToolEvent>(event: E, ...info: Parameters<NonNullable<ToolEventHandlers[E]>>): void {
    const handler = this.current[event] as ((...args: unknown[]) => void) | undefined;
    handler?.apply(this.current, info);
  }

  private requireState(stateId: string): ToolState {
    const state = this.states.get(stateId);
    if (!state) throw new Error(`Tool "${this.id}" has no state "${stateId}".`);
    return state;
  }

  private record(): void {
    this.history.push(this.current.id);
    if (this.history.length > 64) this.history.splice(0, this.history.length - 64);
  }
}
