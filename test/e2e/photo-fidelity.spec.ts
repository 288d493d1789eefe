/**
 * A 16-bit Adobe RGB camera photo in the editor: the status bar names its profile and depth, the
 * export dialog warns before an export that would lose them, and an export that keeps the profile
 * (with the location stripped) carries the camera metadata, read back with PIL. Real engine, tiny
 * random pack (its pixels are noise; the colour maths is unit-tested).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedMetadata } from '../../main/engine/image/embedMetadata';
import { readExif } from '../../main/engine/image/tiffIfd';
import { ADOBE_RGB_ICC, cameraJpeg, readWithPil } from '../unit/main/engine/image/photoFixtures';
import { launchApp, type HarnessApp } from './harness/app';

let app: HarnessApp;
let dir: string;

/** 96 x 64, 16-bit, Adobe RGB, with the camera fixture's EXIF (GPS too) and IPTC. */
async function camera16Tiff(): Promise<Buffer> {
  const width = 96;
  const height = 64;
  const raw = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((0.25 + (0.5 * x) / width) * 65535);
      raw[i + 1] = Math.round((0.3 + (0.4 * y) / height) * 65535);
      raw[i + 2] = Math.round(0.45 * 65535);
    }
  const tiff = await sharp(raw, { raw: { width, height, channels: 3 } }).toColourspace('rgb16').tiff({ compression: 'lzw' }).toBuffer();
  const camera = await sharp(await cameraJpeg({ width: 4, height: 4, icc: ADOBE_RGB_ICC, pixel: () => [0.5, 0.5, 0.5] })).metadata();
  const exif = readExif(camera.exif!)!;
  exif.ifd0 = exif.ifd0.filter((e) => e.tag !== 0x0112); // upright
  return embedMetadata(tiff, 'tiff', { exif, iptc: null, icc: ADOBE_RGB_ICC }, { width, height, alpha: false });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-photo-'));
  await writeFile(join(dir, 'camera16.tif'), await camera16Tiff());
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const warnings = async (): Promise<string[]> => ((await testId('export-warnings').count()) === 0 ? [] : testId('export-warnings').locator('li').allTextContents());

describe('a wide-gamut 16-bit photo', () => {
  it('shows its profile and bit depth in the status bar', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    app.dialog.next = join(dir, 'camera16.tif');
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe('96 × 64');
    await expect.poll(() => testId('status-photo').textContent()).toBe('Adobe RGB (1998) · 16-bit');
    const hint = (await testId('status-photo').locator('..').getAttribute('title')) ?? '';
    expect(hint).toContain('Metadata: camera EXIF, GPS position');
    await app.screenshot('60-photo-status-bar');
  });

  it('warns before an export that would lose its depth or gamut, and keeps them when asked', async () => {
    await testId('preset-blind').check();
    await testId('run-steps').fill('2');
    await testId('run-steps').press('Enter');
    await testId('run-button').click();
    await expect.poll(() => app.page.locator('[data-testid^="history-item-"]').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => testId('run-button').isEnabled()).toBe(true);

    await testId('export-open').click();
    expect(await testId('export-colour').inputValue()).toBe('srgb');
    expect(await testId('export-strip-location').isChecked()).toBe(false);
    expect(await testId('export-strip-location').locator('..').textContent()).toMatch(/Off by default: the photo's camera EXIF, GPS position, XMP, IPTC and DPI are kept/);
    await testId('export-format').selectOption('jpeg');
    const lossy = await warnings();
    expect(lossy).toHaveLength(2);
    expect(lossy[0]).toMatch(/16 bits per channel; JPEG holds 8/);
    expect(lossy[1]).toMatch(/Adobe RGB \(1998\) profile holds colours sRGB cannot/);
    await app.screenshot('61-export-warnings');

    await testId('export-format').selectOption('tiff');
    await testId('export-colour').selectOption('keep-profile');
    await testId('export-strip-location').check();
    expect(await warnings()).toEqual([]);
    const out = join(dir, 'kept.tif');
    app.dialog.nextSave = out;
    await testId('export-save').click();
    await expect.poll(async () => (await testId('export-saved').count()) + (await testId('error-banner').count()), { timeout: 30_000 }).toBe(1);
    expect(await testId('error-banner').count(), (await testId('error-banner').allTextContents()).join()).toBe(0);
    await app.screenshot('62-export-kept-profile');

    const back = readWithPil(out);
    expect(back.icc).toBe('Adobe RGB (1998)');
    expect(back.ifd0).toMatchObject({ Make: 'Canon', Model: 'EOS R5' });
    expect(back.exif).toMatchObject({ DateTimeOriginal: '2024:05:01 10:00:00' });
    expect(back.gps).toEqual({});
    expect((await sharp(out).metadata()).depth).toBe('ushort');
    expect(app.pageErrors).toEqual([]);
  });
});
