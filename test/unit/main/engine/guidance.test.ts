// Guidance on tiny hand-computed tables (values worked out by hand in the comments).
import { describe, expect, it } from 'vitest';
import {
  classifierFreeGuidance,
  combineGuidance,
  normaliseRegionMasks,
  regionalGuidance,
} from '../../../../main/engine/guidance';

const f = (...v: number[]): Float32Array => Float32Array.from(v);

describe('classifierFreeGuidance', () => {
  it('computes uncond + w (cond - uncond) on a [2B, ...] batch, uncond first', () => {
    // uncond [1, 2], cond [3, 5], w 7.5: [1 + 7.5*2, 2 + 7.5*3] = [16, 24.5]
    expect([...classifierFreeGuidance(f(1, 2, 3, 5), 7.5)]).toEqual([16, 24.5]);
    expect([...combineGuidance(f(1, 2), f(3, 5), 7.5)]).toEqual([16, 24.5]);
  });

  it('w = 1 gives cond, w = 0 gives uncond', () => {
    expect([...classifierFreeGuidance(f(1, 2, 3, 5), 1)]).toEqual([3, 5]);
    expect([...classifierFreeGuidance(f(1, 2, 3, 5), 0)]).toEqual([1, 2]);
  });

  it('rejects an odd batch and mismatched halves', () => {
    expect(() => classifierFreeGuidance(f(1, 2, 3), 7.5)).toThrow(/odd/);
    expect(() => combineGuidance(f(1), f(1, 2), 2)).toThrow(/differ in size/);
    expect(() => combineGuidance(f(1), f(1), Number.NaN)).toThrow(/finite/);
  });
});

describe('normaliseRegionMasks', () => {
  it('shares overlaps and gives the rest to the global prompt', () => {
    // pixel:    0     1     2     3
    // mask A:   1     1     0     0.5
    // mask B:   0     1     0     0.25
    // sum:      1     2     0     0.75   -> divide only where sum > 1 (pixel 1)
    const { regionWeights, globalWeight } = normaliseRegionMasks([f(1, 1, 0, 0.5), f(0, 1, 0, 0.25)], 4);
    expect([...regionWeights[0]!]).toEqual([1, 0.5, 0, 0.5]);
    expect([...regionWeights[1]!]).toEqual([0, 0.5, 0, 0.25]);
    expect([...globalWeight]).toEqual([0, 0, 1, 0.25]);
  });

  it('rejects masks outside [0, 1] or of the wrong size', () => {
    expect(() => normaliseRegionMasks([f(0, 1.5)], 2)).toThrow(/outside \[0, 1\]/);
    expect(() => normaliseRegionMasks([f(0, Number.NaN)], 2)).toThrow(/outside \[0, 1\]/);
    expect(() => normaliseRegionMasks([f(0, 1, 0)], 2)).toThrow(/H \* W/);
  });
});

describe('regionalGuidance', () => {
  const shape = { batch: 1, channels: 1, height: 1, width: 4 };
  // uncond 0, global 1, region A 10, region B 100 everywhere; masks as above; w = 2.
  //   pixel 0: a_A = 1                         -> 2 * 10                              = 20
  //   pixel 1: a_A = a_B = 0.5                 -> 2 * (5 + 50)                        = 110
  //   pixel 2: global only                     -> 2 * 1                               = 2
  //   pixel 3: a_A .5, a_B .25, a_g .25        -> 2 * (0.25 * 1 + 0.5 * 10 + 0.25 * 100) = 60.5
  const pred = f(0, 0, 0, 0, 1, 1, 1, 1, 10, 10, 10, 10, 100, 100, 100, 100);
  const regions = [{ mask: f(1, 1, 0, 0.5) }, { mask: f(0, 1, 0, 0.25) }];

  it('combines global and regional directions per pixel', () => {
    expect([...regionalGuidance(pred, regions, 2, shape)]).toEqual([20, 110, 2, 60.5]);
  });

  it('measures every direction from uncond', () => {
    // One pixel: uncond 1, global 2, region 3 with mask 0.5, w 3:
    // 1 + 3 * 0.5 * (2 - 1) + 3 * 0.5 * (3 - 1) = 1 + 1.5 + 3 = 5.5
    const one = { batch: 1, channels: 1, height: 1, width: 1 };
    expect([...regionalGuidance(f(1, 2, 3), [{ mask: f(0.5) }], 3, one)]).toEqual([5.5]);
  });

  it('uses a region guidance scale when given', () => {
    // pixel 0 is all region A: w_A = 5 -> 5 * 10 = 50; pixel 1: 5 * 5 + 2 * 50 = 125
    const out = regionalGuidance(pred, [{ mask: regions[0]!.mask, guidanceScale: 5 }, regions[1]!], 2, shape);
    expect([...out]).toEqual([50, 125, 2, 2 * 0.25 + 5 * 5 + 2 * 25]);
  });

  it('applies one [H, W] mask to every image and channel', () => {
    // B = 2, C = 2, H = 1, W = 2; uncond 0, global 1, region 10; mask [1, 0]; w 1 -> [10, 1] per (image, channel)
    const s = { batch: 2, channels: 2, height: 1, width: 2 };
    const block = 2 * 2 * 2;
    const p = new Float32Array(3 * block);
    p.fill(1, block, 2 * block);
    p.fill(10, 2 * block);
    expect([...regionalGuidance(p, [{ mask: f(1, 0) }], 1, s)]).toEqual([10, 1, 10, 1, 10, 1, 10, 1]);
  });

  it('equals classifier-free guidance when there are no regions', () => {
    const s = { batch: 1, channels: 2, height: 1, width: 2 };
    const p = f(0.1, -0.2, 0.3, 0.4, 1.5, 0.5, -1, 2);
    expect([...regionalGuidance(p, [], 7.5, s)]).toEqual([...classifierFreeGuidance(p, 7.5)]);
  });

  it('says what layout it expects when the batch does not match', () => {
    expect(() => regionalGuidance(pred.subarray(0, 12), regions, 2, shape)).toThrow(/uncond, global, then each region/);
  });
});
