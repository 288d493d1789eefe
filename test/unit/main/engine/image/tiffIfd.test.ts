/** EXIF directories: read from either byte order, written back, merged into a TIFF file. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { outputExif } from '../../../../../main/engine/image/photoMetadata';
import { TAG, addToTiff, asciiEntry, entryText, readExif, shortEntry, undefinedEntry, writeExif, type ExifDirectories } from '../../../../../main/engine/image/tiffIfd';

/** A big-endian ("MM") EXIF block by hand: IFD0 { Make "Nikon", ExifIFD -> { DateTimeOriginal } }. */
function bigEndianExif(): Buffer {
  const make = Buffer.from('Nikon\0', 'latin1');
  const date = Buffer.from('2020:01:02 03:04:05\0', 'latin1');
  const b = Buffer.alloc(200);
  b.write('MM', 0, 'latin1');
  b.writeUInt16BE(42, 2);
  b.writeUInt32BE(8, 4);
  b.writeUInt16BE(2, 8); // two entries
  b.writeUInt16BE(TAG.make, 10);
  b.writeUInt16BE(2, 12);
  b.writeUInt32BE(make.length, 14);
  b.writeUInt32BE(100, 18);
  b.writeUInt16BE(TAG.exifIfd, 22);
  b.writeUInt16BE(4, 24);
  b.writeUInt32BE(1, 26);
  b.writeUInt32BE(40, 30);
  b.writeUInt32BE(0, 34);
  b.writeUInt16BE(1, 40);
  b.writeUInt16BE(0x9003, 42);
  b.writeUInt16BE(2, 44);
  b.writeUInt32BE(date.length, 46);
  b.writeUInt32BE(120, 50);
  make.copy(b, 100);
  date.copy(b, 120);
  return b;
}

describe('tiffIfd', () => {
  it('reads a big-endian block and writes it back little-endian with the same values', () => {
    const dirs = readExif(bigEndianExif())!;
    expect(entryText(dirs.ifd0, TAG.make)).toBe('Nikon');
    expect(entryText(dirs.exif, 0x9003)).toBe('2020:01:02 03:04:05');
    const again = readExif(writeExif({ ...dirs, ifd0: [...dirs.ifd0, shortEntry(TAG.orientation, 3)] }))!;
    expect(entryText(again.ifd0, TAG.make)).toBe('Nikon');
    expect(entryText(again.exif, 0x9003)).toBe('2020:01:02 03:04:05');
    expect(again.ifd0.find((e) => e.tag === TAG.orientation)?.data.readUInt16LE(0)).toBe(3);
  });

  it('is not fooled by bytes that are not EXIF, nor by offsets past the end', () => {
    expect(readExif(Buffer.from('not exif at all'))).toBeNull();
    const cut = bigEndianExif().subarray(0, 110); // the date's bytes are gone, the make's are not
    const dirs = readExif(cut)!;
    expect(entryText(dirs.ifd0, TAG.make)).toBe('Nikon');
    expect(dirs.exif).toEqual([]); // its one value ran past the end: skipped, nothing thrown
  });

  it('adds directories to a TIFF file that sharp still reads, its own layout kept', async () => {
    const tiff = await sharp({ create: { width: 5, height: 3, channels: 3, background: '#336699' } }).tiff({ compression: 'lzw' }).toBuffer();
    const dirs: ExifDirectories = { ifd0: [asciiEntry(TAG.make, 'Fuji')], exif: [asciiEntry(0x9003, '2021:01:01 00:00:00')], gps: [] };
    const merged = addToTiff(tiff, dirs);
    const meta = await sharp(merged).metadata();
    expect([meta.width, meta.height]).toEqual([5, 3]);
    const { data } = await sharp(merged).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([0x33, 0x66, 0x99]);
    const back = readExif(merged)!;
    expect(entryText(back.ifd0, TAG.make)).toBe('Fuji');
    expect(entryText(back.exif, 0x9003)).toBe('2021:01:01 00:00:00');
  });
});

describe('outputExif', () => {
  it("sets orientation 1 and the output's size, drops the MakerNote, and the GPS when stripping", () => {
    const camera: ExifDirectories = {
      ifd0: [asciiEntry(TAG.make, 'Canon'), shortEntry(TAG.orientation, 8)],
      exif: [undefinedEntry(0x927c, Buffer.alloc(40, 7)), asciiEntry(0x9003, '2024:05:01 10:00:00')],
      gps: [asciiEntry(1, 'N')],
    };
    const out = outputExif(camera, { width: 640, height: 480, stripLocation: true, software: 'SPIRE Studio' });
    expect(out.ifd0.find((e) => e.tag === TAG.orientation)?.data.readUInt16LE(0)).toBe(1);
    expect(entryText(out.ifd0, TAG.software)).toBe('SPIRE Studio');
    expect(out.exif.map((e) => e.tag)).toEqual([0x9003, TAG.pixelXDimension, TAG.pixelYDimension]);
    expect(out.exif.find((e) => e.tag === TAG.pixelXDimension)?.data.readUInt32LE(0)).toBe(640);
    expect(out.gps).toEqual([]);
    expect(outputExif(camera, { width: 1, height: 1, stripLocation: false }).gps).toHaveLength(1);
  });
});
