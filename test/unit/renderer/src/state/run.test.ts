import { describe, expect, it } from 'vitest';
import type { RunRegion } from '../../../../../renderer/src/state/regions';
import { PREVIEW_SIZE, buildRestoreRequest, etaText, initialJobState, isRestorerOnly, jobReducer, progressFraction, progressLabel, restorerViewsCost, restorerViewsCostText, restorerViewsHint, stepsToRun } from '../../../../../renderer/src/state/run';
import { DEFAULT_RUN_SETTINGS } from '../../../../../renderer/src/state/settings';

describe('the run in progress', () => {
  it('goes idle -> starting -> running -> idle and follows only its own job', () => {
    let s = jobReducer(initialJobState, { type: 'run/starting', jobId: 'j1', kind: 'single', seed: 3, totalSteps: 10 });
    expect(s).toMatchObject({ status: 'starting', seed: 3, totalSteps: 10 });
    s = jobReducer(s, { type: 'run/started', jobId: 'j1' });
    expect(s.status).toBe('running');
    expect(jobReducer(s, { type: 'run/progress', jobId: 'other', phase: 'denoise', step: 5, totalSteps: 10, etaMs: 1, elapsedMs: 1, previewUrl: null })).toBe(s);
    s = jobReducer(s, { type: 'run/progress', jobId: 'j1', phase: 'restorer', step: 8, totalSteps: 8, etaMs: 0, elapsedMs: 900, previewUrl: null });
    expect(s).toMatchObject({ phase: 'restorer', step: 8, totalSteps: 8 });
    s = jobReducer(s, { type: 'run/progress', jobId: 'j1', phase: 'denoise', step: 4, totalSteps: 10, etaMs: 6000, elapsedMs: 4000, previewUrl: 'blob:a' });
    s = jobReducer(s, { type: 'run/progress', jobId: 'j1', phase: 'denoise', step: 5, totalSteps: 10, etaMs: 5000, elapsedMs: 5000, previewUrl: null });
    expect(s).toMatchObject({ phase: 'denoise', step: 5, previewUrl: 'blob:a' });
    expect(progressFraction(s)).toBe(0.5);
    expect(jobReducer(s, { type: 'run/ended' })).toEqual(initialJobState);
  });

  it("shows the engine's one fraction over the run, which never goes back, and says the phase in words", () => {
    let s = jobReducer(initialJobState, { type: 'run/starting', jobId: 'j1', kind: 'single', seed: 3, totalSteps: 10 });
    expect(progressLabel(s, 8)).toBe('Starting…');
    s = jobReducer(s, { type: 'run/started', jobId: 'j1' });
    expect(progressLabel(s, 8)).toBe('Preparing…');
    const progress = (phase: 'restorer' | 'denoise' | 'decode', step: number, totalSteps: number, fraction: number) =>
      (s = jobReducer(s, { type: 'run/progress', jobId: 'j1', phase, step, totalSteps, fraction, etaMs: 1000, elapsedMs: 1, previewUrl: null }));
    progress('restorer', 8, 8, 0.3);
    // The restorer's last pass is not the end of the run (step / totalSteps would say 100 %).
    expect(progressFraction(s)).toBe(0.3);
    expect(progressLabel(s, 8)).toBe('Restorer view 8/8');
    expect(progressLabel({ ...s, step: 5, totalSteps: 32 }, 8)).toBe('Restorer pass 5/32'); // a tiled photo: tiles x views
    progress('denoise', 1, 10, 0.25); // an event out of order
    expect(progressFraction(s)).toBe(0.3);
    expect(progressLabel(s, 8)).toBe('Step 1/10');
    progress('decode', 1, 2, 0.97);
    expect(progressFraction(s)).toBe(0.97);
    expect(progressLabel(s, 8)).toBe('Decoding');
    expect(progressLabel(jobReducer(s, { type: 'run/cancelling' }), 8)).toBe('Cancelling…');
    expect(jobReducer(s, { type: 'run/ended' }).fraction).toBeNull();
  });

  it('says what the restorer views cost against one, measured from the last run with the same steps, else from the priors', () => {
    expect(restorerViewsCost(1, 0, null)).toBeNull();
    // The priors: the embedded pack's 1 view 0.4 s, 8 views 1.9 s, restorer only.
    const prior = restorerViewsCost(8, 0, null)!;
    expect(prior.measured).toBe(false);
    expect(prior.ratio).toBeCloseTo(1.9 / 0.4, 0);
    expect(restorerViewsCostText(8, prior)).toBe(`≈ ${prior.ratio.toFixed(1)}× the time of 1`);
    // With diffusion steps the views are a small share.
    expect(restorerViewsCost(8, 30, null)!.ratio).toBeLessThan(1.5);
    // Measured: 8 views took 4 s of a 5 s run, so a view is 0.5 s and the rest 1 s: 8 views = 5 s, 1 view = 1.5 s.
    const last = { seconds: 5, restorerSeconds: 4, views: 8, stepsRun: 0 };
    const measured = restorerViewsCost(8, 0, last)!;
    expect(measured).toEqual({ ratio: 5 / 1.5, measured: true });
    expect(restorerViewsCost(2, 0, last)!.ratio).toBeCloseTo(2 / 1.5);
    expect(restorerViewsCostText(8, measured)).toBe('≈ 3.3× the time of 1');
    // Another number of steps: the last run says nothing of it.
    expect(restorerViewsCost(8, 20, last)!.measured).toBe(false);
    // A kept measurement survives the next run's start and end.
    let s = jobReducer(initialJobState, { type: 'run/measured', cost: last });
    s = jobReducer(s, { type: 'run/starting', jobId: 'j', kind: 'single', seed: 1, totalSteps: 0 });
    expect(jobReducer(s, { type: 'run/ended' }).lastCost).toEqual(last);
  });

  it('a cancel before main answered stays cancelling once main accepts the job', () => {
    let s = jobReducer(initialJobState, { type: 'run/starting', jobId: 'j9', kind: 'single', seed: 0, totalSteps: 4 });
    s = jobReducer(s, { type: 'run/cancelling' });
    s = jobReducer(s, { type: 'run/started', jobId: 'j9' });
    expect(s).toMatchObject({ status: 'cancelling', jobId: 'j9' });
    expect(jobReducer(initialJobState, { type: 'run/cancelling' })).toBe(initialJobState);
  });

  it('says the ETA in words', () => {
    expect(etaText(null)).toBe('estimating…');
    expect(etaText(300)).toBe('less than a second left');
    expect(etaText(12_400)).toBe('12 s left');
    expect(etaText(65_000)).toBe('1 min 05 s left');
  });

  it('counts the steps strength keeps, as the pipeline does (floor)', () => {
    expect(stepsToRun({ steps: 50, strength: 1 })).toBe(50);
    expect(stepsToRun({ steps: 50, strength: 0.35 })).toBe(17);
    expect(stepsToRun({ steps: 4, strength: 0.2 })).toBe(0);
  });
});

describe('the restore request', () => {
  const prompt = { semantic: '  a cat  ', restorationText: 'deblur with sigma 2' };
  it('carries plain words as the canonical text they were understood as', () => {
    const r = buildRestoreRequest({ imageId: 'img', prompt: { semantic: '', restorationText: 'upscale 2x and fix jpeg' }, settings: DEFAULT_RUN_SETTINGS, seed: 1, regions: [] });
    expect(r.ok && r.request.params.restorationPrompt).toBe('Upsample to 2.0x; Dejpeg;');
  });
  it('carries the canonical prompt, the settings and the seed', () => {
    const r = buildRestoreRequest({ imageId: 'img', prompt, settings: { ...DEFAULT_RUN_SETTINGS, steps: 8 }, seed: 77, regions: [] });
    expect(r).toEqual({
      ok: true,
      request: {
        imageId: 'img',
        previewSize: PREVIEW_SIZE,
        params: {
          restorationPrompt: 'Deblur with sigma 2.0;',
          semanticPrompt: 'a cat',
          negativePrompt: '',
          regions: [],
          steps: 8,
          guidanceScale: 7.5,
          seed: 77,
          strength: 1,
          scheduler: 'ddim',
          eta: 0,
          colorFix: 'wavelet',
          colorFixLevels: 5,
          useRestorer: false,
        },
      },
    });
  });

  it('a sweep cell overrides the restoration prompt', () => {
    const r = buildRestoreRequest({ imageId: 'img', prompt, settings: DEFAULT_RUN_SETTINGS, seed: 1, regions: [], restorationPrompt: 'Dejpeg with quality 30;' });
    expect(r.ok && r.request.params.restorationPrompt).toBe('Dejpeg with quality 30;');
  });

  it('says why there can be no run', () => {
    expect(buildRestoreRequest({ imageId: null, prompt, settings: DEFAULT_RUN_SETTINGS, seed: 1, regions: [] })).toEqual({ ok: false, reason: 'Open a photo first.' });
    const bad = buildRestoreRequest({ imageId: 'i', prompt: { semantic: '', restorationText: 'Deblur with sigma 5' }, settings: DEFAULT_RUN_SETTINGS, seed: 1, regions: [] });
    expect(bad.ok === false && bad.reason).toMatch(/^Fix the restoration prompt first: 'Deblur with sigma 5': Deblur sigma 5 is out of range/);
    const none = buildRestoreRequest({ imageId: 'i', prompt, settings: { ...DEFAULT_RUN_SETTINGS, steps: 4, strength: 0.2 }, seed: 1, regions: [] });
    expect(none.ok === false && none.reason).toMatch(/runs no step/);
  });

  it('strength 0 is a restorer-only run in faithful mode, and refused in words without it', () => {
    const zero = { ...DEFAULT_RUN_SETTINGS, strength: 0, useRestorer: true, eta: 0.5 };
    expect(stepsToRun(zero)).toBe(0);
    expect(isRestorerOnly(zero)).toBe(true);
    const ok = buildRestoreRequest({ imageId: 'i', prompt, settings: zero, seed: 1, regions: [], hasRestorer: true });
    expect(ok.ok && ok.request.params).toMatchObject({ strength: 0, useRestorer: true, eta: 0.5 });
    const off = buildRestoreRequest({ imageId: 'i', prompt, settings: { ...zero, useRestorer: false }, seed: 1, regions: [] });
    expect(off.ok === false && off.reason).toBe('Strength 0 runs only the restorer (no diffusion): turn Faithful on, or raise the strength.');
    // A pack without a restorer: faithful mode is not sent, so strength 0 cannot run either.
    expect(isRestorerOnly(zero, false)).toBe(false);
    const none = buildRestoreRequest({ imageId: 'i', prompt, settings: zero, seed: 1, regions: [], hasRestorer: false });
    expect(none.ok === false && none.reason).toMatch(/this pack has no restorer, so raise the strength/);
    const diffusion = buildRestoreRequest({ imageId: 'i', prompt, settings: { ...zero, strength: 0.5 }, seed: 1, regions: [], hasRestorer: false });
    expect(diffusion.ok && diffusion.request.params.useRestorer).toBe(false);
  });

  it('sends the colour fix levels with the wavelet fix only', () => {
    const settings = { ...DEFAULT_RUN_SETTINGS, colorFixLevels: 3 };
    const wavelet = buildRestoreRequest({ imageId: 'i', prompt, settings, seed: 1, regions: [], hasRestorer: true });
    expect(wavelet.ok && wavelet.request.params.colorFixLevels).toBe(3);
    const adain = buildRestoreRequest({ imageId: 'i', prompt, settings: { ...settings, colorFix: 'adain' }, seed: 1, regions: [], hasRestorer: true });
    expect(adain.ok && 'colorFixLevels' in adain.request.params).toBe(false);
  });

  it('sends the restorer views in faithful mode only', () => {
    const settings = { ...DEFAULT_RUN_SETTINGS, strength: 0, useRestorer: true, restorerViews: 8 as const };
    const faithful = buildRestoreRequest({ imageId: 'i', prompt, settings, seed: 1, regions: [], hasRestorer: true });
    expect(faithful.ok && faithful.request.params.restorerViews).toBe(8);
    const plain = buildRestoreRequest({ imageId: 'i', prompt, settings: { ...settings, strength: 0.5, useRestorer: false }, seed: 1, regions: [], hasRestorer: true });
    expect(plain.ok && 'restorerViews' in plain.request.params).toBe(false);
  });
});

describe('restorerViewsHint', () => {
  const faithful = { useRestorer: true, restorerViews: 8 as const };
  const photo24 = { width: 6000, height: 4000 };
  it('speaks up when views x output megapixels is large, counting the upsampling', () => {
    expect(restorerViewsHint(faithful, true, photo24, 'Remove all degradation')).toBe('24 MP x 8 views: slow on a CPU; 1 view is 8 times faster');
    // 1 MP alone is fine at 8 views; upsampled 4x it is 16 MP.
    expect(restorerViewsHint(faithful, true, { width: 1000, height: 1000 }, 'Dejpeg with quality 40;')).toBeNull();
    expect(restorerViewsHint(faithful, true, { width: 1000, height: 1000 }, 'Upsample to 4.0x;')).toBe('16 MP x 8 views: slow on a CPU; 1 view is 8 times faster');
    expect(restorerViewsHint({ ...faithful, restorerViews: 2 }, true, { width: 2500, height: 2500 }, 'Deblur;')).toBe('6.3 MP x 2 views: slow on a CPU; 1 view is 2 times faster');
  });

  it('stays quiet with 1 view, without faithful mode or a restorer, without a photo; a bad prompt counts as no upsampling', () => {
    expect(restorerViewsHint({ ...faithful, restorerViews: 1 }, true, photo24, '')).toBeNull();
    expect(restorerViewsHint({ ...faithful, useRestorer: false }, true, photo24, '')).toBeNull();
    expect(restorerViewsHint(faithful, false, photo24, '')).toBeNull();
    expect(restorerViewsHint(faithful, true, null, '')).toBeNull();
    // The pack's advice for large photos, above its size and when it means fewer views.
    const advice = { aboveMegapixels: 4, restorerViews: 4 as const, reason: 'four keep nearly all of the gain' };
    expect(restorerViewsHint(faithful, true, photo24, '', advice)).toBe('4 views recommended above 4 MP because four keep nearly all of the gain (this photo: 24 MP, 8 views chosen)');
    expect(restorerViewsHint(faithful, true, { width: 1000, height: 1000 }, 'Upsample to 4.0x;', advice)).toMatch(/^4 views recommended above 4 MP .*this photo: 16 MP/);
    expect(restorerViewsHint(faithful, true, { width: 1500, height: 1000 }, '', advice)).toBeNull(); // 1.5 MP: below its size, and fast
    expect(restorerViewsHint({ ...faithful, restorerViews: 4 }, true, photo24, '', advice)).toBe('24 MP x 4 views: slow on a CPU; 1 view is 4 times faster');
    expect(restorerViewsHint(faithful, true, { width: 1000, height: 1000 }, 'Upsample to 99x')).toBeNull();
  });

describe('the regions a run sends', () => {
  const mask = { width: 4, height: 2, data: new Uint8Array(8).fill(255) };
  const region = (over: Partial<RunRegion>): RunRegion => ({ id: 'r1', name: 'Region 1', prompt: '', feather: 0, mask, ...over });
  const prompt = { semantic: '', restorationText: 'Deblur with sigma 1.0;' };
  const build = (regions: RunRegion[], restorationText = prompt.restorationText, extra = {}) =>
    buildRestoreRequest({ imageId: 'i', prompt: { ...prompt, restorationText }, settings: DEFAULT_RUN_SETTINGS, seed: 1, regions, ...extra });

  it('sends each region’s own restoration in canonical form, Keep as is, or none (it follows the photo’s)', () => {
    const r = build([
      region({ id: 'a', prompt: 'sky', restoration: { kind: 'prompt', restorationPrompt: 'denoise with sigma 0.08' } }),
      region({ id: 'b', restoration: { kind: 'keep' } }),
      region({ id: 'c', prompt: 'grass' }),
      region({ id: 'd', restoration: { kind: 'prompt', restorationPrompt: 'auto' } }),
    ]);
    expect(r.ok && r.request.params.regions.map((x) => [x.prompt, x.restoration])).toEqual([
      ['sky', { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.08;' }],
      ['', { kind: 'keep' }],
      ['grass', undefined],
      ['', { kind: 'prompt', restorationPrompt: 'auto' }],
    ]);
  });

  it('sends the painted mask and the feather in output pixels: the image’s times the Upsample factor, capped; 0 sends none', () => {
    const regions = [region({ prompt: 'sky', feather: 12 }), region({ id: 'r2', prompt: 'sea', feather: 0 }), region({ id: 'r3', prompt: 'sun', feather: 200 })];
    const at1 = build(regions);
    expect(at1.ok && at1.request.params.regions.map((x) => x.featherPx)).toEqual([12, undefined, 200]);
    expect(at1.ok && at1.request.params.regions[0]!.mask).toBe(mask);
    const at2 = build(regions, 'Upsample to 2.0x;');
    expect(at2.ok && at2.request.params.regions.map((x) => x.featherPx)).toEqual([24, undefined, 256]);
  });

  it('refuses an invalid region prompt, naming the region; a sweep cell’s prompt replaces one region’s', () => {
    const bad = build([region({ name: 'Sky', restoration: { kind: 'prompt', restorationPrompt: 'Deblur with sigma 9;' } })]);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^Fix the restoration prompt of “Sky” first: /);
    const cell = build([region({ id: 'a', prompt: 'sky' }), region({ id: 'b', prompt: 'sea' })], undefined, { regionPrompt: { regionId: 'b', restorationPrompt: 'Denoise with sigma 0.02;' } });
    expect(cell.ok && cell.request.params.regions.map((x) => x.restoration)).toEqual([undefined, { kind: 'prompt', restorationPrompt: 'Denoise with sigma 0.02;' }]);
    expect(cell.ok && cell.request.params.restorationPrompt).toBe('Deblur with sigma 1.0;');
  });
});
});
