/**
 * Per-photo sessions on disk: what the editor knew about a photo (prompts, regions and their
 * masks, run settings, history entries and the history's result images), kept under the user
 * data folder and found again by the photo's content hash (sha-256 of the file's bytes,
 * imageService.ts), so reopening the same file, or an identical copy, brings its session back.
 *
 *   <userData>/sessions/<hash>/session.json   { version, name, lastUsed, state, masks, results }
 *                              mask-<n>.bin   one coverage byte a pixel
 *                              <resultId>.png a history result as main kept it (restoreService.ts)
 *
 * `state` is the renderer's own JSON text (renderer/src/state/sessionSnapshot.ts); main stores it
 * as it is, bounded in size, and never reads a path out of it. Results come from the restore
 * service by id, so their bytes never cross IPC on the way in; on load they go back into it
 * (renamed to the newly opened image's id) so export and compare work on them again.
 *
 * Rules: every file is written atomically (temp file + rename); nothing outside the sessions
 * folder is touched (the hash names the folder and is checked to be 64 hex digits); bounded to
 * `maxSessions` sessions and `maxBytes` bytes together, the least recently used evicted first
 * (never the one just saved); a session.json that does not parse, or names files that are gone,
 * is skipped with a logged warning, never a crash. No Electron import.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestoredImage, SavedSession, SessionMaskWire, SessionSaveRequest } from '../../preload/contract/channels';
import type { KeptResult } from './restoreService';

/** Sessions kept at most (least recently used evicted first). */
export const DEFAULT_MAX_SESSIONS = 50;
/** Bytes of all sessions together at most (results and masks included). */
export const DEFAULT_MAX_SESSION_BYTES = 512 * 1024 * 1024;

const HASH = /^[0-9a-f]{64}$/;
const RESULT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const VERSION = 1;

/** Where the restore service's results are: read when saving, put back when loading. */
export interface SessionResults {
  result(resultId: string): KeptResult | undefined;
  adopt(kept: KeptResult): void;
}

export interface SessionStoreOptions {
  /** The sessions folder (`<userData>/sessions`). */
  dir: string;
  results: SessionResults;
  maxSessions?: number;
  maxBytes?: number;
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** Where skipped files are reported; default console.warn. */
  warn?: (message: string) => void;
}

/** A history result as session.json records it (the image's bytes are in `<resultId>.png`). */
interface ResultRecord {
  image: Omit<RestoredImage, 'bytes'>;
  sourceName: string;
  metadata: Record<string, string>;
}

interface SessionFile {
  version: number;
  name: string;
  lastUsed: number;
  state: string;
  masks: { regionId: string; width: number; height: number; file: string }[];
  results: ResultRecord[];
}

/** Writes `data` to `file` through a temp file in the same folder and a rename: a reader never sees half a file. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** session.json as read back (untrusted: a hand edit, a half-written older version); null when it is not one. */
function parseSessionFile(text: string): SessionFile | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || raw.version !== VERSION || typeof raw.state !== 'string' || !Array.isArray(raw.masks) || !Array.isArray(raw.results)) return null;
  const masks = raw.masks.filter(
    (m): m is SessionFile['masks'][number] =>
      isRecord(m) && typeof m.regionId === 'string' && Number.isInteger(m.width) && Number.isInteger(m.height) && typeof m.file === 'string' && /^mask-\d+\.bin$/.test(m.file),
  );
  const results = raw.results.filter(
    (r): r is ResultRecord => isRecord(r) && isRecord(r.image) && typeof r.image.resultId === 'string' && RESULT_ID.test(r.image.resultId) && typeof r.sourceName === 'string' && isRecord(r.metadata),
  );
  return {
    version: VERSION,
    name: typeof raw.name === 'string' ? raw.name : '',
    lastUsed: typeof raw.lastUsed === 'number' ? raw.lastUsed : 0,
    state: raw.state,
    masks,
    results,
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    total += await stat(join(dir, name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

export class SessionStore {
  private readonly maxSessions: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  /** Saves run one after another (a save and an eviction never interleave). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SessionStoreOptions) {
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_SESSION_BYTES;
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((m) => console.warn(m));
  }

  private folder(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a content hash: ${hash.slice(0, 80)}`);
    return join(this.options.dir, hash);
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Saves a photo's session. Results already on disk are kept; new ones are written from the
   * restore service; an id neither has is left out (the renderer then drops that entry on load).
   * Then evicts the least recently used sessions beyond the bounds. Resolves to the result ids saved.
   */
  save(request: SessionSaveRequest): Promise<{ saved: string[] }> {
    return this.serial(async () => {
      const dir = this.folder(request.contentHash);
      await mkdir(dir, { recursive: true });
      const before = await this.readFile(request.contentHash, false);
      const onDisk = new Map((before?.results ?? []).map((r) => [r.image.resultId, r]));
      const results: ResultRecord[] = [];
      for (const resultId of request.resultIds) {
        if (!RESULT_ID.test(resultId)) continue;
        const live = this.options.results.result(resultId);
        const known = onDisk.get(resultId);
        if (known && (await stat(join(dir, `${resultId}.png`)).catch(() => null))) {
          results.push(known);
        } else if (live) {
          const { bytes, ...image } = live.image;
          await writeAtomic(join(dir, `${resultId}.png`), bytes);
          results.push({ image, sourceName: live.sourceName, metadata: live.metadata });
        }
      }
      // No masks sent: they did not change since the last save, whose files stay.
      let masks: SessionFile['masks'] = request.masks === undefined ? (before?.masks ?? []) : [];
      for (const [i, m] of (request.masks ?? []).entries()) {
        const file = `mask-${i}.bin`;
        await writeAtomic(join(dir, file), m.data);
        masks.push({ regionId: m.regionId, width: m.width, height: m.height, file });
      }
      masks = masks.filter((m) => /^mask-\d+\.bin$/.test(m.file));
      const session: SessionFile = { version: VERSION, name: request.name, lastUsed: this.now(), state: request.state, masks, results };
      await writeAtomic(join(dir, 'session.json'), JSON.stringify(session));
      // What the new session.json no longer names goes (deleted results, fewer masks, stray temp files).
      const keep = new Set(['session.json', ...masks.map((m) => m.file), ...results.map((r) => `${r.image.resultId}.png`)]);
      for (const name of await readdir(dir)) if (!keep.has(name)) await rm(join(dir, name), { force: true, recursive: true });
      await this.evict(request.contentHash);
      return { saved: results.map((r) => r.image.resultId) };
    });
  }

  /**
   * The saved session of a photo, or null when there is none (or it could not be read: a warning
   * is logged). Its results go back into the restore service under `imageId`, the id the photo
   * was just opened with. Marks the session used now.
   */
  load(contentHash: string, imageId: string): Promise<SavedSession | null> {
    return this.serial(async () => {
      const file = await this.readFile(contentHash, true);
      if (!file) return null;
      const dir = this.folder(contentHash);
      const masks: SessionMaskWire[] = [];
      for (const m of file.masks) {
        try {
          const data = new Uint8Array(await readFile(join(dir, m.file)));
          if (data.byteLength !== m.width * m.height) throw new Error(`${data.byteLength} bytes for ${m.width} x ${m.height}`);
          masks.push({ regionId: m.regionId, width: m.width, height: m.height, data });
        } catch (err) {
          this.warn(`Session ${contentHash.slice(0, 12)}: mask ${m.file} skipped (${err instanceof Error ? err.message : String(err)})`);
        }
      }
      const results: RestoredImage[] = [];
      for (const r of file.results) {
        try {
          const bytes = new Uint8Array(await readFile(join(dir, `${r.image.resultId}.png`)));
          const image: RestoredImage = { ...r.image, imageId, bytes };
          this.options.results.adopt({ image, sourceName: r.sourceName, metadata: r.metadata });
          results.push(image);
        } catch (err) {
          this.warn(`Session ${contentHash.slice(0, 12)}: result ${r.image.resultId} skipped (${err instanceof Error ? err.message : String(err)})`);
        }
      }
      const lastUsed = this.now();
      await writeAtomic(join(dir, 'session.json'), JSON.stringify({ ...file, lastUsed })).catch(() => undefined);
      return { state: file.state, masks, results, savedAt: file.lastUsed };
    });
  }

  /** Forgets a photo's session; false when there was none. */
  delete(contentHash: string): Promise<{ deleted: boolean }> {
    return this.serial(async () => {
      const dir = this.folder(contentHash);
      const existed = (await stat(dir).catch(() => null)) !== null;
      await rm(dir, { recursive: true, force: true });
      return { deleted: existed };
    });
  }

  private async readFile(contentHash: string, report: boolean): Promise<SessionFile | null> {
    const path = join(this.folder(contentHash), 'session.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (report && (err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`Session ${contentHash.slice(0, 12)} could not be read, so the photo starts afresh: ${String(err)}`);
      return null;
    }
    const file = parseSessionFile(text);
    if (!file && report) this.warn(`Session ${contentHash.slice(0, 12)} is not a session file SPIRE Studio can read (corrupt or from another version), so the photo starts afresh.`);
    return file;
  }

  /** Removes the least recently used sessions beyond maxSessions or maxBytes; never `keep`. */
  private async evict(keep: string): Promise<void> {
    const names = (await readdir(this.options.dir).catch(() => [] as string[])).filter((n) => HASH.test(n));
    const sessions: { hash: string; lastUsed: number; bytes: number }[] = [];
    for (const hash of names) {
      const file = await this.readFile(hash, false);
      sessions.push({ hash, lastUsed: file?.lastUsed ?? 0, bytes: await folderBytes(join(this.options.dir, hash)) });
    }
    // Newest first; the one just saved counts first whatever its clock says.
    sessions.sort((a, b) => (a.hash === keep ? -1 : b.hash === keep ? 1 : b.lastUsed - a.lastUsed));
    let count = 0;
    let bytes = 0;
    for (const s of sessions) {
      count += 1;
      bytes += s.bytes;
      if (s.hash !== keep && (count > this.maxSessions || bytes > this.maxBytes)) {
        await rm(join(this.options.dir, s.hash), { recursive: true, force: true });
        count -= 1;
        bytes -= s.bytes;
      }
    }
  }
}
