/**
 * `spire restore` step 3: the `--region <mask.png>=<prompt>` and `--region-restore <mask.png>=<prompt | keep>`
 * masks, read before the engine starts.
 * A mask is the mean of R, G, B (white = inside), times its alpha when it has one.
 */
import { resolve } from 'node:path';
import { SpireError, isSpireError } from '../../common/errors';
import { readImage } from '../engine/image';
import type { Mask, RegionPrompt } from '../engine/pipeline/types';
import type { RegionSpec } from './restoreArgs';

/** The regions' masks, read; a mask that does not read is exit 3. */
export async function readRegions(specs: RegionSpec[], cwd: string): Promise<RegionPrompt[]> {
  const regions: RegionPrompt[] = [];
  for (const r of specs) {
    try {
      regions.push({ mask: await readMask(resolve(cwd, r.mask)), prompt: r.prompt, ...(r.restoration ? { restoration: r.restoration } : {}) });
    } catch (err) {
      if (isSpireError(err) && err.code.startsWith('image-')) throw new SpireError(err.code, `Region mask: ${err.message}`);
      throw err;
    }
  }
  return regions;
}

async function readMask(path: string): Promise<Mask> {
  const img = await readImage(path);
  const n = img.rgb.width * img.rgb.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ((img.rgb.data[i * 3] ?? 0) + (img.rgb.data[i * 3 + 1] ?? 0) + (img.rgb.data[i * 3 + 2] ?? 0)) / 3;
    data[i] = img.alpha ? v * (img.alpha.data[i] ?? 0) : v;
  }
  return { width: img.rgb.width, height: img.rgb.height, data };
}
