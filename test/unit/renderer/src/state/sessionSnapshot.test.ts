// A photo's session to main's JSON and back: what is kept, what is local to the window, and untrusted text.
import { describe, expect, it } from 'vitest';
import type { RestoredImage } from '../../../../../preload/contract/channels';
import { appReducer, initialAppState, type AppAction, type AppState } from '../../../../../renderer/src/state/appState';
import type { HistoryEntry } from '../../../../../renderer/src/state/historyResults';
import { restoredFrom, snapshotOf } from '../../../../../renderer/src/state/sessionSnapshot';
import { takeSlices } from '../../../../../renderer/src/state/sessions';

const reduce = (actions: AppAction[], state: AppState = initialAppState): AppState => actions.reduce(appReducer, state);
const IMAGE = { id: 'id-a', name: 'a.png', width: 64, height: 48, mime: 'image/png' as const, sourceKey: 'src-a', levels: 1, contentHash: 'hash-a' };

/** An entry with a field HistoryEntry does not have (yet): another part of the app may add some. */
const entry = (id: string): HistoryEntry & { label: string } => ({
  id,
  imageId: 'id-a',
  resultKey: `key-${id}`,
  thumbnailUrl: `blob:${id}`,
  width: 64,
  height: 48,
  semanticPrompt: 'a red barn',
  restorationPrompt: 'Denoise with sigma 0.08;',
  estimatedPrompt: null,
  regionPrompts: [],
  seed: 7,
  steps: 0,
  elapsedMs: 1200,
  finishedAt: 5,
  pinned: true,
  sweepId: null,
  label: 'my best one',
});

const result = (id: string): RestoredImage => ({ resultId: id, imageId: 'new-id', width: 64, height: 48 }) as RestoredImage;

function session(): AppState {
  return reduce([
    { type: 'image/opened', image: IMAGE },
    { type: 'prompt/restorationText', text: 'Deblur with sigma 2.0;' },
    { type: 'prompt/semantic', text: 'a red barn' },
    { type: 'settings/set', patch: { steps: 12, seed: 42, seedLocked: true, provider: 'cuda' } },
    { type: 'regions/add' },
    { type: 'regions/update', id: 'r1', patch: { prompt: 'the roof', feather: 4 } },
    { type: 'regions/mask', op: { kind: 'invert' } },
    { type: 'history/added', entry: entry('r1'), makeCurrent: true },
    { type: 'history/added', entry: entry('r2'), makeCurrent: false },
  ]);
}

describe('session snapshot', () => {
  it('keeps prompts, per-photo settings, regions with masks and whole history entries, without what is local to the window', () => {
    const s = session();
    const snap = snapshotOf(takeSlices(s)!);
    expect(snap.resultIds).toEqual(['r2', 'r1']);
    const json = JSON.parse(snap.state);
    expect(json.prompt).toEqual({ semantic: 'a red barn', restorationText: 'Deblur with sigma 2.0;' });
    expect(json.settings).toMatchObject({ steps: 12, seed: 42, seedLocked: true });
    expect(json.settings.provider).toBeUndefined();
    expect(json.settings.packDir).toBeUndefined();
    expect(json.history.entries[0]).toMatchObject({ id: 'r2', label: 'my best one', pinned: true });
    for (const local of ['resultKey', 'thumbnailUrl', 'imageId']) expect(json.history.entries[0][local]).toBeUndefined();
    expect(json.regions.items[0]).toMatchObject({ id: s.regions.items[0]!.id, prompt: 'the roof', feather: 4 });
    expect(json.regions.items[0].mask).toBeUndefined();
    expect(snap.masks).toHaveLength(1);
    expect(snap.masks[0]!.data.every((v) => v === 255)).toBe(true);
  });

  it('comes back for the photo opened again: its new image id, the results that came back, masks', () => {
    const s = session();
    const snap = snapshotOf(takeSlices(s)!);
    const image = { id: 'new-id', width: 64, height: 48 };
    const results = new Map([['r1', { resultKey: 'new-key-r1', image: result('r1') }]]);
    const back = restoredFrom(snap, image, results)!;
    expect(back.prompt.restorationText).toBe('Deblur with sigma 2.0;');
    expect(back.prompt.semantic).toBe('a red barn');
    expect(back.prompt.controls.ops.blur).toMatchObject({ enabled: true, value: 2 });
    expect(back.settings).toMatchObject({ steps: 12, seed: 42, seedLocked: true });
    // r2's result did not come back: its entry is left out.
    expect(back.history.entries).toHaveLength(1);
    expect(back.history.entries[0]).toMatchObject({ id: 'r1', imageId: 'new-id', resultKey: 'new-key-r1', thumbnailUrl: null, label: 'my best one', pinned: true, elapsedMs: 1200 });
    expect(back.history.currentId).toBe('r1');
    expect(back.regions.items[0]).toMatchObject({ prompt: 'the roof', feather: 4 });
    expect(back.regions.items[0]!.mask.data.every((v) => v === 255)).toBe(true);
    expect(back.regions.activeId).toBe(s.regions.activeId);
  });

  it('a mask of another size comes back empty; an estimate being read is asked again', () => {
    const s = reduce([{ type: 'estimate/asked', imageId: 'id-a', packDir: '/p' }], session());
    const snap = snapshotOf(takeSlices(s)!);
    const back = restoredFrom({ ...snap, masks: snap.masks.map((m) => ({ ...m, width: 2, height: 2, data: new Uint8Array(4) })) }, { id: 'n', width: 64, height: 48 }, new Map())!;
    expect(back.regions.items[0]!.mask.data.some((v) => v !== 0)).toBe(false);
    expect(back.estimate.status).toBe('none');
  });

  it('text that is not a session of this version gives null; broken parts fall back to defaults', () => {
    const image = { id: 'n', width: 8, height: 8 };
    expect(restoredFrom({ state: '{"version": 1, "prompt"', masks: [] }, image, new Map())).toBeNull();
    expect(restoredFrom({ state: JSON.stringify({ version: 2 }), masks: [] }, image, new Map())).toBeNull();
    const back = restoredFrom({ state: JSON.stringify({ version: 1, prompt: 7, history: { entries: [null, { id: 3 }] }, regions: { items: [{ name: 'no id' }] }, compare: { mode: 'sideways', wipe: 9 } }), masks: [] }, image, new Map())!;
    expect(back.prompt.semantic).toBe('');
    expect(back.history.entries).toEqual([]);
    expect(back.regions.items).toEqual([]);
    expect(back.compare).toMatchObject({ mode: 'wipe', wipe: 0.5, on: false });
  });
});
