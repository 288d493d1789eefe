import { describe, expect, it } from 'vitest';
import { MAX_SEED } from '../../../../../common/runSettings';
import { DEFAULT_RUN_SETTINGS, RANGES, clampToRange, providersFor, randomSeed, runSettingsFrom, runSettingsFromView, seedForRun, settingsReducer, withPackDefaults, type RunSettings } from '../../../../../renderer/src/state/settings';

describe('run settings', () => {
  it('clamps and steps numbers into their ranges', () => {
    expect(clampToRange(0, RANGES.steps, 50)).toBe(1);
    expect(clampToRange(1e6, RANGES.steps, 50)).toBe(200);
    expect(clampToRange(7.3, RANGES.guidanceScale, 7.5)).toBe(7.5);
    expect(clampToRange(0.33, RANGES.strength, 1)).toBe(0.35);
    expect(clampToRange(Number.NaN, RANGES.strength, 0.8)).toBe(0.8);
  });

  it('reads persisted settings tolerantly: wrong fields fall back one by one', () => {
    expect(runSettingsFrom(null)).toEqual(DEFAULT_RUN_SETTINGS);
    expect(runSettingsFrom('junk')).toEqual(DEFAULT_RUN_SETTINGS);
    const s = runSettingsFrom({ steps: 20, guidanceScale: 'loud', scheduler: 'dpmpp-2m', colorFix: 'sepia', seed: -4, seedLocked: true, packDir: '', provider: 'cuda', restorerViews: 3 });
    expect(s).toEqual({ ...DEFAULT_RUN_SETTINGS, steps: 20, scheduler: 'dpmpp-2m', seedLocked: true, provider: 'cuda' });
    expect(runSettingsFrom({ restorerViews: 4 }).restorerViews).toBe(4);
    expect(runSettingsFrom({ colorFixLevels: 3 }).colorFixLevels).toBe(3);
    expect(runSettingsFrom({ colorFixLevels: 12 }).colorFixLevels).toBe(8);
    expect(runSettingsFrom({ colorFixLevels: 'fine' }).colorFixLevels).toBe(5);
  });

  it('folds main’s settings view in, keeping the session’s seed and switches when main does not report them', () => {
    const current = { ...DEFAULT_RUN_SETTINGS, seed: 42, seedLocked: true, useRestorer: true };
    const s = runSettingsFromView(
      { packDir: '/packs/sd15', providers: ['webgpu', 'cpu'], defaults: { steps: 30, guidanceScale: 5, strength: 0.6, colorFix: 'none', scheduler: 'ddim' } },
      current,
    );
    expect(s).toEqual({ ...current, steps: 30, guidanceScale: 5, strength: 0.6, colorFix: 'none', packDir: '/packs/sd15', provider: 'webgpu' });
  });

  it('restores the persisted seed, seed lock and faithful toggle from main’s view', () => {
    const s = runSettingsFromView(
      { packDir: null, providers: ['auto'], defaults: { seedLocked: true, seed: 1234, useRestorer: true } },
      DEFAULT_RUN_SETTINGS,
    );
    expect(s).toEqual({ ...DEFAULT_RUN_SETTINGS, seedLocked: true, seed: 1234, useRestorer: true });
    const bad = runSettingsFromView({ packDir: null, providers: ['auto'], defaults: { seedLocked: 'yes', seed: -3, useRestorer: 1 } }, { ...DEFAULT_RUN_SETTINGS, seed: 9 });
    expect(bad).toEqual({ ...DEFAULT_RUN_SETTINGS, seed: 0 });
  });

  it('locked seeds repeat, unlocked ones are drawn', () => {
    const locked = { ...DEFAULT_RUN_SETTINGS, seed: 7, seedLocked: true };
    expect(seedForRun(locked, () => 0.5)).toBe(7);
    expect(seedForRun({ ...locked, seedLocked: false }, () => 0.5)).toBe(Math.floor(0.5 * (MAX_SEED + 1)));
    expect(randomSeed(() => 0.999999999999)).toBeLessThanOrEqual(MAX_SEED);
    expect(randomSeed(() => 0)).toBe(0);
  });

  it('the reducer keeps typed values in range and ignores a bad seed', () => {
    let s = settingsReducer(DEFAULT_RUN_SETTINGS, { type: 'settings/set', patch: { steps: 5000, strength: -1 } });
    expect(s.steps).toBe(200);
    expect(s.strength).toBe(0);
    expect(settingsReducer(s, { type: 'settings/set', patch: { strength: 0.02 } }).strength).toBe(0); // 0 = restorer only is a slider stop
    s = settingsReducer(s, { type: 'settings/set', patch: { seed: 1.5 } });
    expect(s.seed).toBe(DEFAULT_RUN_SETTINGS.seed);
    s = settingsReducer(s, { type: 'settings/seedUsed', seed: 99 });
    expect(s.seed).toBe(99);
    expect(settingsReducer(s, { type: 'settings/seedUsed', seed: 99 })).toBe(s);
  });

  it('asks for a CPU fallback behind a GPU provider', () => {
    expect(providersFor('auto')).toEqual(['auto']);
    expect(providersFor('cpu')).toEqual(['cpu']);
    expect(providersFor('cuda')).toEqual(['cuda', 'cpu']);
  });

  describe('pack defaults', () => {
    const compact = { name: 'spire-compact', dir: '/packs/compact', hasRestorer: true, defaults: { useRestorer: true, strength: 0.25, steps: 20, guidanceScale: 3, colorFix: 'adain' as const, colorFixLevels: 3, eta: 0.3, restorerViews: 8 as const } };
    const mine: RunSettings = { ...DEFAULT_RUN_SETTINGS, steps: 8, strength: 0.6, guidanceScale: 12, scheduler: 'dpmpp-2m', seed: 77, seedLocked: true, provider: 'cuda', defaultsSaved: true };

    it('takes what the pack recommends, app defaults for the rest; seed, lock, pack and provider stay', () => {
      expect(withPackDefaults(mine, compact)).toEqual({
        ...mine,
        steps: 20,
        strength: 0.25,
        guidanceScale: 3,
        colorFix: 'adain',
        colorFixLevels: 3,
        scheduler: 'ddim', // not recommended: the app's default
        useRestorer: true,
        restorerViews: 8,
        eta: 0.3,
        defaultsPack: '/packs/compact',
      });
      // Kept inside the UI's ranges; no faithful mode without a restorer, whatever the pack says.
      const odd = withPackDefaults(mine, { dir: '/x', hasRestorer: false, defaults: { steps: 400, guidanceScale: 40, useRestorer: true } });
      expect(odd).toMatchObject({ steps: 200, guidanceScale: 20, useRestorer: false, strength: 1 });
      // An older engine that reports no defaults: the app's.
      expect(withPackDefaults(mine, { dir: '/y' })).toMatchObject({ steps: 50, strength: 1, guidanceScale: 7.5, useRestorer: false, restorerViews: 1, colorFixLevels: 5, eta: 0 });
    });

    it('a loaded pack applies once: not over settings saved with it, over settings of another pack, adopting settings of no known pack', () => {
      const packLoaded = (s: RunSettings) => settingsReducer(s, { type: 'settings/packLoaded', pack: compact });
      const fresh = packLoaded({ ...DEFAULT_RUN_SETTINGS });
      expect(fresh).toMatchObject({ steps: 20, strength: 0.25, useRestorer: true, defaultsPack: '/packs/compact' });
      expect(packLoaded(fresh)).toBe(fresh);
      const savedHere = { ...mine, defaultsPack: '/packs/compact' };
      expect(packLoaded(savedHere)).toBe(savedHere);
      expect(packLoaded({ ...mine, defaultsPack: '/packs/sd15' })).toMatchObject({ steps: 20, guidanceScale: 3, defaultsPack: '/packs/compact' });
      expect(packLoaded({ ...mine, defaultsPack: null })).toEqual({ ...mine, defaultsPack: '/packs/compact' });
      // The button applies whatever was saved.
      expect(settingsReducer(savedHere, { type: 'settings/packDefaults', pack: compact })).toMatchObject({ steps: 20, strength: 0.25, seed: 77 });
    });

    it('reads whether main holds saved settings, and for which pack', () => {
      const view = { packDir: null, providers: ['auto'], defaults: {}, defaultsSaved: true, defaultsPack: '/packs/compact' };
      expect(runSettingsFromView(view, DEFAULT_RUN_SETTINGS)).toMatchObject({ defaultsSaved: true, defaultsPack: '/packs/compact' });
      // Not reported (engine.configure's answer folded in for its pack and provider only): kept.
      expect(runSettingsFromView({ packDir: null, providers: ['auto'], defaults: {} }, { ...DEFAULT_RUN_SETTINGS, defaultsPack: '/p' }).defaultsPack).toBe('/p');
    });
  });
});
