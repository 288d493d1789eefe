/**
 * A photo's camera metadata reaches every output format: written by writeImage (sharp + the
 * embedder), read back with Python's PIL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage, writeImage } from '../../../../../main/engine/image';
import { cameraSummary, mergeXmp, profileLabel, readPhotoMetadata } from '../../../../../main/engine/image/photoMetadata';
import { ADOBE_RGB_ICC, CAMERA_XMP, cameraJpeg, readWithPil } from './photoFixtures';

const dir = mkdtempSync(join(tmpdir(), 'spire-photo-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROVENANCE = { 'spire:restoration-prompt': 'Denoise with sigma 0.05;', 'spire:seed': '7', 'spire:model': 'spire-compact', Software: 'SPIRE Studio' };
const grey = (): [number, number, number] => [0.5, 0.45, 0.4];

describe('readPhotoMetadata', () => {
  it('reads the camera fields, the profile and the DPI', async () => {
    const meta = await readPhotoMetadata(await cameraJpeg({ width: 8, height: 6, icc: ADOBE_RGB_ICC, pixel: grey }));
    expect(cameraSummary(meta)).toEqual({ make: 'Canon', model: 'EOS R5', lens: 'RF50mm F1.8 STM', dateTaken: '2024:05:01 10:00:00', hasGps: true });
    expect(profileLabel(meta)).toBe('Adobe RGB (1998)');
    expect(meta.density).toBe(300);
    expect(meta.xmp).toContain('Harbour at dawn');
    expect(meta.iptc?.includes(Buffer.from('harbour'))).toBe(true);
  });
});

describe('writeImage carries the camera metadata', () => {
  const cases = [
    { format: 'jpeg', ext: 'jpg', iptc: true },
    { format: 'png', ext: 'png', iptc: false },
    { format: 'webp', ext: 'webp', iptc: false },
    { format: 'tiff', ext: 'tif', iptc: true },
  ] as const;

  it.each(cases)('$format: EXIF, GPS, XMP, IPTC, DPI and provenance, upright', async ({ format, ext, iptc }) => {
    const source = await cameraJpeg({ width: 12, height: 8, icc: ADOBE_RGB_ICC, pixel: grey });
    const input = await readImage(source);
    expect([input.rgb.width, input.rgb.height]).toEqual([8, 12]); // orientation 6 applied
    const path = join(dir, `carried.${ext}`);
    await writeImage(path, input.rgb, input.alpha, { source, metadata: PROVENANCE, format });
    const back = readWithPil(path);
    expect(back.size).toEqual([8, 12]);
    expect(back.ifd0).toMatchObject({ Make: 'Canon', Model: 'EOS R5', Artist: 'Ana Example', Orientation: 1, Software: 'SPIRE Studio', XResolution: 300 });
    expect(back.exif).toMatchObject({ LensModel: 'RF50mm F1.8 STM', DateTimeOriginal: '2024:05:01 10:00:00', ExposureTime: 0.008, FNumber: 2.8, ISOSpeedRatings: 200, FocalLength: 50 });
    expect(back.gps).toMatchObject({ GPSLatitudeRef: 'N', GPSLatitude: [51, 30, 12.34], GPSLongitudeRef: 'W' });
    // the camera's XMP, kept, with the app's provenance beside it
    expect(back.xmp).toContain('Harbour at dawn');
    expect(back.xmp).toContain('xmp:Rating="4"');
    expect(back.xmp).toContain('exif:GPSLatitude="51,30.2057N"');
    expect(back.xmp).toContain('tiff:Orientation="1"');
    expect(back.xmp).toContain('<spire:spire_seed>7</spire:spire_seed>');
    expect(back.xmp).toContain('<spire:spire_restoration-prompt>Denoise with sigma 0.05;</spire:spire_restoration-prompt>');
    if (format !== 'webp') expect(back.dpi?.map(Math.round)).toEqual([300, 300]);
    if (iptc) expect(back.iptc).toMatchObject({ '2:25': 'harbour', '2:80': 'Ana Example' });
    // sRGB mode (the default): no profile, as the engine's pixels are sRGB
    expect(back.icc).toBeNull();
  });

  it.each(cases)('$format: strip location drops GPS from EXIF and XMP, keeps the rest', async ({ format, ext }) => {
    const source = await cameraJpeg({ width: 6, height: 4, icc: ADOBE_RGB_ICC, pixel: grey });
    const input = await readImage(source);
    const path = join(dir, `stripped.${ext}`);
    await writeImage(path, input.rgb, input.alpha, { source, metadata: PROVENANCE, format, stripLocation: true });
    const back = readWithPil(path);
    expect(back.gps).toEqual({});
    expect(back.xmp).not.toMatch(/GPS/);
    expect(back.ifd0).toMatchObject({ Make: 'Canon' });
    expect(back.exif).toMatchObject({ DateTimeOriginal: '2024:05:01 10:00:00' });
    expect(back.xmp).toContain('Harbour at dawn');
  });

  it('a TIFF input (libvips reads no EXIF from TIFF) carries its camera fields on', async () => {
    const source = await cameraJpeg({ width: 6, height: 4, icc: ADOBE_RGB_ICC, pixel: grey });
    const first = await readImage(source);
    const tiffPath = join(dir, 'camera.tif');
    await writeImage(tiffPath, first.rgb, first.alpha, { source, metadata: PROVENANCE });
    const tiff = await readImage(tiffPath);
    expect(cameraSummary(tiff.metadata.photo)).toMatchObject({ make: 'Canon', lens: 'RF50mm F1.8 STM', hasGps: true });
    const jpegPath = join(dir, 'from-tiff.jpg');
    await writeImage(jpegPath, tiff.rgb, tiff.alpha, { source: tiff.bytes, metadata: PROVENANCE });
    const back = readWithPil(jpegPath);
    expect(back.ifd0).toMatchObject({ Make: 'Canon', Model: 'EOS R5', Orientation: 1 });
    expect(back.ifd0.ImageWidth).toBeUndefined(); // the TIFF's own layout tags stay behind
    expect(back.exif).toMatchObject({ LensModel: 'RF50mm F1.8 STM' });
    expect(back.iptc).toMatchObject({ '2:25': 'harbour' });
  });

  it('an upsampled output gives its own size in EXIF and a resized alpha', async () => {
    const source = await cameraJpeg({ width: 6, height: 4, icc: ADOBE_RGB_ICC, pixel: grey });
    const input = await readImage(source);
    const big = { width: 8, height: 12, data: new Float32Array(8 * 12 * 3).fill(0.5) };
    const path = join(dir, 'bigger.png');
    await writeImage(path, big, null, { source, metadata: PROVENANCE });
    expect(input.rgb.width).toBe(4);
    expect(readWithPil(path).exif).toMatchObject({ ExifImageWidth: 8, ExifImageHeight: 12 });
  });
});

describe('mergeXmp', () => {
  it('adds the app properties as one more description and keeps the camera packet', () => {
    const merged = mergeXmp(CAMERA_XMP, { 'spire:seed': '3' }, { stripLocation: false });
    expect(merged.startsWith(CAMERA_XMP.slice(0, 60))).toBe(true);
    expect(merged.match(/<rdf:Description /g)).toHaveLength(2);
    expect(merged).toContain('<spire:spire_seed>3</spire:spire_seed>');
    expect(merged).toContain('<dc:description>');
  });

  it('does not write a second dc:description and strips GPS elements as well as attributes', () => {
    const camera = CAMERA_XMP.replace('<dc:title>', '<exif:GPSAltitude>12/1</exif:GPSAltitude><dc:description><rdf:Alt><rdf:li xml:lang="x-default">mine</rdf:li></rdf:Alt></dc:description><dc:title>');
    const merged = mergeXmp(camera, { 'spire:seed': '3' }, { stripLocation: true });
    expect(merged.match(/<dc:description>/g)).toHaveLength(1);
    expect(merged).not.toMatch(/GPS/);
  });

  it('a packet without rdf:RDF is replaced by the app packet', () => {
    expect(mergeXmp('<x:xmpmeta/>', { 'spire:seed': '3' }, { stripLocation: false })).toContain('<spire:spire_seed>3</spire:spire_seed>');
  });
});
