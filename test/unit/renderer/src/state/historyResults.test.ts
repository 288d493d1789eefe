import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryState } from '../../../../../renderer/src/state/historyResults';
import { HISTORY_NAME_CHARS, currentEntry, entriesForImage, entryTooltip, evicted, formatClock, historyReducer, initialHistoryState, regionLabel, usedPromptLabel } from '../../../../../renderer/src/state/historyResults';
import { historyEntry } from './historyEntryFixture';

const entry = (id: string, imageId = 'img1'): HistoryEntry => historyEntry(id, { imageId, restorationPrompt: 'Remove all degradation', steps: 4 });

function add(state: HistoryState, ids: string[], limit?: number): HistoryState {
  return ids.reduce((s, id) => historyReducer(s, { type: 'history/added', entry: entry(id), makeCurrent: true }, limit), state);
}

describe('result history', () => {
  it('adds newest first and makes the new result current', () => {
    const s = add(initialHistoryState, ['a', 'b', 'c']);
    expect(s.entries.map((e) => e.id)).toEqual(['c', 'b', 'a']);
    expect(s.currentId).toBe('c');
  });

  it('drops the oldest unpinned entries beyond the limit, never pinned ones', () => {
    let s = add(initialHistoryState, ['a', 'b']);
    s = historyReducer(s, { type: 'history/pin', id: 'a', pinned: true });
    s = add(s, ['c', 'd', 'e'], 2);
    expect(s.entries.map((e) => e.id)).toEqual(['e', 'd', 'a']);
    expect(evicted(add(initialHistoryState, ['a', 'b']), s).map((e) => e.id)).toEqual(['b']);
  });

  it('shows pinned first, only for the open image', () => {
    let s = add(initialHistoryState, ['a', 'b', 'c']);
    s = historyReducer(s, { type: 'history/added', entry: entry('x', 'img2'), makeCurrent: false });
    s = historyReducer(s, { type: 'history/pin', id: 'a', pinned: true });
    expect(entriesForImage(s, 'img1').map((e) => e.id)).toEqual(['a', 'c', 'b']);
    expect(entriesForImage(s, 'img2').map((e) => e.id)).toEqual(['x']);
    expect(entriesForImage(s, null)).toEqual([]);
    expect(currentEntry(s, 'img1')?.id).toBe('c');
    expect(currentEntry(s, 'img2')).toBeNull();
  });

  it('deleting the current result shows the next older one of the same photo, then a newer one', () => {
    let s = add(initialHistoryState, ['a', 'b', 'c']);
    s = historyReducer(s, { type: 'history/select', id: 'b' });
    s = historyReducer(s, { type: 'history/delete', id: 'b' });
    expect(s.currentId).toBe('a');
    s = historyReducer(s, { type: 'history/delete', id: 'a' });
    expect(s.currentId).toBe('c');
    s = historyReducer(s, { type: 'history/delete', id: 'c' });
    expect(s).toEqual({ entries: [], currentId: null });
    expect(historyReducer(s, { type: 'history/delete', id: 'zz' })).toBe(s);
  });

  it('ignores selecting an unknown entry and sets thumbnails', () => {
    let s = add(initialHistoryState, ['a']);
    expect(historyReducer(s, { type: 'history/select', id: 'nope' })).toBe(s);
    s = historyReducer(s, { type: 'history/thumbnail', id: 'a', url: 'blob:1' });
    expect(s.entries[0]?.thumbnailUrl).toBe('blob:1');
  });
});

describe('renaming', () => {
  it('names an entry, trims and squeezes spaces, and a blank name goes back to the words', () => {
    let s = add(initialHistoryState, ['a', 'b']);
    s = historyReducer(s, { type: 'history/rename', id: 'a', name: '  best   so far ' });
    expect(s.entries.find((e) => e.id === 'a')!.name).toBe('best so far');
    expect(s.entries.find((e) => e.id === 'b')!.name).toBeUndefined();
    expect(historyReducer(s, { type: 'history/rename', id: 'a', name: 'best so far' })).toBe(s);
    expect(historyReducer(s, { type: 'history/rename', id: 'nope', name: 'x' })).toBe(s);
    const long = historyReducer(s, { type: 'history/rename', id: 'b', name: 'x'.repeat(HISTORY_NAME_CHARS + 20) });
    expect(long.entries.find((e) => e.id === 'b')!.name).toHaveLength(HISTORY_NAME_CHARS);
    s = historyReducer(s, { type: 'history/rename', id: 'a', name: '   ' });
    expect('name' in s.entries.find((e) => e.id === 'a')!).toBe(false);
  });

  it('a renamed, pinned entry stays plain data and survives the limit', () => {
    let s = add(initialHistoryState, ['a']);
    s = historyReducer(s, { type: 'history/rename', id: 'a', name: 'keeper' });
    s = historyReducer(s, { type: 'history/pin', id: 'a', pinned: true });
    s = add(s, ['b', 'c', 'd'], 2);
    const kept = s.entries.find((e) => e.id === 'a')!;
    expect(kept).toMatchObject({ name: 'keeper', pinned: true });
    expect(JSON.parse(JSON.stringify(kept))).toEqual(kept);
  });
});

describe('entryTooltip', () => {
  it('names the steps run, "restorer only" for none, and the prompts it had', () => {
    const e = { ...entry('a'), restorationPrompt: 'Dejpeg with quality 40;', semanticPrompt: 'a barn', regionPrompts: ['sky', 'roof'], seed: 7, elapsedMs: 6300 };
    const clock = formatClock(e.finishedAt);
    expect(entryTooltip({ ...e, steps: 5 })).toBe(`Dejpeg with quality 40;\n“a barn”\nregions: sky | roof\nseed 7 · 5 steps · 6.3 s · ${clock}\nDouble-click to reuse these prompts and seed`);
    expect(entryTooltip({ ...e, steps: 1 })).toContain('seed 7 · 1 step · 6.3 s');
    expect(entryTooltip({ ...e, steps: 0, semanticPrompt: '', regionPrompts: [] })).toBe(`Dejpeg with quality 40;\nrestorer only · 6.3 s · ${clock}\nDouble-click to reuse these prompts and seed`);
  });
});

describe('usedPromptLabel', () => {
  it('shows the prompt the run used, marked when it came from the photo’s estimate', () => {
    expect(usedPromptLabel({ restorationPrompt: 'Denoise with sigma 0.05;', estimatedPrompt: null })).toBe('Denoise with sigma 0.05;');
    expect(usedPromptLabel({ restorationPrompt: '', estimatedPrompt: null })).toBe('(no restoration prompt)');
    expect(usedPromptLabel({ restorationPrompt: 'Denoise with sigma 0.04;', estimatedPrompt: 'Denoise with sigma 0.04;' })).toBe('Denoise with sigma 0.04; (estimated from the photo)');
    expect(usedPromptLabel({ restorationPrompt: '', estimatedPrompt: '' })).toBe('nothing to fix (estimated from the photo)');
    expect(usedPromptLabel({ restorationPrompt: 'Remove all degradation', estimatedPrompt: 'Dejpeg with quality 60;' })).toBe("Remove all degradation (steered by the photo's estimate: Dejpeg with quality 60;)");
    expect(usedPromptLabel({ restorationPrompt: 'Remove all degradation', estimatedPrompt: '' })).toBe("Remove all degradation (steered by the photo's estimate: clean)");
  });

  it('opens the tooltip', () => {
    expect(entryTooltip({ ...entry('a'), restorationPrompt: 'Denoise with sigma 0.04;', estimatedPrompt: 'Denoise with sigma 0.04;' }).split('\n')[0]).toBe('Denoise with sigma 0.04; (estimated from the photo)');
  });

describe('every region’s prompts in the tooltip', () => {
  it('names each region’s semantic prompt and its own restoration (Keep as is included)', () => {
    const e = {
      ...entry('a'),
      restorationPrompt: 'Deblur with sigma 1.0;',
      regionPrompts: ['sky', '', 'grass'],
      regionRestorations: [{ kind: 'prompt' as const, restorationPrompt: 'Denoise with sigma 0.08;' }, { kind: 'keep' as const }, null],
    };
    expect(entryTooltip(e).split('\n')[1]).toBe('regions: sky · Denoise with sigma 0.08; | Keep as is | grass');
    expect(regionLabel('door', { kind: 'prompt', restorationPrompt: '' })).toBe('door · (nothing to fix)');
  });
});
});
