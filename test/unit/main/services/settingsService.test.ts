import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type AppSettings } from '../../../../main/services/settings';
import { SettingsService } from '../../../../main/services/settingsService';

describe('SettingsService', () => {
  it('set changes only the run defaults given, saves, then answers the whole settings', async () => {
    const save = vi.fn(async (_s: AppSettings) => undefined);
    const service = new SettingsService({ save }, { ...DEFAULT_SETTINGS, threads: 2 });
    const view = await service.set({ defaults: { steps: 25, colorFix: 'adain', strength: undefined } });
    expect(view).toEqual({ ...DEFAULT_SETTINGS, threads: 2, defaults: { ...DEFAULT_SETTINGS.defaults, steps: 25, colorFix: 'adain' }, defaultsSaved: true });
    expect(save).toHaveBeenCalledWith(view);
    expect(service.get()).toEqual(view);
  });

  it('persists the seed, its lock and the faithful toggle, and refuses a seed outside 32 bits', async () => {
    const save = vi.fn(async (_s: AppSettings) => undefined);
    const service = new SettingsService({ save });
    const view = await service.set({ defaults: { seedLocked: true, seed: 4294967295, useRestorer: true } });
    expect(view.defaults).toEqual({ ...DEFAULT_SETTINGS.defaults, seedLocked: true, seed: 4294967295, useRestorer: true });
    expect(save).toHaveBeenLastCalledWith(view);
    await expect(service.set({ defaults: { seed: 2 ** 32 } })).rejects.toThrow();
    expect(service.get().defaults.seed).toBe(4294967295);
  });

  it('records the pack the run defaults belong to; only setting defaults marks them saved', async () => {
    const service = new SettingsService(null, DEFAULT_SETTINGS, async (dir) => dir === '/packs/compact');
    expect(await service.set({ defaultsPack: '/packs/compact' })).toMatchObject({ defaultsSaved: false, defaultsPack: '/packs/compact' });
    expect(await service.set({ defaults: { strength: 0, useRestorer: true } })).toMatchObject({ defaultsSaved: true, defaultsPack: '/packs/compact' });
    expect(await service.set({ defaultsPack: null })).toMatchObject({ defaultsSaved: true, defaultsPack: null, defaults: { strength: 0 } });
  });

  it('refuses a defaultsPack main does not know (pack-unknown), saving nothing; the saved one may come back', async () => {
    const save = vi.fn(async (_s: AppSettings) => undefined);
    const asked: string[] = [];
    const service = new SettingsService({ save }, { ...DEFAULT_SETTINGS, defaultsPack: '/old/pack' }, async (dir) => {
      asked.push(dir);
      return dir === '/packs/compact';
    });
    for (const pack of ['/etc', '/packs/compact/../../etc', '/home/user/.ssh', 'relative/pack']) {
      await expect(service.set({ defaults: { steps: 9 }, defaultsPack: pack })).rejects.toMatchObject({ code: 'pack-unknown', message: expect.stringContaining('were not saved') });
    }
    expect(asked).toContain('/etc'); // the path is resolved before it is looked up
    expect(save).not.toHaveBeenCalled();
    expect(service.get()).toMatchObject({ defaultsPack: '/old/pack', defaultsSaved: false });
    // The saved one needs no lookup (its pack may be gone since); a known one is saved.
    expect(await service.set({ defaultsPack: '/old/pack' })).toMatchObject({ defaultsPack: '/old/pack' });
    expect(await service.set({ defaultsPack: '/packs/compact' })).toMatchObject({ defaultsPack: '/packs/compact' });
    expect(save).toHaveBeenCalledTimes(2);
    // Without a lookup, only null or the saved pack.
    const bare = new SettingsService(null);
    await expect(bare.set({ defaultsPack: '/packs/compact' })).rejects.toMatchObject({ code: 'pack-unknown' });
    expect(await bare.set({ defaultsPack: null })).toMatchObject({ defaultsPack: null });
  });

  it('get answers a copy (the caller cannot change what main holds)', () => {
    const service = new SettingsService(null);
    service.get().defaults.steps = 1;
    expect(service.get().defaults.steps).toBe(DEFAULT_SETTINGS.defaults.steps);
  });

  it('keeps the old settings when saving fails or a value is out of range', async () => {
    const service = new SettingsService({ save: async () => Promise.reject(new Error('EACCES')) });
    await expect(service.set({ defaults: { steps: 10 } })).rejects.toThrow('EACCES');
    expect(service.get()).toEqual(DEFAULT_SETTINGS);
    await expect(new SettingsService(null).update({ threads: -3 })).rejects.toThrow();
  });
});
