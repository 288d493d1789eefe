/**
 * Writes an `RgbImage` (+ optional alpha) as PNG, JPEG, WebP or TIFF,
 * atomically and without overwriting by accident.
 *
 * Recipe: pick the format (explicit, else the extension) -> with a `source`
 * photo in keep-profile mode, convert the pixels into its profile
 * (photoColour.ts) -> resize the alpha to the image when their sizes differ
 * (an upsampled restoration keeps the input's alpha) -> encode with sharp ->
 * add metadata (PNG text chunks; EXIF ImageDescription + XMP for JPEG, WebP,
 * TIFF; with a `source`, its camera EXIF, XMP, IPTC, DPI and profile:
 * photoMetadata.ts, embedMetadata.ts, README.md) -> write a temporary file in the
 * destination folder -> fsync -> move it into place: `link` when overwriting
 * is not allowed (fails if the name exists, even if it appeared meanwhile),
 * `rename` otherwise. Any failure removes the temporary file, so a partial
 * output is never left behind.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import type { Mask, RgbImage } from '../pipeline/types';
import { SpireError } from '../../../common/errors';
import { imageWriteError } from './errors';
import { embedMetadata } from './embedMetadata';
import { insertPngText } from './pngText';
import { decodeNative, keepProfile, srgbOfNative, type ColourMode } from './photoColour';
import { asciiJson, isWideGamut, mergeXmp, outputExif, readPhotoMetadata, xmpPacket } from './photoMetadata';
import type { ImageFormat } from './readImage';

export { xmpPacket } from './photoMetadata';

export interface WriteImageOptions {
  /** Output format; default: from the file extension (.png, .jpg/.jpeg, .webp, .tif/.tiff). */
  format?: ImageFormat;
  /** JPEG/WebP quality 1-100 (default 95). */
  quality?: number;
  /** Bits per sample for PNG and TIFF (default 8). JPEG and WebP are always 8. */
  bitDepth?: 8 | 16;
  /** Text stored in the file: PNG text chunks, or EXIF ImageDescription (as JSON) + XMP for the other formats. */
  metadata?: Record<string, string>;
  /** Replace an existing file (default false: refuse). */
  overwrite?: boolean;
  /**
   * The encoded photo this image was restored from. Its camera EXIF (orientation set to 1), XMP
   * (with the app's `spire:` properties added), IPTC (JPEG, TIFF) and DPI are carried to the output,
   * and in 'keep-profile' mode its colour profile.
   */
  source?: Uint8Array;
  /** Leave the source's GPS position out (EXIF GPS directory and XMP exif:GPS*). Default false. */
  stripLocation?: boolean;
  /**
   * 'srgb' (default): sRGB pixels, no profile, as the engine made them. 'keep-profile': the source's
   * own profile, the pixels converted into it (colours outside sRGB kept), 16 bits for PNG and TIFF.
   * A source without a convertible RGB profile is written as sRGB.
   */
  colour?: ColourMode;
}

export interface WriteImageResult {
  path: string;
  format: ImageFormat;
  bytes: number;
}

const EXTENSIONS: Record<string, ImageFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** The output format a path implies, or null for an unknown extension. */
export function formatFromPath(path: string): ImageFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/** Interleaved 8- or 16-bit samples from float RGB (+ alpha), rounded and clamped; NaN becomes 0. */
export function toSamples(rgb: RgbImage, alpha: Mask | null, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const n = rgb.width * rgb.height;
  const channels = alpha ? 4 : 3;
  const max = bitDepth === 16 ? 65535 : 255;
  const out = bitDepth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  const q = (v: number): number => (v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0);
  for (let i = 0; i < n; i++) {
    out[i * channels] = q(rgb.data[i * 3] ?? 0);
    out[i * channels + 1] = q(rgb.data[i * 3 + 1] ?? 0);
    out[i * channels + 2] = q(rgb.data[i * 3 + 2] ?? 0);
    if (alpha) out[i * channels + 3] = q(alpha.data[i] ?? 0);
  }
  return out;
}

/** Resizes a mask to `width` x `height` (bicubic, through sharp at 16 bits). */
export async function resizeMask(mask: Mask, width: number, height: number): Promise<Mask> {
  if (mask.width === width && mask.height === height) return mask;
  const samples = new Uint16Array(mask.width * mask.height);
  for (let i = 0; i < samples.length; i++) {
    const v = mask.data[i] ?? 0;
    samples[i] = v > 0 ? (v < 1 ? Math.round(v * 65535) : 65535) : 0;
  }
  const { data } = await sharp(samples, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const resized = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = (resized[i] ?? 0) / 65535;
  return { width, height, data: out };
}

/** Encodes the image in memory (no file access). */
export async function encodeImage(rgb: RgbImage, alpha: Mask | null, format: ImageFormat, options: Omit<WriteImageOptions, 'format' | 'overwrite'> = {}): Promise<Buffer> {
  if (rgb.data.length !== rgb.width * rgb.height * 3 || rgb.width < 1 || rgb.height < 1)
    throw imageWriteError('output-invalid', `The image to write is malformed (${rgb.width} x ${rgb.height} with ${rgb.data.length} values).`);
  const metadata = options.metadata ?? {};
  const hasMetadata = Object.keys(metadata).length > 0;
  // 1. the source photo's metadata, and its profile when kept
  const photo = options.source ? await readPhotoMetadata(options.source) : null;
  const stripLocation = options.stripLocation ?? false;
  const matrix = photo && options.colour === 'keep-profile' && isWideGamut(photo) ? (photo.profile?.matrix ?? null) : null;
  let pixels = rgb;
  if (matrix && options.source) {
    const sixteen = photo?.bitDepth === 16;
    const native = await decodeNative(options.source, sixteen);
    pixels = keepProfile(rgb, native, srgbOfNative(native, matrix, sixteen), matrix);
  }
  // 2. pixels
  const keepAlpha = alpha !== null && format !== 'jpeg';
  const fittedAlpha = keepAlpha && alpha ? await resizeMask(alpha, rgb.width, rgb.height) : null;
  const bitDepth = format === 'png' || format === 'tiff' ? (matrix ? 16 : (options.bitDepth ?? 8)) : 8;
  const samples = toSamples(pixels, fittedAlpha, bitDepth);
  const quality = Math.max(1, Math.min(100, Math.round(options.quality ?? 95)));
  let pipeline = sharp(samples, { raw: { width: rgb.width, height: rgb.height, channels: fittedAlpha ? 4 : 3 } });
  if (bitDepth === 16) pipeline = pipeline.toColourspace('rgb16');
  // 3. metadata sharp writes: XMP (and DPI); the rest is embedded after encoding
  if (photo) {
    pipeline = pipeline.withXmp(mergeXmp(photo.xmp, metadata, { stripLocation }));
    if (photo.density) pipeline = pipeline.withDensity(photo.density);
  } else if (hasMetadata && format !== 'png') {
    pipeline = pipeline.withExif({ IFD0: { ImageDescription: asciiJson(metadata), Software: 'SPIRE Studio' } }).withXmp(xmpPacket(metadata));
  }
  switch (format) {
    case 'png':
      pipeline = pipeline.png({ compressionLevel: 6 });
      break;
    case 'jpeg':
      pipeline = pipeline.jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0' });
      break;
    case 'webp':
      pipeline = pipeline.webp({ quality });
      break;
    case 'tiff':
      pipeline = pipeline.tiff({ compression: 'lzw' });
      break;
  }
  let encoded: Buffer = await pipeline.toBuffer();
  if (photo) {
    const exif = outputExif(photo.exif, {
      width: rgb.width,
      height: rgb.height,
      stripLocation,
      density: photo.density,
      software: 'SPIRE Studio',
      ...(hasMetadata && format !== 'png' ? { description: asciiJson(metadata) } : {}),
    });
    encoded = embedMetadata(encoded, format, { exif, iptc: photo.iptc, icc: matrix ? photo.icc : null }, { width: rgb.width, height: rgb.height, alpha: fittedAlpha !== null });
  }
  return format === 'png' && hasMetadata ? insertPngText(encoded, metadata) : encoded;
}

function writeErrorFor(err: unknown, path: string): SpireError {
  if (err instanceof SpireError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const folder = dirname(path);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return imageWriteError('output-disk-full', `The disk holding “${folder}” is full; nothing was written. Free some space or choose another folder.`);
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return imageWriteError('output-read-only', `SPIRE Studio may not write in “${folder}” (${code}); nothing was written. Choose a folder you can write to.`);
    case 'ENOENT':
    case 'ENOTDIR':
      return imageWriteError('output-no-folder', `The folder “${folder}” does not exist. Create it first or choose another output path.`);
    case 'EEXIST':
      return imageWriteError('output-exists', `“${path}” already exists; it was left as it is. Choose another name, or allow overwriting (--force in the CLI).`);
    default:
      return imageWriteError('output-failed', `“${path}” could not be written (${code ?? (err instanceof Error ? err.message : String(err))}); nothing was written.`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The file operations the atomic writer uses (tests replace them to simulate a full disk). */
export interface AtomicIo {
  open: typeof open;
  link: typeof link;
  rename: typeof rename;
}
const defaultIo: AtomicIo = { open, link, rename };

/** Writes bytes to `path` atomically; refuses an existing file unless `overwrite`. */
export async function writeFileAtomic(path: string, bytes: Uint8Array, overwrite = false, io: AtomicIo = defaultIo): Promise<void> {
  if (!overwrite && (await exists(path))) throw writeErrorFor(Object.assign(new Error('exists'), { code: 'EEXIST' }), path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await io.open(tmp, 'wx');
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await io.rename(tmp, path);
      created = false;
    } else {
      try {
        await io.link(tmp, path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // File systems without hard links (FAT, some network shares): check, then rename.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
        if (await exists(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        await io.rename(tmp, path);
        created = false;
      }
    }
  } catch (err) {
    throw writeErrorFor(err, path);
  } finally {
    if (created) await unlink(tmp).catch(() => undefined);
  }
}

/** Encodes and writes an image atomically (see the module comment). */
export async function writeImage(path: string, rgb: RgbImage, alpha: Mask | null, options: WriteImageOptions = {}, io: AtomicIo = defaultIo): Promise<WriteImageResult> {
  const format = options.format ?? formatFromPath(path);
  if (!format)
    throw imageWriteError('output-unsupported', `“${basename(path)}” has no image extension SPIRE Studio writes. End the name with .png, .jpg, .webp or .tif.`);
  if (!options.overwrite && (await exists(path))) throw writeErrorFor(Object.assign(new Error('exists'), { code: 'EEXIST' }), path);
  const bytes = await encodeImage(rgb, alpha, format, options);
  await writeFileAtomic(path, bytes, options.overwrite ?? false, io);
  return { path, format, bytes: bytes.length };
}
