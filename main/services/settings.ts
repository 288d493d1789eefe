/**
 * User settings, kept as JSON in the app's user-data folder.
 *
 * Read tolerantly (a missing file means defaults; a damaged one means defaults
 * plus a warning, and the file is left alone so nothing the user wrote is lost),
 * written atomically (temp file + rename). No Electron import: main passes the path.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RUN_DEFAULTS } from '../../common/runSettings';
import { runDefaultsSchema as strictRunDefaultsSchema } from '../../common/runSettingsSchemas';

/** Saved run defaults: the contract's check, but a key this version does not know is dropped, not an error. */
const runDefaultsSchema = strictRunDefaultsSchema.strip();

export const settingsSchema = z.object({
  /** The pack folder the user chose (engine.choosePack / configure), or null for the default. SPIRE_MODEL_PACK overrides this at start. */
  packDir: z.string().min(1).max(4096).nullable(),
  /** Execution providers to try in order, or ['auto']. SPIRE_PROVIDERS overrides this. */
  providers: z.array(z.string().min(1).max(32)).min(1).max(8),
  /** onnxruntime CPU threads; 0 lets onnxruntime choose. SPIRE_THREADS overrides this. */
  threads: z.number().int().min(0).max(256),
  /** Run settings the editor starts from. */
  defaults: runDefaultsSchema,
  /** Whether the user ever changed a run setting; until then the editor starts from the loaded pack's recommended settings. */
  defaultsSaved: z.boolean(),
  /** The pack folder `defaults` were saved with (null: not known); another pack brings its own recommended settings. */
  defaultsPack: z.string().min(1).max(4096).nullable(),
});

export type AppSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: AppSettings = {
  packDir: null,
  providers: ['auto'],
  threads: 0,
  defaults: DEFAULT_RUN_DEFAULTS,

  defaultsSaved: false,
  defaultsPack: null,
};

/** What a settings file may hold: any subset of the fields (and of `defaults`). */
const storedSettingsSchema = settingsSchema.extend({ defaults: runDefaultsSchema.partial() }).partial();

export interface LoadedSettings {
  settings: AppSettings;
  /** Why the file was not used, in words, or null. */
  warning: string | null;
}

export class SettingsStore {
  constructor(readonly file: string) {}

  async load(): Promise<LoadedSettings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: DEFAULT_SETTINGS, warning: null };
      return { settings: DEFAULT_SETTINGS, warning: `Settings could not be read from ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); using defaults.` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { settings: DEFAULT_SETTINGS, warning: `Settings in ${this.file} are not valid JSON; using defaults. Fix or delete the file.` };
    }
    const parsed = storedSettingsSchema.safeParse(json);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(file)'}: ${i.message}`).join('; ');
      return { settings: DEFAULT_SETTINGS, warning: `Settings in ${this.file} were ignored (${why}); using defaults. Fix or delete the file.` };
    }
    const { defaults, ...rest } = parsed.data;
    // A file from before `defaultsSaved` that holds run defaults: the user saved them.
    const defaultsSaved = rest.defaultsSaved ?? defaults !== undefined;
    return { settings: { ...DEFAULT_SETTINGS, ...rest, defaultsSaved, defaults: { ...DEFAULT_SETTINGS.defaults, ...defaults } }, warning: null };
  }

  /** Writes the whole settings object atomically (one write at a time, in call order). */
  save(settings: AppSettings): Promise<void> {
    const run = this.writing.then(() => this.write(settings));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private writing: Promise<void> = Promise.resolve();

  private async write(settings: AppSettings): Promise<void> {
    const valid = settingsSchema.parse(settings);
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(valid, null, 2)}\n`, 'utf8');
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}
