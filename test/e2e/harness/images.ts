/** Small test images generated on the fly with sharp (nothing committed). */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export const QUADRANT_COLOURS = {
  topLeft: [230, 30, 30],
  topRight: [30, 200, 60],
  bottomLeft: [40, 60, 230],
  bottomRight: [240, 220, 40],
} as const;

/** A w x h RGB image in four flat quadrants (colours above), easy to find on a canvas. */
export async function quadrants(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c =
        y < height / 2
          ? x < width / 2
            ? QUADRANT_COLOURS.topLeft
            : QUADRANT_COLOURS.topRight
          : x < width / 2
            ? QUADRANT_COLOURS.bottomLeft
            : QUADRANT_COLOURS.bottomRight;
      data.set(c, (y * width + x) * 3);
    }
  }
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 92 }).toBuffer();
}

export interface ImageFiles {
  dir: string;
  photo: string;
  corrupt: string;
  notImage: string;
}

export async function writeImageFiles(): Promise<ImageFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'spire-e2e-images-'));
  const photo = join(dir, 'harbour.png');
  await writeFile(photo, await quadrants(481, 321));
  const corrupt = join(dir, 'broken.png');
  const png = await quadrants(200, 120);
  await writeFile(corrupt, png.subarray(0, Math.floor(png.length / 2)));
  const notImage = join(dir, 'notes.png');
  await writeFile(notImage, 'these are notes, not pixels');
  return { dir, photo, corrupt, notImage };
}
