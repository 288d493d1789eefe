import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentFiles } from '../../../../main/services/recentFiles';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-recent-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RecentFiles', () => {
  it('keeps the newest first, without duplicates, at most `max`', async () => {
    let t = 0;
    const recent = new RecentFiles(null, 3, () => ++t);
    for (const p of ['/a.png', '/b.png', '/c.png', '/a.png', '/d.png']) await recent.add(p);
    expect(recent.list()).toEqual([
      { path: '/d.png', name: 'd.png', openedAt: 5 },
      { path: '/a.png', name: 'a.png', openedAt: 4 },
      { path: '/c.png', name: 'c.png', openedAt: 3 },
    ]);
    expect(recent.isKnown('/b.png')).toBe(false);
    expect(recent.isKnown('/a.png')).toBe(true);
    expect(recent.isKnown('/a.png/../a.png')).toBe(false);
  });

  it('saves atomically and loads back what it saved', async () => {
    const file = join(dir, 'recent-files.json');
    const recent = new RecentFiles(file, 10, () => 42);
    await recent.add('/photos/x.jpg');
    await recent.add('/photos/y.jpg');
    await recent.remove('/photos/x.jpg');
    expect(await readdir(dir)).toEqual(['recent-files.json']);
    const again = new RecentFiles(file);
    expect(await again.load()).toBeNull();
    expect(again.list()).toEqual([{ path: '/photos/y.jpg', name: 'y.jpg', openedAt: 42 }]);
  });

  it('starts empty, with a warning, from a damaged file and leaves it alone', async () => {
    const file = join(dir, 'recent-files.json');
    await writeFile(file, '[{"path": 3}]');
    const recent = new RecentFiles(file);
    expect(await recent.load()).toMatch(/were ignored/);
    expect(recent.list()).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe('[{"path": 3}]');
    await writeFile(file, 'not json');
    expect(await new RecentFiles(file).load()).toMatch(/not valid JSON/);
  });

  it('a missing file is an empty list without a warning', async () => {
    expect(await new RecentFiles(join(dir, 'none.json')).load()).toBeNull();
  });
});
