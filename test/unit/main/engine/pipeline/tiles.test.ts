// The VAE's own tiling (tiles.ts vaeTiling) and the faithful-mode decode over it (steps.ts
// decodeLatents): the tiling is larger than the denoiser's, fitted, and leaves a small latent in
// one piece; decoding both latents per tile and blending their difference gives what decoding
// each over the whole image gives, for a local decoder, and without seams for a non-local one.
import { describe, expect, it } from 'vitest';
import { decodeLatents } from '../../../../../main/engine/pipeline/steps';
import { perTile, tilingFor, vaeTiling, VAE_MIN_TILE_PX, VAE_OVERLAP_CELLS } from '../../../../../main/engine/pipeline/tiles';
import { FAKE_CONFIG, FakeModels } from './fakeModels';
import { restoreWithTextPrompt as restore } from './pipelineParams';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';
import type { RestoreParams, RgbImage } from '../../../../../main/engine/pipeline/types';

const f = FAKE_CONFIG.latent.downsamplingFactor; // 4

function field(dims: [number, number, number, number], seed: number): Tensor {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = 0.6 * Math.sin(i * 0.013 + seed) * Math.cos(i * 0.0007 * seed);
  return { data, dims };
}

const maxAbs = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('vaeTiling', () => {
  it('tiles at least VAE_MIN_TILE_PX, fitted, with its own overlap; none when one tile holds the image', () => {
    const minCells = VAE_MIN_TILE_PX / f;
    expect(vaeTiling(VAE_MIN_TILE_PX, VAE_MIN_TILE_PX, 0, FAKE_CONFIG)).toBeNull();
    expect(vaeTiling(64, VAE_MIN_TILE_PX + 8, 0, FAKE_CONFIG)).toEqual({ tile: minCells, overlap: VAE_OVERLAP_CELLS, fit: true, margin: 1 });
    // A tile size above the minimum (the user's, in pixels) is taken as it is.
    expect(vaeTiling(64, 4096, 2048, FAKE_CONFIG)).toMatchObject({ tile: 2048 / f, fit: true });
    // The denoiser tiles this image at the pack's native 32 px; the VAE does not.
    expect(tilingFor(64, 512, 0, 8, FAKE_CONFIG)).not.toBeNull();
    expect(vaeTiling(64, 512, 0, FAKE_CONFIG)).toBeNull();
  });
});

describe('decodeLatents over fitted tiles', () => {
  const latent: [number, number, number, number] = [1, 4, 30, 53];
  const z = field(latent, 1);
  const mean = field(latent, 2);
  const R = field([1, 3, 30 * f, 53 * f], 3);
  const tiling = { tile: 16, overlap: 4, fit: true, margin: 1 };

  it('faithful mode: R + D(z / s) - D(m) per tile, blended, equals the untiled decode (local decoder)', async () => {
    const models = new FakeModels();
    const tiled = await decodeLatents(models, z, R, mean, perTile(tiling, {}));
    const whole = await decodeLatents(new FakeModels(), z, R, mean, perTile(null, {}));
    expect(tiled.dims).toEqual([1, 3, 30 * f, 53 * f]);
    expect(maxAbs(tiled.data, whole.data)).toBeLessThan(1e-6);
    // By hand, once: clamp(R + D(z / s) - D(m)).
    const d = await new FakeModels().vaeDecode({ data: z.data.map((v) => v / FAKE_CONFIG.latent.scaleFactor), dims: z.dims });
    const m = await new FakeModels().vaeDecode(mean);
    const expected = R.data.map((r, i) => Math.max(-1, Math.min(1, r + d.data[i]! - m.data[i]!)));
    expect(maxAbs(tiled.data, expected)).toBeLessThan(1e-6);
    // Two decodes per tile, tiles no larger than asked, both decodes of a tile on the same window.
    const decodes = models.calls.filter((c) => c.model === 'vaeDecode');
    expect(decodes.length % 2).toBe(0);
    expect(decodes.length).toBeGreaterThan(2 * 4);
    expect(decodes.every((c) => c.dims[2]! <= 16 && c.dims[3]! <= 16)).toBe(true);
    for (let i = 0; i < decodes.length; i += 2) expect(decodes[i]!.dims).toEqual(decodes[i + 1]!.dims);
  });

  it('a decoder whose output depends on the whole tile blends without seams', async () => {
    // Each tile's output shifted by its own mean: a hard paste would jump at every tile edge.
    class ShiftingModels extends FakeModels {
      override async vaeDecode(x: Tensor): Promise<Tensor> {
        const out = await super.vaeDecode(x);
        const shift = (10 * x.data.reduce((a, v) => a + v, 0)) / x.data.length;
        return { data: out.data.map((v) => v + shift), dims: out.dims };
      }
    }
    const tiled = await decodeLatents(new ShiftingModels(), z, null, null, perTile(tiling, {}));
    const pasted = await decodeLatents(new ShiftingModels(), z, null, null, perTile({ ...tiling, overlap: 0 }, {}));
    const plain = await decodeLatents(new FakeModels(), z, null, null, perTile(null, {}));
    const W = 53 * f;
    const H = 30 * f;
    // Largest jump between neighbours in what the tiling added (the output minus the plain decode).
    const maxStep = (t: Tensor): number => {
      let m = 0;
      const r = (i: number): number => t.data[i]! - plain.data[i]!;
      for (let p = 0; p < 3; p++)
        for (let y = 0; y < H; y++) for (let x = 1; x < W; x++) m = Math.max(m, Math.abs(r((p * H + y) * W + x) - r((p * H + y) * W + x - 1)));
      return m;
    };
    expect(maxStep(pasted)).toBeGreaterThan(0.05); // the shifts are really there
    expect(maxStep(pasted)).toBeGreaterThan(3 * maxStep(tiled));
  });
});

describe('restore() with the VAE tiled apart from the denoiser', () => {
  const params: RestoreParams = {
    restorationPrompt: 'Remove all degradation',
    semanticPrompt: 'a cat',
    negativePrompt: '',
    regions: [],
    steps: 4,
    guidanceScale: 3,
    seed: 7,
    strength: 0.5,
    scheduler: 'ddim',
    eta: 0,
    colorFix: 'none',
    useRestorer: true,
    tileSize: 0,
    tileOverlap: 8,
  };
  const input: RgbImage = { width: 840, height: 40, data: new Float32Array(840 * 40 * 3).map((_, i) => 0.5 + 0.4 * Math.sin(i * 0.37)) };

  it('runs the VAE on its own large tiles and matches the untiled run (local fake models)', async () => {
    const models = new FakeModels();
    const tiled = await restore(models, input, params);
    const whole = await restore(new FakeModels(), input, { ...params, tileSize: 4096 });
    const vae = models.calls.filter((c) => c.model === 'vaeDecode' || c.model === 'vaeEncode');
    const unet = models.calls.filter((c) => c.model === 'unet');
    expect(unet.every((c) => c.dims[3] === 32 / f)).toBe(true); // the denoiser: native 32 px tiles
    expect(vae.some((c) => c.dims[3]! > 32)).toBe(true); // the VAE: far larger ones
    expect(models.calls.filter((c) => c.model === 'vaeDecode').length).toBe(4); // 2 tiles x (z, m)
    expect(maxAbs(tiled.image.data, whole.image.data)).toBeLessThan(1e-5);
  });
});
