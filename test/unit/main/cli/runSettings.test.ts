// `spire restore` sampling settings: app defaults < the pack's recommended `defaults` < flags,
// each with where it came from, and the stderr line that says so.
import { describe, expect, it } from 'vitest';
import { describeRunSettings, mergeRunSettings } from '../../../../main/cli/runSettings';
import { DEFAULT_RESTORE_PARAMS } from '../../../../main/engine/jobs/restoreParams';

const COMPACT = { useRestorer: true, strength: 0.25, steps: 20, guidanceScale: 3, scheduler: 'ddim', colorFix: 'adain' } as const;

describe('mergeRunSettings', () => {
  it('takes the pack’s recommendation over the app defaults', () => {
    const m = mergeRunSettings(DEFAULT_RESTORE_PARAMS, COMPACT, {});
    expect(m.params).toEqual({ ...DEFAULT_RESTORE_PARAMS, ...COMPACT });
    expect(m.sources).toEqual({ steps: 'pack', strength: 'pack', guidanceScale: 'pack', scheduler: 'pack', colorFix: 'pack', colorFixLevels: 'default', useRestorer: 'pack', restorerViews: 'default', eta: 'default' });
  });

  it('lets every flag win over the pack, --no-faithful included', () => {
    const m = mergeRunSettings(DEFAULT_RESTORE_PARAMS, COMPACT, { steps: 8, useRestorer: false, eta: 0.5 });
    expect(m.params).toMatchObject({ steps: 8, useRestorer: false, eta: 0.5, strength: 0.25, guidanceScale: 3 });
    expect(m.sources).toMatchObject({ steps: 'flag', useRestorer: 'flag', eta: 'flag', strength: 'pack' });
  });

  it('without pack defaults: the app defaults, and fields outside the sampling settings untouched', () => {
    const base = { ...DEFAULT_RESTORE_PARAMS, seed: 99, semanticPrompt: 'a barn', tileSize: 256 };
    const m = mergeRunSettings(base, {}, { strength: 0 });
    expect(m.params).toEqual({ ...base, strength: 0 });
    expect(Object.values(m.sources).filter((s) => s !== 'default')).toEqual(['flag']);
  });
});

describe('describeRunSettings', () => {
  it('names each setting, its value and its source, and the pack', () => {
    const line = describeRunSettings(mergeRunSettings(DEFAULT_RESTORE_PARAMS, COMPACT, { guidanceScale: 5 }), 'spire-compact');
    expect(line).toBe(
      'settings (pack "spire-compact"): steps 20 [pack], strength 0.25 [pack], guidance 5 [flag], scheduler ddim [pack], color-fix adain [pack], faithful on [pack], views 1 [default], eta 0 [default]',
    );
  });

  it('shows the colour fix levels with the wavelet fix only', () => {
    const wavelet = describeRunSettings(mergeRunSettings(DEFAULT_RESTORE_PARAMS, { colorFixLevels: 3 }, {}), 'p');
    expect(wavelet).toContain('color-fix wavelet [default], levels 3 [pack], faithful off [default]');
    const adain = describeRunSettings(mergeRunSettings(DEFAULT_RESTORE_PARAMS, { colorFixLevels: 3 }, { colorFix: 'adain' }), 'p');
    expect(adain).toContain('color-fix adain [flag], faithful off');
  });

  it('says when a run is the restorer only', () => {
    const line = describeRunSettings(mergeRunSettings(DEFAULT_RESTORE_PARAMS, { useRestorer: true, strength: 0 }, {}), null);
    expect(line).toMatch(/^settings: steps 50 \[default\], strength 0 \[pack\].* - restorer only, no diffusion$/);
  });
});
