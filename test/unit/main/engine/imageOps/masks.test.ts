// Region masks on hand-checkable tables. For radius 3 the Gaussian has sigma 1 and taps
// e^(-j^2/2) / Z, j = -3..3, Z = 1 + 2 (e^-0.5 + e^-2 + e^-4.5) = 2.50594988:
//   k0 = 1 / Z = 0.39905028, k1 = e^-0.5 / Z = 0.24203623, k2 = e^-2 / Z = 0.05400558, k3 = e^-4.5 / Z = 0.00443305.
import { describe, expect, it } from 'vitest';
import { featherKernel, featherMask, maskToLatent } from '../../../../../main/engine/imageOps/masks';
import { normaliseRegionMasks } from '../../../../../main/engine/guidance';

const K = [0.39905028, 0.24203623, 0.05400558, 0.00443305];
const mask = (width: number, height: number, values: number[]) => ({ width, height, data: Float32Array.from(values) });

describe('featherMask', () => {
  it('radius 3 uses the sigma-1 Gaussian table above', () => {
    const k = featherKernel(3);
    expect(k.length).toBe(7);
    [K[3], K[2], K[1], K[0], K[1], K[2], K[3]].forEach((v, i) => expect(k[i]).toBeCloseTo(v!, 6));
  });

  it('spreads an impulse into the outer product of the taps', () => {
    const m = mask(9, 9, Array.from({ length: 81 }, (_, i) => (i === 40 ? 1 : 0)));
    const out = featherMask(m, 3).data;
    for (let dy = -3; dy <= 3; dy++)
      for (let dx = -3; dx <= 3; dx++) expect(out[(4 + dy) * 9 + 4 + dx]).toBeCloseTo(K[Math.abs(dy)]! * K[Math.abs(dx)]!, 6);
    expect(out[0]).toBe(0); // (-4, -4): outside the taps
  });

  it('softens a step symmetrically and keeps the border value (edge replicated)', () => {
    // Row 1 1 1 1 1 0 0 0 0 0: pixel 4 = k3 + k2 + k1 + k0 = 0.5 + k0 / 2 = 0.69952514, pixel 5 = k1 + k2 + k3 = 0.30047486,
    // pixel 0 = 1 (all taps on ones), pixel 2 = 1 - k3 = 0.99556695.
    const out = featherMask(mask(10, 1, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), 3).data;
    expect(out[4]).toBeCloseTo(0.69952514, 6);
    expect(out[5]).toBeCloseTo(0.30047486, 6);
    expect(out[0]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(0.99556695, 6);
    expect(out[9]).toBe(0);
  });

  it('radius 0 copies; full masks stay exactly within [0, 1]', () => {
    const m = mask(3, 2, [0, 0.5, 1, 1, 0.5, 0]);
    const same = featherMask(m, 0);
    expect([...same.data]).toEqual([...m.data]);
    expect(same.data).not.toBe(m.data);
    const ones = featherMask(mask(20, 20, new Array(400).fill(1)), 7.5).data;
    expect(Math.max(...ones)).toBeLessThanOrEqual(1);
    expect(() => normaliseRegionMasks([ones], 400)).not.toThrow();
    expect(() => featherMask(m, -1)).toThrow(/>= 0 pixels/);
    expect(() => featherMask({ width: 3, height: 3, data: new Float32Array(4) }, 1)).toThrow(/needs 9/);
  });
});

describe('maskToLatent', () => {
  it('averages each f x f block (hand-checked)', () => {
    // 4 x 4 -> 2 x 2: blocks [1 1; 1 1] = 1, [0 1; 0 0] = 0.25, [1 0; 0 0] = 0.25, [0 0; 0 1] = 0.25
    const m = mask(4, 4, [1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect([...maskToLatent(m, 2, 2).data]).toEqual([1, 0.25, 0.25, 0.25]);
    expect([...maskToLatent(m, 2, 2, 2).data]).toEqual([1, 0.25, 0.25, 0.25]);
  });

  it('reflect-pads a mask smaller than latent x factor, like the image', () => {
    // 1 x 3 row [1 0 0], factor 2, latent 1 x 2: padded to 2 x 4 = rows [1 0 0 0] (reflect: index 3 -> 1),
    // [1 0 0 0] (row 1 -> row 0); blocks [1 0; 1 0] = 0.5 and [0 0; 0 0] = 0.
    expect([...maskToLatent(mask(3, 1, [1, 0, 0]), 1, 2, 2).data]).toEqual([0.5, 0]);
    expect(() => maskToLatent(mask(5, 1, [1, 0, 0, 0, 0]), 1, 2, 2)).toThrow(/does not fit/);
  });

  it('shrinks by a non-integer factor with fractional coverage and stays in [0, 1]', () => {
    // 3 -> 2: [1 0 1] -> [(1 + 0.5 * 0) / 1.5, (0.5 * 0 + 1) / 1.5] = [2/3, 2/3]
    const out = maskToLatent(mask(3, 1, [1, 0, 1]), 1, 2).data;
    expect(out[0]).toBeCloseTo(2 / 3, 6);
    expect(out[1]).toBeCloseTo(2 / 3, 6);
    const ones = maskToLatent(mask(21, 13, new Array(273).fill(1)), 4, 7).data;
    expect(Math.max(...ones)).toBeLessThanOrEqual(1);
  });
});
