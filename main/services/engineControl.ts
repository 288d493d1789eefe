/**
 * Packs, providers and threads from the app: list the packs the app can see,
 * let the user pick a pack folder, save those choices and apply them to the
 * engine.
 *
 * Paths: a pack folder reaches `configure` only if main itself found it (under
 * the pack roots), the user picked it in the folder dialog, or it is the one
 * already configured; any other path from the renderer is refused.
 *
 * Applying: the host sends its EngineConfig at every start, so this service
 * updates that same object. A new pack folder alone is loaded with the
 * `reload-pack` request (queued behind running jobs); new providers or threads,
 * or going back to the default pack, restart the engine (a running job then
 * ends with `engine-stopped`). No Electron import.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AppSettingsView, EngineConfigureRequest, PackInfo } from '../../preload/contract/channels';
import type { EngineHost } from '../engine/host';
import { SpireError } from '../../common/errors';
import { MANIFEST_FILE, readManifest } from '../engine/packs';
import type { EngineConfig } from '../engine/protocol';
import type { DialogPort } from './dialogPort';
import type { SettingsService } from './settingsService';

export interface EngineControlOptions {
  /** The object the host sends at every start (mutated here). */
  config: EngineConfig;
  engine: Pick<EngineHost, 'status' | 'request' | 'stop' | 'start'>;
  dialog: Pick<DialogPort, 'chooseFolder'>;
  settings: SettingsService;
}

async function hasManifest(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, MANIFEST_FILE))).isFile();
  } catch {
    return false;
  }
}

export class EngineControl {
  /** Pack folders the user picked in the dialog this session. */
  private readonly chosen = new Set<string>();

  constructor(private readonly options: EngineControlOptions) {}

  /** Packs under the pack roots, plus the chosen and the configured one; each with its manifest name. */
  async listPacks(): Promise<PackInfo[]> {
    const dirs: string[] = [];
    for (const root of this.options.config.packRoots) {
      let names: string[];
      try {
        names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch {
        continue;
      }
      names.sort();
      for (const name of names) if (await hasManifest(join(root, name))) dirs.push(join(root, name));
    }
    const configured = this.options.config.packOverride;
    for (const dir of [...(configured ? [resolve(configured)] : []), ...this.chosen]) if (!dirs.includes(dir) && (await hasManifest(dir))) dirs.push(dir);
    const loadedDir = this.options.engine.status().pack?.dir ?? null;
    const packs: PackInfo[] = [];
    for (const dir of dirs) {
      let name: string;
      try {
        name = (await readManifest(dir)).name;
      } catch {
        continue; // a broken pack is reported when it is loaded, not listed
      }
      packs.push({ name, dir, loaded: loadedDir !== null && resolve(loadedDir) === dir });
    }
    return packs;
  }

  /** True for a pack folder main knows: listed, chosen in the dialog, configured, or the loaded one. */
  async isKnownPack(dir: string): Promise<boolean> {
    const target = resolve(dir);
    const { config, engine } = this.options;
    const loaded = engine.status().pack?.dir;
    if (this.chosen.has(target) || (config.packOverride !== null && resolve(config.packOverride) === target) || (loaded && resolve(loaded) === target)) return true;
    return (await this.listPacks()).some((p) => p.dir === target);
  }

  /** Folder dialog -> check the manifest -> remember and load it. Null when cancelled. */
  async choosePack(): Promise<PackInfo | null> {
    const picked = await this.options.dialog.chooseFolder('Choose a model pack folder');
    if (picked === null) return null;
    const dir = resolve(picked);
    let name: string;
    try {
      name = (await readManifest(dir)).name;
    } catch (err) {
      const why = err instanceof SpireError ? err.message : String(err);
      throw new SpireError('pack-invalid', `That folder is not a model pack (${why}). Choose a folder that holds a ${MANIFEST_FILE}.`);
    }
    this.chosen.add(dir);
    await this.configure({ packDir: dir });
    return { name, dir, loaded: false };
  }

  /** Saves the choices and applies them to the engine; answers the saved settings. */
  async configure(request: EngineConfigureRequest): Promise<AppSettingsView> {
    const { config, engine, settings } = this.options;
    let packDir: string | null | undefined;
    if (request.packDir !== undefined && request.packDir !== null) {
      const dir = resolve(request.packDir);
      if (!(await this.isKnownPack(dir))) throw new SpireError('pack-unknown', 'That pack folder is not one SPIRE Studio found or you chose; use “Choose pack…” to pick a folder.');
      packDir = dir;
    } else {
      packDir = request.packDir; // null (default pack) or undefined (unchanged)
    }
    const saved = await settings.update({
      ...(packDir !== undefined ? { packDir } : {}),
      ...(request.providers ? { providers: [...request.providers] } : {}),
      ...(request.threads !== undefined ? { threads: request.threads } : {}),
    });
    const restart =
      (request.providers !== undefined && request.providers.join(',') !== config.providers.join(',')) ||
      (request.threads !== undefined && request.threads !== config.threads) ||
      (packDir === null && config.packOverride !== null);
    const reload = !restart && typeof packDir === 'string' && packDir !== (config.packOverride ? resolve(config.packOverride) : null);
    if (packDir !== undefined) config.packOverride = packDir;
    if (request.providers) config.providers = [...request.providers];
    if (request.threads !== undefined) config.threads = request.threads;
    if (restart) {
      await engine.stop();
      engine.start();
    } else if (reload && packDir) {
      // The worker reports the outcome (loaded, or why not) as its status.
      void engine.request('reload-pack', { dir: packDir }).catch(() => undefined);
    }
    return saved;
  }
}
