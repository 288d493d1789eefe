/**
 * Turns a region's coverage mask into something Konva can draw: a canvas the size of
 * the mask whose pixels are the region's colour with alpha = coverage, and a white
 * one-pixel outline along the half-coverage contour, so a region stays visible over
 * parts of the photo of its own colour. Cached per mask (masks are immutable, so a new
 * mask means a new overlay) and colour.
 *
 * This is drawing only; the mask itself lives in the store (regions.ts).
 */
import type { Mask } from './raster';

interface Cached {
  colour: string;
  canvas: HTMLCanvasElement;
}

const cache = new WeakMap<Uint8Array, Cached>();

/** `#rrggbb` to [r, g, b]. */
export function parseHexColour(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) throw new Error(`Region colours are #rrggbb, got "${colour}".`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** A covered pixel (>= half) with an uncovered 4-neighbour inside the mask. */
export function isEdge(data: Uint8Array, i: number, width: number, height: number): boolean {
  const x = i % width;
  return (
    (x > 0 && data[i - 1]! < 128) ||
    (x + 1 < width && data[i + 1]! < 128) ||
    (i >= width && data[i - width]! < 128) ||
    (i + width < width * height && data[i + width]! < 128)
  );
}

export function overlayCanvas(mask: Mask, colour: string): HTMLCanvasElement {
  const hit = cache.get(mask.data);
  if (hit && hit.colour === colour) return hit.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('The browser could not create a 2D canvas for the mask overlay.');
  const image = ctx.createImageData(mask.width, mask.height);
  const [r, g, b] = parseHexColour(colour);
  const px = image.data;
  const { data, width, height } = mask;
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    const a = data[i]!;
    if (a === 0) continue;
    if (a >= 128 && isEdge(data, i, width, height)) {
      px[j] = px[j + 1] = px[j + 2] = px[j + 3] = 255;
      continue;
    }
    px[j] = r;
    px[j + 1] = g;
    px[j + 2] = b;
    px[j + 3] = a;
  }
  ctx.putImageData(image, 0, 0);
  cache.set(mask.data, { colour, canvas });
  return canvas;
}
