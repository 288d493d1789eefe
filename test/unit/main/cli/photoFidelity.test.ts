/**
 * `spire restore` keeps a photo a photo: the camera metadata reaches the output (read back with
 * PIL), `--strip-location` leaves the GPS out, `--colour keep-profile` embeds the input's profile at
 * 16 bits. The engine is the real worker on the tiny random pack (its pixels are noise; the colour
 * maths is tested in test/unit/main/engine/image/photoColour.test.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestWorker } from '../engine/jobs/buildTestWorker';
import { ADOBE_RGB_ICC, cameraJpeg, readWithPil } from '../engine/image/photoFixtures';
import { runCli } from './cliHarness';

const repo = resolve(import.meta.dirname, '../../../..');
const PACK = join(repo, 'test/fixtures/packs/tiny-random');
let workerPath: string;
let tmp: string;
let input: string;

beforeAll(async () => {
  workerPath = await buildTestWorker(join(repo, 'main/engine/worker.ts'));
  tmp = await mkdtemp(join(tmpdir(), 'spire-cli-photo-'));
  input = join(tmp, 'camera.jpg');
  await writeFile(input, await cameraJpeg({ width: 32, height: 24, icc: ADOBE_RGB_ICC, pixel: (x, y) => [0.3 + x / 80, 0.4 + y / 60, 0.5] }));
}, 120_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const base = ['--model', PACK, '--steps', '1', '--seed', '3', '--restore', 'Remove all degradation', '--no-faithful'];

describe('spire restore carries the photo', () => {
  it('camera EXIF, GPS, XMP and IPTC reach a JPEG output, upright, with the provenance beside them', async () => {
    const r = await runCli(['restore', input, '-o', 'out.jpg', ...base], { cwd: tmp, workerPath });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const back = readWithPil(join(tmp, 'out.jpg'));
    expect(back.size).toEqual([24, 32]);
    expect(back.ifd0).toMatchObject({ Make: 'Canon', Model: 'EOS R5', Orientation: 1 });
    expect(back.exif).toMatchObject({ DateTimeOriginal: '2024:05:01 10:00:00', LensModel: 'RF50mm F1.8 STM' });
    expect(back.gps).toMatchObject({ GPSLatitudeRef: 'N' });
    expect(back.iptc).toMatchObject({ '2:25': 'harbour' });
    expect(back.xmp).toContain('Harbour at dawn');
    expect(back.xmp).toContain('<spire:spire_seed>3</spire:spire_seed>');
    expect(back.icc).toBeNull();
  });

  it('--strip-location and --colour keep-profile: no GPS, the Adobe RGB profile at 16 bits', async () => {
    const r = await runCli(['restore', input, '-o', 'kept.png', ...base, '--strip-location', '--colour', 'keep-profile'], { cwd: tmp, workerPath });
    expect(r.code).toBe(0);
    const back = readWithPil(join(tmp, 'kept.png'));
    expect(back.gps).toEqual({});
    expect(back.xmp).not.toMatch(/GPS/);
    expect(back.ifd0).toMatchObject({ Make: 'Canon' });
    expect(back.icc).toBe('Adobe RGB (1998)');
    expect((await sharp(join(tmp, 'kept.png')).metadata()).depth).toBe('ushort');
  });

  it('a bad --colour is a usage error that names the choices', async () => {
    const r = await runCli(['restore', input, '-o', 'x.png', ...base, '--colour', 'p3'], { cwd: tmp, workerPath });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--colour must be srgb');
    expect(r.stderr).toContain('keep-profile');
  });
});
