import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineConfigFrom } from '../../../../main/services/engineConfig';
import { DEFAULT_SETTINGS, SettingsStore, type AppSettings } from '../../../../main/services/settings';
import { MAX_STEPS } from '../../../../common/runSettings';

const settingsWith = (over: Partial<AppSettings>): AppSettings => ({ ...DEFAULT_SETTINGS, ...over });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SettingsStore', () => {
  it('gives defaults without a warning when there is no file yet', async () => {
    expect(await new SettingsStore(join(dir, 'settings.json')).load()).toEqual({ settings: DEFAULT_SETTINGS, warning: null });
  });

  it('saves atomically (no temp file left) and loads back what it saved', async () => {
    const store = new SettingsStore(join(dir, 'nested', 'settings.json'));
    const saved = settingsWith({ providers: ['webgpu', 'cpu'], threads: 2, packDir: '/packs/mine', defaults: { ...DEFAULT_SETTINGS.defaults, steps: 20, colorFix: 'adain', seedLocked: true, seed: 77, useRestorer: true } });
    await store.save(saved);
    expect(await readdir(join(dir, 'nested'))).toEqual(['settings.json']);
    expect((await store.load()).settings).toEqual(saved);
  });

  it('fills fields the file does not have from the defaults', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ threads: 3 }));
    expect((await new SettingsStore(join(dir, 'settings.json')).load()).settings).toEqual(settingsWith({ threads: 3 }));
  });

  it('fills run defaults the file does not have, keeping those it has', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ defaults: { steps: 30 } }));
    expect((await new SettingsStore(join(dir, 'settings.json')).load()).settings.defaults).toEqual({ ...DEFAULT_SETTINGS.defaults, steps: 30 });
    // A file from before the seed lock and faithful toggle were persisted gets them unlocked and off.
    expect(DEFAULT_SETTINGS.defaults).toMatchObject({ seedLocked: false, seed: 0, useRestorer: false });
  });

  it('knows whether run defaults were saved and with which pack; strength 0 (restorer only) is kept', async () => {
    const store = new SettingsStore(join(dir, 'settings.json'));
    const saved = settingsWith({ defaults: { ...DEFAULT_SETTINGS.defaults, strength: 0, useRestorer: true }, defaultsSaved: true, defaultsPack: '/packs/compact' });
    await store.save(saved);
    expect((await store.load()).settings).toEqual(saved);
    // Saved by a version without `defaultsSaved`: holding run defaults means the user saved them.
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ defaults: { steps: 30 } }));
    expect((await store.load()).settings).toMatchObject({ defaultsSaved: true, defaultsPack: null });
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ threads: 3 }));
    expect((await store.load()).settings).toMatchObject({ defaultsSaved: false, defaultsPack: null });
  });

  it('ignores a run default out of range and says which', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ defaults: { strength: 3 } }));
    const loaded = await new SettingsStore(join(dir, 'settings.json')).load();
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.warning).toContain('defaults.strength:');
  });

  it('ignores saved steps the engine would refuse (above MAX_STEPS) and says which', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ defaults: { steps: MAX_STEPS } }));
    expect((await new SettingsStore(join(dir, 'settings.json')).load()).settings.defaults.steps).toBe(MAX_STEPS);
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ defaults: { steps: MAX_STEPS + 1 } }));
    const loaded = await new SettingsStore(join(dir, 'settings.json')).load();
    expect(loaded.settings.defaults.steps).toBe(DEFAULT_SETTINGS.defaults.steps);
    expect(loaded.warning).toContain('defaults.steps:');
  });

  it('writes one save at a time: the last call wins', async () => {
    const store = new SettingsStore(join(dir, 'settings.json'));
    await Promise.all([1, 2, 3, 4].map((threads) => store.save(settingsWith({ threads }))));
    expect((await store.load()).settings.threads).toBe(4);
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('ignores a damaged file with a warning, and leaves the file as it was', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, '{ "providers": [');
    const loaded = await new SettingsStore(file).load();
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.warning).toMatch(/are not valid JSON; using defaults\. Fix or delete the file\./);
    expect(await readFile(file, 'utf8')).toBe('{ "providers": [');
  });

  it('ignores values of the wrong type and says which', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ threads: -1, providers: 'cpu' }));
    const loaded = await new SettingsStore(join(dir, 'settings.json')).load();
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.warning).toContain('providers:');
    expect(loaded.warning).toContain('threads:');
  });

  it('refuses to save invalid settings', async () => {
    await expect(new SettingsStore(join(dir, 'settings.json')).save(settingsWith({ providers: [] }))).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('engineConfigFrom', () => {
  it('from source: the repo packs, settings providers and threads', () => {
    expect(engineConfigFrom({ env: {}, resourcesPath: null, appRoot: '/repo', settings: settingsWith({ providers: ['webgpu'], threads: 4 }) })).toEqual({
      packOverride: null,
      packRoots: ['/repo/models/packs'],
      providers: ['webgpu'],
      threads: 4,
    });
  });

  it('packaged: the packs under resources; the environment overrides settings', () => {
    expect(
      engineConfigFrom({
        env: { SPIRE_MODEL_PACK: '/packs/mine', SPIRE_PROVIDERS: 'cuda, cpu', SPIRE_THREADS: '2' },
        resourcesPath: '/opt/SPIRE Studio/resources',
        appRoot: '/opt/SPIRE Studio/resources/app.asar',
        settings: settingsWith({ providers: ['webgpu'], threads: 4, packDir: '/packs/chosen' }),
      }),
    ).toEqual({ packOverride: '/packs/mine', packRoots: ['/opt/SPIRE Studio/resources/models/packs'], providers: ['cuda', 'cpu'], threads: 2 });
  });

  it('lists the user data packs folder (imported models) after the app’s own packs', () => {
    expect(engineConfigFrom({ env: {}, resourcesPath: null, appRoot: '/repo', userPacksDir: '/home/me/.config/SPIRE Studio/packs' }).packRoots).toEqual(['/repo/models/packs', '/home/me/.config/SPIRE Studio/packs']);
  });

  it('uses the pack folder from the settings when SPIRE_MODEL_PACK is not set', () => {
    expect(engineConfigFrom({ env: {}, resourcesPath: null, appRoot: '/r', settings: settingsWith({ packDir: '/packs/chosen' }) }).packOverride).toBe('/packs/chosen');
  });

  it('defaults to auto providers and onnxruntime-chosen threads', () => {
    expect(engineConfigFrom({ env: { SPIRE_THREADS: 'lots' }, resourcesPath: null, appRoot: '/r' })).toMatchObject({ providers: ['auto'], threads: 0 });
  });
});
