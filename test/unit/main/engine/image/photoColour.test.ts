/**
 * Wide-gamut photos (Adobe RGB, ProPhoto) through the engine's sRGB and back: an unchanged
 * restoration returns the input's colours within 1/255 after colour management (PIL's ImageCms,
 * not our maths), in sRGB and keep-profile mode; keep-profile keeps a colour sRGB cannot hold.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage, writeImage } from '../../../../../main/engine/image';
import { PROPHOTO_RGB_SPEC, parseIccProfile, profileToSrgb, srgbToProfile } from '../../../../../main/engine/image/iccProfile';
import { decodeNative } from '../../../../../main/engine/image/photoColour';
import { resizeRgb } from '../../../../../main/engine/imageOps/resize';
import { ADOBE_RGB_ICC, PROPHOTO_ICC, cameraJpeg, profilePng16, readWithPil, srgbPixelsWithPil } from './photoFixtures';

const dir = mkdtempSync(join(tmpdir(), 'spire-photo-colour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Muted colours every space here holds (inside sRGB), varying over the photo. */
const inGamut = (x: number, y: number): [number, number, number] => [0.4 + 0.02 * x, 0.42 + 0.02 * y, 0.45 - 0.01 * x];
/** ProPhoto's saturated green: far outside sRGB (and Adobe RGB). Left half of the photo. */
const SATURATED: [number, number, number] = [0.2, 0.85, 0.15];
const withPatch = (x: number, y: number): [number, number, number] => (x < 4 ? SATURATED : inGamut(x, y));

const maxDiff = (a: number[][], b: number[][]): number => Math.max(...a.map((p, i) => Math.max(...p.map((v, c) => Math.abs(v - b[i]![c]!)))));

describe('iccProfile', () => {
  it('reads a profile and converts to sRGB and back', () => {
    const profile = parseIccProfile(PROPHOTO_ICC)!;
    expect(profile.name).toBe('ProPhoto RGB');
    expect(profile.isSrgb).toBe(false);
    expect(profile.matrix!.red.x).toBeCloseTo(PROPHOTO_RGB_SPEC.red.x, 4);
    const px = new Float32Array([0.4, 0.5, 0.6]);
    profileToSrgb(profile.matrix!, px);
    srgbToProfile(profile.matrix!, px);
    expect(Array.from(px).map((v) => v.toFixed(4))).toEqual(['0.4000', '0.5000', '0.6000']);
    const green = new Float32Array(SATURATED);
    profileToSrgb(profile.matrix!, green);
    expect(green[0]).toBe(0); // clipped: outside sRGB
  });
});

describe.each([
  { name: 'Adobe RGB JPEG (8-bit)', make: () => cameraJpeg({ width: 8, height: 6, icc: ADOBE_RGB_ICC, pixel: inGamut }), profile: 'Adobe RGB (1998)' },
  { name: 'ProPhoto PNG (16-bit)', make: () => profilePng16({ width: 8, height: 6, icc: PROPHOTO_ICC, pixel: inGamut }), profile: 'ProPhoto RGB' },
])('$name, restored unchanged', ({ make, profile }) => {
  it.each(['srgb', 'keep-profile'] as const)('comes back within 1/255 after colour management (%s)', async (colour) => {
    const source = await make();
    const inputPath = join(dir, `in-${profile}-${colour}`);
    writeFileSync(inputPath, source);
    const input = await readImage(source);
    const out = join(dir, `out-${profile}-${colour}.tif`);
    await writeImage(out, input.rgb, input.alpha, { source, colour });
    const back = readWithPil(out);
    expect(back.icc).toBe(colour === 'srgb' ? null : profile);
    const [a, b] = srgbPixelsWithPil(inputPath, out);
    // PIL opens 16-bit files as 8-bit by truncation: one step either way is its rounding, not ours
    expect(maxDiff(a!, b!)).toBeLessThanOrEqual(1);
  });
});

describe('a colour outside sRGB', () => {
  it('survives keep-profile mode and is clipped in sRGB mode', async () => {
    const source = await profilePng16({ width: 8, height: 4, icc: PROPHOTO_ICC, pixel: withPatch });
    const input = await readImage(source);
    const native = await decodeNative(source, true);
    const kept = join(dir, 'kept.png');
    const srgb = join(dir, 'srgb.png');
    await writeImage(kept, input.rgb, input.alpha, { source, colour: 'keep-profile' });
    await writeImage(srgb, input.rgb, input.alpha, { source, colour: 'srgb' });
    const keptMeta = await sharp(kept).metadata();
    expect(keptMeta.depth).toBe('ushort');
    expect(parseIccProfile(keptMeta.icc!)!.name).toBe('ProPhoto RGB');
    // In ProPhoto values, as stored (no conversion), the patch is the input's
    const keptPixels = await decodeNative(readFileSync(kept), true);
    const patch = [0, 1, 2].map((c) => keptPixels.data[c]!);
    expect(patch.map((v, c) => Math.abs(v - native.data[c]!) * 255).every((d) => d <= 1)).toBe(true);
    expect(patch[1]).toBeGreaterThan(0.8);
    // In sRGB mode the same pixel, brought back into ProPhoto, has lost its saturation
    const srgbPixels = await readImage(srgb);
    const clipped = new Float32Array(srgbPixels.rgb.data.subarray(0, 3));
    srgbToProfile(parseIccProfile(PROPHOTO_ICC)!.matrix!, clipped);
    expect(Math.max(...Array.from(clipped).map((v, c) => Math.abs(v - native.data[c]!) * 255))).toBeGreaterThan(10);
  });

  it('survives an upsample (the residual is resized with the image)', async () => {
    const source = await profilePng16({ width: 8, height: 4, icc: PROPHOTO_ICC, pixel: withPatch });
    const input = await readImage(source);
    const native = await decodeNative(source, true);
    const big = resizeRgb(input.rgb, 8, 16, { method: 'bicubic', clamp: true });
    const out = join(dir, 'kept-2x.tif');
    await writeImage(out, big, null, { source, colour: 'keep-profile' });
    const back = await decodeNative(readFileSync(out), true);
    expect([back.width, back.height]).toEqual([16, 8]);
    // a pixel well inside the patch (x = 2 of 16, y = 4): the input's green
    const i = (4 * 16 + 2) * 3;
    expect(Math.abs(back.data[i + 1]! - native.data[1]!) * 255).toBeLessThan(2);
  });
});
