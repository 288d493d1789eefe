import { describe, expect, it } from 'vitest';
import type { FileLike } from '../../../../../renderer/src/io/droppedFiles';
import { MAX_DROP_BYTES, fileNameForUpload, isFileDrag, looksLikeImage, pickImageFile } from '../../../../../renderer/src/io/droppedFiles';

const f = (name: string, type: string, size = 1000): FileLike => ({ name, type, size });

describe('looksLikeImage', () => {
  it.each([
    [f('a.png', 'image/png'), true],
    [f('a.jpg', 'image/jpeg'), true],
    [f('a.bin', 'image/webp'), true], // the OS type wins over the name
    [f('a.PNG', ''), true], // no type: judged by extension, any case
    [f('scan.tiff', ''), true],
    [f('notes.txt', 'text/plain'), false],
    [f('photo.png', 'application/octet-stream'), false],
    [f('README', ''), false],
  ])('%o -> %s', (file, expected) => {
    expect(looksLikeImage(file)).toBe(expected);
  });
});

describe('pickImageFile', () => {
  it('takes the first image and counts the rest as ignored', () => {
    const files = [f('notes.txt', 'text/plain'), f('b.jpg', 'image/jpeg'), f('c.png', 'image/png')];
    const r = pickImageFile(files);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.file.name).toBe('b.jpg');
      expect(r.ignored).toBe(2);
    }
  });

  it('says plainly when the one file is not an image', () => {
    const r = pickImageFile([f('notes.txt', 'text/plain')]);
    expect(r).toEqual({
      ok: false,
      error: { code: 'not-an-image', message: '“notes.txt” is not an image. Drop a photo file (PNG, JPEG, WebP or TIFF).' },
    });
  });

  it('counts the files when none of several is an image', () => {
    const r = pickImageFile([f('a.txt', 'text/plain'), f('b.pdf', 'application/pdf')]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^None of the 2 dropped files is an image/);
  });

  it('rejects an empty drop, an empty file and one too big to send', () => {
    const none = pickImageFile([]);
    expect(!none.ok && none.error.code).toBe('no-file');
    const empty = pickImageFile([f('a.png', 'image/png', 0)]);
    expect(!empty.ok && empty.error.code).toBe('empty-file');
    const big = pickImageFile([f('huge.png', 'image/png', MAX_DROP_BYTES + 1)]);
    expect(!big.ok && big.error.code).toBe('too-large');
    expect(!big.ok && big.error.message).toMatch(/Open it with Open… instead/);
    expect(pickImageFile([f('limit.png', 'image/png', MAX_DROP_BYTES)]).ok).toBe(true);
  });
});

describe('isFileDrag', () => {
  it('is true only when the drag carries files', () => {
    expect(isFileDrag(['Files'])).toBe(true);
    expect(isFileDrag(['text/plain', 'Files'])).toBe(true);
    expect(isFileDrag(['text/plain', 'text/uri-list'])).toBe(false);
    expect(isFileDrag([])).toBe(false);
    expect(isFileDrag(null)).toBe(false);
    expect(isFileDrag(undefined)).toBe(false);
  });
});

describe('fileNameForUpload', () => {
  it.each([
    [f('kodim23.png', 'image/png'), 'kodim23.png'],
    [f('', 'image/png'), 'Pasted image.png'],
    [f('', 'image/jpeg'), 'Pasted image.jpg'],
    [f('', 'image/x-unknown'), 'Pasted image.png'],
    [f('C:\\Users\\me\\photo.jpg', 'image/jpeg'), 'photo.jpg'],
    [f('dir/sub/photo.webp', 'image/webp'), 'photo.webp'],
    [f('  spaced.png  ', 'image/png'), 'spaced.png'],
  ])('%o -> %s', (file, expected) => {
    expect(fileNameForUpload(file)).toBe(expected);
  });

  it('keeps the end (with the extension) of an over-long name', () => {
    const name = `${'x'.repeat(300)}.png`;
    const out = fileNameForUpload(f(name, 'image/png'));
    expect(out).toHaveLength(255);
    expect(out.endsWith('.png')).toBe(true);
  });
});
