import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_SETTINGS,
  MAX_SEED,
  RANGES,
  clampToRange,
  providersFor,
  randomSeed,
  runSettingsFrom,
  runSettingsFromView,
  seedForRun,
  settingsReducer,
} from '../../../../../renderer/src/state/settings';

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
    const s = runSettingsFrom({ steps: 20, guidanceScale: 'loud', scheduler: 'dpmpp-2m', colorFix: 'sepia', seed: -4, seedLocked: true, packDir: '', provider: 'cuda' });
    expect(s).toEqual({ ...DEFAULT_RUN_SETTINGS, steps: 20, scheduler: 'dpmpp-2m', seedLocked: true, provider: 'cuda' });
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
    let s = settingsReducer(DEFAULT_RUN_SETTINGS, { type: 'settings/set', patch: { steps: 5000, strength: 0 } });
    expect(s.steps).toBe(200);
    expect(s.strength).toBe(0.05);
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
});
