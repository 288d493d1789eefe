// watchEstimates against a fake window.spire.image.estimate: asks once per photo and pack, whichever way the
// photo opened; waits for a pack with an estimator; a late answer for an earlier photo is dropped.
import { describe, expect, it } from 'vitest';
import type { Result, SpireApi } from '../../../../../preload/contract/channels';
import type { EngineStatus } from '../../../../../common/engineStatus';
import type { DegradationEstimate } from '../../../../../common/estimate';
import { watchEstimates } from '../../../../../renderer/src/app/estimateController';
import { appReducer, initialAppState, type AppAction } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

const estimateOf = (restorationPrompt: string): DegradationEstimate => ({
  restorationPrompt,
  operations: [{ key: 'noise', probability: 0.9, value: 0.05, present: restorationPrompt !== '', source: 'pixels' }],
  jpegQualityFromFile: null,
  patches: 4,
  ms: 5,
});

const status = (dir: string | null, hasEstimator = true, state: EngineStatus['state'] = 'ready'): EngineStatus => ({
  state,
  pack: dir ? { name: 'p', dir, hasEstimator } : null,
  provider: 'cpu',
  message: null,
});
const open = (id: string): AppAction => ({ type: 'image/opened', image: { id, name: `${id}.png`, width: 8, height: 8, mime: 'image/png', sourceKey: `k-${id}`, levels: 1 } });

function harness() {
  const calls: string[] = [];
  const answers = new Map<string, (r: Result<DegradationEstimate> | Error) => void>();
  const api = {
    image: {
      estimate: (imageId: string) => {
        calls.push(imageId);
        return new Promise<Result<DegradationEstimate>>((resolve, reject) => answers.set(`${imageId}#${calls.length}`, (r) => (r instanceof Error ? reject(r) : resolve(r))));
      },
    },
  } as unknown as SpireApi;
  const store = createStore(appReducer, initialAppState);
  const stop = watchEstimates(store, api);
  /** Answers the n-th call (1-based). */
  const answer = async (n: number, r: Result<DegradationEstimate> | Error) => {
    answers.get(`${calls[n - 1]}#${n}`)!(r);
    await flush();
  };
  return { store, calls, answer, stop, text: () => store.getState().studio.prompt.restorationText };
}

describe('watchEstimates', () => {
  it("an answer that comes after another photo is shown fills its own photo's prompt; a photo shown again is not read again", async () => {
    const h = harness();
    h.store.dispatch({ type: 'engine/status', status: status('/p') });
    h.store.dispatch(open('a'));
    h.store.dispatch(open('b'));
    expect(h.calls).toEqual(['a', 'b']);
    await h.answer(1, { ok: true, value: estimateOf('Denoise with sigma 0.05;') });
    expect(h.store.getState().studio.estimate).toMatchObject({ imageId: 'b', status: 'reading' });
    await h.answer(2, { ok: true, value: estimateOf('') });
    expect(h.text()).toBe('');
    h.store.dispatch({ type: 'sessions/switch', key: 'a' });
    expect(h.text()).toBe('Denoise with sigma 0.05;');
    expect(h.store.getState().studio.estimate).toMatchObject({ imageId: 'a', status: 'ready' });
    h.store.dispatch({ type: 'sessions/switch', key: 'b' });
    expect(h.calls).toEqual(['a', 'b']);
    h.stop();
  });


  it('asks when a photo opens with a pack that has an estimator, and fills the prompt with the answer', async () => {
    const h = harness();
    h.store.dispatch({ type: 'engine/status', status: status('/p') });
    expect(h.calls).toEqual([]);
    h.store.dispatch(open('a'));
    expect(h.calls).toEqual(['a']);
    expect(h.store.getState().studio.estimate.status).toBe('reading');
    h.store.dispatch({ type: 'engine/status', status: status('/p', true, 'busy') }); // the same photo and pack: no second ask
    expect(h.calls).toEqual(['a']);
    await h.answer(1, { ok: true, value: estimateOf('Denoise with sigma 0.05;') });
    expect(h.text()).toBe('Denoise with sigma 0.05;');
    h.stop();
  });

  it('waits for the pack when the photo opened first; asks again for another pack', async () => {
    const h = harness();
    h.store.dispatch(open('a'));
    h.store.dispatch({ type: 'engine/status', status: status(null, true, 'starting') });
    expect(h.calls).toEqual([]);
    h.store.dispatch({ type: 'engine/status', status: status('/p') });
    expect(h.calls).toEqual(['a']);
    h.store.dispatch({ type: 'engine/status', status: status('/q') });
    expect(h.calls).toEqual(['a', 'a']);
    await h.answer(1, { ok: true, value: estimateOf('Denoise with sigma 0.05;') }); // for pack /p: too late
    expect(h.text()).toBe('Remove all degradation');
    await h.answer(2, { ok: true, value: estimateOf('') });
    expect(h.text()).toBe('');
    h.stop();
  });

  it('never asks a pack without an estimator', () => {
    const h = harness();
    h.store.dispatch({ type: 'engine/status', status: status('/p', false) });
    h.store.dispatch(open('a'));
    expect(h.calls).toEqual([]);
    h.stop();
  });

  it('drops a late answer for a photo that is no longer on screen', async () => {
    const h = harness();
    h.store.dispatch({ type: 'engine/status', status: status('/p') });
    h.store.dispatch(open('a'));
    h.store.dispatch(open('b'));
    expect(h.calls).toEqual(['a', 'b']);
    await h.answer(2, { ok: true, value: estimateOf('') });
    await h.answer(1, { ok: true, value: estimateOf('Denoise with sigma 0.05;') });
    expect(h.text()).toBe('');
    expect(h.store.getState().studio.estimate).toMatchObject({ imageId: 'b', status: 'ready' });
    h.stop();
  });

  it('a refusal or a lost answer reads as failed, in words; nothing after stop', async () => {
    const h = harness();
    h.store.dispatch({ type: 'engine/status', status: status('/p') });
    h.store.dispatch(open('a'));
    await h.answer(1, { ok: false, error: { code: 'no-estimator', message: 'The model pack "p" has no degradation estimator.' } });
    expect(h.store.getState().studio.estimate).toMatchObject({ status: 'unavailable', error: 'The model pack "p" has no degradation estimator.' });
    h.store.dispatch(open('b'));
    await h.answer(2, new Error('bridge gone'));
    expect(h.store.getState().studio.estimate).toMatchObject({ status: 'failed', error: 'main did not answer (bridge gone)' });
    h.store.dispatch(open('c'));
    h.stop();
    await h.answer(3, { ok: true, value: estimateOf('Denoise with sigma 0.05;') });
    expect(h.store.getState().studio.estimate.status).toBe('reading');
  });
});
