// The run controller against a fake window.spire.restore/export/settings and fake result images.
import { describe, expect, it } from 'vitest';
import type { AppSettingsView, ExportRequest, RestoreDoneEvent, RestoreProgressEvent, RestoreStartRequest, RestoredImage, Result, SettingsPatch, SpireApi } from '../../../../../preload/contract/channels';
import type { LoadedPackInfo } from '../../../../../common/engineStatus';
import type { ResultImages } from '../../../../../renderer/src/app/runController';
import { createRunController } from '../../../../../renderer/src/app/runController';
import { appReducer, initialAppState, type AppAction } from '../../../../../renderer/src/state/appState';
import { createStore } from '../../../../../renderer/src/state/store';

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

const VIEW: AppSettingsView = {
  packDir: '/packs/tiny',
  providers: ['auto'],
  threads: 0,
  defaults: { steps: 12, guidanceScale: 5, strength: 1, colorFix: 'wavelet', colorFixLevels: 5, scheduler: 'ddim', seedLocked: false, seed: 0, useRestorer: false, restorerViews: 1 },
  defaultsSaved: true,
  defaultsPack: null,
};

function harness(options: { startAnswer?: () => Promise<Result<{ jobId: string }>>; view?: AppSettingsView; settingsGet?: () => Promise<AppSettingsView> } = {}) {
  const progress = new Set<(p: RestoreProgressEvent) => void>();
  const done = new Set<(d: RestoreDoneEvent) => void>();
  const starts: RestoreStartRequest[] = [];
  const cancels: string[] = [];
  const discards: string[] = [];
  const exports: ExportRequest[] = [];
  const settingsSets: SettingsPatch[] = [];
  let jobs = 0;
  const api = {
    restore: {
      start: async (request: RestoreStartRequest) => {
        starts.push(request);
        if (options.startAnswer) return options.startAnswer();
        jobs += 1;
        return { ok: true, value: { jobId: `job${jobs}` } };
      },
      cancel: async (jobId: string) => {
        cancels.push(jobId);
        return { ok: true, value: { cancelled: true } };
      },
      discard: async (resultId: string) => {
        discards.push(resultId);
        return { ok: true, value: { discarded: true } };
      },
      onProgress: (l: (p: RestoreProgressEvent) => void) => {
        progress.add(l);
        return () => progress.delete(l);
      },
      onDone: (l: (d: RestoreDoneEvent) => void) => {
        done.add(l);
        return () => done.delete(l);
      },
    },
    export: {
      save: async (request: ExportRequest) => {
        exports.push(request);
        return { ok: true, value: { path: '/tmp/out.png' } };
      },
    },
    settings: {
      get: options.settingsGet ?? (async () => options.view ?? VIEW),
      set: async (patch: SettingsPatch) => {
        settingsSets.push(patch);
        return { ok: true, value: VIEW };
      },
    },
    engine: {
      listPacks: async () => ({ ok: true, value: [] }),
      choosePack: async () => ({ ok: true, value: null }),
      configure: async () => ({ ok: true, value: VIEW }),
    },
  } as unknown as SpireApi; // only the parts the run controller calls

  const released: string[] = [];
  const revoked: string[] = [];
  let urls = 0;
  const images: ResultImages = {
    load: async (id) => `key:${id}`,
    release: (key) => released.push(key),
    thumbnail: async (key) => `thumb:${key}`,
    url: () => `blob:${++urls}`,
    revoke: (url) => revoked.push(url),
  };
  const store = createStore(appReducer, initialAppState);
  store.dispatch({ type: 'image/opened', image: { id: 'img1', name: 'a.png', width: 8, height: 8, mime: 'image/png', sourceKey: 's', levels: 1 } });
  const seeds = [0.25, 0.5, 0.75];
  const run = createRunController(store, api, images, () => seeds.shift() ?? 0.1, () => 1000);
  const stop = run.start();

  const result = (jobId: string, seed: number, prompt = 'Remove all degradation'): RestoreDoneEvent => ({
    jobId,
    result: {
      ok: true,
      value: {
        resultId: `r-${jobId}`,
        imageId: 'img1',
        width: 8,
        height: 8,
        mime: 'image/png',
        bytes: new Uint8Array([1]),
        seed,
        restorationPrompt: prompt,
        semanticPrompt: '',
        params: { steps: 4, regions: [{ prompt: 'sky' }] } as RestoredImage['params'],
        stepsRun: 3,
        seconds: 1.5,
        provider: 'cpu',
        pack: null,
        estimate: null,
      },
    },
  });
  return {
    store,
    run,
    stop,
    starts,
    cancels,
    discards,
    exports,
    settingsSets,
    released,
    revoked,
    result,
    studio: () => store.getState().studio,
    emitProgress: (p: RestoreProgressEvent) => progress.forEach((l) => l(p)),
    emitDone: (d: RestoreDoneEvent) => done.forEach((l) => l(d)),
  };
}

describe('run controller', () => {
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

  it('cancel pressed before main answered cancels the job once its id arrives; a cancel is not an error', async () => {
    let answer!: (r: Result<{ jobId: string }>) => void;
    const h = harness({ startAnswer: () => new Promise((r) => (answer = r)) });
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

  it('a done event that overtakes restore.start’s answer is not lost', async () => {
    let answer!: (r: Result<{ jobId: string }>) => void;
    const h = harness({ startAnswer: () => new Promise((r) => (answer = r)) });
    const running = h.run.run();
    await flush();
    h.emitDone(h.result('fast', 3));
    answer({ ok: true, value: { jobId: 'fast' } });
    await running;
    await flush();
    expect(h.studio().job.status).toBe('idle');
    expect(h.studio().history.entries.map((e) => e.id)).toEqual(['r-fast']);
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

  it('exports the current result with the wipe position; deleting frees it in main and here', async () => {
    const h = harness();
    await h.run.run();
    h.emitDone(h.result('job1', 1));
    await flush();
    h.store.dispatch({ type: 'compare/wipe', at: 0.25 });
    await h.run.exportImage({ kind: 'wipe', format: 'png', quality: 90 });
    expect(h.exports[0]).toEqual({ kind: 'wipe', format: 'png', resultId: 'r-job1', imageId: 'img1', wipePosition: 0.25 });
    await h.run.deleteResult('r-job1');
    expect(h.discards).toEqual(['r-job1']);
    expect(h.released).toEqual(['key:r-job1']);
    expect(h.revoked).toContain('thumb:key:r-job1');
    expect(h.studio().compare.on).toBe(false);
    expect(await h.run.exportImage({ kind: 'result', format: 'png', quality: 90 })).toBeNull();
    expect(h.store.getState().error?.message).toMatch(/no result to export yet/);
  });

  it('restores the persisted seed, seed lock and faithful toggle, and persists changes through main (debounced)', async () => {
    const h = harness({ view: { ...VIEW, defaults: { ...VIEW.defaults, seedLocked: true, seed: 1234, useRestorer: true } } });
    await flush();
    expect(h.studio().settings).toMatchObject({ steps: 12, seedLocked: true, seed: 1234, useRestorer: true });
    h.run.setSettings({ steps: 30 });
    h.run.setSettings({ steps: 31, seed: 5 });
    await new Promise((r) => setTimeout(r, 450));
    const saved = { steps: 31, guidanceScale: 5, strength: 1, colorFix: 'wavelet', colorFixLevels: 5, scheduler: 'ddim', seedLocked: true, seed: 5, useRestorer: true, restorerViews: 1 };
    expect(h.settingsSets).toEqual([{ defaults: saved, defaultsPack: null }]);
    h.run.setSettings({ seedLocked: false, useRestorer: false });
    await new Promise((r) => setTimeout(r, 450));
    expect(h.settingsSets).toEqual([{ defaults: saved, defaultsPack: null }, { defaults: { ...saved, seedLocked: false, useRestorer: false }, defaultsPack: null }]);
    h.run.setSettings({ seedLocked: false });
    await new Promise((r) => setTimeout(r, 450));
    expect(h.settingsSets).toHaveLength(2);
  });

  describe('pack defaults', () => {
    const COMPACT: LoadedPackInfo = {
      name: 'spire-compact',
      dir: '/packs/compact',
      hasRestorer: true,
      defaults: { useRestorer: true, strength: 0.25, steps: 20, guidanceScale: 3, scheduler: 'ddim', colorFix: 'adain', restorerViews: 4 },
    };
    const SD15: LoadedPackInfo = { name: 'sd15', dir: '/packs/sd15', hasRestorer: false, defaults: { steps: 50, strength: 1, guidanceScale: 7.5 } };
    const loaded = (pack: LoadedPackInfo): AppAction => ({ type: 'engine/status', status: { state: 'ready', pack, provider: 'cpu', message: null } });
    const RECOMMENDED = { steps: 20, strength: 0.25, guidanceScale: 3, scheduler: 'ddim', colorFix: 'adain', useRestorer: true, restorerViews: 4 };

    it('first start (nothing saved): takes the pack’s settings, whichever of settings and engine status comes first', async () => {
      let answer: (view: AppSettingsView) => void = () => undefined;
      const h = harness({ settingsGet: () => new Promise((r) => (answer = r)) });
      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings.steps).toBe(50); // main's saved settings are not in yet: nothing decided
      answer({ ...VIEW, defaultsSaved: false });
      await flush();
      expect(h.studio().settings).toMatchObject({ ...RECOMMENDED, defaultsPack: '/packs/compact' });
      expect(h.settingsSets).toEqual([]); // taken, not saved: a re-exported pack's new recommendation applies next start

      const other = harness({ view: { ...VIEW, defaultsSaved: false } });
      await flush();
      other.store.dispatch(loaded(COMPACT));
      expect(other.studio().settings).toMatchObject(RECOMMENDED);
    });

    it('keeps the user’s saved settings for their pack; another pack brings its own; the button resets and saves', async () => {
      const h = harness({ view: { ...VIEW, defaultsPack: '/packs/compact' } });
      await flush();
      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings).toMatchObject({ steps: 12, guidanceScale: 5, strength: 1, useRestorer: false });

      h.store.dispatch(loaded(SD15));
      // SD15 has no restorer: faithful mode goes off; what it does not recommend comes from the app defaults.
      expect(h.studio().settings).toMatchObject({ steps: 50, strength: 1, guidanceScale: 7.5, colorFix: 'wavelet', useRestorer: false, defaultsPack: '/packs/sd15' });
      h.run.setSettings({ steps: 33, useRestorer: true });
      await h.run.run();
      expect(h.starts[0]?.params).toMatchObject({ steps: 33, useRestorer: false }); // never sent to a pack without a restorer

      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings).toMatchObject(RECOMMENDED);
      h.run.setSettings({ steps: 44, strength: 0.5, useRestorer: false });
      h.run.resetToPackDefaults();
      expect(h.studio().settings).toMatchObject({ ...RECOMMENDED, seed: h.studio().settings.seed });
      await new Promise((r) => setTimeout(r, 450));
      expect(h.settingsSets.at(-1)).toEqual({
        defaults: { steps: 20, guidanceScale: 3, strength: 0.25, colorFix: 'adain', colorFixLevels: 5, scheduler: 'ddim', seedLocked: false, seed: 2 ** 30, useRestorer: true, restorerViews: 4 },
        defaultsPack: '/packs/compact',
      });
    });

    it('settings saved before packs recommended anything stay, and belong to the first pack that loads', async () => {
      const h = harness(); // defaultsSaved, defaultsPack null
      await flush();
      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings).toMatchObject({ steps: 12, guidanceScale: 5, defaultsPack: '/packs/compact' });
      h.store.dispatch({ type: 'engine/status', status: { state: 'restarting', pack: null, provider: null, message: null } });
      h.store.dispatch(loaded(COMPACT)); // the same pack again after a restart changes nothing
      expect(h.studio().settings.steps).toBe(12);
    });

    it('strength 0 with faithful mode sends a restorer-only run (0 steps)', async () => {
      const h = harness({ view: { ...VIEW, defaultsSaved: false } });
      await flush();
      h.store.dispatch(loaded({ ...COMPACT, defaults: { useRestorer: true, strength: 0 } }));
      await h.run.run();
      expect(h.starts[0]?.params).toMatchObject({ strength: 0, useRestorer: true });
      expect(h.studio().job.totalSteps).toBe(0);
    });
  });
});
