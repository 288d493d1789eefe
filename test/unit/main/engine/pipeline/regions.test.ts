// Region masks on their way to the latent: the job's fit of other sizes (one resize, to the output
// size) and the pipeline's one resize + feather + area average (regions.ts).
import { describe, expect, it } from 'vitest';
import { featherMask, maskToLatent } from '../../../../../main/engine/imageOps/masks';
import { resizeMask } from '../../../../../main/engine/imageOps/resize';
import { fitRegionMasks, outputSize, regionToLatent } from '../../../../../main/engine/pipeline/regions';
import type { Mask } from '../../../../../main/engine/pipeline/types';

const mask = (width: number, height: number): Mask => ({ width, height, data: Float32Array.from({ length: width * height }, (_, i) => (i % width < width / 2 ? 1 : 0)) });

describe('region masks', () => {
  it('fitRegionMasks keeps masks at the input or output size and resizes any other size once, to the output size', () => {
    const atInput = { mask: mask(16, 12), prompt: 'a' };
    const atOutput = { mask: mask(32, 24), prompt: 'b' };
    const other = { mask: mask(20, 10), prompt: 'c', guidanceScale: 4 };
    const [a, b, c] = fitRegionMasks([atInput, atOutput, other], [12, 16], 2);
    expect(a).toBe(atInput);
    expect(b).toBe(atOutput);
    expect(c).toMatchObject({ prompt: 'c', guidanceScale: 4, mask: { width: 32, height: 24 } });
    expect([...c!.mask.data]).toEqual([...resizeMask(other.mask, 24, 32, 'area').data]);
    expect(outputSize(13, 21, 2.5)).toEqual([33, 53]);
  });

  it('regionToLatent: input size -> output size (area) -> feathered -> latent (area), refusing other sizes', () => {
    const region = { mask: mask(16, 12), prompt: 'a red fox', guidanceScale: 5 };
    const latent = regionToLatent(region, 0, [12, 16], [24, 32], [6, 8], 4);
    const expected = maskToLatent(featherMask(resizeMask(region.mask, 24, 32, 'area'), 4), 6, 8, 4).data;
    expect(latent).toEqual({ mask: expected, prompt: 'a red fox', guidanceScale: 5 });
    expect(() => regionToLatent({ mask: mask(20, 16), prompt: 'x' }, 0, [16, 16], [32, 32], [8, 8], 4)).toThrow(/Region 1 mask is 20 x 16; draw it on the image \(16 x 16\)/);
  });
});
