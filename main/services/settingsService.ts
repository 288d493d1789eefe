/**
 * The settings the app runs with: loaded once at start, changed through
 * `update` (validated, then saved atomically by SettingsStore). What the
 * renderer sees is the whole object (AppSettingsView); it may change only the
 * run defaults itself (`settings.set`); pack, providers and threads go through
 * EngineControl, which also applies them.
 */
import type { AppSettingsView, SettingsPatch } from '../../preload/contract/channels';
import { DEFAULT_SETTINGS, settingsSchema, type AppSettings, type SettingsStore } from './settings';

export class SettingsService {
  private current: AppSettings;

  constructor(
    private readonly store: Pick<SettingsStore, 'save'> | null,
    initial: AppSettings = DEFAULT_SETTINGS,
  ) {
    this.current = initial;
  }

  get(): AppSettingsView {
    return structuredClone(this.current);
  }

  /** Changes the run defaults the editor starts from (which marks them saved) and/or the pack they belong to. */
  set(patch: SettingsPatch): Promise<AppSettingsView> {
    const next: Partial<AppSettings> = {};
    if (patch.defaults !== undefined) {
      const given = Object.fromEntries(Object.entries(patch.defaults).filter(([, v]) => v !== undefined));
      next.defaults = { ...this.current.defaults, ...given };
      next.defaultsSaved = true;
    }
    if (patch.defaultsPack !== undefined) next.defaultsPack = patch.defaultsPack;
    return this.update(next);
  }

  /** Validates the merged settings, saves them, then makes them current. */
  async update(patch: Partial<AppSettings>): Promise<AppSettingsView> {
    const next = settingsSchema.parse({ ...this.current, ...patch });
    await this.store?.save(next);
    this.current = next;
    return this.get();
  }
}
