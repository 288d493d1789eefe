/**
 * Decoded pixels of open images, keyed by ImageDoc.sourceKey. They live outside the
 * store because they are large, not serialisable and must be closed explicitly; the
 * store holds only the key.
 *
 * Each entry holds the photo and its mip levels (mipLevels.ts) for drawing it zoomed out.
 *
 * Lifetime: the controller decodes and puts the photo before it dispatches
 * `image/opened`, then builds the levels and dispatches `image/levelsReady`;
 * CanvasView releases the previous entry once the new one is on screen.
 */
import { levelSizes, pickLevel } from './mipLevels';

interface Entry {
  /** levels[0] is the full-size photo. */
  levels: ImageBitmap[];
  widths: number[];
}

const entries = new Map<string, Entry>();
let counter = 0;

/** A key no other open has used. */
export function newSourceKey(imageId: string): string {
  counter += 1;
  return `${imageId}#${counter}`;
}

/** IPC hands over a Uint8Array that may view a larger or shared buffer; Blob wants a plain ArrayBuffer view. */
function asBlobPart(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** Decodes encoded image bytes off the main thread (EXIF orientation is already applied by main). */
export async function decodeImage(bytes: Uint8Array, mime: string): Promise<ImageBitmap> {
  const blob = new Blob([asBlobPart(bytes)], { type: mime });
  return createImageBitmap(blob);
}

/**
 * Makes the mip levels of the entry under `key` (after the photo is already on screen:
 * a 24 MP photo takes about half a second here). Returns how many levels the entry now
 * has, or 0 when the entry was released meanwhile.
 */
export async function buildLevels(key: string): Promise<number> {
  const entry = entries.get(key);
  if (!entry) return 0;
  const full = entry.levels[0]!;
  const made: ImageBitmap[] = [];
  try {
    for (const size of levelSizes(full).slice(1)) {
      const previous = made[made.length - 1] ?? full;
      made.push(await createImageBitmap(previous, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' }));
    }
  } catch {
    // Released mid-way (the bitmap was closed) or out of memory: keep what exists.
  }
  if (entries.get(key) !== entry) {
    closeAll(made);
    return 0;
  }
  entry.levels.push(...made);
  entry.widths = entry.levels.map((b) => b.width);
  return entry.levels.length;
}

export function putBitmap(key: string, full: ImageBitmap): void {
  if (entries.has(key)) releaseBitmap(key);
  entries.set(key, { levels: [full], widths: [full.width] });
}

/** The bitmap to draw at this many device pixels per image pixel. */
export function getBitmap(key: string, devicePixelsPerImagePixel = 1): ImageBitmap | undefined {
  const entry = entries.get(key);
  if (!entry) return undefined;
  return entry.levels[pickLevel(entry.widths, devicePixelsPerImagePixel)];
}

/** Frees the pixels; drawing a released bitmap would throw, so only release what is no longer shown. */
export function releaseBitmap(key: string): void {
  const entry = entries.get(key);
  if (!entry) return;
  for (const bitmap of entry.levels) bitmap.close();
  entries.delete(key);
}

function closeAll(levels: readonly ImageBitmap[]): void {
  for (const bitmap of levels) bitmap.close();
}

/** The ImageSources the controller uses (app/controller.ts). */
export const bitmapSources = {
  async load(imageId: string, bytes: Uint8Array, mime: string): Promise<string> {
    const bitmap = await decodeImage(bytes, mime);
    const key = newSourceKey(imageId);
    putBitmap(key, bitmap);
    return key;
  },
  buildLevels,
  release: releaseBitmap,
};
