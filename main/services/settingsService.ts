/**
 * The settings the app runs with: loaded once at start, changed through
 * `update` (validated, then saved atomically by SettingsStore). What the
 * renderer sees is the whole object (AppSettingsView); it may change only the
 * run defaults itself (`settings.set`); pack, providers and threads go through
 * EngineControl, which also applies them. A `defaultsPack` the renderer sends
 * must be a pack main knows (`isKnownPack`: EngineControl's listed, chosen,
 * configured or loaded pack) or the one already saved; any other path is
 * refused with `pack-unknown` and nothing is saved.
 */
import { resolve } from 'node:path';
import type { AppSettingsView, SettingsPatch } from '../../preload/contract/channels';
import { SpireError } from '../../common/errors';
import { DEFAULT_SETTINGS, settingsSchema, type AppSettings, type SettingsStore } from './settings';

export class SettingsService {
  private current: AppSettings;

  constructor(
    private readonly store: Pick<SettingsStore, 'save'> | null,
    initial: AppSettings = DEFAULT_SETTINGS,
    /** Whether main knows this pack folder (absolute). Without it every defaultsPack but the saved one is refused. */
    private readonly isKnownPack: (dir: string) => Promise<boolean> = async () => false,
  ) {
    this.current = initial;
  }

  get(): AppSettingsView {
    return structuredClone(this.current);
  }

  /** Changes the run defaults the editor starts from (which marks them saved) and/or the pack they belong to. */
  async set(patch: SettingsPatch): Promise<AppSettingsView> {
    const pack = patch.defaultsPack;
    if (typeof pack === 'string' && pack !== this.current.defaultsPack && !(await this.isKnownPack(resolve(pack)))) {
      throw new SpireError('pack-unknown', 'Those run settings name a model pack SPIRE Studio does not know, so they were not saved. Choose the pack again, then save.');
    }
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
