// "Import Stable Diffusion model…" in the run controller (app/packImports.ts), against a fake window.spire.packs.
import { describe, expect, it } from 'vitest';
import type { PackInfo } from '../../../../../preload/contract/channels';
import { flush, harness } from './runHarness';

const PACK: PackInfo = { name: 'v1-5', dir: '/data/packs/v1-5', loaded: false };
const choice = { source: 'file', withRestorer: true, fp16: false } as const;

describe('run controller: importing a model', () => {
  it('asks main with the choices only, shows progress, and on success the new pack (the pack list reads again)', async () => {
    const h = harness();
    await flush();
    const before = h.studio().packImport.packsVersion;
    await h.run.importModel(choice);
    expect(h.imports).toEqual([{ jobId: 'job1', source: 'file', withRestorer: true, fp16: false }]);
    expect(h.studio().packImport).toMatchObject({ status: 'running', jobId: 'job1', sourceName: 'v1-5.safetensors', fraction: 0 });
    h.emitImportProgress({ jobId: 'job1', stage: 'export-unet', fraction: 0.42, message: 'Exporting the UNet' });
    h.emitImportProgress({ jobId: 'other', stage: 'write', fraction: 0.9, message: 'not ours' });
    expect(h.studio().packImport).toMatchObject({ status: 'running', stage: 'export-unet', fraction: 0.42, message: 'Exporting the UNet' });
    h.emitImportDone({ jobId: 'job1', result: { ok: true, value: PACK } });
    expect(h.studio().packImport).toMatchObject({ status: 'done', pack: PACK, fraction: 1, packsVersion: before + 1 });
    expect(h.store.getState().error).toBeNull();
    h.run.dismissImport();
    expect(h.studio().packImport).toMatchObject({ status: 'idle', pack: null, packsVersion: before + 1 });
  });

  it('takes events that come before main’s answer (the renderer named the import)', async () => {
    const h = harness({
      importAnswer: async (request) => {
        h.emitImportProgress({ jobId: request.jobId, stage: 'convert', fraction: 0.1, message: 'Reading' });
        h.emitImportDone({ jobId: request.jobId, result: { ok: true, value: PACK } });
        return { ok: true, value: { jobId: request.jobId, sourceName: 'v1-5.safetensors' } };
      },
    });
    await h.run.importModel(choice);
    expect(h.studio().packImport).toMatchObject({ status: 'done', pack: PACK });
  });

  it('Cancel asks main to cancel that import; the cancelled end is no error', async () => {
    const h = harness();
    await h.run.importModel({ ...choice, source: 'folder' });
    await h.run.cancelImport();
    expect(h.importCancels).toEqual(['job1']);
    expect(h.studio().packImport.status).toBe('cancelling');
    await h.run.cancelImport(); // once is enough
    expect(h.importCancels).toEqual(['job1']);
    h.emitImportProgress({ jobId: 'job1', stage: 'convert', fraction: 0.5, message: 'late' });
    expect(h.studio().packImport.status).toBe('cancelling');
    h.emitImportDone({ jobId: 'job1', result: { ok: false, error: { code: 'cancelled', message: 'The import was cancelled; no pack was written.' } } });
    expect(h.studio().packImport).toMatchObject({ status: 'cancelled', message: 'The import was cancelled; no pack was written.' });
    expect(h.store.getState().error).toBeNull();
  });

  it('a failed import goes to the error banner as main worded it; the panel is free again', async () => {
    const h = harness();
    await h.run.importModel(choice);
    const error = { code: 'import-unsupported', message: 'This is an SDXL model; SPIRE Studio imports Stable Diffusion 1.5 models only.' } as const;
    h.emitImportDone({ jobId: 'job1', result: { ok: false, error } });
    expect(h.store.getState().error).toEqual(error);
    expect(h.studio().packImport.status).toBe('idle');
    // Another import's end (not ours) says nothing.
    h.store.dispatch({ type: 'error/dismissed' });
    h.emitImportDone({ jobId: 'job9', result: { ok: false, error } });
    expect(h.store.getState().error).toBeNull();
  });

  it('the user cancelling main’s dialog leaves nothing running; main’s refusal goes to the banner', async () => {
    const closed = harness({ importAnswer: async () => ({ ok: true, value: null }) });
    await closed.run.importModel(choice);
    expect(closed.studio().packImport.status).toBe('idle');
    expect(closed.store.getState().error).toBeNull();

    const refusal = { code: 'job-id-in-use', message: 'A model is being imported already.' } as const;
    const busy = harness({ importAnswer: async () => ({ ok: false, error: refusal }) });
    await busy.run.importModel(choice);
    expect(busy.studio().packImport.status).toBe('idle');
    expect(busy.store.getState().error).toEqual(refusal);

    const silent = harness({ importAnswer: async () => Promise.reject(new Error('gone')) });
    await silent.run.importModel(choice);
    expect(silent.store.getState().error).toMatchObject({ code: 'ipc-failed', message: expect.stringContaining('Importing the model failed') });
  });

  it('one import at a time from here too; stop() unsubscribes', async () => {
    const h = harness();
    await h.run.importModel(choice);
    await h.run.importModel(choice);
    expect(h.imports).toHaveLength(1);
    expect(h.importListeners()).toBe(2);
    h.stop();
    expect(h.importListeners()).toBe(0);
  });
});
