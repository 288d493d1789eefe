/**
 * Recently opened files, kept by main.
 *
 * Only main adds to the list, and only paths the user chose in the open
 * dialog; `isKnown` is how the "open recent" handler checks that a path the
 * renderer sends back is one of them (the renderer may never make main open
 * a path it invented). Persisted as JSON in the user-data folder, read
 * tolerantly, written atomically (temp file + rename). No Electron import.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { RecentFile } from '../../preload/contract/channels';

const fileSchema = z.array(z.object({ path: z.string().min(1).max(4096), openedAt: z.number().finite() }));

export class RecentFiles {
  private entries: { path: string; openedAt: number }[] = [];
  private writing: Promise<void> = Promise.resolve();

  /** `file`: where the list is kept, or null to keep it in memory only. */
  constructor(
    readonly file: string | null,
    readonly max = 10,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the saved list; a missing or damaged file means an empty list (returns why, or null). */
  async load(): Promise<string | null> {
    if (!this.file) return null;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : `Recent files could not be read from ${this.file}; starting an empty list.`;
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) return `Recent files in ${this.file} were ignored (not a list of files).`;
      this.entries = parsed.data.slice(0, this.max);
      return null;
    } catch {
      return `Recent files in ${this.file} are not valid JSON; starting an empty list.`;
    }
  }

  list(): RecentFile[] {
    return this.entries.map((e) => ({ path: e.path, name: basename(e.path), openedAt: e.openedAt }));
  }

  /** Whether main itself recorded this exact path. */
  isKnown(path: string): boolean {
    return this.entries.some((e) => e.path === path);
  }

  /** Records a path the user chose in the open dialog (moves it to the front). */
  add(path: string): Promise<void> {
    this.entries = [{ path, openedAt: this.now() }, ...this.entries.filter((e) => e.path !== path)].slice(0, this.max);
    return this.persist();
  }

  remove(path: string): Promise<void> {
    this.entries = this.entries.filter((e) => e.path !== path);
    return this.persist();
  }

  private persist(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify(this.entries, null, 2);
    const run = this.writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, `${snapshot}\n`, 'utf8');
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}
