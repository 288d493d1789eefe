/**
 * Reads a PNG, JPEG, WebP or TIFF file (or its bytes) into the engine's image
 * convention: `RgbImage` (HWC float32 in [0, 1]) plus the alpha channel kept
 * aside as a `Mask`.
 *
 * Recipe, in three layers that callers pick from:
 *   probeImage:  file size -> magic number + header (sharp metadata) -> format,
 *                pixel and memory limits                      (no pixel decoded)
 *   decodeImage: + full decode with EXIF orientation applied, 8 or 16 bits per
 *                sample as the file has it (the app's image service stops here)
 *   readImage:   + float conversion, alpha aside, text metadata (jobs, CLI)
 *
 * Every failure is a SpireError with an image-* code (errors.ts: `readError`, one wording for
 * the CLI, the jobs and the app) whose message names the file and says what to do.
 */
import { stat, readFile } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { basename } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { Mask, RgbImage } from '../pipeline/types';
import { SpireError } from '../../../common/errors';
import { readError } from './errors';
import { jpegQualityFromTables } from './jpegQuality';
import { readPngText } from './pngText';
import { convertsItself, samplesToSrgb } from './photoColour';
import { photoMetadataFrom, type PhotoMetadata } from './photoMetadata';

export const SUPPORTED_READ_FORMATS = ['png', 'jpeg', 'webp', 'tiff'] as const;
export type ImageFormat = (typeof SUPPORTED_READ_FORMATS)[number];

export interface ReadLimits {
  /** Largest file accepted, bytes. Default 512 MiB. */
  maxFileBytes?: number;
  /** Largest image accepted, pixels; wins over maxMegapixels. Default: `defaultMaxPixels()`. */
  maxPixels?: number;
  /** Largest image accepted, megapixels (the CLI's `--max-megapixels`); wins over SPIRE_MAX_MEGAPIXELS. */
  maxMegapixels?: number;
  /** Largest decode working set accepted (raw samples + float copies), bytes. Default half the machine's memory. */
  maxDecodeBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
/** The default pixel limit never goes above this, however much memory the machine has (a restore's time grows with it too). */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** Nor below this, however little memory is free at the moment (a 16 MP photo must always open). */
export const MIN_DEFAULT_MAX_PIXELS = 16_000_000;
/**
 * Bytes the engine holds per input pixel through a restore: 8-bit decode (4) + float RGB and alpha
 * (16) + the degraded/conditioning copy (12) + the float output (12) + tile-blend sums and weights
 * (16) + the encoded output (4) + resampling buffers and headroom (32).
 */
export const ENGINE_BYTES_PER_PIXEL = 96;
/** Env var that sets the pixel limit in megapixels (the CLI sets it from `--max-megapixels` for its worker). */
export const MAX_MEGAPIXELS_ENV = 'SPIRE_MAX_MEGAPIXELS';

/**
 * The pixel limit that fits this machine, decided before any decode:
 *   budget    = min(totalmem / 2, max(freemem, totalmem / 4))
 *   maxPixels = clamp(budget / ENGINE_BYTES_PER_PIXEL, MIN_DEFAULT_MAX_PIXELS, DEFAULT_MAX_PIXELS)
 * (16 GiB machine, 6 GiB free: 6.4 GiB / 96 B = 71 MP).
 */
export function defaultMaxPixels(memory: { total: number; free: number } = { total: totalmem(), free: freemem() }): number {
  const budget = Math.min(memory.total / 2, Math.max(memory.free, memory.total / 4));
  return Math.floor(Math.min(DEFAULT_MAX_PIXELS, Math.max(MIN_DEFAULT_MAX_PIXELS, budget / ENGINE_BYTES_PER_PIXEL)));
}

/** `--max-megapixels` / SPIRE_MAX_MEGAPIXELS text as megapixels; a bad-params SpireError naming `source` otherwise. */
export function parseMaxMegapixels(text: string, source: string = MAX_MEGAPIXELS_ENV): number {
  const value = /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(value > 0 && value <= 100_000)) {
    throw new SpireError(
      'bad-params',
      `${source} must be a number of megapixels between 0 and 100000 (e.g. 250), got ${JSON.stringify(text.slice(0, 40))}.`,
    );
  }
  return value;
}

/** The pixel limit a read uses: maxPixels, else maxMegapixels, else SPIRE_MAX_MEGAPIXELS, else defaultMaxPixels(). */
export function resolveMaxPixels(limits: Pick<ReadLimits, 'maxPixels' | 'maxMegapixels'> = {}, env: NodeJS.ProcessEnv = process.env): number {
  if (limits.maxPixels !== undefined) return limits.maxPixels;
  if (limits.maxMegapixels !== undefined) return Math.floor(limits.maxMegapixels * 1e6);
  const fromEnv = env[MAX_MEGAPIXELS_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return Math.floor(parseMaxMegapixels(fromEnv) * 1e6);
  return defaultMaxPixels();
}

export interface ImageInfo {
  /** EXIF orientation found in the file (1-8), already applied to the pixels; null when absent. */
  orientation: number | null;
  /** Text found in the file: PNG text chunks by keyword. */
  text: Record<string, string>;
  /** Colour space sharp reported (srgb, b-w, cmyk, rgb16, ...). */
  space: string | null;
  /** Channels in the file (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA or CMYK). */
  channels: number;
  density: number | null;
  /** Pages or frames in the file; only the first is read. */
  pages: number;
  /** A JPEG's quality, read from its quantisation tables (jpegQuality.ts); null for other formats or when unreadable. */
  jpegQuality: number | null;
  /** The photo's own metadata (EXIF, XMP, IPTC, ICC profile, DPI), carried to outputs (photoMetadata.ts). */
  photo: PhotoMetadata;
}

export interface ReadImageResult {
  rgb: RgbImage;
  /** The file's own bytes (writeImage's `source`: its camera metadata and profile are carried to outputs). */
  bytes: Uint8Array;
  /** The alpha channel at image resolution, or null when the file has none. */
  alpha: Mask | null;
  format: ImageFormat;
  /** Bits per sample of the decoded pixels: 8, or 16 for 16-bit PNG/TIFF (kept at full precision). */
  bitDepth: 8 | 16;
  metadata: ImageInfo;
}

/** An image decoded but not yet converted to float: what decodeImage returns. */
export interface DecodedImage {
  /** The file's own bytes (a plain Uint8Array view, not a copy). */
  bytes: Uint8Array;
  format: ImageFormat;
  bitDepth: 8 | 16;
  /** Upright size (EXIF orientation applied). */
  width: number;
  height: number;
  /** Samples per pixel in `samples`: 3 (RGB) or 4 (RGBA) for every supported file; 1-2 only if the decoder keeps grey. */
  channels: 1 | 2 | 3 | 4;
  /** Row-major interleaved sRGB samples, `width * height * channels`; Uint16Array when bitDepth is 16. */
  samples: Uint8Array | Uint16Array;
  metadata: ImageInfo;
}

/** Magic numbers, to tell "damaged image" from "not an image at all". */
export function sniffFormat(bytes: Uint8Array): ImageFormat | 'gif' | 'other-image' | null {
  const at = (i: number): number => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  if (at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46 && at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50)
    return 'webp';
  if ((at(0) === 0x49 && at(1) === 0x49 && at(2) === 0x2a && at(3) === 0x00) || (at(0) === 0x4d && at(1) === 0x4d && at(2) === 0x00 && at(3) === 0x2a))
    return 'tiff';
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46) return 'gif';
  // BMP, ISO-BMFF (HEIC/AVIF), JPEG 2000, JPEG XL
  if (at(0) === 0x42 && at(1) === 0x4d) return 'other-image';
  if (at(4) === 0x66 && at(5) === 0x74 && at(6) === 0x79 && at(7) === 0x70) return 'other-image';
  if (at(0) === 0xff && at(1) === 0x0a) return 'other-image';
  return null;
}

/** Bytes a full decode needs: raw samples from the decoder plus the float32 RGB and alpha the engine keeps. */
export function estimateDecodeBytes(width: number, height: number, channels: number, bytesPerSample: number): number {
  const pixels = width * height;
  const hasAlpha = channels === 2 || channels === 4;
  return pixels * (Math.max(3, channels) * bytesPerSample + 3 * 4 + (hasAlpha ? 4 : 0));
}

/** False when a PNG lacks its final IEND chunk or a JPEG its end-of-image marker: the file was cut off. */
function endsCleanly(bytes: Uint8Array, format: string): boolean {
  const n = bytes.length;
  if (format === 'png') return n >= 12 && bytes[n - 8] === 0x49 && bytes[n - 7] === 0x45 && bytes[n - 6] === 0x4e && bytes[n - 5] === 0x44;
  if (format === 'jpeg') {
    let end = n;
    while (end > 2 && bytes[end - 1] === 0) end--; // some writers pad with zeros
    return bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9;
  }
  return true;
}

function looksTruncated(message: string, bytes: Uint8Array, format: string): boolean {
  // A PNG or JPEG that has its end marker is complete: whatever the decoder says, it is damaged, not cut off.
  if (format === 'png' || format === 'jpeg') return !endsCleanly(bytes, format);
  return /premature|truncat|unexpected end|end of (file|data|stream)|short read|not enough (data|image data)|read error|out of data|incomplete/i.test(message);
}

/** A decoder failure on a file whose first bytes announce `format`: cut off, or damaged. */
function undecodable(err: unknown, label: string, bytes: Uint8Array, format: string): SpireError {
  const message = err instanceof Error ? err.message : String(err);
  return looksTruncated(message, bytes, format) ? readError.truncated(label, format) : readError.damaged(label, format, message);
}

/** The file's bytes, after the checks that need no content: exists, is a file, size limit, readable. */
async function loadBytes(source: string | Uint8Array, label: string, where: string, maxFileBytes: number): Promise<Uint8Array> {
  if (typeof source !== 'string') {
    if (source.byteLength > maxFileBytes) throw readError.fileTooLarge(label, source.byteLength, maxFileBytes);
    return source;
  }
  let size: number;
  try {
    const info = await stat(source);
    if (!info.isFile()) throw readError.notAFile(where);
    size = info.size;
  } catch (err) {
    if (err instanceof SpireError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw readError.missing(where);
    throw readError.unreadable(where, code ?? String(err));
  }
  if (size > maxFileBytes) throw readError.fileTooLarge(label, size, maxFileBytes);
  try {
    const buf = await readFile(source);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw readError.unreadable(where, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}

interface Probed {
  bytes: Uint8Array;
  meta: Metadata;
  format: ImageFormat;
  label: string;
  sixteen: boolean;
  channels: number;
  width: number;
  height: number;
}

/**
 * Everything before the decode: file size, magic number, header, format, pixel and memory limits.
 * `name` names the image in every message (default: the file name; for a missing or unreadable
 * file, the path).
 */
async function probe(source: string | Uint8Array, limits: ReadLimits, name?: string): Promise<Probed> {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxPixels = resolveMaxPixels(limits);
  const maxDecodeBytes = limits.maxDecodeBytes ?? Math.floor(totalmem() / 2);
  const label = name ?? (typeof source === 'string' ? basename(source) : 'the image');
  const where = name ?? (typeof source === 'string' ? source : label);

  const bytes = await loadBytes(source, label, where, maxFileBytes);
  if (bytes.byteLength === 0) throw readError.empty(label);

  // The header. sharp also recognises formats the magic numbers above do not (SVG, PDF, ...), so
  // "not an image" is said only when neither knows the bytes.
  const sniffed = sniffFormat(bytes);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    if (sniffed === null) throw readError.notAnImage(label);
    if (sniffed === 'gif' || sniffed === 'other-image') throw readError.unsupported(label, sniffed === 'gif' ? 'gif' : null);
    throw undecodable(err, label, bytes, sniffed);
  }
  const format = String(meta.format);
  if (!(SUPPORTED_READ_FORMATS as readonly string[]).includes(format)) throw readError.unsupported(label, format);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 1 || height < 1) throw readError.damaged(label, format, 'the header gives no image size');
  if (width * height > maxPixels) throw readError.tooManyPixels(label, width, height, maxPixels);
  const sixteen = meta.depth === 'ushort' || (meta.bitsPerSample ?? 8) > 8;
  const channels = meta.channels ?? 3;
  const needed = estimateDecodeBytes(width, height, channels, sixteen ? 2 : 1);
  if (needed > maxDecodeBytes) throw readError.tooMuchMemory(label, width, height, needed, maxDecodeBytes);

  return { bytes, meta, format: format as ImageFormat, label, sixteen, channels, width, height };
}

export interface ImageProbe {
  format: ImageFormat;
  width: number;
  height: number;
  bitDepth: 8 | 16;
  channels: number;
  hasAlpha: boolean;
}

/**
 * Checks an image without decoding its pixels (header, format, size and memory limits): the
 * cheap part of readImage, for a caller that wants to refuse a bad file before slow work.
 * Damage past the header (a cut-off file) is only found by decodeImage / readImage.
 */
export async function probeImage(source: string | Uint8Array, limits: ReadLimits = {}, name?: string): Promise<ImageProbe> {
  const p = await probe(source, limits, name);
  return { format: p.format, width: p.width, height: p.height, bitDepth: p.sixteen ? 16 : 8, channels: p.channels, hasAlpha: p.meta.hasAlpha ?? (p.channels === 2 || p.channels === 4) };
}

/**
 * probeImage's checks, then the full decode: upright (EXIF orientation applied), sRGB, 8 or 16 bits
 * per sample as the file has it. A cut-off or damaged file fails here with its own code.
 */
export async function decodeImage(source: string | Uint8Array, limits: ReadLimits = {}, name?: string): Promise<DecodedImage> {
  const { bytes, meta, format, label, sixteen, channels } = await probe(source, limits, name);

  const photo = photoMetadataFrom(meta, bytes);
  // A wide-gamut or 16-bit photo with a matrix profile is converted to sRGB here (photoColour.ts), not by sharp.
  const ownConversion = convertsItself(photo.profile, sixteen ? 16 : 8) && channels >= 3;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'warning': libjpeg's "premature end of data segment" and other decoder warnings are
    // failures, so a damaged file is refused rather than decoded to grey.
    let pipeline = sharp(bytes, { limitInputPixels: false, failOn: 'warning' }).autoOrient();
    if (ownConversion) pipeline = pipeline.keepIccProfile();
    decoded = await pipeline
      .toColourspace(sixteen ? 'rgb16' : 'srgb')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw undecodable(err, label, bytes, format);
  }
  const { data, info } = decoded;
  const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (samples.length < info.width * info.height * info.channels) throw readError.truncated(label, format);
  if (ownConversion && photo.profile?.matrix && !photo.profile.isSrgb) samplesToSrgb(samples, info.channels, info.width * info.height, photo.profile.matrix);

  const text: Record<string, string> = {};
  for (const c of meta.comments ?? []) text[c.keyword] = c.text;
  if (format === 'png') Object.assign(text, readPngText(bytes));
  return {
    bytes,
    format,
    bitDepth: sixteen ? 16 : 8,
    width: info.width,
    height: info.height,
    channels: info.channels,
    samples,
    metadata: {
      orientation: meta.orientation ?? null,
      text,
      space: meta.space ?? null,
      channels,
      density: meta.density ?? null,
      pages: meta.pages ?? 1,
      jpegQuality: format === 'jpeg' ? jpegQualityFromTables(bytes) : null,
      photo,
    },
  };
}

/** Reads an image from a path or from bytes (`name` is used in messages; default the file name). */
export async function readImage(source: string | Uint8Array, limits: ReadLimits = {}, name?: string): Promise<ReadImageResult> {
  const { bytes, width, height, channels, samples, bitDepth, format, metadata } = await decodeImage(source, limits, name);

  const n = width * height;
  const scale = 1 / (bitDepth === 16 ? 65535 : 255);
  const rgb = new Float32Array(n * 3); // [H, W, 3]
  const alpha = channels === 4 || channels === 2 ? new Float32Array(n) : null; // [H, W]
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    if (channels >= 3) {
      rgb[i * 3] = (samples[s] ?? 0) * scale;
      rgb[i * 3 + 1] = (samples[s + 1] ?? 0) * scale;
      rgb[i * 3 + 2] = (samples[s + 2] ?? 0) * scale;
    } else {
      const v = (samples[s] ?? 0) * scale;
      rgb[i * 3] = v;
      rgb[i * 3 + 1] = v;
      rgb[i * 3 + 2] = v;
    }
    if (alpha) alpha[i] = (samples[s + channels - 1] ?? 0) * scale;
  }

  return {
    rgb: { width, height, data: rgb },
    bytes,
    alpha: alpha ? { width, height, data: alpha } : null,
    format,
    bitDepth,
    metadata,
  };
}
