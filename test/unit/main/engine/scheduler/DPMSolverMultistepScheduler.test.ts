// Properties of DPM-Solver++ that follow from the paper, independent of the diffusers goldens.
import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from '../../../../../main/engine/scheduler/DDIMScheduler';
import { DPMSolverMultistepScheduler } from '../../../../../main/engine/scheduler/DPMSolverMultistepScheduler';
import { Generator } from '../../../../../main/engine/tensor/random';

const SD = { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 } as const;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('DPMSolverMultistepScheduler', () => {
  it('follows the exact trajectory and ends at x0 when the model knows x0', () => {
    // With a constant data prediction m = x0 the 2M correction D vanishes and each update maps
    // alpha_s x0 + sigma_s eps to alpha_t x0 + sigma_t eps exactly; the final sigma is 0.
    for (const useKarrasSigmas of [false, true]) {
      const s = new DPMSolverMultistepScheduler({ ...SD, predictionType: 'sample', useKarrasSigmas });
      s.setTimesteps(12);
      const g = new Generator(11);
      const x0 = g.randn(32);
      const eps = g.randn(32);
      let x: Float32Array = new Float32Array(32);
      const sigma0 = s.sigmas[0]!;
      const alpha0 = 1 / Math.sqrt(sigma0 * sigma0 + 1);
      for (let k = 0; k < 32; k++) x[k] = alpha0 * x0[k]! + sigma0 * alpha0 * eps[k]!;
      for (const t of s.timesteps) x = s.step(x0, t, x).prevSample;
      expect(maxAbsDiff(x, x0)).toBeLessThan(1e-5);
    }
  });

  it('first order with epsilon prediction is DDIM with eta 0', () => {
    const dpm = new DPMSolverMultistepScheduler({ ...SD, solverOrder: 1, timestepSpacing: 'leading', stepsOffset: 1 });
    const ddim = new DDIMScheduler({ ...SD, setAlphaToOne: false, stepsOffset: 1, clipSample: false });
    dpm.setTimesteps(10);
    ddim.setTimesteps(10);
    // DPM's "leading" divides by steps + 1, so compare one step between the same two timesteps by hand.
    const g = new Generator(5);
    const x = g.randn(16);
    const eps = g.randn(16);
    const [t, next] = [dpm.timesteps[2]!, dpm.timesteps[3]!];
    dpm.setBeginIndex(2);
    const viaDpm = dpm.step(eps, t, x).prevSample;
    const at = ddim.alphasCumprod[t]!;
    const an = ddim.alphasCumprod[next]!;
    const x0 = x.map((v, i) => (v - Math.sqrt(1 - at) * eps[i]!) / Math.sqrt(at));
    const expected = x0.map((v, i) => Math.sqrt(an) * v + Math.sqrt(1 - an) * eps[i]!);
    expect(maxAbsDiff(viaDpm, expected)).toBeLessThan(1e-4);
  });

  it('is reset by setTimesteps and refuses to step past the end', () => {
    const s = new DPMSolverMultistepScheduler(SD);
    s.setTimesteps(3);
    const x = new Float32Array(4).fill(0.5);
    const run = (): Float32Array => {
      let y: Float32Array = x;
      for (const t of s.timesteps) y = s.step(y.map((v) => 0.1 * v), t, y).prevSample;
      return y;
    };
    const first = run();
    expect(() => s.step(x, s.timesteps[0]!, x)).toThrow(/stepped 4 times for 3 timesteps/);
    s.setTimesteps(3);
    expect([...run()]).toEqual([...first]);
  });

  it('clips timesteps whose lambda is below lambdaMinClipped (cosine schedule)', () => {
    const clipped = new DPMSolverMultistepScheduler({ betaSchedule: 'squaredcos_cap_v2', lambdaMinClipped: -5.1 });
    const full = new DPMSolverMultistepScheduler({ betaSchedule: 'squaredcos_cap_v2' });
    clipped.setTimesteps(10);
    full.setTimesteps(10);
    expect(full.timesteps[0]).toBe(999);
    expect(clipped.timesteps[0]!).toBeLessThan(999);
    const a = clipped.alphasCumprod[clipped.timesteps[0]!]!;
    expect(0.5 * Math.log(a / (1 - a))).toBeGreaterThanOrEqual(-5.1);
  });

  it('explains misuse', () => {
    const s = new DPMSolverMultistepScheduler(SD);
    const x = new Float32Array(4);
    expect(() => s.step(x, 999, x)).toThrow(/before setTimesteps/);
    expect(() => s.addNoise(x, x, 999)).toThrow(/before setTimesteps/);
    s.setTimesteps(5);
    expect(() => s.setBeginIndex(5)).toThrow(/from 0 to 4/);
    expect(() => s.step(new Float32Array(2), 999, x)).toThrow(/same latent shape/);
  });
});
