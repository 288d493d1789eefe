// Regions that restore their own way (regionRestore.ts) with the pixel-local fake: the groups and
// their crops, the restorer run per restoration over its crop only, the adaptor per restoration in
// diffusion, and Keep as is exact whatever ran.
import { describe, expect, it } from 'vitest';
import { degradationVector, parseRestorationPrompt } from '../../../../../common/restorationPrompt';
import { restorationPlan, restorerWindow } from '../../../../../main/engine/pipeline/regionRestore';
import type { Mask, RegionPrompt, RestoreParams, RgbImage } from '../../../../../main/engine/pipeline/types';
import { FAKE_CONFIG, FakeModels } from './fakeModels';
import { restoreWithTextPrompt as restore } from './pipelineParams';

function image(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.4 * Math.sin(i * 0.37 + 1);
  return { width, height, data };
}

/** 1 in [x0, x1) x [y0, y1). */
function box(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Float32Array(width * height);
  for (let y = y0; y < y1; y++) data.fill(1, y * width + x0, y * width + x1);
  return { width, height, data };
}

const PARAMS: RestoreParams = {
  restorationPrompt: 'Denoise with sigma 0.05',
  semanticPrompt: 'a cat',
  negativePrompt: '',
  regions: [],
  steps: 3,
  guidanceScale: 3,
  seed: 7,
  strength: 0,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'none',
  useRestorer: true,
  tileSize: 128, // one tile: the fake's native 32 would tile
  tileOverlap: 8,
};

const own = (mask: Mask, restorationPrompt: string): RegionPrompt => ({ mask, prompt: '', restoration: restorationPrompt === 'keep' ? { kind: 'keep' } : { kind: 'prompt', restorationPrompt } });

describe('restorationPlan', () => {
  it('stacks layers in order (later wins), groups equal prompts, and snaps the crop to the grid with the margin', () => {
    const W = 64;
    const a = box(W, W, 0, 0, 32, 64);
    const b = box(W, W, 16, 0, 48, 64);
    const run = parseRestorationPrompt('Denoise with sigma 0.05');
    const regions = [
      { mask: a, prompt: '', restoration: { kind: 'prompt' as const, restorationPrompt: parseRestorationPrompt('Deblur with sigma 2') } },
      { mask: b, prompt: '', restoration: { kind: 'keep' as const } },
      { mask: box(W, W, 60, 60, 64, 64), prompt: '', restoration: { kind: 'prompt' as const, restorationPrompt: run } },
    ];
    const plan = restorationPlan(regions, regions.map((r) => r.mask), run, [W, W], { useRestorer: true }, FAKE_CONFIG)!;
    expect(plan.groups.map((g) => [g.kind, g.regions])).toEqual([['run', [2]], ['prompt', [0]], ['keep', [1]]]);
    const [runGroup, deblur, keep] = plan.groups as [typeof plan.groups[0], typeof plan.groups[0], typeof plan.groups[0]];
    expect([deblur.weight[10], keep.weight[20], keep.weight[40], runGroup.weight[50]]).toEqual([1, 1, 1, 1]); // keep over the deblur
    expect(deblur.box).toEqual({ y: 0, x: 0, height: 64, width: 16 });
    expect(runGroup.alone).toBe(true);
    expect(restorerWindow({ y: 20, x: 20, height: 4, width: 4 }, 64, 64, FAKE_CONFIG)).toEqual({ y: 8, x: 8, height: 24, width: 24 });
    expect(restorationPlan([{ mask: a, prompt: 'a dog' }], [a], run, [W, W], { useRestorer: true }, FAKE_CONFIG)).toBeNull();
  });
});

describe('restore() with regions that restore their own way (fake models)', () => {
  const W = 64;
  const input = image(W, W);

  it('strength 0: the restorer runs over the region\'s crop only, pixels away from it are the plain run\'s, Keep gives the input exactly', async () => {
    const plain = await restore(new FakeModels(), input, PARAMS);
    const models = new FakeModels();
    const regions = [own(box(W, W, 8, 8, 24, 24), 'Deblur with sigma 2'), own(box(W, W, 40, 40, 56, 56), 'keep')];
    const out = await restore(models, input, { ...PARAMS, regions: regions.map((r) => ({ ...r, featherPx: 2 })) });
    expect(models.calls.filter((c) => c.model === 'restorer').map((c) => c.dims)).toEqual([[1, 3, 64, 64], [1, 3, 40, 40]]); // the photo, then the crop: box [8, 24) feathered to [6, 26), + 8 px, on the 8 grid: [0, 40)
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const far = (x < 6 || x > 25 || y < 6 || y > 25) && (x < 38 || x > 57 || y < 38 || y > 57);
        if (far) expect(out.image.data[i]).toBe(plain.image.data[i]);
        if (x >= 42 && x < 54 && y >= 42 && y < 54) expect(out.image.data[i]).toBe(input.data[i]);
      }
    }
    expect(models.degradations).toEqual([degradationVector(parseRestorationPrompt('Denoise with sigma 0.05')), degradationVector(parseRestorationPrompt('Deblur with sigma 2'))]);
    expect(out.regionRestorations).toEqual([{ kind: 'prompt', requested: 'Deblur with sigma 2.0;', restorationPrompt: 'Deblur with sigma 2.0;', estimate: null }, { kind: 'keep' }]);
  });

  it('with diffusion: the adaptor runs per restoration, the text encoder encodes each c_rest, and Keep stays exact', async () => {
    const models = new FakeModels();
    const regions = [own(box(W, W, 0, 0, 32, 64), 'Deblur with sigma 2'), own(box(W, W, 40, 40, 56, 56), 'keep')];
    const out = await restore(models, input, { ...PARAMS, strength: 0.5, regions });
    const adaptorCalls = models.calls.filter((c) => c.model === 'adaptor').length;
    const unetCalls = models.calls.filter((c) => c.model === 'unet').length;
    expect(adaptorCalls).toBe(3 * unetCalls); // the run's, the deblur's and keep's condition all meet the one tile
    const encoded = models.calls.filter((c) => c.model === 'textEncoder').at(-1); // after one [rest] per restorer pass
    expect(encoded?.dims[0]).toBe(2 + 2 + 1 + 3); // [neg; sem; region_1..2; rest; rest_run, rest_deblur, ""]
    for (let y = 44; y < 52; y++) for (let x = 44; x < 52; x++) expect(out.image.data[(y * W + x) * 3]).toBe(input.data[(y * W + x) * 3]);
  });
});
