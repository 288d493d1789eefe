// Full sampling loops against diffusers (see test/fixtures/scheduler/generate.py for the
// reference versions and cases). Each case runs the same fake model in the same loop and
// compares prevSample / predOriginalSample at the recorded steps and the final latent.
//
// Tolerance: allclose with rtol 1e-5 and atol 1e-5 (|a - b| <= 1e-5 + 1e-5 |b|). The TypeScript
// schedulers compute scalars in float64 where PyTorch uses float32, so the two differ by a few
// float32 ulps per step, accumulated over up to 50 steps.
import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from '../../../../../main/engine/scheduler/DDIMScheduler';
import { DPMSolverMultistepScheduler } from '../../../../../main/engine/scheduler/DPMSolverMultistepScheduler';
import type { Scheduler } from '../../../../../main/engine/scheduler/types';
import { type GoldenCase, closeness, f32, fakeModel, goldens } from './goldens';

const RTOL = 1e-5;
const ATOL = 1e-5;

function build(c: { scheduler: string; config: Record<string, unknown> }): Scheduler {
  return c.scheduler === 'DDIMScheduler' ? DDIMScheduler.fromConfig(c.config) : DPMSolverMultistepScheduler.fromConfig(c.config);
}

function runCase(c: GoldenCase): { scheduler: Scheduler; failures: string[] } {
  const scheduler = build(c);
  scheduler.setTimesteps(c.numInferenceSteps);
  const failures: string[] = [];
  const initial = f32(goldens.initialSample);
  let sample = initial;
  let start = 0;
  if (c.strength !== undefined) {
    start = c.startIndex!;
    scheduler.setBeginIndex(start);
    sample = scheduler.addNoise(initial, f32(c.imageNoise!), scheduler.timesteps[start]!);
    const r = closeness(sample, f32(c.noisedStart!), RTOL, ATOL);
    if (!(r <= 1)) failures.push(`noised start: ${r.toFixed(2)}x tolerance`);
  }
  const recorded = new Map(c.steps.map((s) => [s.index, s]));
  let noiseIndex = 0;
  for (let i = start; i < scheduler.timesteps.length; i++) {
    const t = scheduler.timesteps[i]!;
    const out = scheduler.step(fakeModel(sample, t), t, sample, {
      eta: c.eta,
      varianceNoise: c.noise ? f32(c.noise[noiseIndex++]!) : undefined,
    });
    sample = out.prevSample;
    const golden = recorded.get(i);
    if (!golden) continue;
    const r = closeness(sample, f32(golden.prevSample), RTOL, ATOL);
    if (!(r <= 1)) failures.push(`step ${i} (t=${t}) prevSample: ${r.toFixed(2)}x tolerance`);
    if (golden.predOriginalSample) {
      const r0 = closeness(out.predOriginalSample, f32(golden.predOriginalSample), RTOL, ATOL);
      if (!(r0 <= 1)) failures.push(`step ${i} (t=${t}) predOriginalSample: ${r0.toFixed(2)}x tolerance`);
    }
  }
  const rf = closeness(sample, f32(c.final), RTOL, ATOL);
  if (!(rf <= 1)) failures.push(`final: ${rf.toFixed(2)}x tolerance`);
  return { scheduler, failures };
}

describe(`schedulers vs diffusers ${goldens.reference.diffusers} (torch ${goldens.reference.torch})`, () => {
  it('has cases for both schedulers', () => {
    expect(goldens.cases.filter((c) => c.scheduler === 'DDIMScheduler').length).toBeGreaterThan(5);
    expect(goldens.cases.filter((c) => c.scheduler === 'DPMSolverMultistepScheduler').length).toBeGreaterThan(3);
  });

  it.each(goldens.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { scheduler, failures } = runCase(c);
    expect(scheduler.timesteps).toEqual(c.timesteps);
    if (c.sigmas && scheduler instanceof DPMSolverMultistepScheduler) {
      expect(closeness(scheduler.sigmas, Float32Array.from(c.sigmas), 1e-6, 0)).toBeLessThanOrEqual(1);
    }
    expect(failures).toEqual([]);
  });

  it('perturbing the model output by 1e-3 breaks the match (the comparison can fail)', () => {
    const c = goldens.cases.find((x) => x.scheduler === 'DDIMScheduler' && x.eta === 0)!;
    const scheduler = build(c);
    scheduler.setTimesteps(c.numInferenceSteps);
    let sample = f32(goldens.initialSample);
    for (const t of scheduler.timesteps) {
      const eps = fakeModel(sample, t).map((v) => v + 1e-3);
      sample = scheduler.step(eps, t, sample).prevSample;
    }
    expect(closeness(sample, f32(c.final), RTOL, ATOL)).toBeGreaterThan(1);
  });
});

describe('alphasCumprod vs diffusers', () => {
  it.each(Object.entries(goldens.alphasCumprod))('%s', (_name, g) => {
    const s = DDIMScheduler.fromConfig(g.config);
    // float32 betas and a float64 running product, as torch.cumprod on the CPU: within 1e-6 relative.
    expect(closeness(s.alphasCumprod, f32(g.alphasCumprod), 1e-6, 0)).toBeLessThanOrEqual(1);
  });
});

describe('addNoise vs diffusers', () => {
  const noise = f32(goldens.addNoise.noise);
  const original = f32(goldens.initialSample);
  it.each(goldens.addNoise.cases.map((c) => [`${c.scheduler} t=${c.timestep}`, c] as const))('%s', (_name, c) => {
    const s = build(c);
    s.setTimesteps(c.numInferenceSteps);
    expect(closeness(s.addNoise(original, noise, c.timestep), f32(c.noisy), RTOL, ATOL)).toBeLessThanOrEqual(1);
  });
});
