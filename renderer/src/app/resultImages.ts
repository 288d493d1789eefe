/**
 * ResultImages for the app: results decode into bitmapCache (so the canvas draws them
 * like the photo, mip levels included), thumbnails and step previews are object URLs
 * (the CSP allows `blob:` images). Decoding happens off the main thread in the browser.
 */
import { buildLevels, decodeImage, getBitmap, newSourceKey, putBitmap, releaseBitmap } from '../canvas/bitmapCache';
import type { ResultImages } from './resultHistory';

/** Longest side of a history thumbnail, in pixels. */
const THUMB_SIZE = 128;

function blobPart(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export const resultImages: ResultImages = {
  async load(resultId, bytes, mime) {
    const bitmap = await decodeImage(bytes, mime);
    const key = newSourceKey(`result:${resultId}`);
    putBitmap(key, bitmap);
    void buildLevels(key);
    return key;
  },
  release: releaseBitmap,
  async thumbnail(key) {
    const full = getBitmap(key);
    if (!full) return null;
    const k = Math.min(1, THUMB_SIZE / Math.max(full.width, full.height));
    const width = Math.max(1, Math.round(full.width * k));
    const height = Math.max(1, Math.round(full.height * k));
    try {
      const small = await createImageBitmap(full, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
      const canvas = new OffscreenCanvas(width, height);
      canvas.getContext('2d')?.drawImage(small, 0, 0);
      small.close();
      return URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
    } catch {
      return null; // released meanwhile: the strip shows a placeholder
    }
  },
  url(bytes, mime) {
    return URL.createObjectURL(new Blob([blobPart(bytes)], { type: mime }));
  },
  revoke(url) {
    URL.revokeObjectURL(url);
  },
};
