import { describe, expect, it } from 'vitest';
import type { Command, KeyPress } from '../../../../../renderer/src/app/keymap';
import { commandForKey } from '../../../../../renderer/src/app/keymap';

const key = (k: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  inTextField: false,
  ...mods,
});

describe('commandForKey', () => {
  const table: [KeyPress, Command | null][] = [
    [key('+'), 'zoomIn'],
    [key('='), 'zoomIn'],
    [key('=', { ctrlKey: true }), 'zoomIn'],
    [key('-'), 'zoomOut'],
    [key('-', { metaKey: true }), 'zoomOut'],
    [key('0'), 'fit'],
    [key('0', { ctrlKey: true }), 'fit'],
    [key('1'), 'actual'],
    [key('o', { ctrlKey: true }), 'open'],
    [key('O', { metaKey: true }), 'open'],
    [key('o'), null],
    [key('Escape'), 'cancel'],
    [key('2'), null],
    [key('a'), null],
    [key('+', { altKey: true }), null],
    // Typing in a text field types; only Ctrl/Cmd+O still opens.
    [key('1', { inTextField: true }), null],
    [key('-', { inTextField: true }), null],
    [key('o', { ctrlKey: true, inTextField: true }), 'open'],
  ];

  it.each(table)('%o -> %s', (press, expected) => {
    expect(commandForKey(press)).toBe(expected);
  });
});
