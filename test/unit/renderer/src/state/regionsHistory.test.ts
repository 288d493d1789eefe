// The undo/redo stacks: push, pop, coalescing, limits.
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../../../renderer/src/state/regionsHistory';
import { emptyHistory, popRedo, popUndo, pushStep } from '../../../../../renderer/src/state/regionsHistory';

const step = (label: string, bytes = 1, coalesce?: string): Step<string> => ({ label, edits: [label], bytes, ...(coalesce ? { coalesce } : {}) });

describe('regionsHistory', () => {
  it('undo then redo moves a step between the stacks; a new step clears redo', () => {
    let h = pushStep(pushStep(emptyHistory<string>(), step('a')), step('b'));
    const u = popUndo(h)!;
    expect(u.step.label).toBe('b');
    h = u.history;
    expect(h.redo.map((s) => s.label)).toEqual(['b']);
    const r = popRedo(h)!;
    expect(r.history.undo.map((s) => s.label)).toEqual(['a', 'b']);
    h = pushStep(h, step('c'));
    expect(h.redo).toHaveLength(0);
    expect(popRedo(h)).toBeNull();
    expect(popUndo(emptyHistory())).toBeNull();
  });

  it('merges consecutive steps with the same coalesce key, not across an undo', () => {
    let h = pushStep(emptyHistory<string>(), step('n1', 1, 'name'));
    h = pushStep(h, step('n2', 1, 'name'));
    expect(h.undo).toHaveLength(1);
    expect(h.undo[0]!.edits).toEqual(['n1', 'n2']);
    h = pushStep(h, step('p', 1, 'prompt'));
    expect(h.undo).toHaveLength(2);
    const u = popUndo(h)!.history;
    const again = pushStep(popRedo(u)!.history, step('p2', 1, 'prompt'));
    expect(again.undo).toHaveLength(3);
  });

  it('drops the oldest steps past the step and byte limits, keeping the newest', () => {
    let h = emptyHistory<string>();
    for (let i = 0; i < 10; i++) h = pushStep(h, step(`s${i}`, 10), 4, 1000);
    expect(h.undo.map((s) => s.label)).toEqual(['s6', 's7', 's8', 's9']);
    h = pushStep(h, step('big', 995), 4, 1000);
    expect(h.undo.map((s) => s.label)).toEqual(['big']);
    h = pushStep(h, step('huge', 5000), 4, 1000);
    expect(h.undo.map((s) => s.label)).toEqual(['huge']);
  });
});
