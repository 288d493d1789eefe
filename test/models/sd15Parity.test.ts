// Parity with diffusers: the tiny SD-1.5-shaped pack imported by spire.import_sd
// (test/fixtures/packs/tiny-sd15, diffusers' own UNet2DConditionModel / AutoencoderKL / CLIPTextModel
// with seeded random weights) run through our engine as a plain prior (no adaptor, no restorer, colour
// fix none) against StableDiffusionImg2ImgPipeline's goldens (golden/index.json: diffusers 0.27.2,
// 64 x 96, guidance 7.5, 5 steps at strength 0.6, the same initial noise), for DDIM and DPM-Solver++ 2M.
// The goldens' conventions are the engine's: the VAE mean (not a sample), leading timestep spacing with
// steps_offset 1, the noise added at the first kept timestep, [uncond; cond] guidance.
import fs from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import type { SchedulerName } from '../../common/runSettings';
import { restore } from '../../main/engine/pipeline/restore';
import { importModel } from '../../main/import/importModel';
import { sample } from '../../main/engine/pipeline/sample';
import { requireGolden } from '../fixtures/goldenFiles';
import { openPack, packsDir, readFloat, readIds, releasePack, type OpenPack, type TensorRef } from './goldens';

const PACK = path.join(packsDir, 'tiny-sd15');
const GOLDEN = path.join(PACK, 'golden');
const REGENERATE = 'cd models && python tools/make_sd15_fixture.py (diffusers 0.27.2, transformers 4.38.2; models/README.md)';
/** Max abs difference on the [0, 1] output image (the goldens' own tolerance). */
const TOLERANCE = 1e-3;

interface Sd15Run {
  name: string;
  scheduler: SchedulerName;
  numInferenceSteps: number;
  strength: number;
  guidanceScale: number;
  eta: number;
  seed: number;
  timesteps: number[];
  initialNoise: TensorRef;
  initialLatents: TensorRef;
  steps: { timestep: number; noisePred: TensorRef; latents: TensorRef }[];
  output: TensorRef;
}
interface Sd15Golden {
  tolerance: { output: number };
  height: number;
  width: number;
  image: TensorRef;
  latentMean: TensorRef;
  prompts: { semantic: string; negative: string };
  inputIds: { semantic: TensorRef; negative: TensorRef };
  runs: Sd15Run[];
}

// Python's json writes DPM-Solver's lambda_min_clipped as -Infinity, which JSON.parse refuses; it is read as a string.
const goldenText = fs.readFileSync(requireGolden(path.join(GOLDEN, 'index.json'), REGENERATE), 'utf8').replace(/-Infinity/g, '"-Infinity"');
const golden = JSON.parse(goldenText) as Sd15Golden;
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
/** [1, 3, H, W] -> HWC. */
function toHwc(t: Float32Array, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W * 3);
  for (let c = 0; c < 3; c++) for (let p = 0; p < H * W; p++) out[p * 3 + c] = t[c * H * W + p]!;
  return out;
}

describe('tiny-sd15: our engine vs diffusers StableDiffusionImg2ImgPipeline', () => {
  let open: OpenPack;
  beforeAll(async () => {
    open = await openPack(PACK);
  });
  afterAll(async () => {
    if (open) await releasePack(open.pack);
  });
  const { height: H, width: W } = golden;
  const image = readFloat(GOLDEN, golden.image).data; // [1, 3, H, W] in [0, 1]

  it('tokenizes the prompts as the pipeline did and encodes the VAE mean', async () => {
    const ids = open.models.tokenize([golden.prompts.negative, golden.prompts.semantic]);
    expect(ids[0]).toEqual(readIds(GOLDEN, golden.inputIds.negative));
    expect(ids[1]).toEqual(readIds(GOLDEN, golden.inputIds.semantic));
    const mean = await open.models.vaeEncode({ data: image.map((v) => 2 * v - 1), dims: [1, 3, H, W] });
    expect(maxAbs(mean.data, readFloat(GOLDEN, golden.latentMean).data)).toBeLessThan(1e-4);
  });

  it.each(golden.runs.map((r) => [r.name, r] as const))('%s: latents step by step and the output image within 1e-3', async (_name, run) => {
    await checkRun(open, run);
  });

  it('the same graphs laid out as an optimum ONNX export, imported by spire import (no Python), give the same image', async () => {
    // tiny-sd15's graphs with optimum's folders and the diffusers configs (tiny: UNet [16, 32, 32], VAE [8, 16, 16, 16]).
    const tmp = await mkdtemp(path.join(tmpdir(), 'spire-sd15-export-'));
    try {
      const source = path.join(tmp, 'export');
      for (const part of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder', 'tokenizer', 'scheduler']) await cp(path.join(PACK, part), path.join(source, part), { recursive: true });
      await writeFile(path.join(source, 'model_index.json'), JSON.stringify({ _class_name: 'ORTStableDiffusionPipeline' }));
      await writeFile(path.join(source, 'unet', 'config.json'), JSON.stringify({ block_out_channels: [16, 32, 32], sample_size: 8 }));
      await writeFile(path.join(source, 'vae_decoder', 'config.json'), JSON.stringify({ block_out_channels: [8, 16, 16, 16], latent_channels: 4, scaling_factor: 0.18215 }));
      const { packDir } = await importModel({ source, outDir: path.join(tmp, 'pack') });
      const imported = await openPack(packDir);
      try {
        expect(imported.models.config).toMatchObject({ sizeMultiple: 32, nativeResolution: 64, latent: { channels: 4, scaleFactor: 0.18215, downsamplingFactor: 8 }, fusion: null });
        for (const run of golden.runs) await checkRun(imported, run);
      } finally {
        await releasePack(imported.pack);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

async function checkRun(open: OpenPack, run: Sd15Run): Promise<void> {
  const { height: H, width: W } = golden;
  const image = readFloat(GOLDEN, golden.image).data; // [1, 3, H, W] in [0, 1]
  {
    expect(golden.tolerance.output).toBe(TOLERANCE);
    const initialNoise = readFloat(GOLDEN, run.initialNoise).data;
    const common = {
      semanticPrompt: golden.prompts.semantic,
      negativePrompt: golden.prompts.negative,
      steps: run.numInferenceSteps,
      guidanceScale: run.guidanceScale,
      eta: run.eta,
      seed: run.seed,
      strength: run.strength,
      scheduler: run.scheduler,
      useRestorer: false,
    };
    const perStep: { timestep: number; latents: Float32Array }[] = [];
    const sampled = await sample(open.models, { data: image.map((v) => 2 * v - 1), dims: [1, 3, H, W] }, {
      ...common,
      restorationPrompt: parseRestorationPrompt(''),
      regions: [],
      tiling: null,
      initialNoise,
      onLatents: (_step, timestep, _eps, latents) => perStep.push({ timestep, latents: latents.slice() }),
    });
    expect(sampled.timesteps).toEqual(run.timesteps);
    const stepDiffs = run.steps.map((s, i) => maxAbs(perStep[i]!.latents, readFloat(GOLDEN, s.latents).data));

    const result = await restore(
      open.models,
      { width: W, height: H, data: toHwc(image, H, W) },
      { ...common, restorationPrompt: parseRestorationPrompt(''), regions: [], colorFix: 'none', tileSize: 1024, tileOverlap: 0 },
      {},
      { initialNoise },
    );
    const output = toHwc(readFloat(GOLDEN, run.output).data, H, W);
    const diff = maxAbs(result.image.data, output);
    console.log(`tiny-sd15 ${run.name}: latents max abs diff per step ${stepDiffs.map((d) => d.toExponential(2)).join(', ')}; output max abs diff ${diff.toExponential(2)} on [0, 1]`);
    expect(Math.max(...stepDiffs)).toBeLessThan(1e-3);
    expect(diff).toBeLessThan(TOLERANCE);
  }
}
