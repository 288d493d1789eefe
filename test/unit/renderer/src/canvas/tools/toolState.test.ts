import { describe, expect, it } from 'vitest';
import type { CanvasCursor, CanvasEditor, CanvasPointerInfo } from '../../../../../../renderer/src/canvas/tools/toolState';
import { Tool, ToolState } from '../../../../../../renderer/src/canvas/tools/toolState';
import type { Viewport } from '../../../../../../renderer/src/canvas/viewport';

/** An editor that only records what tools do to it. */
function fakeEditor(): CanvasEditor & { viewports: Viewport[]; cursors: CanvasCursor[] } {
  let viewport: Viewport = { scale: 1, x: 0, y: 0 };
  const viewports: Viewport[] = [];
  const cursors: CanvasCursor[] = [];
  return {
    viewports,
    cursors,
    getViewport: () => viewport,
    setViewport: (v) => {
      viewport = v;
      viewports.push(v);
    },
    getImageSize: () => ({ width: 100, height: 100 }),
    getViewSize: () => ({ width: 200, height: 200 }),
    setCursor: (c) => cursors.push(c),
  };
}

const log: string[] = [];

class A extends ToolState {
  readonly id = 'a';
  override onEnter(info: unknown): void {
    log.push(`enter a ${String(info)}`);
  }
  override onExit(): void {
    log.push('exit a');
  }
  override onPointerDown(): void {
    this.tool.transition('b', 'from-a');
  }
}

class B extends ToolState {
  readonly id = 'b';
  override onEnter(info: unknown): void {
    log.push(`enter b ${String(info)}`);
  }
  override onPointerUp(): void {
    this.tool.transition('a');
  }
}

const press = (): CanvasPointerInfo => ({
  point: { x: 50, y: 50 },
  button: 0,
  pointerId: 1,
  shiftKey: false,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
});

describe('Tool', () => {
  it('runs exit of the old state before enter of the new, passing the info along', () => {
    log.length = 0;
    const tool = new Tool('t', fakeEditor(), [A, B], 'a');
    tool.enter();
    tool.handle('onPointerDown', press());
    expect(tool.path).toBe('t.b');
    tool.handle('onPointerUp', press());
    expect(tool.path).toBe('t.a');
    expect(log).toEqual(['enter a undefined', 'exit a', 'enter b from-a', 'enter a undefined']);
    expect(tool.history).toEqual(['a', 'b', 'a']);
  });

  it('ignores events a state does not handle', () => {
    const tool = new Tool('t', fakeEditor(), [A, B], 'a');
    tool.handle('onPointerUp', press()); // A has no onPointerUp
    tool.handle('onCancel');
    expect(tool.path).toBe('t.a');
  });

  it('gives every state the default wheel zoom', () => {
    const editor = fakeEditor();
    const tool = new Tool('t', editor, [A, B], 'a');
    tool.handle('onWheel', { point: { x: 50, y: 50 }, deltaX: 0, deltaY: -100, deltaMode: 0, ctrlKey: false });
    expect(editor.viewports).toHaveLength(1);
    expect(editor.viewports[0]!.scale).toBeGreaterThan(1);
  });

  it('refuses unknown and duplicate states with a clear error', () => {
    expect(() => new Tool('t', fakeEditor(), [A], 'nope')).toThrow(/no initial state "nope"/);
    expect(() => new Tool('t', fakeEditor(), [A, A], 'a')).toThrow(/two states named "a"/);
    const tool = new Tool('t', fakeEditor(), [A], 'a');
    expect(() => tool.transition('zzz')).toThrow(/no state "zzz"/);
  });
});
