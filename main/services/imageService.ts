/**
 * Opens the images the user chose (open dialog) or dropped (bytes).
 *
 * Recipe: size check -> header check (sharp metadata) -> format and pixel
 * limits -> full decode with EXIF orientation applied -> display bytes (the
 * original file when the browser can show it upright, else a PNG) -> keep the
 * decoded source by id for later jobs.
 *
 * Every failure is an ImageError with a code and a message that says what to do.
 */
import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { OpenedImage } from '../../preload/contract/channels';

/** Largest file accepted (bytes). */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Largest image accepted (pixels): 200 MP. */
export const MAX_PIXELS = 200_000_000;

const SUPPORTED = ['png', 'jpeg', 'webp', 'tiff'] as const;
type SupportedFormat = (typeof SUPPORTED)[number];
const SUPPORTED_LIST = 'PNG, JPEG, WebP or TIFF';
const DISPLAY_MIME: Partial<Record<SupportedFormat, OpenedImage['mime']>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export type ImageErrorCode =
  | 'image-empty'
  | 'image-too-large'
  | 'image-too-many-pixels'
  | 'image-unsupported'
  | 'image-corrupt'
  | 'image-unreadable';

export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/** An opened image's decoded pixels, upright, 8 bits per channel. */
export interface SourceImage {
  id: string;
  name: string;
  format: SupportedFormat;
  width: number;
  height: number;
  channels: 3 | 4;
  /** Row-major interleaved RGB(A), `width * height * channels` bytes. */
  pixels: Uint8Array;
}

export interface ImageServiceOptions {
  maxFileBytes?: number;
  maxPixels?: number;
  /** How many decoded sources to keep; the oldest is dropped beyond this. Default 4. */
  keep?: number;
}

/** Magic numbers, to tell "damaged image" from "not an image at all". */
function sniffFormat(bytes: Uint8Array): string | null {
  const at = (i: number): number => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'PNG';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'JPEG';
  if (at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46 && at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50) return 'WebP';
  if ((at(0) === 0x49 && at(1) === 0x49 && at(2) === 0x2a && at(3) === 0x00) || (at(0) === 0x4d && at(1) === 0x4d && at(2) === 0x00 && at(3) === 0x2a)) return 'TIFF';
  return null;
}

function megapixels(pixels: number): string {
  return `${Math.round(pixels / 1e6)} MP`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

function plainUint8(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export class ImageService {
  private readonly sources = new Map<string, SourceImage>();
  private readonly maxFileBytes: number;
  private readonly maxPixels: number;
  private readonly keep: number;

  constructor(options: ImageServiceOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
    this.maxPixels = options.maxPixels ?? MAX_PIXELS;
    this.keep = options.keep ?? 4;
  }

  /** Opens a file the user picked in the open dialog. Never call this with a path the renderer sent. */
  async openFile(path: string): Promise<OpenedImage> {
    const name = basename(path);
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new ImageError('image-unreadable', `“${name}” is not a file. Choose an image file.`);
      size = info.size;
    } catch (err) {
      if (err instanceof ImageError) throw err;
      throw new ImageError('image-unreadable', `“${name}” could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Check that the file still exists and that you may read it.`);
    }
    this.checkSize(name, size);
    let bytes: Uint8Array;
    try {
      const handle = await open(path, 'r');
      try {
        bytes = plainUint8(await handle.readFile());
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw new ImageError('image-unreadable', `“${name}” could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Check that the file still exists and that you may read it.`);
    }
    return this.openBytes(name, bytes);
  }

  /** Opens bytes the user dropped or pasted. `name` is for display only. */
  async openBytes(name: string, bytes: Uint8Array): Promise<OpenedImage> {
    this.checkSize(name, bytes.byteLength);
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

    // 1. Header: format and size, without decoding pixels.
    let meta: Metadata;
    try {
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch {
      throw this.undecodable(name, bytes);
    }
    const format = meta.format as string;
    if (!(SUPPORTED as readonly string[]).includes(format)) {
      throw new ImageError(
        'image-unsupported',
        `“${name}” is a ${format.toUpperCase()} image, which SPIRE Studio cannot open. Convert it to ${SUPPORTED_LIST} and open that.`,
      );
    }
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width <= 0 || height <= 0) throw this.undecodable(name, bytes);
    if (width * height > this.maxPixels) {
      throw new ImageError(
        'image-too-many-pixels',
        `“${name}” is ${width} × ${height} (${megapixels(width * height)}), more than the ${megapixels(this.maxPixels)} SPIRE Studio can open. Scale it down or crop it in another editor, then open it again.`,
      );
    }

    // 2. Full decode, upright, 8-bit sRGB. `failOn: 'truncated'` turns a cut-off file into an error instead of grey rows.
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(input, { limitInputPixels: this.maxPixels, failOn: 'truncated' })
        .rotate()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw new ImageError(
        'image-corrupt',
        `“${name}” looks like a ${format.toUpperCase()} file but could not be decoded; it may be truncated or damaged. Open the original file, or re-save it from another editor. (Details: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]})`,
      );
    }
    const { data, info } = decoded;
    const channels = info.channels === 4 ? 4 : 3;
    const pixels = info.channels === channels ? plainUint8(data) : await this.toChannels(data, info, channels);

    // 3. Display bytes: the original when the browser shows it as-is, else a PNG of the upright pixels.
    const upright = (meta.orientation ?? 1) === 1;
    const singleFrame = (meta.pages ?? 1) === 1;
    const mime = DISPLAY_MIME[format as SupportedFormat];
    let display: { bytes: Uint8Array; mime: OpenedImage['mime'] };
    if (mime && upright && singleFrame) {
      display = { bytes, mime };
    } else {
      const png = await sharp(pixels, { raw: { width: info.width, height: info.height, channels } })
        .png({ compressionLevel: 3 })
        .toBuffer();
      display = { bytes: plainUint8(png), mime: 'image/png' };
    }

    const id = randomUUID();
    this.remember({ id, name, format: format as SupportedFormat, width: info.width, height: info.height, channels, pixels });
    return { id, name, width: info.width, height: info.height, mime: display.mime, bytes: display.bytes };
  }

  /** The decoded source of an opened image, for later jobs. */
  get(id: string): SourceImage | undefined {
    return this.sources.get(id);
  }

  release(id: string): void {
    this.sources.delete(id);
  }

  private remember(source: SourceImage): void {
    this.sources.set(source.id, source);
    while (this.sources.size > this.keep) {
      const oldest = this.sources.keys().next().value;
      if (oldest === undefined) break;
      this.sources.delete(oldest);
    }
  }

  private checkSize(name: string, size: number): void {
    if (size === 0) {
      throw new ImageError('image-empty', `“${name}” is empty (0 bytes). Choose the image again; if it came from a download or a copy, make the copy again.`);
    }
    if (size > this.maxFileBytes) {
      throw new ImageError(
        'image-too-large',
        `“${name}” is ${mib(size)}, more than the ${mib(this.maxFileBytes)} SPIRE Studio can open. Save it with compression (PNG, JPEG or WebP) or scale it down, then open it again.`,
      );
    }
  }

  private undecodable(name: string, bytes: Uint8Array): ImageError {
    const sniffed = sniffFormat(bytes);
    if (sniffed) {
      return new ImageError(
        'image-corrupt',
        `“${name}” starts like a ${sniffed} file but could not be read; it may be truncated or damaged. Open the original file, or re-save it from another editor.`,
      );
    }
    return new ImageError('image-unsupported', `“${name}” is not an image SPIRE Studio can open. Choose a ${SUPPORTED_LIST} file.`);
  }

  private async toChannels(data: Buffer, info: OutputInfo, channels: 3 | 4): Promise<Uint8Array> {
    const base = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 } }).toColourspace('srgb');
    const out = await (channels === 4 ? base.ensureAlpha() : base.removeAlpha()).raw().toBuffer();
    return plainUint8(out);
  }
}
