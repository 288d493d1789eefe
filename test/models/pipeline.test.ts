// Full-sampling parity: the TypeScript pipeline (main/engine/pipeline) on the tiny random packs
// must reproduce the PyTorch reference sampler (models/spire/sampler.py), whose every step is
// stored in test/fixtures/packs/<pack>/golden/index.json, given the golden's initial noise.
// Tolerance: the golden's float32 tolerance (1e-4 max abs) on per-step latents, guided model
// outputs and the output image (the detail-transferred one in faithful mode below strength 1).
// Strength 0 (the restorer alone) is checked against the faithful run's restored input.
// Max abs differences are printed.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../../main/engine/pipeline/sample';
import { goldenOutput, goldenPacks, goldenSampleOptions, openPack, packsDir, readFloat, readGolden, readIds, releasePack, type OpenPack } from './goldens';

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const packs = goldenPacks();

describe.each(packs)('pipeline parity, pack %s', (packName) => {
  const packDir = path.join(packsDir, packName);
  const goldenDir = path.join(packDir, 'golden');
  const golden = readGolden(goldenDir);
  const tol = golden.tolerance.float32;
  let opened: OpenPack;

  beforeAll(async () => {
    opened = await openPack(packDir);
  }, 120_000); // opening a pack takes seconds; longer on a loaded machine
  afterAll(async () => {
    await releasePack(opened.pack);
  });

  it.each(golden.sampling.map((r) => r.name))('run "%s" matches the reference sampler step by step', async (runName) => {
    const run = golden.sampling.find((r) => r.name === runName)!;
    const { models } = opened;
    // Same token ids as Python for the three prompts.
    expect(models.tokenize([run.negativePrompt, run.semanticPrompt, run.restorationPrompt])).toEqual([
      readIds(goldenDir, run.inputIds.negative),
      readIds(goldenDir, run.inputIds.semantic),
      readIds(goldenDir, run.inputIds.restoration),
    ]);
    const steps: { t: number; eps: Float32Array; z: Float32Array }[] = [];
    const result = await sample(models, readFloat(goldenDir, run.image), {
      ...goldenSampleOptions(goldenDir, run),
      onLatents: (_i, t, eps, z) => steps.push({ t, eps: eps.slice(), z: z.slice() }),
    });
    expect(result.timesteps).toEqual(run.timesteps);
    expect(steps.map((s) => s.t)).toEqual(run.steps.map((s) => s.timestep));
    const diffs: Record<string, number> = {};
    if (run.restoredInput) diffs.restoredInput = maxAbs(result.restoredInput!.data, readFloat(goldenDir, run.restoredInput).data);
    run.steps.forEach((g, i) => {
      diffs[`step${i + 1}.noisePred`] = maxAbs(steps[i]!.eps, readFloat(goldenDir, g.noisePred).data);
      diffs[`step${i + 1}.latents`] = maxAbs(steps[i]!.z, readFloat(goldenDir, g.latents).data);
    });
    // The output: the plain decode, or in faithful mode below strength 1 the detail-transferred image.
    diffs.output = maxAbs(result.image.data, readFloat(goldenDir, goldenOutput(run)).data);
    console.log(`${packName}/${runName}: max abs diffs ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
    for (const [k, v] of Object.entries(diffs)) expect(v, k).toBeLessThanOrEqual(tol);
  });

  const faithfulRuns = golden.sampling.filter((r) => r.useRestorer && r.restoredInput).map((r) => r.name);
  it.each(faithfulRuns)('strength 0 on run "%s" gives the reference restorer\'s output alone', async (runName) => {
    const run = golden.sampling.find((r) => r.name === runName)!;
    const result = await sample(opened.models, readFloat(goldenDir, run.image), { ...goldenSampleOptions(goldenDir, run), strength: 0 });
    expect(result.timesteps).toEqual([]);
    const diff = maxAbs(result.image.data, readFloat(goldenDir, run.restoredInput!).data);
    console.log(`${packName}/${runName} at strength 0: max abs diff to the golden restored input ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(tol);
  });
});
