/**
 * Keyboard shortcuts: which command a key press asks for. Pure, so it is tested as a table.
 *
 *   + or =     zoom in          (also with Ctrl/Cmd, which would otherwise zoom the page)
 *   -          zoom out         (also with Ctrl/Cmd)
 *   0          fit to view      (also with Ctrl/Cmd)
 *   1          100 %            (also with Ctrl/Cmd)
 *   Ctrl/Cmd+O open a photo
 *   Escape     cancel what the canvas tool is doing (e.g. put a drag back)
 */

export type Command = 'zoomIn' | 'zoomOut' | 'fit' | 'actual' | 'open' | 'cancel';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** True when focus is in a text field, where keys type text instead. */
  inTextField: boolean;
}

export function commandForKey(press: KeyPress): Command | null {
  if (press.altKey) return null;
  const accel = press.ctrlKey || press.metaKey;
  if (accel && press.key.toLowerCase() === 'o') return 'open';
  if (press.inTextField) return null;
  switch (press.key) {
    case '+':
    case '=':
      return 'zoomIn';
    case '-':
    case '_':
      return 'zoomOut';
    case '0':
      return 'fit';
    case '1':
      return 'actual';
    case 'Escape':
      return accel ? null : 'cancel';
    default:
      return null;
  }
}
