import { describe, expect, it } from 'vitest';
import type { StudioCommand } from '../../../../../renderer/src/app/studioKeys';
import { SHORTCUTS, isFlipRelease, studioCommandForKey } from '../../../../../renderer/src/app/studioKeys';

const press = (key: string, mods: Partial<{ ctrl: boolean; meta: boolean; shift: boolean; alt: boolean; text: boolean; repeat: boolean }> = {}) =>
  studioCommandForKey({
    key,
    ctrlKey: mods.ctrl ?? false,
    metaKey: mods.meta ?? false,
    shiftKey: mods.shift ?? false,
    altKey: mods.alt ?? false,
    inTextField: mods.text ?? false,
    repeat: mods.repeat ?? false,
  });

describe('run workspace shortcuts', () => {
  const table: [string, Parameters<typeof press>[1], StudioCommand | null][] = [
    ['Enter', { ctrl: true }, 'run'],
    ['Enter', { meta: true, text: true }, 'run'],
    ['Enter', { ctrl: true, repeat: true }, null],
    ['Enter', {}, null],
    ['Escape', {}, 'cancelRun'],
    ['Escape', { text: true }, null],
    ['c', {}, 'compareToggle'],
    ['C', {}, 'compareToggle'],
    ['c', { text: true }, null],
    ['c', { ctrl: true }, null],
    ['c', { repeat: true }, null],
    ['\\', {}, 'flipDown'],
    ['\\', { repeat: true }, 'flipDown'],
    ['e', { ctrl: true }, 'export'],
    ['g', { meta: true }, 'sweep'],
    ['?', { shift: true }, 'help'],
    ['?', { text: true }, null],
    ['c', { alt: true }, null],
  ];
  it.each(table)('%j %j -> %s', (key, mods, command) => {
    expect(press(key, mods)).toBe(command);
  });

  it('the flip ends on releasing the same key', () => {
    expect(isFlipRelease('\\')).toBe(true);
    expect(isFlipRelease('c')).toBe(false);
  });

  it('the help panel lists every workspace key', () => {
    const listed = SHORTCUTS.flatMap((g) => g.items.map((i) => i.keys.join('+')));
    for (const keys of ['Ctrl+Enter', 'Esc', 'C', '\\', 'Ctrl+E', 'Ctrl+G', '?']) expect(listed).toContain(keys);
  });
});

describe('no key does two things', () => {
  it('the workspace keys and the masking keys never claim the same press', async () => {
    const { canvasCommandForKey } = await import('../../../../../renderer/src/canvas/canvasKeys');
    const keys = [...'abcdefghijklmnopqrstuvwxyz0123456789[]\\/?+-=', 'Enter', 'Escape'];
    const clashes: string[] = [];
    for (const key of keys) {
      for (const ctrl of [false, true]) {
        for (const shift of [false, true]) {
          const p = { key, ctrlKey: ctrl, metaKey: false, altKey: false, shiftKey: shift, inTextField: false };
          if (studioCommandForKey({ ...p, repeat: false }) && canvasCommandForKey(p)) clashes.push(`${ctrl ? 'Ctrl+' : ''}${shift ? 'Shift+' : ''}${key}`);
        }
      }
    }
    expect(clashes).toEqual([]);
  });
});
