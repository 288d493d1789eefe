// Properties of DDIM that follow from the paper, independent of the diffusers goldens.
import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from '../../../../../main/engine/scheduler/DDIMScheduler';
import { Generator } from '../../../../../main/engine/tensor/random';

const SD = { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, setAlphaToOne: false, stepsOffset: 1, clipSample: false } as const;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('DDIMScheduler', () => {
  it('timesteps by spacing (50 steps, SD settings)', () => {
    const s = new DDIMScheduler(SD);
    s.setTimesteps(50);
    expect(s.timesteps.length).toBe(50);
    expect(s.timesteps.slice(0, 3)).toEqual([981, 961, 941]);
    expect(s.timesteps.at(-1)).toBe(1);
    const t = new DDIMScheduler({ ...SD, timestepSpacing: 'trailing' });
    t.setTimesteps(4);
    expect(t.timesteps).toEqual([999, 749, 499, 249]);
  });

  it('with the true noise (eta 0), recovers x0 and lands on the forward process at the previous timestep', () => {
    // Eq. (12) with sigma = 0: if x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps and the model predicts eps exactly,
    // then predOriginalSample = x0 and x_{t-1} = sqrt(a_{t-1}) x0 + sqrt(1 - a_{t-1}) eps.
    const s = new DDIMScheduler(SD);
    s.setTimesteps(10);
    const g = new Generator(1);
    const x0 = g.randn(32);
    const eps = g.randn(32);
    const t = s.timesteps[3]!;
    const xt = s.addNoise(x0, eps, t);
    const { prevSample, predOriginalSample } = s.step(eps, t, xt);
    expect(maxAbsDiff(predOriginalSample, x0)).toBeLessThan(1e-5);
    expect(maxAbsDiff(prevSample, s.addNoise(x0, eps, t - 100))).toBeLessThan(1e-5);
  });

  it('v-prediction and sample prediction of the same x0 give the same step as epsilon', () => {
    const g = new Generator(2);
    const x0 = g.randn(16);
    const eps = g.randn(16);
    const make = (predictionType: 'epsilon' | 'v_prediction' | 'sample'): DDIMScheduler => {
      const s = new DDIMScheduler({ ...SD, predictionType });
      s.setTimesteps(20);
      return s;
    };
    const e = make('epsilon');
    const t = e.timesteps[5]!;
    const a = e.alphasCumprod[t]!;
    const xt = e.addNoise(x0, eps, t);
    const v = eps.map((n, i) => Math.sqrt(a) * n - Math.sqrt(1 - a) * x0[i]!);
    const ref = e.step(eps, t, xt).prevSample;
    expect(maxAbsDiff(make('v_prediction').step(v, t, xt).prevSample, ref)).toBeLessThan(1e-5);
    expect(maxAbsDiff(make('sample').step(x0, t, xt).prevSample, ref)).toBeLessThan(1e-5);
  });

  it('eta > 0 draws its noise from the generator, reproducibly', () => {
    const s = new DDIMScheduler(SD);
    s.setTimesteps(10);
    const x = new Generator(3).randn(8);
    const eps = new Generator(4).randn(8);
    const t = s.timesteps[0]!;
    const a = s.step(eps, t, x, { eta: 1, generator: new Generator(9) }).prevSample;
    const b = s.step(eps, t, x, { eta: 1, generator: new Generator(9) }).prevSample;
    const c = s.step(eps, t, x, { eta: 1, varianceNoise: new Generator(9).randn(8) }).prevSample;
    const d = s.step(eps, t, x, { eta: 0 }).prevSample;
    expect([...a]).toEqual([...b]);
    expect([...a]).toEqual([...c]);
    expect(maxAbsDiff(a, d)).toBeGreaterThan(1e-3);
  });

  it('clips x0 when clipSample is set', () => {
    const s = new DDIMScheduler({ ...SD, clipSample: true, clipSampleRange: 1 });
    s.setTimesteps(10);
    const x = Float32Array.from([50, -50]);
    const { predOriginalSample } = s.step(Float32Array.from([0, 0]), s.timesteps[0]!, x);
    expect([...predOriginalSample]).toEqual([1, -1]);
  });

  it('explains misuse', () => {
    const s = new DDIMScheduler(SD);
    const x = new Float32Array(4);
    expect(() => s.step(x, 1, x)).toThrow(/before setTimesteps/);
    expect(() => s.setTimesteps(0)).toThrow(/from 1 to 1000/);
    expect(() => s.setTimesteps(1001)).toThrow(/from 1 to 1000/);
    s.setTimesteps(10);
    expect(() => s.step(x, 1000, x)).toThrow(/timestep must be an integer from 0 to 999/);
    expect(() => s.step(x, 10.5, x)).toThrow(/timestep must be an integer/);
    expect(() => s.step(new Float32Array(3), 1, x)).toThrow(/same latent shape/);
    expect(() => s.step(x, 901, x, { eta: 0.5 })).toThrow(/needs a generator or varianceNoise/);
    expect(() => s.step(x, 901, x, { eta: -1 })).toThrow(/eta must be >= 0/);
  });
});
