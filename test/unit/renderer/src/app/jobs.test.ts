// The run controller's restore jobs (app/jobs.ts) against a fake window.spire: the renderer names each job.
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../../../preload/contract/channels';
import { photoState } from '../../../../../renderer/src/state/sessions';
import { flush, harness } from './runHarness';

describe('run controller: jobs', () => {
  it('a run belongs to its photo: progress and result reach it while another photo is shown, and that photo can run too', async () => {
    const h = harness();
    await flush();
    h.store.dispatch({ type: 'prompt/restorationText', text: 'Denoise with sigma 0.08;' });
    await h.run.run();
    h.store.dispatch({ type: 'image/opened', image: { id: 'img2', name: 'b.png', width: 8, height: 8, mime: 'image/png', sourceKey: 's2', levels: 1 } });
    // B is idle and shows nothing of A's run.
    expect(h.studio().job.status).toBe('idle');
    h.emitProgress({ jobId: 'job1', phase: 'denoise', step: 3, totalSteps: 12, etaMs: 500, elapsedMs: 40, preview: { bytes: new Uint8Array([1]), width: 4, height: 4 } });
    expect(h.studio().job.step).toBe(0);
    expect(photoState(h.store.getState(), 'img1')?.studio.job).toMatchObject({ status: 'running', step: 3, previewUrl: null });
    // B runs its own job meanwhile, with its own prompt.
    await h.run.run();
    expect(h.starts.map((r) => [r.jobId, r.imageId])).toEqual([
      ['job1', 'img1'],
      ['job2', 'img2'],
    ]);
    expect(h.starts[1]?.params.restorationPrompt).not.toBe('Denoise with sigma 0.08;');

    h.emitDone(h.result('job1', 7, 'Denoise with sigma 0.08;'));
    await flush();
    expect(h.studio().history.entries).toEqual([]);
    expect(h.studio().job).toMatchObject({ status: 'running', jobId: 'job2' });
    h.store.dispatch({ type: 'sessions/switch', key: 'img1' });
    expect(h.studio().job.status).toBe('idle');
    expect(h.studio().history.entries.map((e) => [e.id, e.thumbnailUrl])).toEqual([['r-job1', 'thumb:key:r-job1']]);
    expect(h.studio().history.currentId).toBe('r-job1');
    // Cancel on A does not touch B's run.
    await h.run.cancel();
    expect(h.cancels).toEqual([]);
    h.stop();
  });


  it('runs: request from the store, progress with previews, result into the history', async () => {
    const h = harness();
    await flush(); // settings.get
    expect(h.studio().settings.steps).toBe(12);
    h.store.dispatch({ type: 'prompt/restorationText', text: 'deblur with sigma 2' });
    await h.run.run();
    expect(h.starts).toHaveLength(1);
    expect(h.starts[0]?.params).toMatchObject({ restorationPrompt: 'Deblur with sigma 2.0;', steps: 12, seed: 2 ** 30 });
    expect(h.studio().job).toMatchObject({ status: 'running', jobId: 'job1', seed: 2 ** 30 });
    expect(h.studio().settings.seed).toBe(2 ** 30);

    h.emitProgress({ jobId: 'job1', phase: 'restorer', step: 1, totalSteps: 8, etaMs: 700, elapsedMs: 10 });
    expect(h.studio().job).toMatchObject({ phase: 'restorer', step: 1, totalSteps: 8, previewUrl: null });
    h.emitProgress({ jobId: 'job1', phase: 'denoise', step: 1, totalSteps: 12, etaMs: 500, elapsedMs: 40, preview: { bytes: new Uint8Array([1]), width: 4, height: 4 } });
    h.emitProgress({ jobId: 'job1', phase: 'denoise', step: 2, totalSteps: 12, etaMs: 450, elapsedMs: 80, preview: { bytes: new Uint8Array([1]), width: 4, height: 4 } });
    expect(h.studio().job).toMatchObject({ phase: 'denoise', step: 2, previewUrl: 'blob:2' });
    expect(h.revoked).toEqual(['blob:1']);

    h.emitDone(h.result('job1', 2 ** 30));
    await flush();
    expect(h.studio().job.status).toBe('idle');
    expect(h.revoked).toEqual(['blob:1', 'blob:2']);
    expect(h.studio().history.entries.map((e) => [e.id, e.resultKey, e.thumbnailUrl, e.elapsedMs])).toEqual([['r-job1', 'key:r-job1', 'thumb:key:r-job1', 1500]]);
    expect(h.studio().history.currentId).toBe('r-job1');
    expect(h.studio().history.entries[0]?.regionPrompts).toEqual(['sky']);
    expect(h.studio().history.entries[0]?.steps).toBe(3); // the steps run, not the setting
    expect(h.studio().compare.on).toBe(true);
    h.stop();
  });

  it('cancel pressed before main answered cancels the job once main accepted it; a cancel is not an error', async () => {
    let answer!: (r: Result<{ jobId: string }>) => void;
    const h = harness({ newJobId: () => 'late', startAnswer: () => new Promise((r) => (answer = r)) });
    const running = h.run.run();
    await flush();
    await h.run.cancel();
    expect(h.cancels).toEqual([]);
    answer({ ok: true, value: { jobId: 'late' } });
    await running;
    expect(h.cancels).toEqual(['late']);
    h.emitDone({ jobId: 'late', result: { ok: false, error: { code: 'cancelled', message: 'The restoration was cancelled.' } } });
    await flush();
    expect(h.studio().job.status).toBe('idle');
    expect(h.store.getState().error).toBeNull();
  });

  it('events for a job the renderer named are never lost, even when they come before restore.start’s answer', async () => {
    let answer!: (r: Result<{ jobId: string }>) => void;
    const h = harness({ newJobId: () => 'fast', startAnswer: () => new Promise((r) => (answer = r)) });
    const running = h.run.run();
    await flush();
    expect(h.starts[0]?.jobId).toBe('fast');
    h.emitProgress({ jobId: 'fast', phase: 'denoise', step: 1, totalSteps: 4, etaMs: 30, elapsedMs: 10 });
    expect(h.studio().job).toMatchObject({ jobId: 'fast', step: 1, totalSteps: 4 });
    h.emitDone(h.result('fast', 3));
    answer({ ok: true, value: { jobId: 'fast' } });
    await running;
    await flush();
    expect(h.studio().job.status).toBe('idle');
    expect(h.studio().history.entries.map((e) => e.id)).toEqual(['r-fast']);
  });

  it('names each job with a fresh UUID; a refused start ends the run and says why', async () => {
    const h = harness({ newJobId: null, startAnswer: async (request) => (request.jobId === h.starts[0]?.jobId ? { ok: true, value: { jobId: request.jobId } } : { ok: false, error: { code: 'job-id-in-use', message: 'A restoration with that job id is still running.' } }) });
    await h.run.run();
    expect(h.starts[0]?.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    h.emitDone(h.result(h.starts[0]!.jobId, 1));
    await flush();
    await h.run.run();
    expect(h.starts[1]?.jobId).not.toBe(h.starts[0]?.jobId);
    expect(h.studio().job).toMatchObject({ status: 'idle', jobId: null });
    expect(h.store.getState().error?.code).toBe('job-id-in-use');
    h.emitDone(h.result(h.starts[1]!.jobId, 2)); // main never started it: ignored
    await flush();
    expect(h.studio().history.entries.map((e) => e.id)).toEqual([`r-${h.starts[0]!.jobId}`]);
  });

  it('an engine failure ends the run and shows its plain-words message', async () => {
    const h = harness();
    await h.run.run();
    h.emitDone({ jobId: 'job1', result: { ok: false, error: { code: 'out-of-memory', message: 'The engine ran out of memory. Try a smaller tile size.' } } });
    await flush();
    expect(h.studio().job.status).toBe('idle');
    expect(h.store.getState().error?.message).toBe('The engine ran out of memory. Try a smaller tile size.');
  });

  it('refuses to start with an invalid prompt, saying why, without calling main', async () => {
    const h = harness();
    h.store.dispatch({ type: 'prompt/restorationText', text: 'Deblur with sigma 9' });
    await h.run.run();
    expect(h.starts).toEqual([]);
    expect(h.store.getState().error?.message).toMatch(/^Fix the restoration prompt first: .*out of range/);
  });

});
