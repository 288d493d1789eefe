/**
 * Run settings that live in main: loading the saved ones, saving the user's changes
 * (debounced), the engine's choices (pack, provider) and the pack defaults.
 *
 *   load   settings.get -> settings/loaded (a failure: the banner, the defaults stay); from then on
 *          each pack the engine loads is offered to the settings reducer (settings/packLoaded),
 *          which decides whether its defaults apply
 *   set    settings/set; a changed run default -> settings.set 400 ms after the last change;
 *          a changed pack or provider -> engine.configure
 */
import type { IpcError, PackInfo, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import type { RunSettings } from '../state/settings';
import { providersFor, runSettingsFromView } from '../state/settings';
import type { Store } from '../state/store';
import { NO_BRIDGE, ipcFailure, shown } from './runFailures';

/** Settings main keeps as run defaults (seed, its lock and the restorer switch stay per session). */
const PERSISTED_DEFAULTS = ['steps', 'guidanceScale', 'strength', 'colorFix', 'colorFixLevels', 'scheduler', 'seedLocked', 'seed', 'useRestorer', 'restorerViews'] as const;

/** How long saving waits for the next change. */
const SAVE_DELAY_MS = 400;

export interface SettingsPersistence {
  /** Loads main's saved settings and offers each loaded pack's defaults from then on; returns the cleanup. */
  load(): () => void;
  set(patch: Partial<RunSettings>): void;
  /** Steps, strength, guidance, scheduler, colour fix and faithful mode as the loaded pack recommends; saved. */
  resetToPackDefaults(): void;
  choosePack(): Promise<void>;
  listPacks(): Promise<PackInfo[]>;
}

export function createSettingsPersistence(store: Store<AppState, AppAction>, api: SpireApi | undefined): SettingsPersistence {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const settings = () => store.getState().studio.settings;
  const fail = (error: IpcError) => dispatch(shown(error));
  let saveTimer: ReturnType<typeof setTimeout> | null = null;

  function save(): void {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      if (!api) return;
      const s = settings();
      const defaults = Object.fromEntries(PERSISTED_DEFAULTS.map((k) => [k, s[k]]));
      api.settings.set({ defaults, defaultsPack: s.defaultsPack }).then(
        (r) => {
          if (!r.ok) fail(r.error);
        },
        (err: unknown) => fail(ipcFailure('Saving the settings', err)),
      );
    }, SAVE_DELAY_MS);
  }

  /** From now on the user's settings are saved ones (defaultsSaved), and saving is due. */
  function saveAsUsers(): void {
    if (!settings().defaultsSaved) dispatch({ type: 'settings/set', patch: { defaultsSaved: true } });
    save();
  }

  async function configure(request: { packDir?: string | null; providers?: string[] }): Promise<void> {
    if (!api) return fail(NO_BRIDGE);
    try {
      const r = await api.engine.configure(request);
      if (!r.ok) return fail(r.error);
      // Only the engine choices: the run settings on screen are newer than main's copy (saving is debounced).
      const { packDir, providers } = r.value;
      dispatch({ type: 'settings/loaded', settings: runSettingsFromView({ packDir, providers, defaults: {} }, settings()) });
    } catch (err) {
      fail(ipcFailure('Changing the engine settings', err));
    }
  }

  return {
    load() {
      if (!api) return () => undefined;
      let live = true;
      // Pack defaults (state/settings.ts): once main's saved settings are in, every pack the engine
      // loads is offered to the settings reducer, which decides whether its recommendation applies.
      let settingsIn = false;
      const offerPack = (): void => {
        const pack = store.getState().engine?.pack;
        if (live && settingsIn && pack && settings().defaultsPack !== pack.dir) dispatch({ type: 'settings/packLoaded', pack });
      };
      const offStore = store.subscribe(offerPack);
      const settingsLoaded = (): void => {
        settingsIn = true;
        offerPack();
      };
      api.settings.get().then(
        (result) => {
          // A failure keeps the defaults and says why in the banner; pack defaults are offered either way.
          if (live) {
            if (result.ok) dispatch({ type: 'settings/loaded', settings: runSettingsFromView(result.value, settings()) });
            else fail(result.error);
          }
          settingsLoaded();
        },
        settingsLoaded, // main did not answer: defaults stay; the engine status shows real trouble
      );
      return () => {
        live = false;
        offStore();
        if (saveTimer) clearTimeout(saveTimer);
      };
    },

    set(patch) {
      const before = settings();
      dispatch({ type: 'settings/set', patch });
      const after = settings();
      if (PERSISTED_DEFAULTS.some((k) => before[k] !== after[k])) saveAsUsers();
      if (patch.provider !== undefined && patch.provider !== before.provider) void configure({ providers: providersFor(patch.provider) });
      if (patch.packDir !== undefined && patch.packDir !== before.packDir) void configure({ packDir: patch.packDir });
    },

    resetToPackDefaults() {
      const pack = store.getState().engine?.pack;
      if (!pack) return;
      dispatch({ type: 'settings/packDefaults', pack });
      saveAsUsers();
    },

    async choosePack() {
      if (!api) return fail(NO_BRIDGE);
      try {
        const r = await api.engine.choosePack();
        if (!r.ok) return fail(r.error);
        if (r.value) dispatch({ type: 'settings/set', patch: { packDir: r.value.dir } });
      } catch (err) {
        fail(ipcFailure('Choosing a model pack', err));
      }
    },

    async listPacks() {
      if (!api) return [];
      try {
        const r = await api.engine.listPacks();
        if (r.ok) return r.value;
        fail(r.error);
      } catch (err) {
        fail(ipcFailure('Listing the model packs', err));
      }
      return [];
    },
  };
}
