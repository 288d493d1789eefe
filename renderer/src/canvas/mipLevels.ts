/**
 * Mip levels for drawing large photos zoomed out. Canvas drawImage with smoothing
 * samples bilinearly, so shrinking a 6000 px photo to 1000 px in one step skips most
 * pixels and shimmers (aliasing, moiré). We keep halved copies of the photo and draw
 * the smallest one that still has at least one pixel per screen pixel. Pure maths here;
 * bitmapCache.ts makes the bitmaps.
 */
import type { Size } from './viewport';

/** Halving stops once a level's longer side is this small. */
export const MIN_LEVEL_SIDE = 512;

/** Level 0 is the photo itself; each next level is half the previous one (rounded up). */
export function levelSizes(image: Size, minSide = MIN_LEVEL_SIDE): Size[] {
  const sizes: Size[] = [{ width: image.width, height: image.height }];
  let last = sizes[0]!;
  while (Math.max(last.width, last.height) > minSide * 2) {
    last = { width: Math.ceil(last.width / 2), height: Math.ceil(last.height / 2) };
    sizes.push(last);
  }
  return sizes;
}

/**
 * The level to draw at `devicePixelsPerImagePixel` (viewport scale x devicePixelRatio):
 * the smallest level whose pixels are still no bigger than a device pixel.
 */
export function pickLevel(levelWidths: readonly number[], devicePixelsPerImagePixel: number): number {
  const full = levelWidths[0];
  if (!full) return 0;
  let chosen = 0;
  for (let i = 1; i < levelWidths.length; i++) {
    if (levelWidths[i]! / full >= devicePixelsPerImagePixel) chosen = i;
    else break;
  }
  return chosen;
}
