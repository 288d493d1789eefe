/**
 * Reads a PNG, JPEG, WebP or TIFF file (or its bytes) into the engine's image
 * convention: `RgbImage` (HWC float32 in [0, 1]) plus the alpha channel kept
 * aside as a `Mask`.
 *
 * Recipe: file size check -> header (sharp metadata) -> format, pixel and
 * memory limits -> full decode with EXIF orientation applied, 8 or 16 bits per
 * sample as the file has it -> float conversion.
 *
 * Every failure is an ImageReadError whose message names the file and says
 * what to do.
 */
import { stat, readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { Mask, RgbImage } from '../pipeline/types';
import { ImageReadError } from './errors';
import { readPngText } from './pngText';

export const SUPPORTED_READ_FORMATS = ['png', 'jpeg', 'webp', 'tiff'] as const;
export type ImageFormat = (typeof SUPPORTED_READ_FORMATS)[number];
const SUPPORTED_LIST = 'PNG, JPEG, WebP or TIFF';

export interface ReadLimits {
  /** Largest file accepted, bytes. Default 512 MiB. */
  maxFileBytes?: number;
  /** Largest image accepted, pixels. Default 200 MP. */
  maxPixels?: number;
  /** Largest decode working set accepted (raw samples + float copies), bytes. Default half the machine's memory. */
  maxDecodeBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 200_000_000;

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
}

export interface ReadImageResult {
  rgb: RgbImage;
  /** The alpha channel at image resolution, or null when the file has none. */
  alpha: Mask | null;
  format: ImageFormat;
  /** Bits per sample of the decoded pixels: 8, or 16 for 16-bit PNG/TIFF (kept at full precision). */
  bitDepth: 8 | 16;
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

const mib = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MiB`;
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

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

function looksTruncated(message: string, bytes?: Uint8Array, format?: string): boolean {
  if (bytes && format && !endsCleanly(bytes, format)) return true;
  return /premature|truncat|unexpected end|end of (file|data|stream)|short read|not enough (data|image data)|read error|out of data|incomplete/i.test(message);
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

/** Everything before the decode: file size, magic number, header, format, pixel and memory limits. */
async function probe(source: string | Uint8Array, limits: ReadLimits, name?: string): Promise<Probed> {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxDecodeBytes = limits.maxDecodeBytes ?? Math.floor(totalmem() / 2);
  const label = name ?? (typeof source === 'string' ? basename(source) : 'the image');

  let bytes: Uint8Array;
  if (typeof source === 'string') {
    let size: number;
    try {
      const info = await stat(source);
      if (!info.isFile()) throw new ImageReadError('image-unreadable', `“${source}” is not a file. Give the path of an image file.`);
      size = info.size;
    } catch (err) {
      if (err instanceof ImageReadError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ImageReadError('image-missing', `“${source}” does not exist. Check the path.`);
      throw new ImageReadError('image-unreadable', `“${source}” could not be read (${code ?? String(err)}). Check that you may read it.`);
    }
    if (size > maxFileBytes)
      throw new ImageReadError('image-file-too-large', `“${label}” is ${mib(size)}; the largest file accepted is ${mib(maxFileBytes)}. Save a smaller copy first.`);
    try {
      bytes = await readFile(source);
    } catch (err) {
      throw new ImageReadError('image-unreadable', `“${source}” could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Check that you may read it.`);
    }
  } else {
    bytes = source;
    if (bytes.byteLength > maxFileBytes)
      throw new ImageReadError('image-file-too-large', `“${label}” is ${mib(bytes.byteLength)}; the largest file accepted is ${mib(maxFileBytes)}. Save a smaller copy first.`);
  }
  if (bytes.byteLength === 0) throw new ImageReadError('image-empty', `“${label}” is empty (0 bytes). Choose the image again; the file may not have been saved completely.`);

  const sniffed = sniffFormat(bytes);
  if (sniffed === null)
    throw new ImageReadError('image-not-an-image', `“${label}” is not an image SPIRE Studio can read. Use a ${SUPPORTED_LIST} file.`);
  if (sniffed === 'gif' || sniffed === 'other-image')
    throw new ImageReadError('image-unsupported', `“${label}” is ${sniffed === 'gif' ? 'a GIF' : 'an image format SPIRE Studio does not read'}. Convert it to ${SUPPORTED_LIST} first.`);

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (looksTruncated(message, bytes, sniffed))
      throw new ImageReadError('image-truncated', `“${label}” is cut off (the ${sniffed.toUpperCase()} data ends early). Copy or download it again.`);
    throw new ImageReadError('image-corrupt', `“${label}” looks like a ${sniffed.toUpperCase()} file but is damaged (${message}). Open it in another program and save a new copy.`);
  }
  const format: string | undefined = meta.format;
  if (!(SUPPORTED_READ_FORMATS as readonly string[]).includes(format ?? ''))
    throw new ImageReadError('image-unsupported', `“${label}” is a ${String(format).toUpperCase()} image. Convert it to ${SUPPORTED_LIST} first.`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 1 || height < 1) throw new ImageReadError('image-corrupt', `“${label}” reports no size. Open it in another program and save a new copy.`);
  const pixels = width * height;
  if (pixels > maxPixels)
    throw new ImageReadError(
      'image-too-many-pixels',
      `“${label}” is ${width} x ${height} (${Math.round(pixels / 1e6)} MP); the largest image accepted is ${Math.round(maxPixels / 1e6)} MP. Downscale or crop it first.`,
    );
  const sixteen = meta.depth === 'ushort' || (meta.bitsPerSample ?? 8) > 8;
  const channels = meta.channels ?? 3;
  const needed = estimateDecodeBytes(width, height, channels, sixteen ? 2 : 1);
  if (needed > maxDecodeBytes)
    throw new ImageReadError(
      'image-too-much-memory',
      `Decoding “${label}” (${width} x ${height}) needs about ${gib(needed)} of memory; ${gib(maxDecodeBytes)} is allowed. Downscale or crop it first, or close other programs.`,
    );

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
 * Damage past the header (a cut-off file) is only found by readImage.
 */
export async function probeImage(source: string | Uint8Array, limits: ReadLimits = {}, name?: string): Promise<ImageProbe> {
  const p = await probe(source, limits, name);
  return { format: p.format, width: p.width, height: p.height, bitDepth: p.sixteen ? 16 : 8, channels: p.channels, hasAlpha: p.meta.hasAlpha ?? (p.channels === 2 || p.channels === 4) };
}

/** Reads an image from a path or from bytes (`name` is used in messages for bytes). */
export async function readImage(source: string | Uint8Array, limits: ReadLimits = {}, name?: string): Promise<ReadImageResult> {
  const { bytes, meta, format, label, sixteen, channels } = await probe(source, limits, name);

  let data: Buffer;
  let outChannels: number;
  let outWidth: number;
  let outHeight: number;
  try {
    const decoded = await sharp(bytes, { limitInputPixels: false, failOn: 'truncated' })
      .autoOrient()
      .toColourspace(sixteen ? 'rgb16' : 'srgb')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    data = decoded.data;
    outChannels = decoded.info.channels;
    outWidth = decoded.info.width;
    outHeight = decoded.info.height;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (looksTruncated(message, bytes, format))
      throw new ImageReadError('image-truncated', `“${label}” is cut off (the ${format.toUpperCase()} data ends early). Copy or download it again.`);
    throw new ImageReadError('image-corrupt', `“${label}” could not be decoded (${message}). Open it in another program and save a new copy.`);
  }

  const n = outWidth * outHeight;
  const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  if (samples.length < n * outChannels) throw new ImageReadError('image-truncated', `“${label}” is cut off. Copy or download it again.`);
  const scale = 1 / (sixteen ? 65535 : 255);
  const rgb = new Float32Array(n * 3);
  const hasAlpha = outChannels === 4 || outChannels === 2;
  const alpha = hasAlpha ? new Float32Array(n) : null;
  for (let i = 0; i < n; i++) {
    const s = i * outChannels;
    if (outChannels >= 3) {
      rgb[i * 3] = (samples[s] ?? 0) * scale;
      rgb[i * 3 + 1] = (samples[s + 1] ?? 0) * scale;
      rgb[i * 3 + 2] = (samples[s + 2] ?? 0) * scale;
    } else {
      const v = (samples[s] ?? 0) * scale;
      rgb[i * 3] = v;
      rgb[i * 3 + 1] = v;
      rgb[i * 3 + 2] = v;
    }
    if (alpha) alpha[i] = (samples[s + outChannels - 1] ?? 0) * scale;
  }

  const text: Record<string, string> = {};
  for (const c of meta.comments ?? []) text[c.keyword] = c.text;
  if (format === 'png') Object.assign(text, readPngText(bytes));
  return {
    rgb: { width: outWidth, height: outHeight, data: rgb },
    alpha: alpha ? { width: outWidth, height: outHeight, data: alpha } : null,
    format: format as ImageFormat,
    bitDepth: sixteen ? 16 : 8,
    metadata: {
      orientation: meta.orientation ?? null,
      text,
      space: meta.space ?? null,
      channels,
      density: meta.density ?? null,
    },
  };
}
