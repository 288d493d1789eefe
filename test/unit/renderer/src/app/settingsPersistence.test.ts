// The run controller's settings persistence and pack defaults (app/settingsPersistence.ts), against a fake window.spire.
import { describe, expect, it } from 'vitest';
import type { AppSettingsView, IpcError, Result } from '../../../../../preload/contract/channels';
import type { LoadedPackInfo } from '../../../../../common/engineStatus';
import type { AppAction } from '../../../../../renderer/src/state/appState';
import { VIEW, flush, harness } from './runHarness';

describe('run controller: settings persistence', () => {
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
      let answer: (view: Result<AppSettingsView>) => void = () => undefined;
      const h = harness({ settingsGet: () => new Promise((r) => (answer = r)) });
      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings.steps).toBe(50); // main's saved settings are not in yet: nothing decided
      answer({ ok: true, value: { ...VIEW, defaultsSaved: false } });
      await flush();
      expect(h.studio().settings).toMatchObject({ ...RECOMMENDED, defaultsPack: '/packs/compact' });
      expect(h.settingsSets).toEqual([]); // taken, not saved: a re-exported pack's new recommendation applies next start

      const other = harness({ view: { ...VIEW, defaultsSaved: false } });
      await flush();
      other.store.dispatch(loaded(COMPACT));
      expect(other.studio().settings).toMatchObject(RECOMMENDED);
    });

    it("main's failure to read the settings shows in the banner; the app defaults stay and the pack's still apply", async () => {
      const error: IpcError = { code: 'internal', message: 'Something went wrong while reading the settings (settings.json unreadable).' };
      const h = harness({ settingsGet: async () => ({ ok: false, error }) });
      await flush();
      expect(h.store.getState().error).toEqual(error);
      expect(h.studio().settings.steps).toBe(50);
      h.store.dispatch(loaded(COMPACT));
      expect(h.studio().settings).toMatchObject({ ...RECOMMENDED, defaultsPack: '/packs/compact' });
      expect(h.settingsSets).toEqual([]);
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
