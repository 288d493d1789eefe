/** The TypeScript port of degradations.py's parameterized pipeline: measured, not hard-coded. */
import { describe, expect, it } from 'vitest';
import {
  addGaussianNoise,
  applyPrompt,
  downsampledSize,
  gaussianBlur,
  gaussianKernel1d,
  jpegCompress,
  reflect101,
} from '../../../../../main/engine/degrade/degrade';
import { encodeImage } from '../../../../../main/engine/image';
import type { RgbImage } from '../../../../../main/engine/pipeline/types';
import { RestorationPromptError } from '../../../../../common/restorationPrompt';
import { SpireError } from '../../../../../common/errors';
import { Generator } from '../../../../../main/engine/tensor/random';

const GOLDEN_BLUR = [0.462026, 0.537807, 0.434979, 0.456172, 0.544791, 0.440194, 0.449876, 0.55731, 0.452984, 0.455162, 0.555734, 0.469651, 0.468747, 0.527626, 0.489395, 0.483608, 0.495825, 0.506711, 0.489977, 0.484555, 0.514114, 0.485175, 0.522624, 0.44881, 0.476612, 0.52987, 0.451537, 0.463664, 0.544125, 0.457369, 0.46009, 0.549048, 0.46605, 0.465274, 0.534095, 0.479748, 0.474414, 0.515325, 0.493447, 0.478663, 0.508877, 0.499685, 0.526333, 0.487078, 0.492138, 0.517691, 0.494609, 0.489934, 0.50061, 0.511551, 0.481199, 0.483567, 0.527557, 0.470718, 0.470097, 0.535283, 0.465751, 0.462075, 0.538883, 0.465931, 0.458705, 0.540661, 0.467554, 0.547017, 0.451223, 0.538471, 0.544744, 0.459001, 0.534965, 0.537578, 0.477549, 0.520634, 0.521185, 0.499541, 0.496399, 0.495956, 0.519378, 0.467369, 0.466902, 0.534977, 0.44484, 0.451702, 0.541196, 0.438058, 0.549415, 0.436297, 0.555153, 0.550945, 0.444056, 0.552894, 0.551346, 0.462838, 0.540657, 0.540286, 0.48616, 0.513751, 0.513411, 0.508797, 0.473349, 0.474661, 0.527126, 0.43837, 0.453131, 0.534333, 0.42685];

function constant(width: number, height: number, value: number): RgbImage {
  return { width, height, data: new Float32Array(width * height * 3).fill(value) };
}

/** A smooth, textured test image (sines), so JPEG and blur have something to change. */
function pattern(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = 0.5 + 0.4 * Math.sin((x * (c + 1)) / 3) * Math.cos(y / (2 + c));
  return { width, height, data };
}

const stats = (values: ArrayLike<number>): { mean: number; std: number } => {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] ?? 0;
  const mean = s / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += ((values[i] ?? 0) - mean) ** 2;
  return { mean, std: Math.sqrt(v / values.length) };
};

const mse = (a: RgbImage, b: RgbImage): number => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += ((a.data[i] ?? 0) - (b.data[i] ?? 0)) ** 2;
  return s / a.data.length;
};

describe('gaussian blur', () => {
  it('uses the radius rule ceil(4 sigma), at least 1, and a normalised kernel', () => {
    for (const [sigma, taps] of [
      [0.2, 3],
      [0.5, 5],
      [1.0, 9],
      [2.0, 17],
      [2.1, 19],
      [3.0, 25],
    ] as const) {
      const k = gaussianKernel1d(sigma);
      expect(k.length).toBe(taps);
      expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    expect(() => gaussianKernel1d(0)).toThrow(SpireError);
    expect(() => gaussianKernel1d(0)).toThrow(expect.objectContaining({ code: 'bad-params' }));
  });

  it('matches degradations.py gaussian_blur (sigma 1.3, kernel wider than the 7 x 5 image)', () => {
    // Golden: models/spire/degradations.py gaussian_blur (OpenCV 4.6.0 sepFilter2D, numpy 1.24.2), rounded to 6 digits,
    // on img[y, x, c] = ((3x + 5y + 7c) % 11) / 10.
    const golden = GOLDEN_BLUR;
    const img = { width: 7, height: 5, data: new Float32Array(105) };
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) for (let c = 0; c < 3; c++) img.data[(y * 7 + x) * 3 + c] = ((x * 3 + y * 5 + c * 7) % 11) / 10;
    const out = gaussianBlur(img, 1.3);
    for (let i = 0; i < 105; i++) expect(Math.abs((out.data[i] ?? 0) - (golden[i] ?? 0))).toBeLessThan(2e-6);
  });

  it('reflects borders like OpenCV BORDER_REFLECT_101', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflect101(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1]);
    expect(reflect101(-7, 3)).toBe(1); // repeated reflection on a tiny image
    expect(reflect101(5, 1)).toBe(0);
  });

  it('spreads an impulse with the requested width (second moment = sigma^2) and keeps a flat image flat', () => {
    const n = 41;
    const img = constant(n, n, 0);
    const centre = (20 * n + 20) * 3;
    img.data[centre] = 1;
    const sigma = 2.0;
    const out = gaussianBlur(img, sigma);
    let total = 0;
    let moment = 0;
    for (let x = 0; x < n; x++) {
      const v = out.data[(20 * n + x) * 3] ?? 0;
      total += v;
      moment += v * (x - 20) ** 2;
    }
    expect(moment / total).toBeCloseTo(sigma * sigma, 1);
    let sum = 0;
    for (let i = 0; i < out.data.length; i += 3) sum += out.data[i] ?? 0;
    expect(sum).toBeCloseTo(1, 5);
    const flat = gaussianBlur(constant(7, 5, 0.3), 3.0); // kernel far wider than the image
    for (const v of flat.data) expect(v).toBeCloseTo(0.3, 5);
  });
});

describe('applyPrompt', () => {
  it('downsamples to round(H / f) x round(W / f) with Python rounding (half to even)', async () => {
    expect(downsampledSize(22, 30, 4)).toEqual([6, 8]); // 5.5 -> 6, 7.5 -> 8
    expect(downsampledSize(26, 10, 4)).toEqual([6, 2]); // 6.5 -> 6, 2.5 -> 2
    const r = await applyPrompt(pattern(30, 22), 'Upsample to 4.0x;', new Generator(0));
    expect([r.degradedLr.height, r.degradedLr.width]).toEqual([6, 8]);
    expect(r.restorationPrompt).toBe('Upsample to 4.0x;');
  });

  it('adds Gaussian noise with the requested standard deviation', () => {
    const out = addGaussianNoise(constant(96, 96, 0.5), 0.05, new Generator(3));
    const { mean, std } = stats(Array.from(out.data, (v) => v - 0.5));
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.048);
    expect(std).toBeLessThan(0.052);
  });

  it('applies JPEG: lower quality loses more, and the prompt stage is really applied', async () => {
    const img = pattern(48, 48);
    const e30 = mse(await jpegCompress(img, 30), img);
    const e92 = mse(await jpegCompress(img, 92), img);
    expect(e92).toBeGreaterThan(0);
    expect(e30).toBeGreaterThan(2 * e92);
    const r = await applyPrompt(img, 'Dejpeg with quality 30;', new Generator(0));
    expect(mse(r.degradedLr, img)).toBeCloseTo(e30, 8);
  });

  it('runs the stages in canonical order whatever the prompt order, and gives identical bytes for a seed', async () => {
    const img = pattern(40, 32);
    const text = 'Dejpeg with quality 40; Denoise with sigma 0.05; Upsample to 2.0x; Deblur with sigma 1.0;';
    const a = await applyPrompt(img, text, new Generator(11));
    const b = await applyPrompt(img, text, new Generator(11));
    const c = await applyPrompt(img, text, new Generator(12));
    expect(a.restorationPrompt).toBe('Deblur with sigma 1.0; Upsample to 2.0x; Denoise with sigma 0.05; Dejpeg with quality 40;');
    expect([a.degradedLr.width, a.degradedLr.height]).toEqual([20, 16]);
    const bytes = async (r: typeof a): Promise<Buffer> => encodeImage(r.degradedLr, null, 'png');
    expect((await bytes(a)).equals(await bytes(b))).toBe(true);
    expect((await bytes(a)).equals(await bytes(c))).toBe(false);
  });

  it('draws a value in range for a clause without a number, and records it', async () => {
    const r = await applyPrompt(pattern(16, 16), 'Deblur; Dejpeg;', new Generator(5));
    expect(r.restorationPrompt).toBe('Deblur; Dejpeg;');
    expect(r.stages.blur).toBeGreaterThanOrEqual(0.2);
    expect(r.stages.blur).toBeLessThanOrEqual(3.0);
    expect(Number.isInteger(r.stages.jpeg)).toBe(true);
    expect(r.stages.jpeg).toBeGreaterThanOrEqual(30);
    expect(r.stages.jpeg).toBeLessThanOrEqual(92);
  });

  it('refuses the blind prompt with what to use instead, and malformed prompts with the grammar message', async () => {
    await expect(applyPrompt(pattern(8, 8), 'Remove all degradation', new Generator(0))).rejects.toThrow(/parameterized prompts only, e\.g\. 'Deblur with sigma/);
    await expect(applyPrompt(pattern(8, 8), 'Deblur with sigma 9.0;', new Generator(0))).rejects.toBeInstanceOf(RestorationPromptError);
    await expect(applyPrompt(pattern(8, 8), 'Sharpen a lot;', new Generator(0))).rejects.toThrow(/unknown operation/);
  });

  it('leaves the image as it is for the empty prompt', async () => {
    const img = pattern(8, 8);
    const r = await applyPrompt(img, '', new Generator(0));
    expect(r.degradedLr.data).toEqual(img.data);
  });
});
