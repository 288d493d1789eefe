// Layout/range conversions, reflect padding and IEEE binary16 conversion (exhaustive over all
// 65,536 half values, every rounding tie, and numpy goldens: test/fixtures/imageOps/float16.bin).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clamp,
  cropTensor,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  fromHalfBits,
  nchwToRgb,
  padToMultiple,
  reflectIndex,
  rgbToNchw,
  toHalfBits,
} from '../../../../main/engine/imageOps/convert';

describe('rgbToNchw / nchwToRgb', () => {
  // 1 x 2 image: pixel 0 = (0, 0.5, 1), pixel 1 = (0.25, 0.75, 0.1)
  const image = { width: 2, height: 1, data: Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0.1]) };

  it('maps HWC [0, 1] to NCHW [-1, 1] (hand-checked)', () => {
    const t = rgbToNchw(image);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    // R plane [-1, -0.5], G plane [0, 0.5], B plane [1, -0.8]
    const expected = [-1, -0.5, 0, 0.5, 1, -0.8];
    expected.forEach((e, i) => expect(t.data[i]).toBeCloseTo(e, 6));
    const u = rgbToNchw(image, [0, 255]);
    expect(u.data[4]).toBeCloseTo(255, 4);
  });

  it('round-trips and clamps on the way back', () => {
    const back = nchwToRgb(rgbToNchw(image));
    image.data.forEach((v, i) => expect(back.data[i]).toBeCloseTo(v, 6));
    const t = { data: Float32Array.from([-3, 3, 0, 0, 0, 0]), dims: [1, 3, 1, 2] };
    expect([...nchwToRgb(t).data]).toEqual([0, 0.5, 0.5, 1, 0.5, 0.5]);
    expect(nchwToRgb(t, [-1, 1], false).data[0]).toBe(-1);
  });

  it('picks one image of a batch and rejects bad shapes', () => {
    const t = { data: Float32Array.from([0, 0, 0, 1, 1, 1]), dims: [2, 3, 1, 1] };
    expect([...nchwToRgb(t, [0, 1], true, 1).data]).toEqual([1, 1, 1]);
    expect(() => nchwToRgb(t, [0, 1], true, 2)).toThrow(/batch index 2/);
    expect(() => nchwToRgb({ data: new Float32Array(4), dims: [1, 4, 1, 1] })).toThrow(/\[N, 3, H, W\]/);
    expect(() => rgbToNchw({ width: 2, height: 2, data: new Float32Array(3) })).toThrow(/needs 12/);
    expect(() => rgbToNchw(image, [1, 1])).toThrow(/lo < hi/);
  });
});

describe('clamp', () => {
  it('clips in place and sends NaN to lo', () => {
    const a = Float32Array.from([-2, 0.5, 7, Number.NaN]);
    expect(clamp(a, -1, 1)).toBe(a);
    expect([...a]).toEqual([-1, 0.5, 1, -1]);
  });
});

describe('reflect padding and cropping', () => {
  it('reflectIndex mirrors without repeating the edge, for any pad width', () => {
    // n = 3: ... 1 | 0 1 2 | 1 0 1 2 1 ...
    expect([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7].map((i) => reflectIndex(i, 3))).toEqual([2, 1, 0, 1, 2, 1, 0, 1, 2, 1]);
    expect(reflectIndex(5, 1)).toBe(0);
  });

  it('pads [1, 1, 2, 3] to a multiple of 4 at the bottom/right and crops back', () => {
    // rows [1 2 3], [4 5 6] -> 4 x 4: columns 0 1 2 | 1, rows 0 1 | 0 1
    const t = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [1, 1, 2, 3] };
    const p = padToMultiple(t, 4);
    expect(p.tensor.dims).toEqual([1, 1, 4, 4]);
    expect([p.height, p.width, p.padBottom, p.padRight]).toEqual([2, 3, 2, 1]);
    expect([...p.tensor.data]).toEqual([1, 2, 3, 2, 4, 5, 6, 5, 1, 2, 3, 2, 4, 5, 6, 5]);
    const c = cropTensor(p.tensor, p.height, p.width);
    expect(c.dims).toEqual([1, 1, 2, 3]);
    expect([...c.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pads every plane of a batch, returns the same tensor when nothing is needed, checks crops', () => {
    const t = { data: Float32Array.from([1, 2, 10, 20]), dims: [2, 1, 1, 2] };
    const p = padToMultiple(t, 3);
    expect(p.tensor.dims).toEqual([2, 1, 3, 3]);
    expect([...p.tensor.data]).toEqual([1, 2, 1, 1, 2, 1, 1, 2, 1, 10, 20, 10, 10, 20, 10, 10, 20, 10]);
    expect(padToMultiple(t, 1).tensor).toBe(t);
    expect([...cropTensor(p.tensor, 1, 2, 1, 1).data]).toEqual([2, 1, 20, 10]);
    expect(() => cropTensor(p.tensor, 3, 3, 1, 0)).toThrow(/does not fit/);
    expect(() => padToMultiple(t, 0)).toThrow(/positive integer/);
  });
});

/** Independent reference for a half's value: (-1)^s 2^(e - 15) (1 + m / 1024), subnormals 2^-14 m / 1024. */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? Number.NaN : s * Infinity;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

describe('float16 conversion', () => {
  const all = new Uint16Array(65536).map((_, i) => i);

  it('decodes all 65,536 half values exactly (zeros, subnormals, normals, inf, NaN)', () => {
    const f = float16BitsToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const v = halfValue(h);
      if (Number.isNaN(v)) expect(Number.isNaN(f[h]!)).toBe(true);
      else expect(Object.is(f[h], v)).toBe(true); // also tells -0 from +0
    }
    expect(fromHalfBits(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(fromHalfBits(0x03ff)).toBe(2 ** -14 - 2 ** -24); // largest subnormal
    expect(fromHalfBits(0x0400)).toBe(2 ** -14); // smallest normal
    expect(fromHalfBits(0x7bff)).toBe(65504); // largest finite
    expect(fromHalfBits(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromHalfBits(0x8000), -0)).toBe(true);
  });

  it('round-trips every half bit pattern, NaN payloads included', () => {
    const back = float32ToFloat16Bits(float16BitsToFloat32(all));
    for (let h = 0; h < 65536; h++) if (back[h] !== h) expect(back[h]).toBe(h);
  });

  it('rounds every midpoint between neighbouring halves to the even one, and off-midpoints to the nearest', () => {
    // Midpoints of adjacent finite halves of one sign have at most 12 significant bits: exact in float32.
    const mids = new Float32Array(1);
    const bits = new Uint32Array(mids.buffer);
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfValue(h);
      const hi = halfValue(h + 1);
      mids[0] = (lo + hi) / 2;
      expect(mids[0]).toBe((lo + hi) / 2);
      const even = h % 2 === 0 ? h : h + 1;
      const m = bits[0]!;
      if (toHalfBits(mids[0]) !== even) expect([h, toHalfBits(mids[0])]).toEqual([h, even]);
      // One float32 ulp either side of the midpoint: nearest, no tie.
      bits[0] = m - 1;
      if (mids[0] > lo && toHalfBits(mids[0]) !== h) expect([h, 'below', toHalfBits(mids[0])]).toEqual([h, 'below', h]);
      bits[0] = m + 1;
      if (toHalfBits(mids[0]) !== h + 1) expect([h, 'above', toHalfBits(mids[0])]).toEqual([h, 'above', h + 1]);
      // Negative side is symmetric.
      if (toHalfBits(-((lo + hi) / 2)) !== (even | 0x8000)) expect(toHalfBits(-((lo + hi) / 2))).toBe(even | 0x8000);
    }
  });

  it('handles overflow, underflow, infinities and NaN', () => {
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65519.99)).toBe(0x7bff); // below the 65520 midpoint
    expect(toHalfBits(65520)).toBe(0x7c00); // the tie goes to even = inf
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(-1e6)).toBe(0xfc00);
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(toHalfBits(2 ** -25)).toBe(0x0000); // exactly half the smallest subnormal: tie to even 0
    expect(toHalfBits(2 ** -25 * 1.0000001)).toBe(0x0001);
    expect(toHalfBits(2 ** -26)).toBe(0x0000);
    expect(toHalfBits(-(2 ** -30))).toBe(0x8000); // keeps the sign of zero
    expect(toHalfBits(1e-45)).toBe(0x0000); // float32 subnormal
    expect(toHalfBits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up from the largest subnormal into the normals
    const nan = toHalfBits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('matches numpy astype(float16) on 4,096 float32 values (numpy 1.24.2)', () => {
    const buf = readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'imageOps', 'float16.bin'));
    const n = buf.length / 6;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = buf.readFloatLE(i * 4);
    const got = float32ToFloat16Bits(x);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (got[i] !== buf.readUInt16LE(4 * n + 2 * i)) mismatches++;
    expect(n).toBe(4096);
    expect(mismatches).toBe(0);
  });

  it('checks destination sizes', () => {
    expect(() => float32ToFloat16Bits(new Float32Array(2), new Uint16Array(1))).toThrow(/destination/);
    expect(() => float16BitsToFloat32(new Uint16Array(2), new Float32Array(3))).toThrow(/destination/);
  });
});
