/**
 * Keyboard shortcuts of the run workspace (run, cancel, compare, export, help), beside
 * the canvas's own (keymap.ts). Pure, tested as a table. The help panel lists
 * `SHORTCUTS`, so what it says is what the keys do.
 *
 *   Ctrl/Cmd+Enter   run (also from a prompt field)
 *   Escape           cancel the run (when one is going and no dialog is open)
 *   C                compare on/off
 *   \ (hold)         show the original while held
 *   Ctrl/Cmd+E       export…
 *   Ctrl/Cmd+G       sweep…
 *   ? (Shift+/)      this help
 */
import type { KeyPress } from './keymap';

export type StudioCommand = 'run' | 'cancelRun' | 'compareToggle' | 'flipDown' | 'export' | 'sweep' | 'help';

/** The key that, held, shows the original in place of the result. */
export const FLIP_KEY = '\\';

export function studioCommandForKey(press: KeyPress & { shiftKey: boolean; repeat: boolean }): StudioCommand | null {
  if (press.altKey) return null;
  const accel = press.ctrlKey || press.metaKey;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (accel && key === 'Enter') return press.repeat ? null : 'run';
  if (accel && key === 'e' && !press.shiftKey) return 'export';
  if (accel && key === 'g' && !press.shiftKey) return 'sweep';
  if (press.inTextField || accel) return null;
  switch (key) {
    case 'Escape':
      return 'cancelRun';
    case 'c':
      return press.shiftKey || press.repeat ? null : 'compareToggle';
    case FLIP_KEY:
      return 'flipDown';
    case '?':
      return 'help';
    default:
      return null;
  }
}

/** Whether a key release ends the flip. */
export function isFlipRelease(key: string): boolean {
  return key === FLIP_KEY;
}

export interface Shortcut {
  keys: string[];
  does: string;
}

/** What the help panel lists, in groups. */
export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Photo and view',
    items: [
      { keys: ['Ctrl', 'O'], does: 'Open a photo (or drop / paste one)' },
      { keys: ['+'], does: 'Zoom in' },
      { keys: ['−'], does: 'Zoom out' },
      { keys: ['0'], does: 'Fit to view' },
      { keys: ['1'], does: 'Actual pixels (100 %)' },
      { keys: ['Wheel'], does: 'Zoom about the pointer' },
      { keys: ['Drag'], does: 'Pan (with the hand tool, or in compare)' },
    ],
  },
  {
    group: 'Masking (canvas/canvasKeys.ts)',
    items: [
      { keys: ['B'], does: 'Brush' },
      { keys: ['E'], does: 'Eraser' },
      { keys: ['M'], does: 'Rectangle' },
      { keys: ['L'], does: 'Lasso' },
      { keys: ['G'], does: 'Fill' },
      { keys: ['H'], does: 'Hand (pan)' },
      { keys: ['[', ']'], does: 'Brush smaller / bigger' },
      { keys: ['Ctrl', 'Z'], does: 'Undo a mask or region edit' },
      { keys: ['Ctrl', 'Shift', 'Z'], does: 'Redo (also Ctrl+Y)' },
    ],
  },
  {
    group: 'Run',
    items: [
      { keys: ['Ctrl', 'Enter'], does: 'Run the restoration' },
      { keys: ['Esc'], does: 'Cancel the run (stops within a step)' },
      { keys: ['Ctrl', 'G'], does: 'Sweep…' },
      { keys: ['Ctrl', 'E'], does: 'Export…' },
    ],
  },
  {
    group: 'Compare',
    items: [
      { keys: ['C'], does: 'Show the result / back to editing' },
      { keys: ['\\'], does: 'Hold to see the original (or the result picked as A) in place of the result' },
      { keys: ['Drag line'], does: 'Move the wipe (or use the slider)' },
      { keys: ['Shift', 'Click'], does: 'On a result in the strip: compare with it (A); Original puts the photo back' },
    ],
  },
  { group: 'Help', items: [{ keys: ['?'], does: 'This list' }] },
];
