// Layout/range conversions and reflect padding (float16: test/unit/main/engine/onnx/float16.test.ts).
import { describe, expect, it } from 'vitest';
import {
  clamp,
  cropTensor,
  nchwToRgb,
  padToMultiple,
  reflectIndex,
  rgbToNchw,
} from '../../../../../main/engine/imageOps/convert';

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
