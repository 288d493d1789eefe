// Resizing against goldens from Pillow / OpenCV (test/fixtures/imageOps/make_resize_goldens.py)
// plus structural checks (weights sum to 1, planar == interleaved, constant images stay constant).
import { describe, expect, it } from 'vitest';
import type { ResizeMethod } from '../../../../../main/engine/imageOps/resize';
import { resizeMask, resizeNchw, resizeRgb, resizeWeights } from '../../../../../main/engine/imageOps/resize';
import { maxAbsDiff, readImageOpGoldens } from './goldens';

interface Case {
  method: ResizeMethod;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  input: number;
  expected: number;
}

const { index, values } = readImageOpGoldens<Case>('resize');

describe('resizeRgb matches the Python references (Pillow 9.4.0 / OpenCV 4.6.0)', () => {
  it('has goldens for every method', () => {
    expect(new Set(index.cases.map((c) => c.method))).toEqual(new Set(['bicubic', 'bicubic-cv2', 'area', 'nearest']));
  });
  for (const c of index.cases) {
    const name = `${c.method} ${c.inHeight}x${c.inWidth} -> ${c.outHeight}x${c.outWidth}`;
    it(name, () => {
      const n = c.inHeight * c.inWidth * 3;
      const m = c.outHeight * c.outWidth * 3;
      const image = { width: c.inWidth, height: c.inHeight, data: values.slice(c.input, c.input + n) };
      const out = resizeRgb(image, c.outHeight, c.outWidth, { method: c.method });
      expect(out.width).toBe(c.outWidth);
      expect(out.height).toBe(c.outHeight);
      expect(maxAbsDiff(out.data, values.subarray(c.expected, c.expected + m))).toBeLessThanOrEqual(index.tolerance);
    });
  }
});

describe('resizeWeights', () => {
  const methods: ResizeMethod[] = ['bicubic', 'bicubic-cv2', 'area', 'nearest'];
  it.each(methods)('%s weights sum to 1 and stay inside the input', (method) => {
    for (const [inSize, outSize] of [
      [7, 19],
      [19, 7],
      [10, 10],
      [1, 4],
      [64, 3],
    ] as const) {
      const w = resizeWeights(inSize, outSize, method);
      for (let i = 0; i < outSize; i++) {
        let s = 0;
        for (let k = 0; k < w.count[i]!; k++) s += w.weights[i * w.taps + k]!;
        expect(s).toBeCloseTo(1, 5);
        expect(w.start[i]!).toBeGreaterThanOrEqual(0);
        expect(w.start[i]! + w.count[i]!).toBeLessThanOrEqual(inSize);
      }
    }
  });

  it('PIL bicubic at 2x up uses the a = -0.5 kernel at distances 1.75, 0.75, 0.25, 1.25', () => {
    // Output 4 of 8 -> 16 has centre 2.25; pixels 0..3 (centres 0.5 .. 3.5) sit at -1.75, -0.75, 0.25, 1.25.
    const w = resizeWeights(8, 16, 'bicubic');
    const cub = (x: number): number => {
      const a = -0.5;
      x = Math.abs(x);
      return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
    };
    const expected = [cub(1.75), cub(0.75), cub(0.25), cub(1.25)];
    expect(w.start[4]).toBe(0);
    expect(w.count[4]).toBe(4);
    expected.forEach((e, k) => expect(w.weights[4 * w.taps + k]).toBeCloseTo(e, 6));
  });

  it('rejects bad sizes and methods', () => {
    expect(() => resizeWeights(0, 4)).toThrow(/positive integer/);
    expect(() => resizeWeights(4, 2.5)).toThrow(/positive integer/);
    expect(() => resizeWeights(4, 2, 'lanczos' as ResizeMethod)).toThrow(/Unknown resize method/);
  });
});

describe('resizeNchw and resizeMask', () => {
  it('planar [N, C, H, W] resizing equals interleaved resizing channel by channel', () => {
    const c = index.cases.find((k) => k.method === 'bicubic' && k.outHeight > k.inHeight)!;
    const n = c.inHeight * c.inWidth;
    const hwc = values.slice(c.input, c.input + 3 * n);
    const chw = new Float32Array(3 * n);
    for (let p = 0; p < n; p++) for (let ch = 0; ch < 3; ch++) chw[ch * n + p] = hwc[p * 3 + ch]!;
    const a = resizeRgb({ width: c.inWidth, height: c.inHeight, data: hwc }, 13, 29);
    const b = resizeNchw({ data: chw, dims: [1, 3, c.inHeight, c.inWidth] }, 13, 29);
    expect(b.dims).toEqual([1, 3, 13, 29]);
    let m = 0;
    for (let p = 0; p < 13 * 29; p++) for (let ch = 0; ch < 3; ch++) m = Math.max(m, Math.abs(a.data[p * 3 + ch]! - b.data[ch * 13 * 29 + p]!));
    expect(m).toBeLessThan(1e-6);
  });

  it('keeps a constant image constant and clamps when asked', () => {
    const img = { width: 5, height: 4, data: new Float32Array(60).fill(0.25) };
    for (const method of ['bicubic', 'bicubic-cv2', 'area', 'nearest'] as const) {
      const out = resizeRgb(img, 9, 3, { method });
      for (const v of out.data) expect(v).toBeCloseTo(0.25, 6);
    }
    // A 0/1 edge overshoots with the cubic kernels; clamp keeps it in [0, 1].
    const edge = { width: 4, height: 1, data: Float32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]) };
    const raw = resizeRgb(edge, 1, 16);
    expect(Math.min(...raw.data)).toBeLessThan(0);
    const clamped = resizeRgb(edge, 1, 16, { clamp: true });
    expect(Math.min(...clamped.data)).toBe(0);
    expect(Math.max(...clamped.data)).toBe(1);
  });

  it('area-shrinks a mask by averaging 2x2 blocks (hand-checked)', () => {
    // 2x4 mask -> 1x2: [(1 + 0 + 1 + 1) / 4, (0 + 0 + 1 + 0) / 4] = [0.75, 0.25]
    const mask = { width: 4, height: 2, data: Float32Array.from([1, 0, 0, 0, 1, 1, 1, 0]) };
    expect([...resizeMask(mask, 1, 2).data]).toEqual([0.75, 0.25]);
    // 3 -> 2 (factor 1.5): [1, 0.5 * 1 + ... ] = [(1 + 0.5 * 0) / 1.5, (0.5 * 0 + 1) / 1.5]
    const row = { width: 3, height: 1, data: Float32Array.from([1, 0, 1]) };
    const out = resizeMask(row, 1, 2).data;
    expect(out[0]).toBeCloseTo(1 / 1.5, 6);
    expect(out[1]).toBeCloseTo(1 / 1.5, 6);
    expect([...resizeMask(row, 1, 6, 'nearest').data]).toEqual([1, 1, 0, 0, 1, 1]);
  });
});
