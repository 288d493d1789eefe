// float16 packs on onnxruntime-node's CPU provider: the tiny-random-fp16 fixture (tiny-random
// converted by `python -m spire.fp16`) loaded through the real engine path (readManifest ->
// loadPack with the real openSession -> OnnxSpireModels.fromPack -> sample()/restore()) must
// reproduce tiny-random's float32 PyTorch goldens within float16 tolerances:
//   - each component on the golden inputs: max abs diff <= 1e-2 x max |reference output|
//     (measured about 1.5e-3 x; float16 keeps 11 significant bits, 4.9e-4 relative);
//   - the golden `full` and `faithful` sampling runs with the golden's initial noise: latents
//     after every step within 2e-2 x their scale, the output image [-1, 1] (faithful: detail
//     transferred) within 5e-3 mean abs and 5e-2 max abs;
//   - restore() of a small picture: fp16 vs fp32 pack, mean abs diff on [0, 1] below 5e-3.
// Max abs differences are printed. Speed is not measured here (see models/README.md).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../../main/engine/pipeline/sample';
import { restoreWithTextPrompt as restore } from '../unit/main/engine/pipeline/pipelineParams';
import type { RestoreParams, RgbImage } from '../../main/engine/pipeline/types';
import type { Tensor } from '../../main/engine/tensor/tensor';
import { goldenOutput, goldenSampleOptions, openPack, packsDir, readFloat as readGoldenFloat, readGolden, readIds as readGoldenIds, releasePack, type OpenPack, type TensorRef } from './goldens';

const fp16Dir = path.join(packsDir, 'tiny-random-fp16');
const fp32Dir = path.join(packsDir, 'tiny-random');
const goldenDir = path.join(fp32Dir, 'golden'); // the fp16 pack reuses tiny-random's goldens

const golden = readGolden(goldenDir);

/** Component tolerance: max abs diff relative to the reference output's largest magnitude. */
const COMPONENT_REL_TOL = 1e-2;
const LATENT_REL_TOL = 2e-2;
const DECODED_MEAN_TOL = 5e-3;
const DECODED_MAX_TOL = 5e-2;
const RESTORE_MEAN_TOL = 5e-3;

const readFloat = (ref: TensorRef): Tensor => readGoldenFloat(goldenDir, ref);

/** [B, L] token ids. */
function readIds(ref: TensorRef): number[][] {
  const flat = readGoldenIds(goldenDir, ref);
  const [B, L] = ref.shape as [number, number];
  return Array.from({ length: B }, (_, b) => flat.slice(b * L, (b + 1) * L));
}

interface Diff {
  maxAbs: number;
  meanAbs: number;
  scale: number;
}

function diff(a: ArrayLike<number>, b: ArrayLike<number>): Diff {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    maxAbs = Math.max(maxAbs, d);
    sum += d;
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return { maxAbs, meanAbs: sum / a.length, scale };
}

const show = (d: Diff): string => `max ${d.maxAbs.toExponential(2)} (x${(d.maxAbs / d.scale).toExponential(1)} of scale ${d.scale.toFixed(2)}), mean ${d.meanAbs.toExponential(2)}`;

let half: OpenPack;

beforeAll(async () => {
  half = await openPack(fp16Dir);
}, 120_000); // opening a pack takes seconds; longer on a loaded machine
afterAll(async () => {
  await releasePack(half.pack);
});

describe('tiny-random-fp16 pack', () => {
  it('is float16 in the manifest and in the graphs, except input_ids', () => {
    const spec = half.pack.manifest.spire!;
    for (const [name, component] of Object.entries(spec.components)) {
      expect(component.dtype, name).toBe('float16');
      const session = half.pack.sessions.get(name)!;
      for (const v of [...component.inputs, ...component.outputs]) {
        expect(v.dtype, `${name}.${v.name}`).toBe(v.name === 'input_ids' ? 'int64' : 'float16');
        const graph = [...session.inputs, ...session.outputs].find((g) => g.name === v.name);
        expect(graph?.dtype, `${name}.${v.name} in the graph`).toBe(v.dtype);
      }
    }
  });

  it('runs every component close to the float32 goldens', async () => {
    const { models } = half;
    const c = golden.components;
    const results: Record<string, [Tensor, TensorRef]> = {};
    const te = c.text_encoder!;
    results['text_encoder'] = [await models.textEncoder(readIds(te.inputs.input_ids!)), te.outputs.last_hidden_state!];
    const ve = c.vae_encoder!;
    results['vae_encoder.latent_mean'] = [await models.vaeEncode(readFloat(ve.inputs.sample!)), ve.outputs.latent_mean!];
    const vd = c.vae_decoder!;
    results['vae_decoder'] = [await models.vaeDecode(readFloat(vd.inputs.latent_sample!)), vd.outputs.sample!];
    const ad = c.adaptor!;
    const t = [...readFloat(ad.inputs.timestep!).data];
    const fused = await models.adaptor(readFloat(ad.inputs.sample!), t, readFloat(ad.inputs.encoder_hidden_states!), readFloat(ad.inputs.cond_image!));
    const names = half.pack.manifest.spire!.adaptor!.skips.flatMap((s) => s.tensors);
    names.forEach((n, i) => (results[`adaptor.${n}`] = [fused[i]!, ad.outputs[n]!]));
    const un = c.unet!;
    const unetFused = names.map((n) => readFloat(un.inputs[n]!));
    results['unet'] = [
      await models.unet(readFloat(un.inputs.sample!), [...readFloat(un.inputs.timestep!).data], readFloat(un.inputs.encoder_hidden_states!), unetFused),
      un.outputs.out_sample!,
    ];
    const re = c.restorer!;
    const degradation = re.inputs.degradation ? [...readFloat(re.inputs.degradation).data] : [];
    results['restorer'] = [await models.restorer(readFloat(re.inputs.image!), readFloat(re.inputs.encoder_hidden_states!), degradation), re.outputs.restored!];

    const lines: string[] = [];
    for (const [name, [out, ref]] of Object.entries(results)) {
      expect(out.dims, name).toEqual(ref.shape);
      const d = diff(out.data, readFloat(ref).data);
      lines.push(`${name}: ${show(d)}`);
      expect(d.maxAbs, name).toBeLessThanOrEqual(COMPONENT_REL_TOL * d.scale);
    }
    console.log(`tiny-random-fp16 components vs fp32 goldens:\n  ${lines.join('\n  ')}`);
  });

  it.each(golden.sampling.map((r) => r.name))('sampling run "%s" follows the float32 golden', async (runName) => {
    const run = golden.sampling.find((r) => r.name === runName)!;
    const latents: Float32Array[] = [];
    const result = await sample(half.models, readFloat(run.image), {
      ...goldenSampleOptions(goldenDir, run),
      onLatents: (_i, _t, _eps, z) => latents.push(z.slice()),
    });
    expect(result.timesteps).toEqual(run.timesteps);
    const lines: string[] = [];
    run.steps.forEach((g, i) => {
      const d = diff(latents[i]!, readFloat(g.latents).data);
      lines.push(`step ${i + 1} latents: ${show(d)}`);
      expect(d.maxAbs, `step ${i + 1} latents`).toBeLessThanOrEqual(LATENT_REL_TOL * d.scale);
    });
    if (run.restoredInput) {
      const d = diff(result.restoredInput!.data, readFloat(run.restoredInput).data);
      lines.push(`restored input: ${show(d)}`);
      expect(d.maxAbs, 'restored input').toBeLessThanOrEqual(COMPONENT_REL_TOL * d.scale);
    }
    const d = diff(result.image.data, readFloat(goldenOutput(run)).data); // detail-transferred in faithful mode
    lines.push(`output image: ${show(d)}`);
    console.log(`tiny-random-fp16 "${runName}" vs fp32 golden:\n  ${lines.join('\n  ')}`);
    expect(d.meanAbs, 'decoded mean abs').toBeLessThanOrEqual(DECODED_MEAN_TOL);
    expect(d.maxAbs, 'decoded max abs').toBeLessThanOrEqual(DECODED_MAX_TOL);
  });

  it('restore() gives nearly the float32 pack\'s image', async () => {
    const full = await openPack(fp32Dir);
    try {
      const width = 40;
      const height = 32;
      const data = new Float32Array(width * height * 3);
      for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.4 * Math.sin(i / 17) * Math.cos(i / 251);
      const input: RgbImage = { width, height, data };
      const params: RestoreParams = {
        restorationPrompt: 'Deblur with sigma 2.0; Denoise with sigma 0.05;',
        semanticPrompt: 'a photo of a cat',
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
        tileSize: 4096,
        tileOverlap: 16,
      };
      const a = await restore(half.models, input, params);
      const b = await restore(full.models, input, params);
      expect([a.image.width, a.image.height]).toEqual([width, height]);
      const d = diff(a.image.data, b.image.data);
      console.log(`restore() fp16 vs fp32 pack, 40x32, 4 steps, [0, 1]: ${show(d)}`);
      expect(d.meanAbs).toBeLessThanOrEqual(RESTORE_MEAN_TOL);
    } finally {
      await releasePack(full.pack);
    }
  });
});
