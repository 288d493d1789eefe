// Replays the reference sampler's DDIM steps stored in each tiny random pack's goldens
// (test/fixtures/packs/*/golden, written by `cd models && python -m spire.fixtures`, whose
// DDIM is models/spire/scheduler.py): given the stored guided noise prediction, the
// TypeScript DDIMScheduler must reproduce the stored latents after every step.
// Tolerance: allclose rtol 1e-5, atol 1e-5.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from '../../../../../main/engine/scheduler/DDIMScheduler';
import { parseSchedulerConfigText } from '../../../../../main/engine/scheduler/config';
import { goldenRuns, packsDir, packsWithGoldens } from '../packGoldens';
import { closeness } from './goldens';

interface Ref {
  file: string;
  dtype: string;
  shape: number[];
}
interface Run {
  name: string;
  numInferenceSteps: number;
  strength: number;
  eta: number;
  timesteps: number[];
  initialNoise: Ref;
  initialLatents: Ref;
  steps: { timestep: number; noisePred: Ref; latents: Ref }[];
}

const packs = packsWithGoldens(path.join('scheduler', 'scheduler_config.json'));

function readF32(dir: string, ref: Ref): Float32Array {
  const buf = readFileSync(path.join(dir, ref.file));
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

describe('DDIM replay of the reference sampler', () => {
  it.each(goldenRuns<Run>(packs))('%s', (_label, pack, golden, run) => {
    const config = parseSchedulerConfigText(readFileSync(path.join(packsDir, pack, 'scheduler', 'scheduler_config.json'), 'utf8'));
    const s = DDIMScheduler.fromConfig(config);
    s.setTimesteps(run.numInferenceSteps);
    // img2img keeps the last int(n * strength) timesteps.
    const keep = run.strength < 1 ? Math.floor(run.numInferenceSteps * run.strength) : run.numInferenceSteps;
    expect(s.timesteps.slice(s.timesteps.length - keep)).toEqual(run.timesteps);
    if (run.strength === 1) {
      expect([...readF32(golden, run.initialLatents)]).toEqual([...readF32(golden, run.initialNoise).map((v) => v * s.initNoiseSigma)]);
    }
    expect(run.eta).toBe(0); // eta > 0 would need torch's noise, which the goldens do not store
    let z = readF32(golden, run.initialLatents);
    for (const step of run.steps) {
      z = s.step(readF32(golden, step.noisePred), step.timestep, z).prevSample;
      expect(closeness(z, readF32(golden, step.latents), 1e-5, 1e-5), `t=${step.timestep}`).toBeLessThanOrEqual(1);
    }
  });
});
