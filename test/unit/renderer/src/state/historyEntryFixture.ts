import type { HistoryEntry } from '../../../../../renderer/src/state/historyResults';

/** A finished result as the history holds it, for reducer tests: `over` sets what the test is about. */
export function historyEntry(id: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id,
    imageId: 'img1',
    resultKey: `key-${id}`,
    thumbnailUrl: null,
    width: 8,
    height: 8,
    semanticPrompt: '',
    restorationPrompt: '',
    estimatedPrompt: null,
    regionPrompts: [],
    seed: 1,
    steps: 0,
    elapsedMs: 10,
    finishedAt: 0,
    pinned: false,
    sweepId: null,
    ...over,
  };
}
