/**
 * Decoded pixels of open images, keyed by ImageDoc.sourceKey. They live outside the
 * store because they are large, not serialisable and must be closed explicitly; the
 * store holds only the key.
 *
 * Lifetime: the controller decodes and puts a bitmap before it dispatches
 * `image/opened`; CanvasView releases the previous one once the new one is on screen.
 */

const bitmaps = new Map<string, ImageBitmap>();
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

export function putBitmap(key: string, bitmap: ImageBitmap): void {
  const old = bitmaps.get(key);
  if (old && old !== bitmap) old.close();
  bitmaps.set(key, bitmap);
}

export function getBitmap(key: string): ImageBitmap | undefined {
  return bitmaps.get(key);
}

/** Frees the pixels; drawing a released bitmap would throw, so only release what is no longer shown. */
export function releaseBitmap(key: string): void {
  const bitmap = bitmaps.get(key);
  if (!bitmap) return;
  bitmap.close();
  bitmaps.delete(key);
}
