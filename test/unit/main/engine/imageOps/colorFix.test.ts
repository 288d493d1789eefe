// Colour fix: torch goldens of StableSR's definitions (test/fixtures/imageOps/make_colorfix_goldens.py)
// plus identities: adain matches the input's statistics, wavelet keeps the result's detail and
// takes the input's low frequencies.
import { describe, expect, it } from 'vitest';
import { adainColorFix, channelStats, colorFix, waveletColorFix, waveletLowPass } from '../../../../../main/engine/imageOps/colorFix';
import type { RgbImage } from '../../../../../main/engine/pipeline/types';
import { maxAbsDiff, readImageOpGoldens } from './goldens';

interface Case {
  height: number;
  width: number;
  result: number;
  input: number;
  wavelet: number;
  adain: number;
}

const { index, values } = readImageOpGoldens<Case>('colorfix');

/** Seeded smooth-plus-noise image (LCG noise). */
function makeImage(height: number, width: number, seed: number, f: (y: number, x: number, c: number) => number): RgbImage {
  let s = seed >>> 0;
  const data = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        data[(y * width + x) * 3 + c] = f(y, x, c) + 0.05 * (s / 2 ** 32 - 0.5);
      }
    }
  }
  return { width, height, data };
}

describe('colour fix matches StableSR (torch 1.13 goldens)', () => {
  for (const c of index.cases) {
    const n = c.height * c.width * 3;
    const img = (off: number): RgbImage => ({ width: c.width, height: c.height, data: values.slice(off, off + n) });
    it(`wavelet ${c.height}x${c.width}`, () => {
      const out = waveletColorFix(img(c.result), img(c.input));
      expect(maxAbsDiff(out.data, img(c.wavelet).data)).toBeLessThanOrEqual(index.tolerance);
    });
    it(`adain ${c.height}x${c.width}`, () => {
      const out = adainColorFix(img(c.result), img(c.input));
      if (c.height * c.width === 1) {
        // torch's unbiased variance of one value is NaN; ours uses 0, so the pixel becomes the input's.
        expect(maxAbsDiff(out.data, img(c.input).data)).toBeLessThan(1e-6);
      } else {
        expect(maxAbsDiff(out.data, img(c.adain).data)).toBeLessThanOrEqual(index.tolerance);
      }
    });
  }
});

describe('adainColorFix', () => {
  const result = makeImage(17, 23, 1, (y, x, c) => 0.3 + 0.2 * Math.sin(x / 3 + c) + 0.1 * c);
  const input = makeImage(17, 23, 2, (y, x, c) => 0.5 + 0.1 * Math.cos(y / 4 - c));

  it('gives the output exactly the input per-channel mean and std (eps = 0, no clamp)', () => {
    const out = adainColorFix(result, input, { eps: 0, clamp: false });
    const a = channelStats(out.data, 0);
    const b = channelStats(input.data, 0);
    for (let c = 0; c < 3; c++) {
      expect(a.mean[c]).toBeCloseTo(b.mean[c]!, 6);
      expect(a.std[c]).toBeCloseTo(b.std[c]!, 6);
    }
  });

  it('is the identity when result and input are the same image', () => {
    expect(maxAbsDiff(adainColorFix(input, input).data, input.data)).toBeLessThan(1e-6);
  });

  it('channelStats: hand-checked mean and unbiased std', () => {
    // Red values 0, 1, 2, 3: mean 1.5, unbiased variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5 / 3
    const s = channelStats(Float32Array.from([0, 5, 1, 1, 5, 1, 2, 5, 1, 3, 5, 1]), 0);
    expect(s.mean).toEqual([1.5, 5, 1]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.std[1]).toBe(0);
  });
});

describe('waveletColorFix', () => {
  const h = 80;
  const w = 88;
  const input = makeImage(h, w, 3, (y, x, c) => 0.5 + 0.3 * Math.sin(x / 11 + c) * Math.cos(y / 13));

  it('is the identity when result and input are the same image', () => {
    expect(maxAbsDiff(waveletColorFix(input, input, { clamp: false }).data, input.data)).toBeLessThan(1e-6);
  });

  it('takes the low frequencies from the input: a constant colour shift is removed exactly', () => {
    const shifted = { ...input, data: input.data.map((v, i) => v + [0.1, -0.05, 0.2][i % 3]!) };
    expect(maxAbsDiff(waveletColorFix(shifted, input, { clamp: false }).data, input.data)).toBeLessThan(1e-6);
  });

  it('keeps the high frequencies of the result: a pixel-scale checkerboard survives away from the border', () => {
    // result = input + 0.1 (-1)^(x + y): the level-1 [1, 2, 1]/4 blur cancels it, so low(result) = low(input)
    // wherever no blur tap reached a clamped border (the taps reach 1 + 2 + 4 + 8 + 16 = 31 pixels).
    const result = {
      ...input,
      data: input.data.map((v, i) => {
        const p = Math.floor(i / 3);
        return v + 0.1 * ((Math.floor(p / w) + (p % w)) % 2 === 0 ? 1 : -1);
      }),
    };
    const out = waveletColorFix(result, input, { clamp: false });
    let m = 0;
    for (let y = 32; y < h - 32; y++) for (let k = 32 * 3; k < (w - 32) * 3; k++) m = Math.max(m, Math.abs(out.data[y * w * 3 + k]! - result.data[y * w * 3 + k]!));
    expect(m).toBeLessThan(1e-6);
  });

  it('equals result + low(input - result) with low() from a direct 2-D dilated convolution', () => {
    const result = makeImage(h, w, 4, (y, x, c) => 0.4 + 0.2 * Math.sin((x + y) / 5 + c));
    // Direct reference: 3x3 kernel [1 2 1; 2 4 2; 1 2 1] / 16 at dilation 2^i, replicated edges, on [H, W] planes.
    const ref = new Float64Array(h * w * 3);
    for (let i = 0; i < ref.length; i++) ref[i] = input.data[i]! - result.data[i]!;
    const k = [1, 2, 1];
    for (let level = 0; level < 5; level++) {
      const r = 2 ** level;
      const src = ref.slice();
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let c = 0; c < 3; c++) {
            let acc = 0;
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const yy = Math.min(h - 1, Math.max(0, y + dy * r));
                const xx = Math.min(w - 1, Math.max(0, x + dx * r));
                acc += ((k[dy + 1]! * k[dx + 1]!) / 16) * src[(yy * w + xx) * 3 + c]!;
              }
            ref[(y * w + x) * 3 + c] = acc;
          }
    }
    const out = waveletColorFix(result, input, { clamp: false });
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(out.data[i]! - (result.data[i]! + ref[i]!)));
    expect(m).toBeLessThan(1e-6);
  });

  it('waveletLowPass keeps constants and handles images narrower than the dilation', () => {
    const d = new Float32Array(2 * 3 * 3).fill(0.7);
    waveletLowPass(d, 2, 3, 3, 5);
    for (const v of d) expect(v).toBeCloseTo(0.7, 6);
    // 1 x 3 single-channel [0, 3, 6]; level 0 (r = 1): [0.25*0 + 0.5*0 + 0.25*3, 0.25*(0 + 6) + 1.5, 0.25*3 + 0.5*6 + 0.25*6]
    //   = [0.75, 3, 5.25]; vertical with one row changes nothing.
    expect([...waveletLowPass(Float32Array.from([0, 3, 6]), 1, 3, 1, 1)]).toEqual([0.75, 3, 5.25]);
  });
});

describe('colorFix', () => {
  const a = makeImage(4, 5, 9, () => 0.5);
  it("dispatches and passes 'none' through", () => {
    expect(colorFix(a, a, 'none')).toBe(a);
    expect(colorFix(a, a, 'adain').data.length).toBe(60);
    expect(() => colorFix(a, makeImage(5, 4, 9, () => 0.5), 'wavelet')).toThrow(/Resize the input first/);
  });
});
