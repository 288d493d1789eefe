import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ijgTable, jpegQualityFromTables, readQuantizationTables } from '../../../../../main/engine/image/jpegQuality';
import { readImage } from '../../../../../main/engine/image';

const FIXTURES = join(__dirname, '../../../../fixtures/jpeg');
const QUALITIES = [12, 30, 40, 55, 75, 90, 97]; // test/fixtures/jpeg/make_fixtures.py

function noise(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = 1;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    px[i] = s % 256;
  }
  return px;
}

describe('jpegQualityFromTables', () => {
  it('builds the IJG tables: quality 50 is Annex K itself, 100 is all ones, low qualities clamp at 255', () => {
    const k1 = ijgTable([16, 11, 10, 16, 24, 40, 51, 61], 50);
    expect(k1).toEqual([16, 11, 10, 16, 24, 40, 51, 61]);
    expect(ijgTable([16, 99], 100)).toEqual([1, 1]);
    expect(ijgTable([16, 99], 1)).toEqual([255, 255]);
    expect(ijgTable([16, 99], 75)).toEqual([8, 50]);
  });

  it.each(QUALITIES)('reads quality %i from files written by PIL, by PIL in grey and by OpenCV', (q) => {
    for (const file of [`pil-q${q}.jpg`, `pil-gray-q${q}.jpg`, `cv2-q${q}.jpg`]) {
      expect(jpegQualityFromTables(new Uint8Array(readFileSync(join(FIXTURES, file)))), file).toBe(q);
    }
  });

  it.each([10, 25, 40, 60, 75, 85, 92, 100])('reads quality %i from a file written by sharp', async (q) => {
    const bytes = await sharp(noise(24, 16), { raw: { width: 24, height: 16, channels: 3 } }).jpeg({ quality: q }).toBuffer();
    expect(jpegQualityFromTables(new Uint8Array(bytes))).toBe(q);
  });

  it('gives the grey file one table and the colour file two, in natural order', () => {
    const grey = readQuantizationTables(new Uint8Array(readFileSync(join(FIXTURES, 'pil-gray-q75.jpg'))));
    const colour = readQuantizationTables(new Uint8Array(readFileSync(join(FIXTURES, 'pil-q75.jpg'))));
    expect([...grey.keys()]).toEqual([0]);
    expect([...colour.keys()].sort()).toEqual([0, 1]);
    // natural order: row 0 of K.1 at quality 75 is 8 6 5 8 12 20 26 31 (PIL's own table, read in Python)
    expect(colour.get(0)?.slice(0, 8)).toEqual([8, 6, 5, 8, 12, 20, 26, 31]);
  });

  it('gives null, not an exception, for what is not a readable JPEG', async () => {
    const png = await sharp(noise(8, 8), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
    const jpeg = new Uint8Array(readFileSync(join(FIXTURES, 'pil-q40.jpg')));
    expect(jpegQualityFromTables(new Uint8Array(png))).toBeNull();
    expect(jpegQualityFromTables(new Uint8Array(0))).toBeNull();
    expect(jpegQualityFromTables(jpeg.slice(0, 10))).toBeNull();
    const corrupt = jpeg.slice();
    corrupt[5] = 0xff; // a segment length running past the end
    expect(jpegQualityFromTables(corrupt)).toBeNull();
  });

  it('is in what readImage reports for a JPEG, and null for a PNG', async () => {
    const jpeg = await readImage(new Uint8Array(readFileSync(join(FIXTURES, 'cv2-q55.jpg'))), {}, 'q55.jpg');
    expect(jpeg.metadata.jpegQuality).toBe(55);
    const png = await sharp(noise(8, 8), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
    expect((await readImage(new Uint8Array(png), {}, 'x.png')).metadata.jpegQuality).toBeNull();
  });
});
