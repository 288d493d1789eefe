import { describe, expect, it } from 'vitest';
import { sample, type SampleOptions } from '../../../../../main/engine/pipeline/sample';
import { strengthStartIndex } from '../../../../../main/engine/pipeline/steps';
import { restoreWithTextPrompt as restore } from './pipelineParams';
import { colorFix } from '../../../../../main/engine/imageOps/colorFix';
import { cropTensor, nchwToRgb, padToMultiple, rgbToNchw } from '../../../../../main/engine/imageOps/convert';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';
import { RestoreCancelled, type RestoreParams, type RgbImage, type StepProgress } from '../../../../../main/engine/pipeline/types';
import { FakeEstimatorModels, FakeModels } from './fakeModels';
import { degradationVector, parseRestorationPrompt } from '../../../../../common/restorationPrompt';

function image(width: number, height: number, seed = 1): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.4 * Math.sin(i * 0.37 + seed);
  return { width, height, data };
}

const PARAMS: RestoreParams = {
  restorationPrompt: 'Remove all degradation',
  semanticPrompt: 'a cat',
  negativePrompt: '',
  regions: [],
  steps: 4,
  guidanceScale: 3,
  seed: 7,
  strength: 1,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'none',
  useRestorer: false,
  tileSize: 0,
  tileOverlap: 8,
};

const maxAbs = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('restore (fake models)', () => {
  it('runs the recipe: one text batch, adaptor + one [uncond; cond] UNet batch per step, one decode', async () => {
    const models = new FakeModels();
    const out = await restore(models, image(32, 32), PARAMS);
    expect(out.image.width).toBe(32);
    expect(out.image.height).toBe(32);
    expect(out.stepsRun).toBe(4);
    expect(out.restorationPrompt).toBe('Remove all degradation');
    const sequence = models.calls.map((c) => c.model);
    expect(sequence).toEqual(['textEncoder', ...Array(4).fill(['adaptor', 'unet']).flat(), 'vaeDecode']);
    expect(models.calls.find((c) => c.model === 'textEncoder')?.dims).toEqual([3, 4, 2]); // [neg; sem; rest]
    expect(models.calls.find((c) => c.model === 'unet')?.dims).toEqual([2, 4, 8, 8]);
  });

  it('skips the unconditional UNet half when guidance cannot change the result (negative == semantic prompt, or g = 1)', async () => {
    const same = { ...PARAMS, semanticPrompt: '', negativePrompt: '' };
    const models = new FakeModels();
    const a = await restore(models, image(16, 16), same);
    expect(models.calls.filter((c) => c.model === 'unet').map((c) => c.dims[0])).toEqual([1, 1, 1, 1]);
    const b = await restore(new FakeModels(), image(16, 16), { ...same, guidanceScale: 7.5 });
    expect(maxAbs(a.image.data, b.image.data)).toBe(0); // u == c: the guidance scale is irrelevant
    const g1 = new FakeModels();
    const c = await restore(g1, image(16, 16), { ...PARAMS, guidanceScale: 1 });
    expect(g1.calls.find((k) => k.model === 'unet')?.dims[0]).toBe(1);
    const g3 = await restore(new FakeModels(), image(16, 16), PARAMS); // different prompts, g = 3: both halves
    expect(maxAbs(c.image.data, g3.image.data)).toBeGreaterThan(1e-4);
  });

  it('is deterministic: same inputs and seed give identical bytes; another seed differs', async () => {
    const a = await restore(new FakeModels(), image(24, 40), PARAMS);
    const b = await restore(new FakeModels(), image(24, 40), PARAMS);
    const c = await restore(new FakeModels(), image(24, 40), { ...PARAMS, seed: 8 });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(maxAbs(a.image.data, c.image.data)).toBeGreaterThan(1e-3);
  });

  it('pads to the size multiple and crops back (odd sizes)', async () => {
    const models = new FakeModels();
    const out = await restore(models, image(21, 13), PARAMS);
    expect([out.image.width, out.image.height]).toEqual([21, 13]);
    expect(models.calls.find((c) => c.model === 'unet')?.dims).toEqual([2, 4, 4, 6]); // 16 x 24 padded
  });

  it('makes the output K times the input for "Upsample to Kx"', async () => {
    const models = new FakeModels();
    const out = await restore(models, image(16, 12), { ...PARAMS, restorationPrompt: 'upsample to 2.5x; deblur' });
    expect([out.image.width, out.image.height]).toEqual([40, 30]);
    expect(out.restorationPrompt).toBe('Deblur; Upsample to 2.5x;');
    expect(out.image.data.length).toBe(40 * 30 * 3);
  });

  it('refuses a malformed restoration prompt before any model call', async () => {
    const models = new FakeModels();
    await expect(restore(models, image(16, 16), { ...PARAMS, restorationPrompt: 'Deblur with sigma 9' })).rejects.toThrow(/out of range: allowed 0.2 to 3.0/);
    expect(models.calls).toHaveLength(0);
  });

  it('strength < 1 encodes the input and runs only the last steps; faithful mode runs the restorer first', async () => {
    expect(strengthStartIndex(4, 0.6)).toBe(2);
    expect(strengthStartIndex(50, 1)).toBe(0);
    const models = new FakeModels();
    const out = await restore(models, image(16, 16), { ...PARAMS, strength: 0.6, useRestorer: true });
    expect(out.stepsRun).toBe(2);
    expect(models.calls.map((c) => c.model).slice(0, 3)).toEqual(['textEncoder', 'restorer', 'vaeEncode']);
    await expect(restore(new FakeModels(), image(16, 16), { ...PARAMS, strength: 0.1 })).rejects.toThrow(/runs no step/);
  });

  it('reports every step with elapsed time and an optional preview', async () => {
    const steps: StepProgress[] = [];
    await restore(new FakeModels(), image(32, 16), { ...PARAMS, scheduler: 'dpmpp-2m' }, { onStep: (p) => steps.push(p), previewSize: 16 });
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(steps.every((s) => s.totalSteps === 4 && s.elapsedMs >= 0)).toBe(true);
    expect(steps.map((s) => [s.preview?.width, s.preview?.height])).toEqual(Array(4).fill([16, 8]));
  });

  it('cancels within one step: no model call after the abort, RestoreCancelled thrown', async () => {
    const models = new FakeModels();
    const controller = new AbortController();
    let abortedAt = -1;
    models.beforeCall = (model, count) => {
      if (model === 'unet' && models.calls.filter((c) => c.model === 'unet').length === 2) {
        controller.abort();
        abortedAt = count;
      }
    };
    await expect(restore(models, image(16, 16), PARAMS, { signal: controller.signal })).rejects.toBeInstanceOf(RestoreCancelled);
    expect(models.calls).toHaveLength(abortedAt); // the UNet call in flight finished; nothing started after it
  });

  it('stops with a clear error when a model returns NaN', async () => {
    const models = new FakeModels();
    models.nanFromUnetCall = 2;
    await expect(restore(models, image(16, 16), PARAMS)).rejects.toThrow(/The UNet at step 2 \(timestep \d+\) produced NaN/);
  });

  it('batches regions as [uncond; global; region 1..N] and steers only inside each mask', async () => {
    const W = 32;
    const H = 16;
    const left = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % W < W / 2 ? 1 : 0)) };
    const right = { width: W, height: H, data: left.data.map((v) => 1 - v) };
    const models = new FakeModels();
    const regional = await restore(models, image(W, H), {
      ...PARAMS,
      semanticPrompt: '',
      regions: [
        { mask: left, prompt: 'a red fox' },
        { mask: right, prompt: 'a blue sky' },
      ],
    });
    expect(models.calls.find((c) => c.model === 'textEncoder')?.dims).toEqual([5, 4, 2]);
    expect(models.calls.find((c) => c.model === 'unet')?.dims).toEqual([4, 4, 4, 8]);
    const fox = await restore(new FakeModels(), image(W, H), { ...PARAMS, semanticPrompt: 'a red fox' });
    const sky = await restore(new FakeModels(), image(W, H), { ...PARAMS, semanticPrompt: 'a blue sky' });
    // The fake UNet is pixel-local, so away from the mask edge (one latent cell = 4 px) the regional
    // run equals each single-prompt run on its own side and differs from the other prompt's run.
    const side = (img: RgbImage, x0: number, x1: number): Float32Array => {
      const out: number[] = [];
      for (let y = 0; y < H; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) out.push(img.data[(y * W + x) * 3 + c]!);
      return Float32Array.from(out);
    };
    expect(maxAbs(side(regional.image, 0, 12), side(fox.image, 0, 12))).toBeLessThan(1e-5);
    expect(maxAbs(side(regional.image, 20, 32), side(sky.image, 20, 32))).toBeLessThan(1e-5);
    expect(maxAbs(side(regional.image, 0, 12), side(sky.image, 0, 12))).toBeGreaterThan(1e-2);
    expect(maxAbs(side(regional.image, 20, 32), side(fox.image, 20, 32))).toBeGreaterThan(1e-2);
  });

  it('tiles images above the native resolution and matches the untiled run for a local model', async () => {
    const tiledModels = new FakeModels();
    const input = image(80, 48);
    const params = { ...PARAMS, strength: 0.8, useRestorer: true, tileSize: 32, tileOverlap: 8 };
    const tiled = await restore(tiledModels, input, params);
    const untiled = await restore(new FakeModels(), input, { ...params, tileSize: 1024 });
    const unetDims = tiledModels.calls.filter((c) => c.model === 'unet').map((c) => c.dims);
    expect(unetDims.every((d) => d[2] === 8 && d[3] === 8)).toBe(true); // 32 px tiles = 8 latent cells
    expect(unetDims.length).toBeGreaterThan(3 * 2); // several tiles per step
    expect(maxAbs(tiled.image.data, untiled.image.data)).toBeLessThan(1e-5);
  });

  it('tiles regional runs too (masks cropped per tile) and matches the untiled regional run', async () => {
    const W = 80;
    const H = 48;
    const mask = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % W < 30 && Math.floor(i / W) > 10 ? 1 : 0)) };
    const params = { ...PARAMS, regions: [{ mask, prompt: 'a red fox', guidanceScale: 5 }], tileSize: 32, tileOverlap: 8 };
    const models = new FakeModels();
    const tiled = await restore(models, image(W, H), params);
    const untiled = await restore(new FakeModels(), image(W, H), { ...params, tileSize: 1024 });
    expect(models.calls.filter((c) => c.model === 'unet').every((c) => c.dims[0] === 3 && c.dims[2] === 8)).toBe(true);
    expect(maxAbs(tiled.image.data, untiled.image.data)).toBeLessThan(1e-5);
  });

  it('eta > 0 adds seeded noise: deterministic per seed, different from eta = 0', async () => {
    const a = await restore(new FakeModels(), image(16, 16), { ...PARAMS, eta: 1 });
    const b = await restore(new FakeModels(), image(16, 16), { ...PARAMS, eta: 1 });
    const c = await restore(new FakeModels(), image(16, 16), PARAMS);
    expect(maxAbs(a.image.data, b.image.data)).toBe(0);
    expect(maxAbs(a.image.data, c.image.data)).toBeGreaterThan(1e-3);
  });

  it('takes region masks drawn on the input when upsampling, and refuses masks of another size', async () => {
    const mask = { width: 16, height: 16, data: new Float32Array(256).fill(1) };
    const up = { ...PARAMS, restorationPrompt: 'Upsample to 2x', semanticPrompt: '' };
    const regional = await restore(new FakeModels(), image(16, 16), { ...up, regions: [{ mask, prompt: 'a red fox' }] });
    const single = await restore(new FakeModels(), image(16, 16), { ...up, semanticPrompt: 'a red fox' });
    expect(maxAbs(regional.image.data, single.image.data)).toBeLessThan(1e-5); // a full mask = the prompt everywhere
    const wrong = { width: 20, height: 16, data: new Float32Array(320) };
    await expect(restore(new FakeModels(), image(16, 16), { ...up, regions: [{ mask: wrong, prompt: 'x' }] })).rejects.toThrow(/Region 1 mask is 20 x 16; draw it on the image \(16 x 16\)/);
  });

  it('sample() checks its inputs', async () => {
    const base = {
      semanticPrompt: '', negativePrompt: '', restorationPrompt: parseRestorationPrompt(''), regions: [], steps: 2, guidanceScale: 1, eta: 0, seed: 0,
      strength: 1, scheduler: 'ddim' as const, useRestorer: false, tiling: null,
    };
    const y = { data: new Float32Array(3 * 12 * 16), dims: [1, 3, 12, 16] };
    await expect(sample(new FakeModels(), y, base)).rejects.toThrow(/multiples of 8, got 12 x 16/);
    const ok = { data: new Float32Array(3 * 16 * 16), dims: [1, 3, 16, 16] };
    await expect(sample(new FakeModels(), ok, { ...base, strength: 0 })).rejects.toThrow(
      /strength 0 runs no diffusion: it needs the faithful mode \(restorer\); raise the strength or turn on faithful mode/,
    );
    await expect(sample(new FakeModels(), ok, { ...base, strength: 1.5 })).rejects.toThrow(/strength must be in \[0, 1\], got 1.5/);
    await expect(sample(new FakeModels(), ok, { ...base, initialNoise: new Float32Array(3) })).rejects.toThrow(/initialNoise has 3 values/);
    await expect(sample(new FakeModels(), ok, { ...base, seed: -1 })).rejects.toThrow(/seed must be a whole number/);
    await expect(sample(new FakeModels(), ok, { ...base, eta: -0.5 })).rejects.toThrow(/eta must be a number >= 0/);
    const models = new FakeModels();
    await expect(sample(models, ok, { ...base, scheduler: 'euler' as never })).rejects.toThrow(/scheduler must be one of ddim, dpmpp-2m/);
    expect(models.calls).toHaveLength(0);
  });
});

/** The fake models whose decoder ignores the latent (a constant grey): every decode is identical. */
class BlindDecoderModels extends FakeModels {
  override async vaeDecode(z: Tensor): Promise<Tensor> {
    const out = await super.vaeDecode(z);
    return { data: new Float32Array(out.data.length).fill(-0.2), dims: out.dims };
  }
}

describe('faithful mode (restorer) keeps what the restorer achieved', () => {
  const faithful: RestoreParams = { ...PARAMS, useRestorer: true };
  const sampleBase: SampleOptions = {
    semanticPrompt: 'a cat', negativePrompt: '', restorationPrompt: parseRestorationPrompt('Remove all degradation'), regions: [], steps: 4, guidanceScale: 3,
    eta: 0, seed: 7, strength: 0.5, scheduler: 'ddim', useRestorer: true, tiling: null,
  };
  /** Image y [1, 3, 16, 24] with pixel detail the fake VAE (4x4 block means, nearest decode) cannot keep. */
  const y = (): Tensor => rgbToNchw(image(24, 16, 3));

  it('strength 0: text-encodes the restoration prompt alone, runs the restorer and nothing else; output = clamp(restorer(y))', async () => {
    const models = new FakeModels();
    const input = image(24, 16, 2);
    const out = await restore(models, input, { ...faithful, strength: 0, colorFix: 'wavelet' });
    expect(models.calls.map((c) => c.model)).toEqual(['textEncoder', 'restorer']);
    expect(models.calls[0]?.dims).toEqual([1, 4, 2]); // [rest] only
    expect(out.stepsRun).toBe(0);
    expect(out.timings.denoiseMs).toBe(0);
    expect(out.timings.decodeMs).toBe(0);
    expect(out.timings.restorerMs).toBeGreaterThanOrEqual(0);
    // The fake restorer: 0.9 y + 0.01 * (first value of the restoration embedding), no colour fix on top.
    const cRest0 = Math.sin(models.tokenize(['Remove all degradation'])[0]![0]!);
    const expected = rgbToNchw(input).data.map((v) => Math.min(1, Math.max(-1, 0.9 * v + 0.01 * cRest0)));
    expect(maxAbs(rgbToNchw(out.image).data, expected)).toBeLessThan(1e-6);
  });

  it('gives the restorer the parsed restoration prompt as numbers (degradationVector), on every tile', async () => {
    const models = new FakeModels();
    const prompt = 'denoise with sigma 0.06; Deblur;';
    await restore(models, image(80, 48), { ...faithful, strength: 0, restorationPrompt: prompt, tileSize: 32, tileOverlap: 8 });
    expect(models.degradations.length).toBeGreaterThan(1);
    // blur named without a number, no downsample, noise 0.06 of [0, 0.12], no jpeg, not blind.
    const expected = [1, 0, 0, 0, 0, 0, 1, 1, 0.5, 0, 0, 0, 0];
    for (const d of models.degradations) d.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 12));
  });

  it('restorerViews runs the restorer on that many views and averages them back (an equivariant restorer: same image)', async () => {
    const one = new FakeModels();
    const eight = new FakeModels();
    const a = await restore(one, image(40, 16, 3), { ...faithful, strength: 0, tileSize: 1024 });
    const b = await restore(eight, image(40, 16, 3), { ...faithful, strength: 0, tileSize: 1024, restorerViews: 8 });
    expect(one.calls.filter((c) => c.model === 'restorer')).toHaveLength(1);
    const calls = eight.calls.filter((c) => c.model === 'restorer');
    expect(calls).toHaveLength(8);
    // Odd quarter turns swap height and width (the padded image is not square).
    const [H, W] = calls[0]!.dims.slice(2) as [number, number];
    expect(H).not.toBe(W);
    expect(calls.filter((c) => c.dims[2] === W && c.dims[3] === H)).toHaveLength(4);
    expect(maxAbs(a.image.data, b.image.data)).toBeLessThan(1e-6);
    await expect(restore(new FakeModels(), image(16, 16), { ...faithful, strength: 0, restorerViews: 3 as never })).rejects.toThrow(/views must be 1, 2, 4 or 8/);
  });

  it('reports every restorer pass (tiles x views), in order, with the total known from the first', async () => {
    const models = new FakeModels();
    const seen: { pass: number; totalPasses: number; elapsedMs: number }[] = [];
    await restore(models, image(80, 48), { ...faithful, strength: 0, tileSize: 32, tileOverlap: 8, restorerViews: 4 }, { onRestorer: (p) => seen.push(p) });
    const calls = models.calls.filter((c) => c.model === 'restorer').length;
    expect(calls).toBeGreaterThan(4); // several tiles
    expect(seen.map((p) => p.pass)).toEqual(Array.from({ length: calls }, (_, i) => i + 1));
    expect(new Set(seen.map((p) => p.totalPasses))).toEqual(new Set([calls]));
    expect(seen.every((p, i) => p.elapsedMs >= (seen[i - 1]?.elapsedMs ?? 0))).toBe(true);
    const untiled: number[] = [];
    await restore(new FakeModels(), image(40, 16), { ...faithful, strength: 0, tileSize: 1024, restorerViews: 2 }, { onRestorer: (p) => untiled.push(p.totalPasses) });
    expect(untiled).toEqual([2, 2]);
  });

  it('reports every decoder call of the final decode (tiles, twice with detail transfer) and previews R before the first step', async () => {
    const models = new FakeModels();
    const order: string[] = [];
    const decodes: { pass: number; totalPasses: number }[] = [];
    let preview: RgbImage | null = null;
    // Wider than the VAE's least tile (VAE_MIN_TILE_PX), so its decode is tiled too.
    await restore(models, image(800, 480), { ...faithful, strength: 0.5, tileSize: 400, tileOverlap: 8 }, {
      previewSize: 20,
      onRestorer: () => order.push('restorer'),
      onRestored: (p) => {
        preview = p;
        order.push('restored');
      },
      onStep: () => order.push('step'),
      onDecode: (p) => {
        decodes.push(p);
        order.push('decode');
      },
    });
    expect(order.indexOf('restored')).toBe(order.lastIndexOf('restorer') + 1);
    expect(order.indexOf('restored')).toBeLessThan(order.indexOf('step'));
    expect(order.indexOf('decode')).toBeGreaterThan(order.lastIndexOf('step'));
    expect(preview).toMatchObject({ width: 20, height: 12 });
    // Detail transfer: the latent and the input's mean, each tiled like the image; every call reported, the total known from the first.
    expect(decodes.length).toBeGreaterThan(2);
    expect(decodes.length % 2).toBe(0);
    expect(decodes.map((d) => d.pass)).toEqual(Array.from({ length: decodes.length }, (_, i) => i + 1));
    expect(new Set(decodes.map((d) => d.totalPasses))).toEqual(new Set([decodes.length]));
    // No preview of R without previewSize, nor at strength 0 (R is the result).
    const none: string[] = [];
    await restore(new FakeModels(), image(16, 16), { ...faithful, strength: 0.5 }, { onRestored: () => none.push('r') });
    await restore(new FakeModels(), image(16, 16), { ...faithful, strength: 0 }, { previewSize: 8, onRestored: () => none.push('r') });
    expect(none).toEqual([]);
  });

  it('strength 0 without the faithful mode is refused before any model call, with what to do', async () => {
    const models = new FakeModels();
    await expect(restore(models, image(16, 16), { ...PARAMS, strength: 0 })).rejects.toThrow(/raise the strength or turn on faithful mode/);
    expect(models.calls).toHaveLength(0);
  });

  it('strength 0 tiles the restorer like the image and matches the untiled run', async () => {
    const models = new FakeModels();
    const tiled = await restore(models, image(80, 48), { ...faithful, strength: 0, tileSize: 32, tileOverlap: 8 });
    const whole = await restore(new FakeModels(), image(80, 48), { ...faithful, strength: 0, tileSize: 1024 });
    expect(models.calls.filter((c) => c.model === 'restorer').length).toBeGreaterThan(1);
    expect(models.calls.some((c) => c.model !== 'restorer' && c.model !== 'textEncoder')).toBe(false);
    expect(maxAbs(tiled.image.data, whole.image.data)).toBeLessThan(1e-6);
  });

  it('detail transfer: output = clamp(R + decode(z\' / s) - decode(mean), -1, 1), decoding the mean once', async () => {
    const models = new FakeModels();
    let last: Float32Array | null = null;
    const r = await sample(models, y(), { ...sampleBase, onLatents: (_i, _t, _e, z) => void (last = z.slice()) });
    const R = r.restoredInput!;
    const mean = await new FakeModels().vaeEncode(R);
    const s = models.config.latent.scaleFactor;
    const decoded = await new FakeModels().vaeDecode({ data: last!.map((v) => v / s), dims: mean.dims });
    const reconstruction = await new FakeModels().vaeDecode(mean);
    const expected = R.data.map((v, i) => Math.min(1, Math.max(-1, v + decoded.data[i]! - reconstruction.data[i]!)));
    expect(maxAbs(r.image.data, expected)).toBeLessThan(1e-6);
    expect(models.calls.filter((c) => c.model === 'vaeDecode')).toHaveLength(2);
    // The fake VAE loses the pixel detail (decode(encode(R)) != R), so the plain decode is far from R.
    expect(maxAbs(reconstruction.data, R.data)).toBeGreaterThan(0.1);
    expect(maxAbs(r.image.data, decoded.data.map((v) => Math.min(1, Math.max(-1, v))))).toBeGreaterThan(0.1);
  });

  it('detail transfer: a decoder that cannot tell latents apart gives back R exactly (its error cancels)', async () => {
    const r = await sample(new BlindDecoderModels(), y(), sampleBase);
    expect(maxAbs(r.image.data, r.restoredInput!.data)).toBeLessThan(1e-6);
  });

  it('detail transfer runs on the VAE\'s tiles (here one: the image is below its tile size) and matches the untiled run for a local model', async () => {
    const models = new FakeModels();
    const input = image(80, 48);
    const params = { ...faithful, strength: 0.5, tileSize: 32, tileOverlap: 8 };
    const tiled = await restore(models, input, params);
    const whole = await restore(new FakeModels(), input, { ...params, tileSize: 1024 });
    expect(models.calls.filter((c) => c.model === 'unet').length).toBeGreaterThan(2 * 4); // the denoiser tiled
    expect(models.calls.filter((c) => c.model === 'vaeDecode')).toHaveLength(2); // z and m, each whole (tiles.test.ts: tiled)
    expect(maxAbs(tiled.image.data, whole.image.data)).toBeLessThan(1e-5);
  });

  it('strength 1 in faithful mode decodes plainly (no reconstruction to subtract); plain mode below 1 too', async () => {
    for (const options of [{ strength: 1 }, { strength: 0.5, useRestorer: false }]) {
      const models = new FakeModels();
      let last: Float32Array | null = null;
      const r = await sample(models, y(), { ...sampleBase, ...options, onLatents: (_i, _t, _e, z) => void (last = z.slice()) });
      const s = models.config.latent.scaleFactor;
      const [, , H, W] = y().dims as [number, number, number, number];
      const decoded = await new FakeModels().vaeDecode({ data: last!.map((v) => v / s), dims: [1, 4, H / 4, W / 4] });
      expect(maxAbs(r.image.data, decoded.data.map((v) => Math.min(1, Math.max(-1, v))))).toBeLessThan(1e-6);
      expect(models.calls.filter((c) => c.model === 'vaeDecode')).toHaveLength(1);
    }
  });

  it('colour fix takes the restorer\'s output as its reference when the restorer ran, else the conditioning image', async () => {
    const input = image(21, 13, 5);
    for (const [params, withRestorer] of [[{ ...faithful, strength: 0.5 }, true], [{ ...PARAMS, strength: 0.5 }, false]] as const) {
      const raw = await restore(new FakeModels(), input, { ...params, colorFix: 'none' });
      const fixed = await restore(new FakeModels(), input, { ...params, colorFix: 'wavelet' });
      const padded = padToMultiple(rgbToNchw(input), 8).tensor; // 24 x 16
      const R = nchwToRgb(cropTensor((await sample(new FakeModels(), padded, sampleBase)).restoredInput!, 13, 21), [-1, 1], true);
      const [reference, other] = withRestorer ? [R, input] : [input, R];
      expect(maxAbs(fixed.image.data, colorFix(raw.image, reference, 'wavelet').data)).toBeLessThan(1e-6);
      expect(maxAbs(fixed.image.data, colorFix(raw.image, other, 'wavelet').data)).toBeGreaterThan(1e-3);
    }
  });

  it('the wavelet colour fix runs at colorFixLevels (default 5)', async () => {
    const input = image(40, 24, 9);
    const params = { ...faithful, strength: 0.5 };
    const raw = await restore(new FakeModels(), input, { ...params, colorFix: 'none' });
    const reference = (await restore(new FakeModels(), input, { ...params, strength: 0 })).image; // R itself
    const byDefault = await restore(new FakeModels(), input, { ...params, colorFix: 'wavelet' });
    const three = await restore(new FakeModels(), input, { ...params, colorFix: 'wavelet', colorFixLevels: 3 });
    expect(maxAbs(byDefault.image.data, colorFix(raw.image, reference, 'wavelet', { levels: 5 }).data)).toBeLessThan(1e-6);
    expect(maxAbs(three.image.data, colorFix(raw.image, reference, 'wavelet', { levels: 3 }).data)).toBeLessThan(1e-6);
    expect(maxAbs(three.image.data, byDefault.image.data)).toBeGreaterThan(1e-3);
    // Fewer levels take more of the reference: the output sits closer to R.
    const rms = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((acc, v, i) => acc + (v - b[i]!) ** 2, 0) / a.length);
    expect(rms(three.image.data, reference.data)).toBeLessThan(rms(byDefault.image.data, reference.data));
  });

  it('reports the restorer\'s time apart from the encoders\'', async () => {
    const on = await restore(new FakeModels(), image(16, 16), { ...faithful, strength: 0.5 });
    const off = await restore(new FakeModels(), image(16, 16), { ...PARAMS, strength: 0.5 });
    expect(Number.isFinite(on.timings.restorerMs) && on.timings.restorerMs! >= 0).toBe(true);
    expect(off.timings.restorerMs).toBe(0);
    expect(Object.keys(on.timings).sort()).toEqual(['decodeMs', 'denoiseMs', 'encodeMs', 'restorerMs', 'totalMs']);
  });
});

describe('the auto prompt and the blind prompt with an estimate', () => {
  const faithful0: RestoreParams = { ...PARAMS, useRestorer: true, strength: 0 };
  // blur sigma 0.2 + 0.5 * 2.8 = 1.6 (sure), noise 0.06 (unsure: left out), jpeg 30 + 0.25 * 62 = 45.5 -> 46 (sure)
  const reads = (): FakeEstimatorModels => new FakeEstimatorModels([3, -3, 3], [0.5, 0.5, 0.25]);

  it('auto runs with the estimate\'s clauses: the restorer gets their numbers, the result says what was read and used', async () => {
    const models = reads();
    const out = await restore(models, image(24, 16), { ...faithful0, restorationPrompt: 'auto' });
    expect(out.restorationPrompt).toBe('Deblur with sigma 1.6; Dejpeg with quality 46;');
    expect(out.estimate?.restorationPrompt).toBe(out.restorationPrompt);
    expect(out.estimate?.operations.map((o) => [o.key, o.present, o.source])).toEqual([['blur', true, 'pixels'], ['noise', false, 'pixels'], ['jpeg', true, 'pixels']]);
    expect(models.patchBatches).toEqual([[3, 3, 8, 8]]); // 16 x 24, patch 8, at most 4: one row of three
    const expected = degradationVector(parseRestorationPrompt('Deblur with sigma 1.6; Dejpeg with quality 46;'));
    expect(models.degradations).toEqual([expected]);
  });

  it('auto keeps the output size the user asked for and scales the blur with it', async () => {
    const models = reads();
    const out = await restore(models, image(24, 16), { ...faithful0, restorationPrompt: 'auto; Upsample to 2.0x;' });
    expect([out.image.width, out.image.height]).toEqual([48, 32]);
    expect(out.restorationPrompt).toBe('Deblur with sigma 3.0; Upsample to 2.0x; Dejpeg with quality 46;'); // 1.6 x 2, clamped to 3.0
  });

  it('a JPEG file\'s own quality replaces the pixels\' reading within the grammar\'s range', async () => {
    const out = await restore(reads(), image(24, 16), { ...faithful0, restorationPrompt: 'auto' }, {}, { jpegQualityFromFile: 75 });
    expect(out.restorationPrompt).toBe('Deblur with sigma 1.6; Dejpeg with quality 75;');
    expect(out.estimate?.jpegQualityFromFile).toBe(75);
    expect(out.estimate?.operations.find((o) => o.key === 'jpeg')).toMatchObject({ source: 'file', probability: 1, value: 75 });
  });

  it('a clean photo (empty estimate) is left alone at strength 0: the same pixels, no restorer call', async () => {
    const models = new FakeEstimatorModels([-4, -4, -4], [0.5, 0.5, 0.5]);
    const input = image(24, 16);
    const out = await restore(models, input, { ...faithful0, restorationPrompt: 'auto' });
    expect(out.restorationPrompt).toBe('');
    expect(out.estimate?.restorationPrompt).toBe('');
    expect(models.calls.map((c) => c.model)).toEqual([]);
    expect(out.image.data).toEqual(input.data);
    expect(out.image.data).not.toBe(input.data); // a copy: the caller's buffer is not handed back
    expect(out.stepsRun).toBe(0);
  });

  it('the blind prompt keeps its text and gives the restorer the estimate\'s numbers with the blind flag', async () => {
    const models = reads();
    const out = await restore(models, image(24, 16), { ...faithful0, restorationPrompt: 'Remove all degradation' });
    expect(out.restorationPrompt).toBe('Remove all degradation');
    expect(out.estimate?.restorationPrompt).toBe('Deblur with sigma 1.6; Dejpeg with quality 46;');
    const expected = degradationVector(parseRestorationPrompt('Deblur with sigma 1.6; Dejpeg with quality 46;'));
    expected[expected.length - 1] = 1;
    expect(models.degradations).toEqual([expected]);
    // Without the restorer there is nothing to steer: no estimate.
    const plain = reads();
    const noRestorer = await restore(plain, image(24, 16), { ...PARAMS, restorationPrompt: 'Remove all degradation', steps: 2 });
    expect(noRestorer.estimate).toBeNull();
    expect(plain.patchBatches).toEqual([]);
  });

  it('a typed prompt asks the estimator nothing', async () => {
    const models = reads();
    const out = await restore(models, image(24, 16), { ...faithful0, restorationPrompt: 'Denoise with sigma 0.05;' });
    expect(out.estimate).toBeNull();
    expect(models.patchBatches).toEqual([]);
  });

  it('auto on a pack without an estimator says what to type instead', async () => {
    await expect(restore(new FakeModels(), image(24, 16), { ...faithful0, restorationPrompt: 'auto' })).rejects.toThrow(
      /no degradation estimator, so it cannot read what is wrong with the photo: type the restoration prompt/,
    );
  });
});
