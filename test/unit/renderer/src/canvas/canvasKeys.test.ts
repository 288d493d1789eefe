// The masking shortcuts as a table: key press -> canvas command.
import { describe, expect, it } from 'vitest';
import type { CanvasKeyPress } from '../../../../../renderer/src/canvas/canvasKeys';
import { canvasCommandForKey, stepBrushSize } from '../../../../../renderer/src/canvas/canvasKeys';

const press = (key: string, mods: Partial<CanvasKeyPress> = {}): CanvasKeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, inTextField: false, ...mods });

describe('canvasCommandForKey', () => {
  it.each([
    [press('z', { ctrlKey: true }), 'undo'],
    [press('z', { metaKey: true }), 'undo'],
    [press('Z', { ctrlKey: true, shiftKey: true }), 'redo'],
    [press('z', { metaKey: true, shiftKey: true }), 'redo'],
    [press('y', { ctrlKey: true }), 'redo'],
    [press('b'), 'tool:brush'],
    [press('E'), 'tool:eraser'],
    [press('m'), 'tool:rect'],
    [press('l'), 'tool:lasso'],
    [press('g'), 'tool:fill'],
    [press('h'), 'tool:pan'],
    [press('['), 'brushSmaller'],
    [press(']'), 'brushBigger'],
    // Not ours: other accelerators, Alt, Shift+letter, plain keys that mean nothing here.
    [press('e', { ctrlKey: true }), null],
    [press('g', { ctrlKey: true }), null],
    [press('z'), null],
    [press('b', { altKey: true }), null],
    [press('b', { shiftKey: true }), null],
    [press('c'), null],
    // Typing in a field: letters type and Ctrl+Z undoes the typing.
    [press('b', { inTextField: true }), null],
    [press('z', { ctrlKey: true, inTextField: true }), null],
  ] as const)('%o -> %s', (p, want) => {
    expect(canvasCommandForKey(p)).toBe(want);
  });
});

describe('stepBrushSize', () => {
  it('steps by about 10 %, at least one pixel', () => {
    expect(stepBrushSize(40, 1)).toBe(44);
    expect(stepBrushSize(40, -1)).toBe(36);
    expect(stepBrushSize(3, -1)).toBe(2);
    expect(stepBrushSize(200, 1)).toBe(220);
  });
});
