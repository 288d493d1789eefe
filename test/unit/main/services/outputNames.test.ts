/** The output naming and overwrite rules the CLI and the app's batch share. */
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSpireError } from '../../../../common/errors';
import { checkWritable, existingFiles, folderImages, isItsOwnInput, isRestorableName, outputNameFor, outputsInFolder, skippedFilesLine } from '../../../../main/services/outputNames';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-output-names-'));
});
afterAll(async () => {
  await chmod(join(dir, 'locked'), 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('outputNameFor', () => {
  it.each([
    ['/photos/barn.jpg', 'png', 'barn.png'],
    ['barn.JPEG', 'jpeg', 'barn.jpg'],
    ['/a/b/scan.2024.tiff', 'webp', 'scan.2024.webp'],
    ['noext', 'tiff', 'noext.tif'],
    ['C.png', 'png', 'C.png'],
  ] as const)('%s as %s -> %s', (input, format, expected) => {
    expect(outputNameFor(input, format)).toBe(expected);
  });
});

describe('outputsInFolder', () => {
  it('puts each output in the folder, in the inputs’ order', () => {
    expect(outputsInFolder(['/in/b.jpg', '/in/a.png'], '/out', 'png')).toEqual(['/out/b.png', '/out/a.png']);
  });

  it('refuses two inputs that would be written to one file, naming both and what to do', () => {
    let caught: unknown;
    try {
      outputsInFolder(['/in/a.jpg', '/in/b.png', '/other/a.png'], '/out', 'png', 'Take one off.');
    } catch (err) {
      caught = err;
    }
    expect(isSpireError(caught, 'usage')).toBe(true);
    expect((caught as Error).message).toBe('Two inputs (“a.jpg” and “a.png”) would both be written to “/out/a.png”. Take one off.');
  });
});

describe('the rest of the rules', () => {
  it('takes PNG, JPEG, WebP and TIFF by extension, in any case', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg', 'd.webp', 'e.tif', 'f.TIFF'].every(isRestorableName)).toBe(true);
    expect(['a.gif', 'b.heic', 'c', 'png'].some(isRestorableName)).toBe(false);
  });

  it('tells an output that is its input', () => {
    expect(isItsOwnInput('/p/a.png', '/p/./a.png')).toBe(true);
    expect(isItsOwnInput('/p/a.png', '/q/a.png')).toBe(false);
  });

  it('lists a folder’s images sorted, leaves dot files out and names the other files', async () => {
    const folder = join(dir, 'in');
    await mkdir(folder);
    for (const n of ['b.jpg', 'a.png', '.hidden.png', 'notes.txt', 'c.gif']) await writeFile(join(folder, n), 'x');
    await mkdir(join(folder, 'sub.png'));
    const listed = await folderImages(folder);
    expect(listed.images).toEqual([join(folder, 'a.png'), join(folder, 'b.jpg'), join(folder, 'sub.png')]);
    expect(listed.others).toEqual(['c.gif', 'notes.txt']);
    expect(skippedFilesLine('in', listed.others)).toBe('in: skipped 2 files that are not PNG, JPEG, WebP or TIFF: c.gif, notes.txt.');
    expect(await existingFiles([join(folder, 'a.png'), join(folder, 'zz.png')])).toEqual([join(folder, 'a.png')]);
  });

  it('accepts a writable folder and leaves nothing behind', async () => {
    const folder = join(dir, 'out');
    await mkdir(folder);
    await checkWritable(folder, 'out');
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses a folder it cannot write to, saying so in words', async () => {
    const missing = join(dir, 'gone');
    await expect(checkWritable(missing, 'gone')).rejects.toMatchObject({ code: 'output-read-only', message: expect.stringMatching(/^Cannot write to the folder “gone” \(ENOENT\); nothing was run\. Choose a folder you can write to\.$/) });
    if (process.getuid?.() === 0) return; // root writes anywhere
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o555);
    await expect(checkWritable(locked, 'locked')).rejects.toMatchObject({ code: 'output-read-only' });
  });
});
