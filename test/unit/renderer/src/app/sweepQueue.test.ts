// The run controller's sweep queue (app/sweepQueue.ts) and its sheet export, against a fake window.spire.
import { describe, expect, it } from 'vitest';
import type { RestoreDoneEvent } from '../../../../../preload/contract/channels';
import { sweepControls, sweepStartValues, sweepTargets } from '../../../../../renderer/src/state/sweep';
import { flush, harness } from './runHarness';

describe('run controller: sweep queue', () => {
  it('a sweep stays with its photo: its next cells run on it and land in its history while another photo is shown', async () => {
    const h = harness();
    await h.run.sweep([{ key: 'jpeg', values: [30, 60] }]);
    h.store.dispatch({ type: 'image/opened', image: { id: 'img2', name: 'b.png', width: 8, height: 8, mime: 'image/png', sourceKey: 's2', levels: 1 } });
    h.emitDone(h.result('job1', h.starts[0]!.params.seed, 'Dejpeg with quality 30;'));
    await flush();
    await flush();
    expect(h.starts.map((s) => [s.imageId, s.params.restorationPrompt])).toEqual([
      ['img1', 'Dejpeg with quality 30;'],
      ['img1', 'Dejpeg with quality 60;'],
    ]);
    h.emitDone(h.result('job2', h.starts[1]!.params.seed, 'Dejpeg with quality 60;'));
    await flush();
    expect(h.studio().sweep.run).toBeNull();
    expect(h.studio().history.entries).toEqual([]);
    h.store.dispatch({ type: 'sessions/switch', key: 'img1' });
    expect(h.studio().sweep.run).toMatchObject({ status: 'done', results: ['r-job1', 'r-job2'] });
    expect(h.studio().history.entries.map((e) => e.id)).toEqual(['r-job2', 'r-job1']);
  });


  it('a sweep runs its cells one after another with one seed, then exports them as a sheet', async () => {
    const h = harness();
    await h.run.sweep([{ key: 'jpeg', values: [30, 60] }]);
    expect(h.starts.map((s) => s.params.restorationPrompt)).toEqual(['Dejpeg with quality 30;']);
    h.emitDone(h.result('job1', h.starts[0]!.params.seed, 'Dejpeg with quality 30;'));
    await flush();
    await flush();
    expect(h.starts.map((s) => s.params.restorationPrompt)).toEqual(['Dejpeg with quality 30;', 'Dejpeg with quality 60;']);
    expect(h.starts[1]!.params.seed).toBe(h.starts[0]!.params.seed);
    h.emitDone(h.result('job2', h.starts[1]!.params.seed, 'Dejpeg with quality 60;'));
    await flush();
    expect(h.studio().sweep.run).toMatchObject({ status: 'done', results: ['r-job1', 'r-job2'] });
    // Sweep cells do not take over the view.
    expect(h.studio().history.currentId).toBeNull();

    expect(await h.run.exportImage({ kind: 'sweep-grid', format: 'webp', quality: 70 })).toBe('/tmp/out.png');
    expect(h.exports[0]).toEqual({
      kind: 'sweep-grid',
      format: 'webp',
      quality: 70,
      columns: 2,
      cells: [
        { resultId: 'r-job1', label: 'JPEG q 30' },
        { resultId: 'r-job2', label: 'JPEG q 60' },
      ],
    });
  });

  it('a result records the estimate its prompt came from; the sweep sheet labels the cell that ran it', async () => {
    const h = harness();
    const estimate = { restorationPrompt: 'Dejpeg with quality 60;', operations: [], jpegQualityFromFile: null, patches: 1, ms: 1 };
    const withEstimate = (d: RestoreDoneEvent): RestoreDoneEvent => (d.result.ok ? { ...d, result: { ok: true, value: { ...d.result.value, estimate } } } : d);
    await h.run.sweep([{ key: 'jpeg', values: [30, 60] }]);
    h.emitDone(h.result('job1', h.starts[0]!.params.seed, 'Dejpeg with quality 30;'));
    await flush();
    await flush();
    h.emitDone(withEstimate(h.result('job2', h.starts[1]!.params.seed, 'Dejpeg with quality 60;')));
    await flush();
    expect(h.studio().history.entries.map((e) => [e.restorationPrompt, e.estimatedPrompt])).toEqual([
      ['Dejpeg with quality 60;', 'Dejpeg with quality 60;'],
      ['Dejpeg with quality 30;', null],
    ]);
    await h.run.exportImage({ kind: 'sweep-grid', format: 'png', quality: 90 });
    expect(h.exports[0]?.cells).toEqual([
      { resultId: 'r-job1', label: 'JPEG q 30' },
      { resultId: 'r-job2', label: 'JPEG q 60 (estimate)' },
    ]);
  });

  it('cancelling a sweep stops the queue', async () => {
    const h = harness();
    await h.run.sweep([{ key: 'blur', values: [1, 2, 3] }]);
    await h.run.cancel();
    h.emitDone({ jobId: 'job1', result: { ok: false, error: { code: 'cancelled', message: 'cancelled' } } });
    await flush();
    expect(h.starts).toHaveLength(1);
    expect(h.studio().sweep.run?.status).toBe('cancelled');
  });

  it('a sweep over one region’s prompt keeps the photo’s and gives that region each cell’s prompt', async () => {
    const h = harness();
    const d = (a: Parameters<typeof h.store.dispatch>[0]) => h.store.dispatch(a);
    d({ type: 'prompt/restorationText', text: 'Deblur with sigma 1.0;' });
    d({ type: 'regions/add' });
    d({ type: 'regions/mask', op: { kind: 'rect', a: { x: 0, y: 0 }, b: { x: 4, y: 8 }, mode: 'paint' } });
    d({ type: 'regions/restoration', id: 'r1', change: { kind: 'mode', mode: 'prompt', startText: 'Denoise with sigma 0.04;' } });
    const [target] = sweepTargets(h.store.getState().regions);
    expect(target).toEqual({ kind: 'region', regionId: 'r1', name: 'Region 1' });
    expect(sweepStartValues('noise', sweepControls(h.store.getState(), target!))).toBe('0.02, 0.04, 0.06');
    await h.run.sweep([{ key: 'noise', values: [0.02, 0.06] }], target);
    h.emitDone(h.result('job1', h.starts[0]!.params.seed));
    await flush();
    await flush();
    expect(h.starts.map((s) => [s.params.restorationPrompt, s.params.regions[0]!.restoration])).toEqual([
      ['Deblur with sigma 1.0;', { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.02;' }],
      ['Deblur with sigma 1.0;', { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.06;' }],
    ]);
    h.emitDone(h.result('job2', h.starts[1]!.params.seed));
    await flush();
    await h.run.exportImage({ kind: 'sweep-grid', format: 'png', quality: 90 });
    expect(h.exports[0]?.cells?.map((c) => c.label)).toEqual(['Region 1: noise σ 0.02', 'Region 1: noise σ 0.06']);
    // Keep as is has no prompt to walk.
    d({ type: 'regions/restoration', id: 'r1', change: { kind: 'mode', mode: 'keep' } });
    expect(sweepTargets(h.store.getState().regions)).toEqual([]);
  });

  it('a sweep over run settings sends each cell’s settings with the prompt as it is, and leaves the saved settings alone', async () => {
    const h = harness();
    h.store.dispatch({ type: 'prompt/restorationText', text: 'Denoise with sigma 0.05;' });
    await h.run.sweep([
      { key: 'guidanceScale', values: [2, 9] },
      { key: 'steps', values: [4, 8] },
    ]);
    for (let i = 1; i <= 4; i++) {
      h.emitDone(h.result(`job${i}`, h.starts[i - 1]!.params.seed, 'Denoise with sigma 0.05;'));
      await flush();
      await flush();
    }
    expect(h.starts.map((s) => [s.params.guidanceScale, s.params.steps, s.params.restorationPrompt])).toEqual([
      [2, 4, 'Denoise with sigma 0.05;'],
      [9, 4, 'Denoise with sigma 0.05;'],
      [2, 8, 'Denoise with sigma 0.05;'],
      [9, 8, 'Denoise with sigma 0.05;'],
    ]);
    expect(new Set(h.starts.map((s) => s.params.seed)).size).toBe(1);
    expect(h.studio().sweep.run).toMatchObject({ status: 'done', results: ['r-job1', 'r-job2', 'r-job3', 'r-job4'] });
    // The run panel's settings are the user's: a cell's guidance and steps were for that run only.
    expect([h.studio().settings.guidanceScale, h.studio().settings.steps]).toEqual([5, 12]);
    // Each cell's entry is named by its cell: the run's own words are the same for all four.
    const names = h.studio().sweep.run!.results.map((id) => h.studio().history.entries.find((e) => e.id === id)?.name);
    expect(names).toEqual(['sweep · guidance 2.0 · steps 4', 'sweep · guidance 9.0 · steps 4', 'sweep · guidance 2.0 · steps 8', 'sweep · guidance 9.0 · steps 8']);
    await h.run.exportImage({ kind: 'sweep-grid', format: 'png', quality: 90 });
    expect(h.exports[0]?.cells?.map((c) => c.label)).toEqual(['guidance 2.0 · steps 4', 'guidance 9.0 · steps 4', 'guidance 2.0 · steps 8', 'guidance 9.0 · steps 8']);
  });

  it('a sweep that would change nothing does not start and says why', async () => {
    const h = harness();
    h.store.dispatch({ type: 'settings/set', patch: { strength: 0, useRestorer: true } });
    await h.run.sweep([{ key: 'guidanceScale', values: [2, 9] }]);
    expect(h.starts).toHaveLength(0);
    expect(h.studio().sweep.run).toBeNull();
    expect(h.store.getState().error?.message).toMatch(/Guidance changes nothing at strength 0/);
  });
});
