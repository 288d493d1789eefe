// IEEE binary16 conversion at the ONNX boundary (exhaustive over all 65,536 half values, every
// rounding tie, and numpy goldens: test/fixtures/imageOps/float16.bin).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits, fromHalfBits, toHalfBits } from '../../../../../main/engine/onnx/float16';

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
    const buf = readFileSync(path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'imageOps', 'float16.bin'));
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
