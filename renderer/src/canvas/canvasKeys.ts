/**
 * Keyboard shortcuts for masking: which canvas command a key press asks for. Pure, so
 * it is tested as a table; useCanvasKeys installs it.
 *
 *   Ctrl/Cmd+Z              undo the last region or mask edit
 *   Ctrl/Cmd+Shift+Z, Ctrl+Y redo
 *   B E M L G H             brush, eraser, rectangle (marquee), lasso, fill, hand (pan)
 *   [ and ]                 brush smaller / bigger
 *
 * In a text field none of these apply: Ctrl+Z there undoes typing, letters type.
 */
import type { ToolId } from '../state/regions';

export type CanvasCommand = 'undo' | 'redo' | 'brushSmaller' | 'brushBigger' | `tool:${ToolId}`;

export interface CanvasKeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  inTextField: boolean;
}

const TOOL_KEYS: Readonly<Record<string, ToolId>> = { b: 'brush', e: 'eraser', m: 'rect', l: 'lasso', g: 'fill', h: 'pan' };

export function canvasCommandForKey(press: CanvasKeyPress): CanvasCommand | null {
  if (press.altKey || press.inTextField) return null;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  const accel = press.ctrlKey || press.metaKey;
  if (accel) {
    if (key === 'z') return press.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !press.shiftKey) return 'redo';
    return null;
  }
  if (key === '[') return 'brushSmaller';
  if (key === ']') return 'brushBigger';
  const tool = press.shiftKey ? undefined : TOOL_KEYS[key];
  return tool ? `tool:${tool}` : null;
}

/** The next brush size for [ and ]: steps of about 10 %, at least 1 px. */
export function stepBrushSize(size: number, direction: 1 | -1): number {
  const step = Math.max(1, Math.round(size * 0.1));
  return size + direction * step;
}
