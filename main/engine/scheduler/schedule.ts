/**
 * Noise schedules shared by the schedulers, and the few numpy behaviours they
 * depend on (round half to even, arange, linspace), so timesteps come out
 * exactly as diffusers computes them.
 *
 * Notation (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"):
 *   beta_t        -> betas[t]          noise added at training step t
 *   alpha_t       -> alphas[t]         = 1 - beta_t
 *   alphabar_t    -> alphasCumprod[t]  = prod_{s <= t} alpha_s
 *                    (DDIM's paper calls this one alpha_t)
 *
 * Precision mirrors diffusers on PyTorch: betas and alphas are float32, the
 * cumulative product is accumulated in float64 (as torch.cumprod does on the
 * CPU) and stored as float32.
 */
import type { BetaConfig } from './config';

/** numpy.round / Python round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** numpy.arange(start, stop, step) in float64: ceil((stop - start) / step) values start + i * step. */
export function arange(start: number, stop: number, step: number): number[] {
  if (step === 0) throw new Error('arange step must not be 0.');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

/** numpy.linspace(start, stop, num) in float64 (endpoint included, last value exactly `stop`). */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out: number[] = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/**
 * Cosine schedule (Nichol & Dhariwal 2021, eq. 17), diffusers' "squaredcos_cap_v2":
 * alphabar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2, beta_i = min(1 - alphabar((i+1)/N) / alphabar(i/N), 0.999).
 */
function cosineBetas(numTrainTimesteps: number): number[] {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const betas: number[] = [];
  for (let i = 0; i < numTrainTimesteps; i++) {
    const t1 = i / numTrainTimesteps;
    const t2 = (i + 1) / numTrainTimesteps;
    betas.push(Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999));
  }
  return betas;
}

/** betas[t] for t = 0 .. numTrainTimesteps - 1, float32. */
export function makeBetas(config: BetaConfig): Float32Array {
  const n = config.numTrainTimesteps;
  switch (config.betaSchedule) {
    case 'linear':
      return Float32Array.from(linspace(config.betaStart, config.betaEnd, n));
    case 'scaled_linear': {
      // Stable Diffusion's schedule: linear in sqrt(beta), then squared (in float32, as torch does).
      const roots = Float32Array.from(linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n));
      return roots.map((r) => r * r);
    }
    case 'squaredcos_cap_v2':
      return Float32Array.from(cosineBetas(n));
  }
}

/** alphasCumprod[t] = prod_{s <= t} (1 - betas[s]), float32 values of a float64 running product. */
export function makeAlphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let prod = 1;
  for (let t = 0; t < betas.length; t++) {
    const alpha = Math.fround(1 - betas[t]!);
    prod *= alpha;
    out[t] = prod;
  }
  return out;
}
