/** What an export would lose of a photo, and the status bar's words for its colour. */
import { describe, expect, it } from 'vitest';
import { describePhotoColour, exportWarnings, type PhotoExportChoice, type PhotoFacts } from '../../../common/photo';

const PLAIN: PhotoFacts = { colourProfile: 'sRGB', wideGamut: false, profileConvertible: false, bitDepth: 8, hasAlpha: false, hasExif: false, hasGps: false, hasXmp: false, hasIptc: false, dpi: null };
const CAMERA: PhotoFacts = { ...PLAIN, colourProfile: 'Adobe RGB (1998)', wideGamut: true, profileConvertible: true, bitDepth: 16, hasExif: true, hasGps: true, hasXmp: true, hasIptc: true, dpi: 300 };
const choice = (over: Partial<PhotoExportChoice>): PhotoExportChoice => ({ kind: 'result', format: 'png', colour: 'srgb', stripLocation: false, ...over });

describe('describePhotoColour', () => {
  it('names the profile and the bit depth', () => {
    expect(describePhotoColour(CAMERA)).toBe('Adobe RGB (1998) · 16-bit');
    expect(describePhotoColour(PLAIN)).toBe('sRGB · 8-bit');
  });
});

describe('exportWarnings', () => {
  it.each([
    ['a plain sRGB photo to PNG', PLAIN, choice({}), []],
    ['a plain sRGB photo to JPEG', PLAIN, choice({ format: 'jpeg' }), []],
    ['16 bits to JPEG', { ...PLAIN, bitDepth: 16 as const }, choice({ format: 'jpeg' }), [/16 bits per channel; JPEG holds 8\. Choose PNG or TIFF/]],
    ['a wide gamut to sRGB', { ...CAMERA, bitDepth: 8 as const, hasIptc: false }, choice({}), [/Adobe RGB \(1998\) profile holds colours sRGB cannot.*Keep the photo's profile/]],
    ['a wide gamut kept, 16-bit TIFF', CAMERA, choice({ format: 'tiff', colour: 'keep-profile' }), []],
    ['a wide gamut kept in WebP at 16 bits', CAMERA, choice({ format: 'webp', colour: 'keep-profile' }), [/16 bits per channel; WebP/, /WebP keeps the profile at 8 bits/, /WebP has no place for IPTC/]],
    ['a profile it cannot convert into', { ...CAMERA, profileConvertible: false }, choice({ format: 'tiff', colour: 'keep-profile' }), [/cannot convert into the Adobe RGB \(1998\) profile.*written as sRGB/]],
    ['alpha to JPEG', { ...PLAIN, hasAlpha: true }, choice({ format: 'jpeg' }), [/JPEG has no transparency/]],
    ['a composite of a camera photo', CAMERA, choice({ kind: 'side-by-side' }), [/comparison sheet is a new sRGB image: the photo's camera EXIF, XMP, IPTC, the Adobe RGB \(1998\) profile/]],
    ['a composite of a plain photo', PLAIN, choice({ kind: 'wipe' }), []],
  ])('%s', (_name, facts, c, expected) => {
    const warnings = exportWarnings(facts, c);
    expect(warnings).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(warnings[i]).toMatch(re));
  });

  it('stripping location is a choice, not a loss to warn about', () => {
    expect(exportWarnings({ ...PLAIN, hasGps: true, hasExif: true }, choice({ stripLocation: true }))).toEqual([]);
  });
});
