// The run controller's sweep queue (app/sweepQueue.ts) and its sheet export, against a fake window.spire.
import { describe, expect, it } from 'vitest';
import type { RestoreDoneEvent } from '../../../../../preload/contract/channels';
import { flush, harness } from './runHarness';

describe('run controller: sweep queue', () => {
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
        { resultId: 'r-job1', label: 'quality 30' },
        { resultId: 'r-job2', label: 'quality 60' },
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
      { resultId: 'r-job1', label: 'quality 30' },
      { resultId: 'r-job2', label: 'quality 60 (estimate)' },
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

});
