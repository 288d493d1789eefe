// The regions slice through the app reducer: region edits, mask edits as dirty-rect
// patches, undo/redo of both, coalescing, each region's own restoration, and regionsForRun.
import { describe, expect, it } from 'vitest';
import { MAX_REGIONS as CONTRACT_MAX_REGIONS } from '../../../../../preload/contract/schemas';
import type { AppAction, AppState } from '../../../../../renderer/src/state/appState';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import type { MaskOp, RegionEdit } from '../../../../../renderer/src/state/regions';
import { MAX_REGIONS, REGION_COLOURS, redoLabel, regionSummary, regionsForRun, undoLabel } from '../../../../../renderer/src/state/regions';

function opened(width = 100, height = 80): AppState {
  return appReducer(initialAppState, {
    type: 'image/opened',
    image: { id: 'a', name: 'a.png', width, height, mime: 'image/png', sourceKey: 'a#1', levels: 1 },
  });
}

const run = (state: AppState, ...actions: AppAction[]) => actions.reduce(appReducer, state);
const mask = (op: MaskOp): AppAction => ({ type: 'regions/mask', op });
const rect = (ax: number, ay: number, bx: number, by: number, mode: 'paint' | 'erase' = 'paint'): AppAction => mask({ kind: 'rect', a: { x: ax, y: ay }, b: { x: bx, y: by }, mode });
const cov = (s: AppState, x: number, y: number, i = 0) => {
  const m = s.regions.items[i]!.mask;
  return m.data[y * m.width + x]!;
};
const names = (s: AppState) => s.regions.items.map((r) => r.name);

describe('regions', () => {
  it('add makes a named, coloured, visible region at the mask size and selects it', () => {
    const s = run(opened(), { type: 'regions/add' }, { type: 'regions/add' });
    expect(names(s)).toEqual(['Region 2', 'Region 1']);
    expect(s.regions.activeId).toBe('r2');
    expect(s.regions.items[1]!.colour).toBe(REGION_COLOURS[0]);
    expect(s.regions.items[0]!.colour).toBe(REGION_COLOURS[1]);
    expect(s.regions.items[0]!.mask.width).toBe(100);
    expect(s.regions.items[0]!.visible).toBe(true);
  });

  it('stops adding at the run limit', () => {
    let s = opened();
    for (let i = 0; i < MAX_REGIONS + 3; i++) s = appReducer(s, { type: 'regions/add' });
    expect(s.regions.items).toHaveLength(MAX_REGIONS);
    expect(MAX_REGIONS).toBe(CONTRACT_MAX_REGIONS);
  });

  it('does nothing without an image', () => {
    expect(appReducer(initialAppState, { type: 'regions/add' })).toBe(initialAppState);
    expect(appReducer(initialAppState, rect(0, 0, 5, 5))).toBe(initialAppState);
  });

  it('rename, prompt, visibility, feather, move and delete are each undoable and redoable', () => {
    const base = opened();
    const steps: AppAction[] = [
      { type: 'regions/add' },
      { type: 'regions/add' },
      { type: 'regions/update', id: 'r1', patch: { name: 'sky' } },
      { type: 'regions/update', id: 'r1', patch: { prompt: 'a clear blue sky' } },
      { type: 'regions/update', id: 'r1', patch: { visible: false } },
      { type: 'regions/update', id: 'r1', patch: { feather: 12 } },
      { type: 'regions/move', id: 'r1', by: -1 },
      { type: 'regions/delete', id: 'r2' },
    ];
    const states = [base];
    for (const a of steps) states.push(appReducer(states[states.length - 1]!, a));
    const last = states[states.length - 1]!;
    expect(names(last)).toEqual(['sky']);
    expect(last.regions.items[0]).toMatchObject({ prompt: 'a clear blue sky', visible: false, feather: 12 });
    // Walk back one step at a time, then forward again.
    let s = last;
    for (let i = states.length - 2; i >= 0; i--) {
      s = appReducer(s, { type: 'regions/undo' });
      expect(s.regions.items.map((r) => ({ ...r, mask: r.mask.data.length }))).toEqual(states[i]!.regions.items.map((r) => ({ ...r, mask: r.mask.data.length })));
    }
    expect(s.regions.items).toHaveLength(0);
    expect(appReducer(s, { type: 'regions/undo' })).toBe(s);
    for (let i = 1; i < states.length; i++) {
      s = appReducer(s, { type: 'regions/redo' });
      expect(names(s)).toEqual(names(states[i]!));
    }
    expect(s.regions.items[0]).toMatchObject({ name: 'sky', feather: 12 });
  });

  it('typing a name letter by letter is one undo step; another field starts a new one', () => {
    let s = run(opened(), { type: 'regions/add' });
    for (const name of ['b', 'bo', 'boa', 'boat']) s = appReducer(s, { type: 'regions/update', id: 'r1', patch: { name } });
    s = appReducer(s, { type: 'regions/update', id: 'r1', patch: { prompt: 'a boat' } });
    expect(s.regions.history.undo).toHaveLength(3);
    s = appReducer(s, { type: 'regions/undo' });
    expect(s.regions.items[0]!.name).toBe('boat');
    s = appReducer(s, { type: 'regions/undo' });
    expect(s.regions.items[0]!.name).toBe('Region 1');
  });

  it('a deleted region comes back with its mask on undo', () => {
    let s = run(opened(), { type: 'regions/add' }, rect(10, 10, 30, 30), { type: 'regions/delete', id: 'r1' });
    expect(s.regions.items).toHaveLength(0);
    expect(s.regions.activeId).toBeNull();
    s = appReducer(s, { type: 'regions/undo' });
    expect(s.regions.activeId).toBe('r1');
    expect(cov(s, 20, 20)).toBe(255);
  });

  it('a mask edit stores a dirty-rect patch, not the whole mask', () => {
    const s = run(opened(), { type: 'regions/add' }, rect(10, 10, 30, 20));
    const step = s.regions.history.undo[s.regions.history.undo.length - 1]!;
    const edit = step.edits[0] as Extract<RegionEdit, { kind: 'mask' }>;
    expect(edit.kind).toBe('mask');
    expect(edit.rect).toEqual({ x: 10, y: 10, width: 20, height: 10 });
    expect(edit.before.length).toBe(200);
    expect(step.bytes).toBe(400);
  });

  it('strokes undo and redo in order, and masks are never changed in place', () => {
    const s0 = run(opened(), { type: 'regions/add' });
    const s1 = appReducer(s0, mask({ kind: 'stroke', points: [{ x: 20, y: 20 }, { x: 60, y: 20 }], size: 10, hardness: 1, mode: 'paint' }));
    const s2 = appReducer(s1, mask({ kind: 'stroke', points: [{ x: 40, y: 10 }, { x: 40, y: 70 }], size: 6, hardness: 1, mode: 'erase' }));
    expect(cov(s0, 40, 20)).toBe(0);
    expect(cov(s1, 40, 20)).toBe(255);
    expect(cov(s2, 40, 20)).toBe(0);
    expect(cov(s2, 25, 20)).toBe(255);
    const u1 = appReducer(s2, { type: 'regions/undo' });
    expect([...u1.regions.items[0]!.mask.data]).toEqual([...s1.regions.items[0]!.mask.data]);
    const u0 = appReducer(u1, { type: 'regions/undo' });
    expect([...u0.regions.items[0]!.mask.data]).toEqual([...s0.regions.items[0]!.mask.data]);
    const r2 = run(u0, { type: 'regions/redo' }, { type: 'regions/redo' });
    expect([...r2.regions.items[0]!.mask.data]).toEqual([...s2.regions.items[0]!.mask.data]);
    expect(undoLabel(r2.regions)).toBe('Brush stroke');
    expect(redoLabel(r2.regions)).toBeNull();
    // A new edit after an undo clears redo.
    const branched = appReducer(u1, rect(0, 0, 5, 5));
    expect(branched.regions.history.redo).toHaveLength(0);
  });

  it('clear and invert act on the active region and are undoable', () => {
    let s = run(opened(), { type: 'regions/add' }, rect(0, 0, 50, 80), mask({ kind: 'invert' }));
    expect(cov(s, 10, 10)).toBe(0);
    expect(cov(s, 60, 10)).toBe(255);
    s = appReducer(s, mask({ kind: 'clear' }));
    expect(s.regions.items[0]!.mask.data.every((v) => v === 0)).toBe(true);
    s = run(s, { type: 'regions/undo' }, { type: 'regions/undo' });
    expect(cov(s, 10, 10)).toBe(255);
    // An edit that changes nothing records nothing.
    const before = s.regions.history.undo.length;
    s = appReducer(s, rect(0, 0, 10, 10));
    expect(s.regions.history.undo.length).toBe(before);
  });

  it('painting on a hidden region shows it, in the same undo step', () => {
    let s = run(opened(), { type: 'regions/add' }, { type: 'regions/update', id: 'r1', patch: { visible: false } }, rect(0, 0, 10, 10));
    expect(s.regions.items[0]!.visible).toBe(true);
    s = appReducer(s, { type: 'regions/undo' });
    expect(s.regions.items[0]!.visible).toBe(false);
    expect(cov(s, 5, 5)).toBe(0);
  });

  it('a big photo gets a mask scaled to 2048 px, and image-pixel edits land scaled', () => {
    const s = run(opened(6000, 4000), { type: 'regions/add' }, rect(3000, 2000, 6000, 4000));
    const m = s.regions.items[0]!.mask;
    expect([m.width, m.height]).toEqual([2048, 1365]);
    expect(cov(s, 1100, 700)).toBe(255);
    expect(cov(s, 1000, 600)).toBe(0);
  });

  it('brush settings are clamped', () => {
    const s = run(opened(), { type: 'regions/brush', brush: { size: 9999, hardness: -1 } });
    expect(s.regions.brush).toEqual({ size: 500, hardness: 0 });
  });

  it('opening another image starts with no regions and an empty history', () => {
    const s = run(opened(), { type: 'regions/add' }, rect(0, 0, 10, 10));
    const next = appReducer(s, { type: 'image/opened', image: { id: 'b', name: 'b.png', width: 50, height: 50, mime: 'image/png', sourceKey: 'b#1', levels: 1 } });
    expect(next.regions.items).toHaveLength(0);
    expect(next.regions.history.undo).toHaveLength(0);
  });
});

describe('regionsForRun', () => {
  it('sends visible regions with a prompt and paint, the painted coverage and the feather beside it', () => {
    const s = run(
      opened(),
      { type: 'regions/add' },
      rect(0, 0, 50, 80),
      { type: 'regions/update', id: 'r1', patch: { prompt: '  a stone wall ', feather: 6 } },
      { type: 'regions/add' }, // r2: prompt, no paint
      { type: 'regions/update', id: 'r2', patch: { prompt: 'sky' } },
      { type: 'regions/add' }, // r3: paint, no prompt
      rect(50, 0, 100, 80),
      { type: 'regions/add' }, // r4: hidden
      rect(0, 0, 10, 10),
      { type: 'regions/update', id: 'r4', patch: { prompt: 'hidden', visible: false } },
    );
    const out = regionsForRun(s.regions);
    expect(out.map((r) => r.prompt)).toEqual(['a stone wall']);
    const m = out[0]!.mask;
    expect([m.width, m.height]).toEqual([100, 80]);
    expect(m.data[40 * 100 + 5]).toBe(255);
    expect(m.data[40 * 100 + 95]).toBe(0);
    // The painted edge as painted: the engine feathers it once, by the radius sent beside it.
    expect(m.data[40 * 100 + 49]).toBe(255);
    expect(m.data[40 * 100 + 50]).toBe(0);
    expect(out[0]!.feather).toBe(6);
    expect(out[0]!.restoration).toBeUndefined();
    // A copy: changing it does not touch the store.
    m.data.fill(7);
    expect(s.regions.items.find((r) => r.id === 'r1')!.mask.data[0]).toBe(255);
  });
});

describe('a region’s own restoration', () => {
  const painted = (...actions: AppAction[]) => run(opened(), { type: 'regions/add' }, rect(0, 0, 50, 80), ...actions);
  const restore = (change: Extract<AppAction, { type: 'regions/restoration' }>['change'], id = 'r1'): AppAction => ({ type: 'regions/restoration', id, change });

  it('follows the photo’s prompt until given its own; its own starts from the photo’s text', () => {
    const s = painted();
    expect(s.regions.items[0]!.restoration.mode).toBe('follow');
    expect(regionSummary(s.regions.items[0]!)).toMatch(/^Not sent yet/);
    expect(regionsForRun(s.regions)).toEqual([]); // says nothing: not sent
    const own = run(s, restore({ kind: 'mode', mode: 'prompt', startText: 'Denoise with sigma 0.04;' }));
    expect(own.regions.items[0]!.restoration).toMatchObject({ mode: 'prompt', restorationText: 'Denoise with sigma 0.04;', error: null });
    expect(own.regions.items[0]!.restoration.controls.ops['noise']).toMatchObject({ enabled: true, value: 0.04 });
    expect(regionsForRun(own.regions).map((r) => [r.prompt, r.restoration])).toEqual([['', { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.04;' }]]);
    expect(regionSummary(own.regions.items[0]!)).toBe('Denoise with sigma 0.04;');
    // Back to follow and to its own again: the text it had stays (the photo's is not copied over it).
    const again = run(own, restore({ kind: 'mode', mode: 'follow' }), restore({ kind: 'mode', mode: 'prompt', startText: 'Deblur;' }));
    expect(again.regions.items[0]!.restoration.restorationText).toBe('Denoise with sigma 0.04;');
  });

  it('the builder edits it as the photo’s: controls write the text, typed text moves the controls, invalid text says why', () => {
    let s = painted(restore({ kind: 'mode', mode: 'prompt', startText: '' }), restore({ kind: 'control', edit: { kind: 'value', key: 'blur', value: 2 } }));
    expect(s.regions.items[0]!.restoration.restorationText).toBe('Deblur with sigma 2.0;');
    s = run(s, restore({ kind: 'text', text: 'Deblur with sigma 9' }));
    expect(s.regions.items[0]!.restoration.error).toMatch(/.+/);
    expect(regionSummary(s.regions.items[0]!)).toBe('Deblur with sigma 9 (not valid yet)');
    s = run(s, restore({ kind: 'text', text: 'denoise with sigma 0.08' }), restore({ kind: 'canonicalise' }));
    expect(s.regions.items[0]!.restoration).toMatchObject({ restorationText: 'Denoise with sigma 0.08;', error: null });
    expect(s.regions.items[0]!.restoration.controls.ops['blur']).toMatchObject({ enabled: false, value: 2 });
  });

  it('Keep as is is sent with no prompt; the summary names the restoration and the semantic prompt', () => {
    const s = painted(restore({ kind: 'mode', mode: 'keep' }), { type: 'regions/update', id: 'r1', patch: { prompt: 'a face' } });
    expect(regionsForRun(s.regions).map((r) => [r.prompt, r.restoration])).toEqual([['a face', { kind: 'keep' }]]);
    expect(regionSummary(s.regions.items[0]!)).toBe('Keep as is: the photo’s own pixels · “a face”');
  });

  it('is undoable: choosing the mode is one step, typing and a slider drag one more', () => {
    const s = painted(
      restore({ kind: 'mode', mode: 'prompt', startText: '' }),
      restore({ kind: 'text', text: 'D' }),
      restore({ kind: 'text', text: 'Deblur;' }),
      restore({ kind: 'control', edit: { kind: 'value', key: 'blur', value: 1.5 } }),
    );
    expect(undoLabel(s.regions)).toBe('Edit region restoration');
    const once = appReducer(s, { type: 'regions/undo' });
    expect(once.regions.items[0]!.restoration).toMatchObject({ mode: 'prompt', restorationText: '' });
    const twice = appReducer(once, { type: 'regions/undo' });
    expect(twice.regions.items[0]!.restoration.mode).toBe('follow');
    const back = run(twice, { type: 'regions/redo' }, { type: 'regions/redo' });
    expect(back.regions.items[0]!.restoration).toEqual(s.regions.items[0]!.restoration);
    expect(redoLabel(back.regions)).toBeNull();
  });

  it('a run sends the regions bottom first, so the one higher in the list wins where they overlap', () => {
    const s = run(
      opened(),
      { type: 'regions/add' },
      rect(0, 0, 60, 80),
      restore({ kind: 'mode', mode: 'keep' }),
      { type: 'regions/add' },
      rect(40, 0, 100, 80),
      restore({ kind: 'mode', mode: 'prompt', startText: 'Deblur with sigma 2.0;' }, 'r2'),
    );
    expect(s.regions.items.map((r) => r.id)).toEqual(['r2', 'r1']); // r2 on top
    expect(regionsForRun(s.regions).map((r) => r.id)).toEqual(['r1', 'r2']);
  });
});
