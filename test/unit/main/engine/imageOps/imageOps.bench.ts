// Ad-hoc speed check on a 24-megapixel image (6000 x 4000), one iteration each:
//   npx vitest bench --project unit --run test/unit/main/engine/imageOps/imageOps.bench.ts
// BENCH_MP=6 picks a smaller image. Not part of `npm test` (only *.test.ts files are).
import { bench, describe } from 'vitest';
import { adainColorFix, waveletColorFix } from '../../../../../main/engine/imageOps/colorFix';
import { rgbToNchw } from '../../../../../main/engine/imageOps/convert';
import { float32ToFloat16Bits } from '../../../../../main/engine/onnx/float16';
import { featherMask } from '../../../../../main/engine/imageOps/masks';
import { resizeRgb } from '../../../../../main/engine/imageOps/resize';
import type { RgbImage } from '../../../../../main/engine/pipeline/types';

const mp = Number(process.env.BENCH_MP ?? 24);
const width = Math.round(Math.sqrt((mp * 1e6 * 3) / 2));
const height = Math.round((width * 2) / 3);

function image(w: number, h: number, seed: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return { width: w, height: h, data };
}

const big = image(width, height, 1);
const other = image(width, height, 2);
const small = image(Math.round(width / 4), Math.round(height / 4), 3);
const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe(`imageOps on ${width} x ${height} (${((width * height) / 1e6).toFixed(1)} MP)`, () => {
  bench('resizeRgb bicubic (PIL) 4x up from 1/16 size', () => void resizeRgb(small, height, width), once);
  bench('resizeRgb bicubic (PIL) 4x down', () => void resizeRgb(big, small.height, small.width), once);
  bench('resizeRgb bicubic-cv2 4x up', () => void resizeRgb(small, height, width, { method: 'bicubic-cv2' }), once);
  bench('waveletColorFix (5 levels)', () => void waveletColorFix(big, other), once);
  bench('adainColorFix', () => void adainColorFix(big, other), once);
  bench('rgbToNchw', () => void rgbToNchw(big), once);
  bench('float32ToFloat16Bits (3 x H x W values)', () => void float32ToFloat16Bits(big.data), once);
  bench('featherMask radius 16', () => void featherMask({ width, height, data: other.data.subarray(0, width * height) }, 16), once);
});
