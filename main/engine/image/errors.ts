/**
 * Errors of image reading and writing: SpireErrors (common/errors.ts) with an
 * `image-*` code for a read and an `output-*` code for a write (the CLI maps
 * them to exit codes, the app shows the message as it is), and a message that
 * says what to do.
 *
 * `readError` holds the one wording of every read failure, shared by the CLI,
 * the restore jobs and the app's image service.
 */
import { SpireError, type ImageReadErrorCode, type ImageWriteErrorCode } from '../../../common/errors';

export type { ImageReadErrorCode, ImageWriteErrorCode };

/** A read failure: `image-*` code, message in words. */
export const imageReadError = (code: ImageReadErrorCode, message: string): SpireError => new SpireError(code, message);
/** A write failure: `output-*` code, message in words. */
export const imageWriteError = (code: ImageWriteErrorCode, message: string): SpireError => new SpireError(code, message);

const SUPPORTED_LIST = 'PNG, JPEG, WebP or TIFF';

/** 100 bytes, 12 KiB, 512 MiB: the unit that keeps the number readable. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${Math.round(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** 300 MP, 2.1 MP, or plain pixels under a megapixel. */
export function formatPixels(pixels: number): string {
  if (pixels >= 10e6) return `${Math.round(pixels / 1e6)} MP`;
  if (pixels >= 1e6) return `${(pixels / 1e6).toFixed(1)} MP`;
  return `${pixels} pixels`;
}

/** sharp's format names as words ("a GIF image"); the article is part of the entry. */
const UNSUPPORTED_KIND: Record<string, string> = {
  gif: 'a GIF image',
  svg: 'an SVG image',
  heif: 'a HEIF/AVIF image',
  jp2k: 'a JPEG 2000 image',
  jxl: 'a JPEG XL image',
  pdf: 'a PDF document',
  bmp: 'a BMP image',
};

/** A decoder message's first line, without the trailing colon libvips leaves on some. */
const firstLine = (detail: string): string => (detail.split('\n')[0] ?? '').replace(/:\s*$/, '');

const REOPEN = 'Open the original file, or re-save it from another editor';

/**
 * Every read failure in words. `where` is the path (or the caller's name for it) for failures of the
 * file itself; `label` is the image's name for failures of its content; `fmt` is the format the
 * file's first bytes announce (png, jpeg, ...).
 */
export const readError = {
  missing: (where: string) => imageReadError('image-missing', `“${where}” does not exist. Check the path; the file may have been moved or deleted.`),
  notAFile: (where: string) => imageReadError('image-unreadable', `“${where}” is not a file. Choose an image file instead.`),
  unreadable: (where: string, why: string) =>
    imageReadError('image-unreadable', `“${where}” could not be read (${why}). Check that the file still exists and that you may read it.`),
  empty: (label: string) => imageReadError('image-empty', `“${label}” is empty (0 bytes). Choose the image again; the file may not have been saved completely.`),
  fileTooLarge: (label: string, size: number, max: number) =>
    imageReadError(
      'image-file-too-large',
      `“${label}” is ${formatBytes(size)}; the largest file SPIRE Studio accepts is ${formatBytes(max)}. Save it with compression (PNG, JPEG or WebP) or scale it down, then try again.`,
    ),
  notAnImage: (label: string) => imageReadError('image-not-an-image', `“${label}” is not an image SPIRE Studio can open. Choose a ${SUPPORTED_LIST} file.`),
  /** `format`: sharp's name for it (gif, svg, ...), or null when only the first bytes say it is some other image. */
  unsupported: (label: string, format: string | null) => {
    const what = format === null ? 'in an image format' : `${UNSUPPORTED_KIND[format] ?? `an image in ${format.toUpperCase()} format`},`;
    return imageReadError('image-unsupported', `“${label}” is ${what} which SPIRE Studio cannot open. Convert it to ${SUPPORTED_LIST} first.`);
  },
  truncated: (label: string, fmt: string) =>
    imageReadError(
      'image-truncated',
      `“${label}” is cut off: its ${fmt.toUpperCase()} data ends early, so the file is truncated or damaged. ${REOPEN}; if it was downloaded or copied, do that again.`,
    ),
  /** `detail`: the decoder's own words (first line), for whoever reports the problem. */
  damaged: (label: string, fmt: string, detail: string) =>
    imageReadError('image-corrupt', `“${label}” starts like a ${fmt.toUpperCase()} file but could not be read; it is damaged (${firstLine(detail)}). ${REOPEN}.`),
  tooManyPixels: (label: string, width: number, height: number, max: number) =>
    imageReadError(
      'image-too-many-pixels',
      `“${label}” is ${width} x ${height} (${formatPixels(width * height)}); the largest image SPIRE Studio accepts is ${formatPixels(max)}. Downscale or crop it in another editor first, or raise the limit with --max-megapixels (CLI) or SPIRE_MAX_MEGAPIXELS if the machine has the memory.`,
    ),
  tooMuchMemory: (label: string, width: number, height: number, needed: number, allowed: number) =>
    imageReadError(
      'image-too-much-memory',
      `Decoding “${label}” (${width} x ${height}) needs about ${formatBytes(needed)} of memory; ${formatBytes(allowed)} is allowed. Downscale or crop it first, or close other programs.`,
    ),
};
