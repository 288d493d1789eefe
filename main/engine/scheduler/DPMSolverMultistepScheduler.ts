/**
 * DPM-Solver++(2M): Lu, Zhou, Bao, Chen, Li & Zhu, "DPM-Solver++: Fast Solver
 * for Guided Sampling of Diffusion Probabilistic Models" (arXiv:2211.01095),
 * Algorithm 2, with the options of diffusers' DPMSolverMultistepScheduler
 * (algorithm_type "dpmsolver++", solver_order 1 or 2, lower_order_final,
 * Karras sigmas, timestep spacings). Written from the paper and diffusers'
 * documented behaviour; checked against diffusers 0.27.2 goldens
 * (test/fixtures/scheduler/goldens.json).
 *
 * Notation (paper -> code). The paper writes q(x_t | x_0) = N(alpha_t x0, sigma_t^2 I):
 *   alpha_t = sqrt(alphabar_t)            -> alphaT
 *   sigma_t = sqrt(1 - alphabar_t)        -> sigmaT
 *   lambda_t = log(alpha_t / sigma_t)     -> lambdaT  (half log-SNR; decreases with t)
 *   x_theta(x_t, t), data prediction      -> converted model output (predOriginalSample)
 *   h_i = lambda_{t_i} - lambda_{t_{i-1}} -> h;  r_i = h_{i-1} / h_i -> r0
 *   D_i (2M correction)                   -> d1
 * Like diffusers, the schedule is stored as `sigmas` in the "variance
 * exploding" form  s = sigma_t / alpha_t = sqrt((1 - alphabar_t) / alphabar_t),
 * from which alpha_t = 1 / sqrt(s^2 + 1) and sigma_t = s * alpha_t.
 *
 * Update from x_s (timestep index i) to x_t (index i + 1), h = lambda_t - lambda_s:
 *   first order (DDIM):  x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) m0
 *   2M (midpoint):       x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) (m0 + D / 2)
 *   2M (heun):           x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) m0 + alpha_t ((e^{-h} - 1) / h + 1) D
 *   with m0, m1 the current and previous data predictions and D = (m0 - m1) / r0.
 *
 * Karras sigmas (Karras et al. 2022, eq. 5, rho = 7):
 *   s_i = (s_max^{1/rho} + i / (n - 1) (s_min^{1/rho} - s_max^{1/rho}))^rho, mapped back to (fractional,
 *   then rounded) timesteps by interpolating log-sigma.
 *
 * The scheduler is stateful: it keeps the previous data prediction and a step
 * counter, so call setTimesteps before each sampling run and step through the
 * timesteps in order.
 */
import {
  DPM_SOLVER_DEFAULTS,
  type DPMSolverMultistepSchedulerConfig,
  parseDPMSolverMultistepSchedulerConfig,
  toSchedulerConfigJson,
} from './config';
import { arange, linspace, makeAlphasCumprod, makeBetas, roundHalfEven } from './schedule';
import { type Scheduler, type StepOptions, type StepOutput, checkSameLength } from './types';

const f32 = Math.fround;

/** alpha_t and sigma_t from the VE sigma s (as float32, like the stored schedule). */
function alphaSigma(s: number): { alphaT: number; sigmaT: number } {
  const alphaT = 1 / Math.sqrt(s * s + 1);
  return { alphaT, sigmaT: s * alphaT };
}

function lambdaOf(s: number): number {
  const { alphaT, sigmaT } = alphaSigma(s);
  return Math.log(alphaT) - Math.log(sigmaT);
}

export class DPMSolverMultistepScheduler implements Scheduler {
  readonly config: Readonly<DPMSolverMultistepSchedulerConfig>;
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** VE sigma for every training timestep, float32. */
  readonly trainSigmas: Float32Array;
  readonly initNoiseSigma = 1.0;
  readonly order = 1;
  numInferenceSteps: number | null = null;
  timesteps: readonly number[] = [];
  /** Sigmas at `timesteps`, plus the final sigma (length numInferenceSteps + 1). */
  sigmas: Float32Array = new Float32Array(0);

  private stepIndex: number | null = null;
  private beginIndex: number | null = null;
  private lowerOrderNums = 0;
  /** Data prediction of the previous step (m1), null before the first step. */
  private previousModelOutput: Float32Array | null = null;

  constructor(config: Partial<DPMSolverMultistepSchedulerConfig> = {}) {
    const full = parseDPMSolverMultistepSchedulerConfig(
      toSchedulerConfigJson('DPMSolverMultistepScheduler', { ...DPM_SOLVER_DEFAULTS, ...config }),
    );
    if (config.lambdaMinClipped !== undefined) full.lambdaMinClipped = config.lambdaMinClipped;
    this.config = Object.freeze(full);
    this.betas = makeBetas(full);
    this.alphasCumprod = makeAlphasCumprod(this.betas);
    // s_t = sqrt((1 - alphabar_t) / alphabar_t), each operation rounded to float32 as in torch.
    this.trainSigmas = this.alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
  }

  /** From the contents of a diffusers scheduler_config.json (snake_case keys). */
  static fromConfig(json: unknown): DPMSolverMultistepScheduler {
    return new DPMSolverMultistepScheduler(parseDPMSolverMultistepSchedulerConfig(json));
  }

  /** Number of training timesteps usable after clipping lambda below lambdaMinClipped. */
  private lastTimestep(): number {
    const n = this.config.numTrainTimesteps;
    if (this.config.lambdaMinClipped === -Infinity) return n;
    // lambda decreases with t; count the timesteps (from the noisy end) whose lambda is below the clip.
    let clipped = 0;
    for (let t = n - 1; t >= 0; t--) {
      const a = this.alphasCumprod[t]!;
      const lambda = f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
      if (lambda < this.config.lambdaMinClipped) clipped++;
      else break;
    }
    return n - clipped;
  }

  setTimesteps(numInferenceSteps: number): void {
    const n = this.config.numTrainTimesteps;
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > n) {
      throw new Error(`DPM-Solver numInferenceSteps must be an integer from 1 to ${n}, got ${numInferenceSteps}.`);
    }
    const last = this.lastTimestep();
    // 1. Timesteps by spacing (note: "leading" divides by numInferenceSteps + 1 here, unlike DDIM).
    let timesteps: number[];
    switch (this.config.timestepSpacing) {
      case 'linspace':
        timesteps = linspace(0, last - 1, numInferenceSteps + 1).map(roundHalfEven).reverse().slice(0, -1);
        break;
      case 'leading': {
        const stepRatio = Math.floor(last / (numInferenceSteps + 1));
        timesteps = arange(0, numInferenceSteps + 1, 1)
          .map((i) => i * stepRatio)
          .reverse()
          .slice(0, -1)
          .map((t) => t + this.config.stepsOffset);
        break;
      }
      case 'trailing': {
        const stepRatio = n / numInferenceSteps;
        timesteps = arange(last, 0, -stepRatio).map((t) => roundHalfEven(t) - 1);
        break;
      }
    }

    // 2. Sigmas at those timesteps, or Karras-spaced sigmas and the timesteps they map to.
    let sigmas: number[];
    if (this.config.useKarrasSigmas) {
      sigmas = this.karrasSigmas(numInferenceSteps);
      timesteps = sigmas.map((s) => roundHalfEven(this.sigmaToT(s)));
    } else {
      sigmas = timesteps.map((t) => this.trainSigmas[t]!);
    }

    // 3. The sigma after the last step.
    const sigmaLast = this.config.finalSigmasType === 'zero' ? 0 : this.trainSigmas[0]!;
    this.sigmas = Float32Array.from([...sigmas, sigmaLast]);
    this.timesteps = timesteps;
    this.numInferenceSteps = timesteps.length;
    this.stepIndex = null;
    this.beginIndex = null;
    this.lowerOrderNums = 0;
    this.previousModelOutput = null;
  }

  private karrasSigmas(numInferenceSteps: number): number[] {
    const rho = 7;
    const sigmaMin = this.trainSigmas[0]!;
    const sigmaMax = this.trainSigmas[this.trainSigmas.length - 1]!;
    const minInvRho = sigmaMin ** (1 / rho);
    const maxInvRho = sigmaMax ** (1 / rho);
    return linspace(0, 1, numInferenceSteps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho);
  }

  /** Fractional training timestep whose log-sigma matches `sigma` (linear interpolation in log-sigma). */
  private sigmaToT(sigma: number): number {
    const logSigmas = this.trainSigmas;
    const logSigma = Math.log(Math.max(sigma, 1e-10));
    const n = logSigmas.length;
    const logAt = (i: number): number => f32(Math.log(logSigmas[i]!));
    // low = last index whose log-sigma is <= logSigma (log-sigmas increase with t), at most n - 2.
    let low = 0;
    for (let i = 0; i < n; i++) if (logSigma - logAt(i) >= 0) low = i;
    low = Math.min(low, n - 2);
    const lo = logAt(low);
    const hi = logAt(low + 1);
    const w = Math.min(1, Math.max(0, (lo - logSigma) / (lo - hi)));
    return (1 - w) * low + w * (low + 1);
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  /** img2img: start sampling at timesteps[beginIndex] (call after setTimesteps, before the first step). */
  setBeginIndex(beginIndex: number): void {
    if (!Number.isInteger(beginIndex) || beginIndex < 0 || beginIndex >= this.timesteps.length) {
      throw new Error(`DPM-Solver begin index must be an integer from 0 to ${this.timesteps.length - 1}, got ${beginIndex}.`);
    }
    this.beginIndex = beginIndex;
  }

  /** Index of `timestep` in the schedule; the second match if it appears twice, the last index if absent (as diffusers). */
  private indexForTimestep(timestep: number): number {
    const matches: number[] = [];
    this.timesteps.forEach((t, i) => {
      if (t === timestep) matches.push(i);
    });
    if (matches.length === 0) return this.timesteps.length - 1;
    return matches.length > 1 ? matches[1]! : matches[0]!;
  }

  /** Data prediction x_theta from the raw model output at the current step. */
  private convertModelOutput(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const { alphaT, sigmaT } = alphaSigma(sigma);
    const x0 = new Float32Array(sample.length);
    switch (this.config.predictionType) {
      case 'epsilon':
        for (let i = 0; i < x0.length; i++) x0[i] = (sample[i]! - sigmaT * modelOutput[i]!) / alphaT;
        break;
      case 'sample':
        x0.set(modelOutput);
        break;
      case 'v_prediction':
        for (let i = 0; i < x0.length; i++) x0[i] = alphaT * sample[i]! - sigmaT * modelOutput[i]!;
        break;
    }
    return x0;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _options: StepOptions = {}): StepOutput {
    if (this.numInferenceSteps === null) {
      throw new Error('DPM-Solver step called before setTimesteps(numInferenceSteps).');
    }
    checkSameLength('DPM-Solver step (modelOutput, sample)', modelOutput, sample);
    // 1. Where we are in the schedule.
    if (this.stepIndex === null) this.stepIndex = this.beginIndex ?? this.indexForTimestep(timestep);
    const i = this.stepIndex;
    if (i >= this.timesteps.length) {
      throw new Error(`DPM-Solver was stepped ${i + 1} times for ${this.timesteps.length} timesteps; call setTimesteps again.`);
    }
    const steps = this.timesteps.length;

    // 2. Order for this step: first order to start, and at the end when asked (better for few steps).
    const lowerOrderFinal =
      i === steps - 1 &&
      (this.config.eulerAtFinal || (this.config.lowerOrderFinal && steps < 15) || this.config.finalSigmasType === 'zero');
    // (diffusers' lower_order_second only steps third order down to second; there is no third order here.)
    const firstOrder = this.config.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal;

    // 3. Data prediction m0 = x_theta(x_s, s).
    const sigmaS0 = this.sigmas[i]!;
    const sigmaT = this.sigmas[i + 1]!;
    const m0 = this.convertModelOutput(modelOutput, sample, sigmaS0);

    // 4. alpha, sigma, lambda at the target t and the current s0 (and the previous s1 for 2M).
    const t = alphaSigma(sigmaT);
    const s0 = alphaSigma(sigmaS0);
    const lambdaT = Math.log(t.alphaT) - Math.log(t.sigmaT); // +Infinity when the final sigma is 0
    const lambdaS0 = lambdaOf(sigmaS0);
    const h = lambdaT - lambdaS0;
    const expMinusH = Math.exp(-h); // 0 when h is +Infinity
    const ratio = t.sigmaT / s0.sigmaT;
    const coeffD0 = -t.alphaT * (expMinusH - 1);

    const prevSample = new Float32Array(sample.length);
    const m1 = this.previousModelOutput;
    if (firstOrder || m1 === null) {
      // 5a. First-order update (DDIM in data-prediction form).
      for (let k = 0; k < prevSample.length; k++) prevSample[k] = ratio * sample[k]! + coeffD0 * m0[k]!;
    } else {
      // 5b. Second-order multistep update (2M).
      const lambdaS1 = lambdaOf(this.sigmas[i - 1]!);
      const h0 = lambdaS0 - lambdaS1;
      const r0 = h0 / h;
      let coeffD1: number;
      if (this.config.solverType === 'midpoint') coeffD1 = 0.5 * coeffD0;
      else coeffD1 = t.alphaT * ((expMinusH - 1) / h + 1);
      for (let k = 0; k < prevSample.length; k++) {
        const d1 = f32((1 / r0) * f32(m0[k]! - m1[k]!));
        prevSample[k] = ratio * sample[k]! + coeffD0 * m0[k]! + coeffD1 * d1;
      }
    }

    // 6. Remember m0 for the next step, count orders used, advance.
    this.previousModelOutput = m0;
    if (this.lowerOrderNums < this.config.solverOrder) this.lowerOrderNums++;
    this.stepIndex = i + 1;
    return { prevSample, predOriginalSample: m0 };
  }

  /**
   * q(x_t | x_0) at `timestep`: alpha_t x0 + sigma_t noise, with alpha_t, sigma_t from the
   * inference schedule's sigma for that timestep (diffusers' lookup: the begin index when set,
   * else the timestep's index). Call after setTimesteps.
   */
  addNoise(originalSamples: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    checkSameLength('DPM-Solver addNoise (originalSamples, noise)', originalSamples, noise);
    if (this.numInferenceSteps === null) throw new Error('DPM-Solver addNoise called before setTimesteps(numInferenceSteps).');
    const index = this.beginIndex === null ? this.indexForTimestep(timestep) : (this.stepIndex ?? this.beginIndex);
    const { alphaT, sigmaT } = alphaSigma(this.sigmas[index]!);
    const out = new Float32Array(originalSamples.length);
    for (let k = 0; k < out.length; k++) out[k] = alphaT * originalSamples[k]! + sigmaT * noise[k]!;
    return out;
  }
}
