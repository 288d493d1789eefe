/**
 * Opens the images the user chose (open dialog) or dropped (bytes).
 *
 * Recipe: decodeImage (main/engine/image: size, format, pixel and memory
 * limits read from the header before any pixel is decoded, here the app's
 * tighter ones, appReadLimits; full decode with EXIF orientation applied, each failure classified
 * and worded once for the app, the CLI and the jobs) -> display bytes (the
 * original file when the browser can show it upright, else a PNG) -> keep the
 * source by id for later jobs.
 *
 * What is kept per image is the file's own bytes, not decoded pixels: a restore
 * job runs in the engine worker (another process) and takes `{ bytes, name }`
 * (protocol.ts ImageSource), which readImage decodes there. The compressed bytes
 * are a fraction of the float RGB + alpha (16 bytes a pixel) they decode to, and
 * when the browser shows the original, the display bytes are that same buffer,
 * so nothing is held twice. The decoded samples live only while an image opens.
 *
 * Every failure is a SpireError with an image-* code (the engine's readError
 * wording, the same as the CLI's) and a message that says what to do.
 */
import { createHash, randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import sharp from 'sharp';
import type { OpenedImage } from '../../preload/contract/channels';
import { decodeImage, photoFacts, resolveMaxPixels, type DecodedImage, type ImageFormat, type ReadLimits } from '../engine/image';

const DISPLAY_MIME: Partial<Record<ImageFormat, OpenedImage['mime']>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/**
 * An opened image, kept for later jobs: `{ bytes, name }` is the engine's ImageSource (the restore
 * job decodes the bytes with readImage, in the worker); format, upright size and bit depth are
 * decodeImage's.
 */
export interface SourceImage extends Pick<DecodedImage, 'bytes' | 'format' | 'width' | 'height' | 'bitDepth'> {
  id: string;
  name: string;
  hasAlpha: boolean;
  /** sha-256 of `bytes`, hex. */
  contentHash: string;
}

/**
 * The app's pixel cap (a 1200 dpi scan of an 8 x 10 in print is 115 MP), never above the engine's own
 * (resolveMaxPixels: from the machine's memory, or SPIRE_MAX_MEGAPIXELS).
 * The image service decodes in main (the app's UI process) and the restore job decodes the same
 * image again in the engine, so what main accepts must fit beside everything else.
 */
export const APP_MAX_PIXELS = 120_000_000;

/**
 * The app's decode budget (the engine's estimateDecodeBytes: raw samples plus the float copies a
 * restore makes): an eighth of the machine's memory, at most 2 GiB. A 24 MP RGB photo needs about
 * 360 MB, so it opens from 3 GB of memory up; 100 MP needs 12 GiB.
 */
export function appDecodeBudget(memoryBytes: number = totalmem()): number {
  return Math.min(2 * 1024 ** 3, Math.floor(memoryBytes / 8));
}

/**
 * Limits for a file or bytes opened in the app, checked on the header before any pixel is decoded
 * (decodeImage's probe reads only the header with sharp's metadata()): 512 MiB per file (the IPC
 * contract caps dropped bytes at 256 MiB), APP_MAX_PIXELS, appDecodeBudget().
 */
export function appReadLimits(memoryBytes: number = totalmem()): ReadLimits {
  return { maxPixels: Math.min(APP_MAX_PIXELS, resolveMaxPixels()), maxDecodeBytes: appDecodeBudget(memoryBytes) };
}

/** Limits (default appReadLimits(): checked on the header, before decoding), plus the cache size. */
export interface ImageServiceOptions extends ReadLimits {
  /** How many sources to keep; the oldest is dropped beyond this. Default 8 (the editor's open photos, MAX_OPEN_PHOTOS). */
  keep?: number;
}

/** The original when the browser shows it as it is (PNG, JPEG, WebP; upright; one frame), else a PNG of the upright pixels. */
async function displayBytes(image: DecodedImage): Promise<{ bytes: Uint8Array; mime: OpenedImage['mime'] }> {
  const mime = DISPLAY_MIME[image.format];
  if (mime && (image.metadata.orientation ?? 1) === 1 && image.metadata.pages === 1) return { bytes: image.bytes, mime };
  // 16-bit samples come out as an 8-bit PNG: enough for the screen.
  const png = await sharp(image.samples, { raw: { width: image.width, height: image.height, channels: image.channels } }).png({ compressionLevel: 3 }).toBuffer();
  return { bytes: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), mime: 'image/png' };
}

export class ImageService {
  private readonly sources = new Map<string, SourceImage>();
  private readonly limits: ReadLimits;
  private readonly keep: number;

  constructor(options: ImageServiceOptions = {}) {
    const { keep, ...limits } = options;
    this.limits = { ...appReadLimits(), ...limits };
    this.keep = keep ?? 8;
  }

  /** Opens a file the user picked in the open dialog. Never call this with a path the renderer sent. */
  async openFile(path: string): Promise<OpenedImage> {
    return this.open(await decodeImage(path, this.limits, basename(path)), basename(path));
  }

  /** Opens bytes the user dropped or pasted. `name` is for display only. */
  async openBytes(name: string, bytes: Uint8Array): Promise<OpenedImage> {
    return this.open(await decodeImage(bytes, this.limits, name), name);
  }

  /** The source of an opened image, for later jobs. */
  get(id: string): SourceImage | undefined {
    return this.sources.get(id);
  }

  release(id: string): void {
    this.sources.delete(id);
  }

  private async open(image: DecodedImage, name: string): Promise<OpenedImage> {
    const display = await displayBytes(image);
    const { bytes, format, width, height, bitDepth } = image;
    // Names the photo's saved session (sessionStore.ts): the same file, or an identical copy, finds it again.
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    // The same bytes already open keep their id (and take one slot): the editor shows that photo's tab.
    const same = [...this.sources.values()].find((s) => s.contentHash === contentHash);
    const id = same?.id ?? randomUUID();
    if (same) this.sources.delete(id);
    const hasAlpha = image.channels === 2 || image.channels === 4;
    this.remember({ id, name, bytes, format, width, height, bitDepth, hasAlpha, contentHash });
    // The profile, bit depth and metadata: the status bar shows them, the export dialog warns with them.
    return { id, name, width, height, mime: display.mime, bytes: display.bytes, contentHash, photo: photoFacts(image.metadata.photo, hasAlpha) };
  }

  private remember(source: SourceImage): void {
    this.sources.set(source.id, source);
    while (this.sources.size > this.keep) {
      const oldest = this.sources.keys().next().value;
      if (oldest === undefined) break;
      this.sources.delete(oldest);
    }
  }
}
