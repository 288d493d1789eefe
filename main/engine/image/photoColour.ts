/**
 * Colour for photos with their own profile (Adobe RGB, ProPhoto, P3, ...). The engine restores in
 * sRGB; these move pixels between a photo's profile and sRGB with iccProfile.ts's maths.
 *
 * Reading (decodeImage): a photo with a matrix/TRC profile that is not sRGB, or any 16-bit photo
 * with one (sharp moves 16-bit pixels through P3, not sRGB), is decoded as stored and converted
 * here, so the engine's input and keepProfile below use one and the same conversion.
 *
 * Writing in 'keep-profile' mode (keepProfile): sRGB cannot hold a saturated colour outside its
 * gamut, so the engine's input lost it. What was lost is put back:
 *
 *   P_in   the photo's pixels in its profile                  (decodeNative)
 *   S_in   the engine's sRGB input (clipped to sRGB)          (readImage)
 *   S_out  the restored image (sRGB)
 *   out    = toProfile(S_out) + resize(P_in - toProfile(S_in))    -> clipped to 0-1, profile embedded
 *
 * The residual P_in - toProfile(S_in) is zero inside sRGB's gamut (up to quantisation) and carries
 * exactly the clipped part outside it; a restoration that leaves a pixel alone gives P_in back.
 */
import sharp from 'sharp';
import { resizeRgb } from '../imageOps/resize';
import type { RgbImage } from '../pipeline/types';
import { profileToSrgb, srgbToProfile, type IccProfileInfo } from './iccProfile';

export type MatrixProfile = NonNullable<IccProfileInfo['matrix']>;

/** The output colour mode: sRGB (what the engine works in), or the input's own profile (common/photo.ts). */
export { COLOUR_MODES, type ColourMode } from '../../../common/photo';

/** True when decodeImage should convert the photo itself rather than through sharp (see the module comment). */
export function convertsItself(profile: IccProfileInfo | null, bitDepth: 8 | 16): profile is IccProfileInfo & { matrix: MatrixProfile } {
  return profile !== null && profile.matrix !== null && (!profile.isSrgb || bitDepth === 16);
}

/** Interleaved samples (8 or 16 bits, 3 or 4 channels) -> float RGB 0-1 (alpha left out). */
function floatRgb(samples: Uint8Array | Uint16Array, channels: number, n: number): Float32Array {
  const scale = 1 / (samples instanceof Uint16Array ? 65535 : 255);
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    rgb[i * 3] = samples[s]! * scale;
    rgb[i * 3 + 1] = samples[s + (channels >= 3 ? 1 : 0)]! * scale;
    rgb[i * 3 + 2] = samples[s + (channels >= 3 ? 2 : 0)]! * scale;
  }
  return rgb;
}

/** Converts decoded samples from the profile to sRGB in place (alpha untouched). */
export function samplesToSrgb(samples: Uint8Array | Uint16Array, channels: number, n: number, profile: MatrixProfile): void {
  if (channels < 3) return;
  const rgb = floatRgb(samples, channels, n);
  profileToSrgb(profile, rgb);
  const max = samples instanceof Uint16Array ? 65535 : 255;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) samples[i * channels + c] = Math.round(rgb[i * 3 + c]! * max);
}

/** The photo's pixels as stored (upright, no colour conversion), float RGB 0-1. */
export async function decodeNative(bytes: Uint8Array, sixteen: boolean): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { limitInputPixels: false })
    .autoOrient()
    .keepIccProfile()
    .toColourspace(sixteen ? 'rgb16' : 'srgb')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: info.width, height: info.height, data: floatRgb(samples, info.channels, info.width * info.height) };
}

/**
 * What decodeImage hands the engine for a photo whose native pixels these are: converted to sRGB
 * and rounded to the file's bit depth (samplesToSrgb, then readImage's scale), without decoding it again.
 */
export function srgbOfNative(native: RgbImage, profile: MatrixProfile, sixteen: boolean): RgbImage {
  const data = new Float32Array(native.data);
  profileToSrgb(profile, data);
  const max = sixteen ? 65535 : 255;
  const scale = 1 / max;
  for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]! * max) * scale;
  return { width: native.width, height: native.height, data };
}

/** See the module comment: the restored sRGB image in the photo's profile, with what sRGB clipped put back. */
export function keepProfile(restored: RgbImage, native: RgbImage, engineInput: RgbImage, profile: MatrixProfile): RgbImage {
  // residual = P_in - toProfile(S_in), at input size
  const residual = new Float32Array(engineInput.data);
  srgbToProfile(profile, residual);
  for (let i = 0; i < residual.length; i++) residual[i] = native.data[i]! - residual[i]!;
  const fitted =
    native.width === restored.width && native.height === restored.height
      ? residual
      : resizeRgb({ width: native.width, height: native.height, data: residual }, restored.height, restored.width, { method: 'bicubic' }).data;
  const out = new Float32Array(restored.data);
  srgbToProfile(profile, out);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]! + fitted[i]!;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return { width: restored.width, height: restored.height, data: out };
}
