// Regions that restore their own way, on the embedded default pack at its recommended settings
// (restorer only, faithful mode, 8 views): a kodim05 crop whose left half is blurred (sigma 2.0) and
// right half noisy (sigma 0.08), restored with one region per half (`Deblur with sigma 2.0;` left,
// `Denoise with sigma 0.08;` right). Each half scores as its own prompt run over the whole photo,
// and the pair beats every single prompt; pixels away from the regions are a run without regions,
// bit for bit; Keep as is gives the input's pixels. The 512x512 timing is `npm run bench -- --only
// regions`; the full 768x512 photo's numbers are `scripts/bench/regionsQuality.ts`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS } from '../../main/engine/jobs/restoreParams';
import { readManifest } from '../../main/engine/packs';
import type { RegionPrompt, RestoreParams, RgbImage } from '../../main/engine/pipeline/types';
import { restoreWithTextPrompt as restore } from '../unit/main/engine/pipeline/pipelineParams';
import { GLOBAL_PROMPTS, LEFT_PROMPT, RIGHT_PROMPT, cropImage, halvesPsnr, twoHalves, type TwoHalves } from '../../scripts/bench/twoHalves';
import { openPack, releasePack, type OpenPack } from './goldens';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const PACK_DIR = path.join(REPO, 'models', 'packs', 'spire-compact');
const PHOTO = path.join(REPO, '..', 'shared', 'datasets', 'Kodak24', 'kodim05.png');
/** The crop: 256 x 256 at (256, 128) of kodim05 (the embedded-pack test's crop, grown). */
const CROP = { x: 256, y: 128, width: 256, height: 256 } as const;

let opened: OpenPack;
let params: RestoreParams;
let scene: TwoHalves;

const region = (mask: RegionPrompt['mask'], restorationPrompt: string | 'keep', featherPx?: number): RegionPrompt => ({
  mask,
  prompt: '',
  restoration: restorationPrompt === 'keep' ? { kind: 'keep' } : { kind: 'prompt', restorationPrompt },
  ...(featherPx !== undefined ? { featherPx } : {}),
});

/** A mask with 1 in the box [x0, x1) x [y0, y1). */
function boxMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): RegionPrompt['mask'] {
  const data = new Float32Array(width * height);
  for (let y = y0; y < y1; y++) data.fill(1, y * width + x0, y * width + x1);
  return { width, height, data };
}

beforeAll(async () => {
  if (!fs.existsSync(PHOTO)) throw new Error(`${PHOTO} is missing: this test needs ../shared/datasets beside the checkout.`);
  opened = await openPack(PACK_DIR);
  const defaults = (await readManifest(PACK_DIR)).spire?.defaults ?? {};
  params = { ...DEFAULT_RESTORE_PARAMS, ...defaults, seed: 0 };
  scene = twoHalves(cropImage((await readImage(PHOTO)).rgb, CROP.x, CROP.y, CROP.width, CROP.height), 1);
}, 120_000);
afterAll(async () => {
  if (opened) await releasePack(opened.pack);
});

const run = (input: RgbImage, over: Partial<RestoreParams>) => restore(opened.models, input, { ...params, ...over });
const fmt = (p: readonly number[]): string => p.map((v) => v.toFixed(2)).join(' / ');

describe('regions with their own restoration prompt (embedded pack, strength 0)', () => {
  it('each half scores as its own prompt over the whole photo, and beats every single prompt by 1.5 dB', async () => {
    expect(params).toMatchObject({ strength: 0, useRestorer: true });
    const pair = await run(scene.degraded, { regions: [region(scene.left, LEFT_PROMPT), region(scene.right, RIGHT_PROMPT)] });
    const [left, right] = halvesPsnr(scene, pair.image);
    const ownLeft = halvesPsnr(scene, (await run(scene.degraded, { restorationPrompt: LEFT_PROMPT })).image)[0];
    const ownRight = halvesPsnr(scene, (await run(scene.degraded, { restorationPrompt: RIGHT_PROMPT })).image)[1];
    const singles: number[][] = [];
    for (const restorationPrompt of GLOBAL_PROMPTS) singles.push(halvesPsnr(scene, (await run(scene.degraded, { restorationPrompt })).image));
    console.log(
      `regions, kodim05 ${CROP.width}x${CROP.height} crop: input ${fmt(halvesPsnr(scene, scene.degraded))}; two regions ${fmt([left, right])} ` +
        `(mean ${((left + right) / 2).toFixed(2)}); own prompt ${fmt([ownLeft, ownRight])}; ` +
        GLOBAL_PROMPTS.map((p, i) => `"${p}" ${fmt(singles[i]!)} (mean ${((singles[i]![0]! + singles[i]![1]!) / 2).toFixed(2)})`).join('; ') + ' dB',
    );
    expect(pair.regionRestorations).toEqual([
      { kind: 'prompt', requested: LEFT_PROMPT, restorationPrompt: LEFT_PROMPT, estimate: null },
      { kind: 'prompt', requested: RIGHT_PROMPT, restorationPrompt: RIGHT_PROMPT, estimate: null },
    ]);
    expect(Math.abs(left - ownLeft)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(right - ownRight)).toBeLessThanOrEqual(0.2);
    for (const [i, single] of singles.entries()) {
      expect((left + right) / 2, `against "${GLOBAL_PROMPTS[i]}"`).toBeGreaterThanOrEqual((single[0]! + single[1]!) / 2 + 1.5);
    }
  });

  it('pixels farther than the feather from every region are a run without regions, bit for bit', async () => {
    const { width, height } = scene.clean;
    const feather = 8;
    const mask = boxMask(width, height, 32, 48, 112, 144); // a box on the blurred half
    const plain = await run(scene.degraded, {});
    const withRegion = await run(scene.degraded, { regions: [region(mask, LEFT_PROMPT, feather)] });
    let far = 0;
    let near = 0;
    let changed = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d = Math.max(32 - x, x - 111, 48 - y, y - 143); // Chebyshev distance outside the box (> 0 outside)
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          if (d > feather) {
            far += 1;
            if (withRegion.image.data[i] !== plain.image.data[i]) changed += 1;
          } else if (d <= 0 && withRegion.image.data[i] !== plain.image.data[i]) near += 1;
        }
      }
    }
    console.log(`regions: ${far / 3} pixels farther than the feather, ${changed} values differ; ${near} values inside the region differ from the run without it`);
    expect(far).toBeGreaterThan(width * height * 2);
    expect(changed).toBe(0);
    expect(near).toBeGreaterThan(0); // the region did restore its own way (`auto` reads the whole crop otherwise)
  });

  it('Keep as is returns the input\'s pixels exactly inside the region, and the rest as before', async () => {
    const { width, height } = scene.clean;
    const feather = 6;
    const mask = boxMask(width, height, 96, 64, 224, 192); // across both halves
    const plain = await run(scene.degraded, { restorationPrompt: 'Deblur with sigma 2.0; Denoise with sigma 0.08;' });
    const kept = await run(scene.degraded, { restorationPrompt: 'Deblur with sigma 2.0; Denoise with sigma 0.08;', regions: [region(mask, 'keep', feather)] });
    let inside = 0;
    let insideDiff = 0;
    let farDiff = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d = Math.max(96 - x, x - 223, 64 - y, y - 191);
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          if (d <= -feather) {
            inside += 1;
            if (kept.image.data[i] !== scene.degraded.data[i]) insideDiff += 1;
          } else if (d > feather && kept.image.data[i] !== plain.image.data[i]) farDiff += 1;
        }
      }
    }
    expect(kept.regionRestorations).toEqual([{ kind: 'keep' }]);
    expect(inside).toBeGreaterThan(100 * 100 * 3);
    expect(insideDiff).toBe(0);
    expect(farDiff).toBe(0);
  });
});
