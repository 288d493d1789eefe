import { describe, expect, it } from 'vitest';
import type { RestoredImage } from '../../../../../preload/contract/channels';
import type { ResultImages } from '../../../../../renderer/src/app/resultHistory';
import { createResultHistory } from '../../../../../renderer/src/app/resultHistory';
import { appReducer, initialAppState } from '../../../../../renderer/src/state/appState';
import { runLabel } from '../../../../../renderer/src/state/runLabel';
import { createStore } from '../../../../../renderer/src/state/store';

const images: ResultImages = {
  load: async (resultId) => `key-${resultId}`,
  release: () => undefined,
  thumbnail: async () => null,
  url: () => 'blob:x',
  revoke: () => undefined,
};

const result = (over: Partial<RestoredImage>): RestoredImage => ({
  resultId: 'r1',
  imageId: 'img-1',
  width: 8,
  height: 8,
  mime: 'image/png',
  bytes: new Uint8Array(1),
  seed: 42,
  restorationPrompt: 'Denoise with sigma 0.06;',
  semanticPrompt: 'a red barn',
  params: {
    restorationPrompt: 'Denoise with sigma 0.06;',
    semanticPrompt: 'a red barn',
    negativePrompt: '',
    regions: [{ prompt: 'sky' }, { prompt: 'roof' }],
    steps: 20,
    guidanceScale: 7.5,
    seed: 42,
    strength: 0.3,
    scheduler: 'ddim',
    eta: 0,
    colorFix: 'wavelet',
    useRestorer: true,
  },
  stepsRun: 6,
  seconds: 1.234,
  provider: 'cpu',
  pack: null,
  estimate: null,
  ...over,
});

describe('result history: an entry from what the run used', () => {
  it('keeps the strength, the requested prompt and main\'s timing, so the entry reads as words', async () => {
    const store = createStore(appReducer, initialAppState);
    const history = createResultHistory(store, undefined, images, () => 1_000);
    await history.keep(result({}), null, true);
    const entry = store.getState().studio.history.entries[0]!;
    expect(entry).toMatchObject({ strength: 0.3, elapsedMs: 1234, steps: 6, regionPrompts: ['sky', 'roof'] });
    expect(entry.requestedPrompt).toBeUndefined();
    expect(runLabel(entry)).toBe('Denoise 0.06 · strength 0.3 · “a red barn” · +2 regions');

    const estimate = { restorationPrompt: 'Denoise with sigma 0.06;', operations: [], jpegQualityFromFile: null, patches: 4, ms: 3 };
    await history.keep(result({ resultId: 'r2', stepsRun: 0, requestedPrompt: 'auto', estimate, params: { ...result({}).params, strength: 0, regions: [] } }), null, true);
    const auto = store.getState().studio.history.entries[0]!;
    expect(auto.requestedPrompt).toBe('auto');
    expect(runLabel(auto)).toBe('auto → Denoise 0.06 · restorer only');
    expect(JSON.parse(JSON.stringify(auto))).toEqual(auto);
  });
});
