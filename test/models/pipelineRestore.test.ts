// restore() on the tiny random pack (modulation): regional prompts steer their own areas,
// tiled runs of an image larger than the native resolution show no seams and stay close to
// the untiled run, identical inputs give identical bytes, and the time of one 64x64 restore
// is printed (speed is measured by benchmarks, never asserted here).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample, type SampleOptions } from '../../main/engine/pipeline/sample';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import { restoreWithTextPrompt as restore } from '../unit/main/engine/pipeline/pipelineParams';
import { rgbToNchw } from '../../main/engine/imageOps/convert';
import type { Mask, RestoreParams, RgbImage } from '../../main/engine/pipeline/types';
import { planTiles } from '../../main/engine/imageOps/tiling';
import { openPack, packsDir, releasePack, type OpenPack } from './goldens';

let opened: OpenPack;
let models: OpenPack['models'];

beforeAll(async () => {
  opened = await openPack(path.join(packsDir, 'tiny-random'));
  models = opened.models;
});
afterAll(async () => {
  await releasePack(opened.pack);
});

/** A smooth test picture: gradients and soft blobs. */
function picture(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = 0.5 + 0.4 * Math.sin(x / 9) * Math.cos(y / 13);
      data[i + 1] = x / width;
      data[i + 2] = 0.3 + 0.5 * Math.exp(-((x - width / 3) ** 2 + (y - height / 2) ** 2) / 200);
    }
  }
  return { width, height, data };
}

const PARAMS: RestoreParams = {
  restorationPrompt: 'Deblur with sigma 2.0; Denoise with sigma 0.05;',
  semanticPrompt: '',
  negativePrompt: '',
  regions: [],
  steps: 4,
  guidanceScale: 6,
  seed: 3,
  strength: 1,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'none',
  useRestorer: false,
  tileSize: 4096,
  tileOverlap: 16,
};

/** Mean abs difference over columns [x0, x1) of all rows. */
function meanDiff(a: RgbImage, b: RgbImage, x0: number, x1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = x0; x < x1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i]! - b.data[i]!);
        n++;
      }
    }
  }
  return sum / n;
}

describe('restore on the tiny pack', () => {
  it('is deterministic: identical bytes for identical inputs, seed and provider', async () => {
    const a = await restore(models, picture(40, 32), { ...PARAMS, semanticPrompt: 'a cat' });
    const b = await restore(models, picture(40, 32), { ...PARAMS, semanticPrompt: 'a cat' });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
  });

  it('regional prompts steer their own area and not the other one', async () => {
    const W = 64;
    const H = 32;
    const [A, B] = ['a photo of a cat', 'a dog on the beach'];
    const input = picture(W, H);
    // Step 1 (all runs start from the same noise): inside a region's mask the guided model output
    // is exactly the single-prompt run's, and differs from the other prompt's.
    const h = H / 4;
    const w = W / 4;
    const half = (left: boolean): Float32Array => new Float32Array(h * w).map((_, i) => ((i % w < w / 2) === left ? 1 : 0));
    const base: SampleOptions = {
      semanticPrompt: '', negativePrompt: '', restorationPrompt: parseRestorationPrompt(PARAMS.restorationPrompt), regions: [], steps: 4, guidanceScale: 6,
      eta: 0, seed: 3, strength: 1, scheduler: 'ddim', useRestorer: false, tiling: null,
    };
    const firstEps = async (options: Partial<SampleOptions>): Promise<Float32Array> => {
      let eps: Float32Array | null = null;
      await sample(models, rgbToNchw(input), { ...base, ...options, onLatents: (i, _t, e) => void (i === 1 && (eps = e.slice())) });
      return eps!;
    };
    const epsReg = await firstEps({ regions: [{ mask: half(true), prompt: A }, { mask: half(false), prompt: B }] });
    const epsA = await firstEps({ semanticPrompt: A });
    const epsB = await firstEps({ semanticPrompt: B });
    const side = (e: Float32Array, left: boolean): Float32Array => e.filter((_, i) => (i % w < w / 2) === left);
    const maxAbs = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const step1 = [maxAbs(side(epsReg, true), side(epsA, true)), maxAbs(side(epsReg, true), side(epsB, true)), maxAbs(side(epsReg, false), side(epsB, false)), maxAbs(side(epsReg, false), side(epsA, false))];
    console.log(`regions, step 1 eps max abs: left reg-A ${step1[0]!.toExponential(2)}, reg-B ${step1[1]!.toExponential(2)}; right reg-B ${step1[2]!.toExponential(2)}, reg-A ${step1[3]!.toExponential(2)}`);
    expect(step1[0]).toBeLessThan(1e-5);
    expect(step1[2]).toBeLessThan(1e-5);
    expect(step1[1]).toBeGreaterThan(1e-3);
    expect(step1[3]).toBeGreaterThan(1e-3);

    // Whole run, image masks: the UNet's attention mixes the halves in later steps, so each side is
    // only closer to its own prompt's run than to the other prompt's (interiors, 8 px from the edge).
    const mask = (left: boolean): Mask => ({ width: W, height: H, data: new Float32Array(W * H).map((_, i) => ((i % W < W / 2) === left ? 1 : 0)) });
    const regional = await restore(models, input, { ...PARAMS, regions: [{ mask: mask(true), prompt: A }, { mask: mask(false), prompt: B }] });
    const onlyA = await restore(models, input, { ...PARAMS, semanticPrompt: A });
    const onlyB = await restore(models, input, { ...PARAMS, semanticPrompt: B });
    const leftA = meanDiff(regional.image, onlyA.image, 0, 24);
    const leftB = meanDiff(regional.image, onlyB.image, 0, 24);
    const rightB = meanDiff(regional.image, onlyB.image, 40, 64);
    const rightA = meanDiff(regional.image, onlyA.image, 40, 64);
    console.log(`regions, final image mean abs: left reg-A ${leftA.toExponential(2)} vs reg-B ${leftB.toExponential(2)}; right reg-B ${rightB.toExponential(2)} vs reg-A ${rightA.toExponential(2)}`);
    expect(leftA).toBeLessThan(leftB);
    expect(rightB).toBeLessThan(rightA);
  });

  it('tiles an image above the native resolution without seams, close to the untiled run', async () => {
    const W = 128;
    const H = 96;
    const input = picture(W, H);
    const params = { ...PARAMS, semanticPrompt: 'a cat', strength: 0.75 };
    const tiled = await restore(models, input, { ...params, tileSize: 32, tileOverlap: 16 });
    const whole = await restore(models, input, params);
    // Interior tile edges (pixels) of the latent plan restore() uses: 8-cell tiles, 4-cell overlap, f = 4.
    const plan = planTiles(H / 4, W / 4, 8, 4, 2);
    const edgesX = new Set(plan.tiles.flatMap((t) => [t.x * 4, (t.x + t.width) * 4]).filter((x) => x > 0 && x < W));
    const edgesY = new Set(plan.tiles.flatMap((t) => [t.y * 4, (t.y + t.height) * 4]).filter((y) => y > 0 && y < H));
    const energy = (img: RgbImage, vertical: boolean, at: (i: number) => boolean): number => {
      let sum = 0;
      let n = 0;
      const [len, other] = vertical ? [W, H] : [H, W];
      for (let i = 1; i < len; i++) {
        if (!at(i)) continue;
        for (let j = 0; j < other; j++) {
          const [x, y, px, py] = vertical ? [i, j, i - 1, j] : [j, i, j, i - 1];
          for (let c = 0; c < 3; c++) sum += (img.data[(y * W + x) * 3 + c]! - img.data[(py * W + px) * 3 + c]!) ** 2;
          n++;
        }
      }
      return sum / n;
    };
    const seam = (energy(tiled.image, true, (x) => edgesX.has(x)) + energy(tiled.image, false, (y) => edgesY.has(y))) / 2;
    const elsewhere = (energy(tiled.image, true, (x) => !edgesX.has(x)) + energy(tiled.image, false, (y) => !edgesY.has(y))) / 2;
    const diff = meanDiff(tiled.image, whole.image, 0, W);
    console.log(`tiling: ${plan.tiles.length} tiles; gradient energy at tile edges ${seam.toExponential(2)} vs elsewhere ${elsewhere.toExponential(2)}; mean |tiled - untiled| ${diff.toExponential(2)}`);
    expect(plan.tiles.length).toBeGreaterThan(4);
    expect(seam).toBeLessThan(1.5 * elsewhere);
    expect(diff).toBeLessThan(0.1);
  });

  it('times one 64x64 restore (printed, not asserted)', async () => {
    const input = picture(64, 64);
    await restore(models, input, { ...PARAMS, tileSize: 0 }); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const out = await restore(models, input, { ...PARAMS, tileSize: 0, steps: 20 });
      runs.push(performance.now() - t0);
      expect(out.stepsRun).toBe(20);
    }
    const noTile = await restore(models, input, { ...PARAMS, steps: 20 });
    console.log(`64x64, 20 DDIM steps, 1 cpu thread: tiled (native 32) ${runs.map((r) => r.toFixed(0)).join(' / ')} ms; untiled ${noTile.timings.totalMs.toFixed(0)} ms`);
  });
});
