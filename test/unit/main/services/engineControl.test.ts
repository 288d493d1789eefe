/** EngineControl: which pack folders may be used, what gets saved, and how the engine is told (reload vs restart). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../common/engineStatus';
import type { EngineConfig } from '../../../../main/engine/protocol';
import { SpireError } from '../../../../common/errors';
import { EngineControl } from '../../../../main/services/engineControl';
import { SettingsService } from '../../../../main/services/settingsService';
import { DEFAULT_SETTINGS, type AppSettings } from '../../../../main/services/settings';

let dir: string;
let root: string;

async function pack(at: string, name: string | null): Promise<string> {
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'manifest.json'), JSON.stringify(name ? { name, components: {} } : { components: {} }));
  return at;
}

function setup(folder: string | null = null) {
  const calls: string[] = [];
  let status: EngineStatus = { state: 'ready', pack: null, provider: 'cpu', message: null };
  const config: EngineConfig = { packOverride: null, packRoots: [root], providers: ['auto'], threads: 0 };
  const saved: AppSettings[] = [];
  const settings = new SettingsService({ save: async (s) => void saved.push(s) }, DEFAULT_SETTINGS);
  const engine = {
    status: () => status,
    stop: async () => void calls.push('stop'),
    start: () => void calls.push('start'),
    request: async (method: string, params: unknown) => {
      calls.push(`${method} ${JSON.stringify(params)}`);
      return undefined as never;
    },
  };
  const control = new EngineControl({ config, engine, dialog: { chooseFolder: async () => folder }, settings });
  return { control, config, calls, saved, setStatus: (s: EngineStatus) => (status = s) };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-packs-'));
  root = join(dir, 'packs');
  await pack(join(root, 'b-pack'), 'Bravo');
  await pack(join(root, 'a-pack'), null);
  await mkdir(join(root, 'not-a-pack'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('EngineControl', () => {
  it('lists the packs under the roots by folder name, with manifest names and which one is loaded', async () => {
    const { control, setStatus } = setup();
    setStatus({ state: 'ready', pack: { name: 'Bravo', dir: join(root, 'b-pack') }, provider: 'cpu', message: null });
    expect(await control.listPacks()).toEqual([
      { name: 'a-pack', dir: join(root, 'a-pack'), loaded: false },
      { name: 'Bravo', dir: join(root, 'b-pack'), loaded: true },
    ]);
  });

  it('loads a listed pack with reload-pack (no restart) and saves it', async () => {
    const { control, config, calls, saved } = setup();
    const view = await control.configure({ packDir: join(root, 'b-pack') });
    expect(view.packDir).toBe(join(root, 'b-pack'));
    expect(saved.at(-1)?.packDir).toBe(join(root, 'b-pack'));
    expect(config.packOverride).toBe(join(root, 'b-pack'));
    expect(calls).toEqual([`reload-pack ${JSON.stringify({ dir: join(root, 'b-pack') })}`]);
  });

  it('refuses a folder it did not list and the user did not choose, and changes nothing', async () => {
    const elsewhere = await pack(join(dir, 'elsewhere'), 'Sneaky');
    const { control, config, calls, saved } = setup();
    await expect(control.configure({ packDir: elsewhere })).rejects.toMatchObject({ code: 'pack-unknown' });
    await expect(control.configure({ packDir: join(root, 'b-pack', '..', '..', 'elsewhere') })).rejects.toBeInstanceOf(SpireError);
    expect(config.packOverride).toBeNull();
    expect(calls).toEqual([]);
    expect(saved).toEqual([]);
  });

  it('restarts the engine for new providers or threads, with the new config', async () => {
    const { control, config, calls, saved } = setup();
    await control.configure({ providers: ['webgpu', 'cpu'], threads: 2 });
    expect(config).toMatchObject({ providers: ['webgpu', 'cpu'], threads: 2 });
    expect(saved.at(-1)).toMatchObject({ providers: ['webgpu', 'cpu'], threads: 2 });
    expect(calls).toEqual(['stop', 'start']);
    await control.configure({ providers: ['webgpu', 'cpu'], threads: 2 });
    expect(calls).toEqual(['stop', 'start']);
  });

  it('going back to the default pack restarts without the override', async () => {
    const { control, config, calls } = setup();
    await control.configure({ packDir: join(root, 'a-pack') });
    await control.configure({ packDir: null });
    expect(config.packOverride).toBeNull();
    expect(calls.slice(1)).toEqual(['stop', 'start']);
  });

  it('isKnownPack: listed, configured, loaded or chosen folders; nothing else, however it is spelled', async () => {
    const { control, config, setStatus } = setup();
    expect(await control.isKnownPack(join(root, 'b-pack'))).toBe(true);
    expect(await control.isKnownPack(join(root, 'x', '..', 'a-pack'))).toBe(true);
    expect(await control.isKnownPack(join(root, 'not-a-pack'))).toBe(false);
    expect(await control.isKnownPack(dir)).toBe(false);
    expect(await control.isKnownPack('/etc')).toBe(false);
    config.packOverride = join(dir, 'elsewhere');
    expect(await control.isKnownPack(join(dir, 'elsewhere'))).toBe(true);
    setStatus({ state: 'ready', pack: { name: 'Env', dir: join(dir, 'from-env') }, provider: 'cpu', message: null });
    expect(await control.isKnownPack(join(dir, 'from-env'))).toBe(true);
  });

  it('choosePack: a folder picked in the dialog becomes allowed and is loaded', async () => {
    const elsewhere = await pack(join(dir, 'elsewhere'), 'Picked');
    const { control, config } = setup(elsewhere);
    expect(await control.choosePack()).toEqual({ name: 'Picked', dir: elsewhere, loaded: false });
    expect(config.packOverride).toBe(elsewhere);
    expect((await control.listPacks()).map((p) => p.name)).toContain('Picked');
    await control.configure({ packDir: join(root, 'a-pack') });
    await expect(control.configure({ packDir: elsewhere })).resolves.toMatchObject({ packDir: elsewhere });
  });

  it('choosePack: cancel is null; a folder without a manifest is refused with what to do', async () => {
    expect(await setup(null).control.choosePack()).toBeNull();
    const { control, calls } = setup(join(root, 'not-a-pack'));
    await expect(control.choosePack()).rejects.toMatchObject({ code: 'pack-invalid', message: expect.stringContaining('Choose a folder that holds a manifest.json') });
    expect(calls).toEqual([]);
  });
});
