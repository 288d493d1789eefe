import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestoredImage, SessionSaveRequest } from '../../../../preload/contract/channels';
import type { KeptResult } from '../../../../main/services/restoreService';
import { SessionStore, writeAtomic } from '../../../../main/services/sessionStore';

const hash = (n: number) => n.toString(16).padStart(64, '0');

function kept(resultId: string, size = 100): KeptResult {
  const image: RestoredImage = {
    resultId,
    imageId: 'old-image',
    width: 4,
    height: 3,
    mime: 'image/png',
    bytes: new Uint8Array(size).fill(7),
    seed: 42,
    restorationPrompt: 'Denoise with sigma 0.08;',
    semanticPrompt: 'a red barn',
    params: { restorationPrompt: 'Denoise with sigma 0.08;', semanticPrompt: 'a red barn', negativePrompt: '', regions: [], steps: 20, guidanceScale: 7.5, seed: 42, strength: 0, scheduler: 'ddim', eta: 0, colorFix: 'wavelet', useRestorer: true },
    stepsRun: 0,
    seconds: 1.5,
    provider: 'cpu',
    pack: null,
    estimate: null,
  };
  return { image, sourceName: 'barn.png', metadata: { 'spire:seed': '42' } };
}

let dir: string;
let results: Map<string, KeptResult>;
let clock: number;
let warnings: string[];

function store(over: { maxSessions?: number; maxBytes?: number } = {}): SessionStore {
  return new SessionStore({
    dir,
    results: { result: (id) => results.get(id), adopt: (k) => void results.set(k.image.resultId, k) },
    now: () => clock,
    warn: (m) => void warnings.push(m),
    ...over,
  });
}

const request = (n: number, over: Partial<SessionSaveRequest> = {}): SessionSaveRequest => ({
  contentHash: hash(n),
  name: `photo-${n}.png`,
  state: JSON.stringify({ version: 1, prompt: `prompt ${n}` }),
  masks: [{ regionId: 'region-1', width: 2, height: 2, data: new Uint8Array([0, 255, 128, 1]) }],
  resultIds: [],
  ...over,
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-sessions-'));
  results = new Map();
  clock = 1000;
  warnings = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SessionStore', () => {
  it('saves a session and loads it back by content hash, results adopted under the new image id', async () => {
    results.set('res-1', kept('res-1'));
    const s = store();
    expect(await s.save(request(1, { resultIds: ['res-1', 'res-gone'] }))).toEqual({ saved: ['res-1'] });
    results.clear(); // main forgot it (evicted, or the app restarted)

    const loaded = await s.load(hash(1), 'new-image');
    expect(loaded).not.toBeNull();
    expect(JSON.parse(loaded!.state)).toEqual({ version: 1, prompt: 'prompt 1' });
    expect(loaded!.masks).toEqual([{ regionId: 'region-1', width: 2, height: 2, data: new Uint8Array([0, 255, 128, 1]) }]);
    expect(loaded!.results).toHaveLength(1);
    expect(loaded!.results[0]!.imageId).toBe('new-image');
    expect(loaded!.results[0]!.bytes).toEqual(new Uint8Array(100).fill(7));
    expect(loaded!.results[0]!.restorationPrompt).toBe('Denoise with sigma 0.08;');
    // Main keeps it again: export and discard find it.
    expect(results.get('res-1')?.image.imageId).toBe('new-image');
    expect(results.get('res-1')?.metadata).toEqual({ 'spire:seed': '42' });
  });

  it('answers null for a photo it has never seen', async () => {
    expect(await store().load(hash(9), 'img')).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('keeps a result already on disk when main no longer has it, and drops what the session no longer names', async () => {
    results.set('a', kept('a'));
    results.set('b', kept('b'));
    const s = store();
    await s.save(request(1, { resultIds: ['a', 'b'] }));
    results.clear();
    expect(await s.save(request(1, { resultIds: ['b'], masks: [] }))).toEqual({ saved: ['b'] });
    expect((await readdir(join(dir, hash(1)))).sort()).toEqual(['b.png', 'session.json']);
  });

  it('a save without masks keeps the masks saved last time; one with masks replaces them', async () => {
    const s = store();
    await s.save(request(1));
    const { masks: _masks, ...noMasks } = request(1, { state: '{"version":1,"prompt":"changed"}' });
    await s.save(noMasks);
    let loaded = await s.load(hash(1), 'img');
    expect(loaded?.state).toBe('{"version":1,"prompt":"changed"}');
    expect(loaded?.masks.map((m) => [...m.data])).toEqual([[0, 255, 128, 1]]);
    await s.save(request(1, { masks: [] }));
    loaded = await s.load(hash(1), 'img');
    expect(loaded?.masks).toEqual([]);
    expect((await readdir(join(dir, hash(1)))).sort()).toEqual(['session.json']);
  });

  it('evicts the least recently used sessions beyond the count, never the one just saved', async () => {
    const s = store({ maxSessions: 2 });
    for (const n of [1, 2, 3]) {
      clock += 10;
      await s.save(request(n));
    }
    expect((await readdir(dir)).sort()).toEqual([hash(2), hash(3)]);
    // Using session 2 makes session 3 the oldest.
    clock += 10;
    await s.load(hash(2), 'img');
    clock += 10;
    await s.save(request(4));
    expect((await readdir(dir)).sort()).toEqual([hash(2), hash(4)]);
  });

  it('evicts oldest first beyond the byte bound', async () => {
    results.set('big-1', kept('big-1', 4000));
    results.set('big-2', kept('big-2', 4000));
    const s = store({ maxBytes: 6000 });
    await s.save(request(1, { resultIds: ['big-1'] }));
    clock += 10;
    await s.save(request(2, { resultIds: ['big-2'] }));
    expect(await readdir(dir)).toEqual([hash(2)]);
    // The newest is kept even when it alone is over the bound.
    results.set('huge', kept('huge', 9000));
    clock += 10;
    await s.save(request(3, { resultIds: ['huge'] }));
    expect(await readdir(dir)).toEqual([hash(3)]);
  });

  it('ignores a corrupt or foreign session file with a warning, and saving over it works', async () => {
    const s = store();
    await s.save(request(1));
    await writeFile(join(dir, hash(1), 'session.json'), '{"version": 1, "state": tru');
    expect(await s.load(hash(1), 'img')).toBeNull();
    expect(warnings.join('\n')).toMatch(/not a session file SPIRE Studio can read/);
    await writeFile(join(dir, hash(1), 'session.json'), JSON.stringify({ version: 99, state: '{}', masks: [], results: [] }));
    expect(await s.load(hash(1), 'img')).toBeNull();
    await s.save(request(1));
    expect(await s.load(hash(1), 'img')).not.toBeNull();
  });

  it('skips a mask or result whose file is missing or the wrong size, with a warning', async () => {
    results.set('r', kept('r'));
    const s = store();
    await s.save(request(1, { resultIds: ['r'] }));
    await writeFile(join(dir, hash(1), 'mask-0.bin'), new Uint8Array(3));
    await rm(join(dir, hash(1), 'r.png'));
    const loaded = await s.load(hash(1), 'img');
    expect(loaded?.masks).toEqual([]);
    expect(loaded?.results).toEqual([]);
    expect(warnings).toHaveLength(2);
  });

  it('refuses a hash that is not one, so nothing outside its folder is touched', async () => {
    const s = store();
    await expect(s.save(request(1, { contentHash: '../../outside' }))).rejects.toThrow(/not a content hash/);
    await expect(s.delete('..')).rejects.toThrow(/not a content hash/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('deletes a session', async () => {
    const s = store();
    await s.save(request(1));
    expect(await s.delete(hash(1))).toEqual({ deleted: true });
    expect(await s.delete(hash(1))).toEqual({ deleted: false });
    expect(await s.load(hash(1), 'img')).toBeNull();
  });
});

describe('writeAtomic', () => {
  it('replaces the file whole and leaves no temp file', async () => {
    const file = join(dir, 'f.json');
    await writeAtomic(file, 'old');
    await writeAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['f.json']);
  });

  it('leaves the old file as it was when the write fails', async () => {
    const file = join(dir, 'f.json');
    await writeAtomic(file, 'old');
    const spy = vi.fn();
    await writeAtomic(join(dir, 'missing-folder', 'f.json'), 'x').catch(spy);
    expect(spy).toHaveBeenCalled();
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f.json']);
  });
});
