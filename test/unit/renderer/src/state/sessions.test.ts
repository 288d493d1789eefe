// Open photos and their sessions, through the app's reducer: a new photo starts fresh, switching swaps
// every per-photo slice, actions reach a photo that is not shown, reopening shows the open tab, closing
// and the bound on open photos.
import { describe, expect, it } from 'vitest';
import { appReducer, initialAppState, type AppAction, type AppState, type ImageDoc } from '../../../../../renderer/src/state/appState';
import type { HistoryEntry } from '../../../../../renderer/src/state/historyResults';
import { MAX_OPEN_PHOTOS, forPhoto, isPhotoBusy, photoState, type RestoredSession } from '../../../../../renderer/src/state/sessions';
import { initialCompareState } from '../../../../../renderer/src/state/compare';
import { initialEstimateState } from '../../../../../renderer/src/state/promptEstimate';
import { initialPromptState, promptReducer } from '../../../../../renderer/src/state/promptBuilder';
import { historyEntry } from './historyEntryFixture';

const reduce = (actions: AppAction[], state: AppState = initialAppState): AppState => actions.reduce(appReducer, state);
const image = (name: string, over: Partial<ImageDoc> = {}): ImageDoc => ({ id: `id-${name}`, name: `${name}.png`, width: 64, height: 48, mime: 'image/png', sourceKey: `src-${name}`, levels: 1, contentHash: `hash-${name}`, ...over });
const open = (name: string, over: Partial<ImageDoc> = {}, session?: RestoredSession): AppAction => ({ type: 'image/opened', image: image(name, over), ...(session ? { session } : {}) });
const entry = (id: string, imageId: string): HistoryEntry => historyEntry(id, { imageId, width: 64, height: 48, restorationPrompt: 'Denoise;' });
const text = (s: AppState) => s.studio.prompt.restorationText;

/** Photo A with its own prompts, a locked seed, a region and a result. */
function photoA(): AppState {
  return reduce([
    { type: 'stage/resized', size: { width: 800, height: 600 } },
    { type: 'settings/set', patch: { steps: 30 } },
    open('a'),
    { type: 'prompt/restorationText', text: 'Deblur with sigma 2.0;' },
    { type: 'prompt/semantic', text: 'a red barn' },
    { type: 'settings/set', patch: { seed: 99, seedLocked: true } },
    { type: 'regions/add' },
    { type: 'history/added', entry: entry('r1', 'id-a'), makeCurrent: true },
  ]);
}

describe('sessions: one per open photo', () => {
  it('a new photo starts from the defaults and empty prompts, not the previous photo, with its seed unlocked', () => {
    const s = reduce([open('b')], photoA());
    expect(s.image?.name).toBe('b.png');
    expect(s.sessions.tabs.map((t) => t.key)).toEqual(['hash-a', 'hash-b']);
    expect(s.sessions.activeKey).toBe('hash-b');
    expect(s.studio.prompt).toEqual(initialPromptState());
    expect(s.studio.estimate).toEqual(initialEstimateState);
    expect(s.studio.history.entries).toEqual([]);
    expect(s.studio.compare.on).toBe(false);
    expect(s.regions.items).toEqual([]);
    // The app's settings (the user's steps), but A's locked seed is A's.
    expect(s.studio.settings.steps).toBe(30);
    expect(s.studio.settings.seedLocked).toBe(false);
  });

  it('switching back swaps every per-photo slice in, and B keeps its own', () => {
    const withB = reduce([open('b'), { type: 'prompt/semantic', text: 'a harbour' }], photoA());
    const backToA = reduce([{ type: 'sessions/switch', key: 'hash-a' }], withB);
    expect(backToA.image?.name).toBe('a.png');
    expect(text(backToA)).toBe('Deblur with sigma 2.0;');
    expect(backToA.studio.prompt.semantic).toBe('a red barn');
    expect(backToA.studio.settings).toMatchObject({ seed: 99, seedLocked: true });
    expect(backToA.studio.history.entries.map((e) => e.id)).toEqual(['r1']);
    expect(backToA.studio.compare.on).toBe(true);
    expect(backToA.regions.items).toHaveLength(1);
    const backToB = reduce([{ type: 'sessions/switch', key: 'hash-b' }], backToA);
    expect(backToB.studio.prompt.semantic).toBe('a harbour');
    expect(backToB.regions.items).toEqual([]);
  });

  it('the window keeps its own: pack and provider, the canvas tool, and an open dialog closes on a switch', () => {
    const s = reduce([open('b'), { type: 'settings/set', patch: { provider: 'cuda' } }, { type: 'regions/tool', tool: 'brush' }, { type: 'dialog/open', dialog: 'sweep' }], photoA());
    const a = reduce([{ type: 'sessions/switch', key: 'hash-a' }], s);
    expect(a.studio.settings.provider).toBe('cuda');
    expect(a.regions.tool).toBe('brush');
    expect(a.studio.dialog).toBeNull();
  });

  it('reopening an open photo (same content, another open) shows its tab', () => {
    const s = reduce([open('b'), open('a', { id: 'id-a-again', sourceKey: 'src-a-again', name: 'copy of a.png' })], photoA());
    expect(s.sessions.tabs).toHaveLength(2);
    expect(s.sessions.activeKey).toBe('hash-a');
    expect(s.image?.id).toBe('id-a');
    expect(s.image?.sourceKey).toBe('src-a');
    expect(text(s)).toBe('Deblur with sigma 2.0;');
  });

  it('an action for a photo not shown changes only that photo: a run and its result', () => {
    const s = reduce([open('b')], photoA());
    const ran = reduce(
      [
        forPhoto('hash-a', { type: 'run/starting', jobId: 'j1', kind: 'single', seed: 99, totalSteps: 4 }),
        forPhoto('hash-a', { type: 'run/progress', jobId: 'j1', phase: 'denoise', step: 2, totalSteps: 4, etaMs: 100, elapsedMs: 50, previewUrl: null }),
      ],
      s,
    );
    expect(ran.studio.job.status).toBe('idle'); // B shows no progress
    expect(isPhotoBusy(ran, 'hash-a')).toBe(true);
    expect(isPhotoBusy(ran, 'hash-b')).toBe(false);
    expect(photoState(ran, 'hash-a')?.studio.job.step).toBe(2);
    const done = reduce([forPhoto('hash-a', { type: 'run/ended' }), forPhoto('hash-a', { type: 'history/added', entry: entry('r2', 'id-a'), makeCurrent: true })], ran);
    expect(done.studio.history.entries).toEqual([]);
    const a = reduce([{ type: 'sessions/switch', key: 'hash-a' }], done);
    expect(a.studio.history.entries.map((e) => e.id)).toEqual(['r2', 'r1']);
    expect(a.studio.history.currentId).toBe('r2');
    expect(a.studio.job.status).toBe('idle');
  });

  it('an action for the shown photo is the plain action; one for a closed photo does nothing', () => {
    const s = photoA();
    expect(appReducer(s, forPhoto('hash-a', { type: 'prompt/semantic', text: 'x' })).studio.prompt.semantic).toBe('x');
    expect(appReducer(s, forPhoto('hash-gone', { type: 'prompt/semantic', text: 'x' }))).toBe(s);
  });

  it('closing the shown photo shows its neighbour; closing the last shows nothing', () => {
    const s = reduce([open('b'), open('c'), { type: 'sessions/switch', key: 'hash-b' }], photoA());
    const closedB = reduce([{ type: 'sessions/close', key: 'hash-b' }], s);
    expect(closedB.sessions.tabs.map((t) => t.key)).toEqual(['hash-a', 'hash-c']);
    expect(closedB.sessions.activeKey).toBe('hash-c');
    expect(closedB.image?.name).toBe('c.png');
    const none = reduce([{ type: 'sessions/close', key: 'hash-c' }, { type: 'sessions/close', key: 'hash-a' }], closedB);
    expect(none.image).toBeNull();
    expect(none.sessions.tabs).toEqual([]);
    expect(none.studio.history.entries).toEqual([]);
    expect(text(none)).toBe(initialPromptState().restorationText);
  });

  it(`keeps at most ${MAX_OPEN_PHOTOS} photos open: the oldest without a run closes`, () => {
    let s = reduce([open('p0'), { type: 'run/starting', jobId: 'j', kind: 'single', seed: 1, totalSteps: 1 }]);
    for (let i = 1; i <= MAX_OPEN_PHOTOS; i++) s = reduce([open(`p${i}`)], s);
    expect(s.sessions.tabs).toHaveLength(MAX_OPEN_PHOTOS);
    // p0 runs, so p1 went.
    expect(s.sessions.tabs.map((t) => t.key)).toEqual(['hash-p0', ...Array.from({ length: MAX_OPEN_PHOTOS - 1 }, (_, i) => `hash-p${i + 2}`)]);
  });

  it('a photo with a saved session opens with it; the window keeps its pack and provider', () => {
    const restored: RestoredSession = {
      prompt: promptReducer(initialPromptState(), { type: 'prompt/load', semantic: 'saved words', restorationText: 'Denoise with sigma 0.08;' }),
      estimate: initialEstimateState,
      settings: { steps: 12, seedLocked: true, seed: 5, provider: 'dml' },
      history: { entries: [entry('old', 'id-b')], currentId: 'old' },
      compare: { ...initialCompareState, on: true, mode: 'side' },
      regions: { items: [], activeId: null, nextId: 3 },
    };
    const s = reduce([{ type: 'settings/set', patch: { provider: 'cuda' } }, open('b', {}, restored)], photoA());
    expect(text(s)).toBe('Denoise with sigma 0.08;');
    expect(s.studio.prompt.semantic).toBe('saved words');
    expect(s.studio.settings).toMatchObject({ steps: 12, seedLocked: true, seed: 5, provider: 'cuda' });
    expect(s.studio.history.currentId).toBe('old');
    expect(s.studio.compare).toMatchObject({ on: true, mode: 'side' });
    expect(s.regions.nextId).toBe(3);
  });
});
