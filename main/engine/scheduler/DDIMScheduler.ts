/**
 * DDIM sampler: Song, Meng & Ermon, "Denoising Diffusion Implicit Models"
 * (ICLR 2021, arXiv:2010.02502), with the options of diffusers'
 * DDIMScheduler (prediction types, timestep spacings, set_alpha_to_one,
 * steps_offset, clip_sample). Written from the paper and diffusers' documented
 * behaviour; checked against diffusers 0.27.2 goldens
 * (test/fixtures/scheduler/goldens.json).
 *
 * Notation (paper -> code). The DDIM paper's alpha_t is the cumulative product
 * that DDPM calls alphabar_t.
 *   alpha_t                         -> alphaProdT = alphasCumprod[t]
 *   alpha_{t-1} (prev timestep)     -> alphaProdTPrev
 *   1 - alpha_t                     -> betaProdT
 *   x_t                             -> sample
 *   eps_theta(x_t)                  -> predEpsilon
 *   f_theta(x_t), "predicted x0"    -> predOriginalSample
 *   sigma_t(eta), eq. (16)          -> stdDevT
 *   x_{t-1}                         -> prevSample
 *
 * Eq. (12):
 *   x_{t-1} = sqrt(alpha_{t-1}) * x0
 *           + sqrt(1 - alpha_{t-1} - sigma_t^2) * eps
 *           + sigma_t * z,                      z ~ N(0, I)
 *   sigma_t = eta * sqrt((1 - alpha_{t-1}) / (1 - alpha_t)) * sqrt(1 - alpha_t / alpha_{t-1})
 *
 * v-prediction (Salimans & Ho 2022): v = sqrt(alpha_t) eps - sqrt(1 - alpha_t) x0, so
 *   x0 = sqrt(alpha_t) x_t - sqrt(1 - alpha_t) v,   eps = sqrt(alpha_t) v + sqrt(1 - alpha_t) x_t.
 *
 * As in diffusers, the previous timestep is always t - numTrainTimesteps //
 * numInferenceSteps, whatever the spacing (with "linspace" spacing that is not
 * the next timestep in the list); and a previous timestep below 0 uses
 * finalAlphaCumprod (1 with setAlphaToOne, else alphasCumprod[0]).
 */
import { DDIM_DEFAULTS, type DDIMSchedulerConfig, parseDDIMSchedulerConfig, toSchedulerConfigJson } from './config';
import { arange, linspace, makeAlphasCumprod, makeBetas, roundHalfEven } from './schedule';
import { type Scheduler, type StepOptions, type StepOutput, checkSameLength } from './types';

export class DDIMScheduler implements Scheduler {
  readonly config: Readonly<DDIMSchedulerConfig>;
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** alphabar used for the step after the last timestep. */
  readonly finalAlphaCumprod: number;
  readonly initNoiseSigma = 1.0;
  readonly order = 1;
  numInferenceSteps: number | null = null;
  timesteps: readonly number[] = [];

  constructor(config: Partial<DDIMSchedulerConfig> = {}) {
    // Round-trip through the JSON parser so a camelCase config gets the same checks as a file.
    const full = parseDDIMSchedulerConfig(toSchedulerConfigJson('DDIMScheduler', { ...DDIM_DEFAULTS, ...config }));
    this.config = Object.freeze(full);
    this.betas = makeBetas(full);
    this.alphasCumprod = makeAlphasCumprod(this.betas);
    this.finalAlphaCumprod = full.setAlphaToOne ? 1.0 : this.alphasCumprod[0]!;
  }

  /** From the contents of a diffusers scheduler_config.json (snake_case keys). */
  static fromConfig(json: unknown): DDIMScheduler {
    return new DDIMScheduler(parseDDIMSchedulerConfig(json));
  }

  setTimesteps(numInferenceSteps: number): void {
    const n = this.config.numTrainTimesteps;
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > n) {
      throw new Error(`DDIM numInferenceSteps must be an integer from 1 to ${n} (numTrainTimesteps), got ${numInferenceSteps}.`);
    }
    let timesteps: number[];
    switch (this.config.timestepSpacing) {
      case 'linspace':
        timesteps = linspace(0, n - 1, numInferenceSteps).map(roundHalfEven).reverse();
        break;
      case 'leading': {
        const stepRatio = Math.floor(n / numInferenceSteps);
        timesteps = arange(0, numInferenceSteps, 1).map((i) => i * stepRatio + this.config.stepsOffset).reverse();
        break;
      }
      case 'trailing': {
        const stepRatio = n / numInferenceSteps;
        timesteps = arange(n, 0, -stepRatio).map((t) => roundHalfEven(t) - 1);
        break;
      }
    }
    this.numInferenceSteps = numInferenceSteps;
    this.timesteps = timesteps;
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  /** DDIM has no step counter, so the start index needs no bookkeeping; kept for the common interface. */
  setBeginIndex(_beginIndex: number): void {}

  private alphaAt(timestep: number): number {
    const a = this.alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || a === undefined) {
      throw new Error(`DDIM timestep must be an integer from 0 to ${this.alphasCumprod.length - 1}, got ${timestep}.`);
    }
    return a;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    if (this.numInferenceSteps === null) {
      throw new Error('DDIM step called before setTimesteps(numInferenceSteps).');
    }
    checkSameLength('DDIM step (modelOutput, sample)', modelOutput, sample);
    const eta = options.eta ?? 0;
    if (!(eta >= 0)) throw new Error(`DDIM eta must be >= 0, got ${eta}.`);
    const { predictionType, clipSample, clipSampleRange } = this.config;

    // 1. Previous timestep (t - N // numInferenceSteps).
    const prevTimestep = timestep - Math.floor(this.config.numTrainTimesteps / this.numInferenceSteps);

    // 2. alphas and betas at t and at the previous timestep.
    const alphaProdT = this.alphaAt(timestep);
    const alphaProdTPrev = prevTimestep >= 0 ? this.alphaAt(prevTimestep) : this.finalAlphaCumprod;
    const betaProdT = 1 - alphaProdT;
    const betaProdTPrev = 1 - alphaProdTPrev;
    const sqrtAlphaT = Math.sqrt(alphaProdT);
    const sqrtBetaT = Math.sqrt(betaProdT);

    // 3. sigma_t(eta), eq. (16).
    const variance = (betaProdTPrev / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
    const stdDevT = eta * Math.sqrt(variance);
    // 4. Coefficients of eq. (12): sqrt(alpha_{t-1}) for x0, sqrt(1 - alpha_{t-1} - sigma_t^2) for eps.
    const dirCoeff = Math.sqrt(Math.max(0, 1 - alphaProdTPrev - stdDevT * stdDevT));
    const sqrtAlphaPrev = Math.sqrt(alphaProdTPrev);

    // 5. The noise z, when eta > 0.
    let noise: Float32Array | undefined;
    if (eta > 0) {
      noise = options.varianceNoise ?? options.generator?.randn(sample.length);
      if (!noise) throw new Error('DDIM with eta > 0 needs a generator or varianceNoise for the added noise.');
      checkSameLength('DDIM step (varianceNoise, sample)', noise, sample);
    }

    const predOriginalSample = new Float32Array(sample.length);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      // 6. Predicted x0 and eps from the model output.
      let x0: number;
      let eps: number;
      if (predictionType === 'epsilon') {
        x0 = (x - sqrtBetaT * out) / sqrtAlphaT;
        eps = out;
      } else if (predictionType === 'sample') {
        x0 = out;
        eps = (x - sqrtAlphaT * x0) / sqrtBetaT;
      } else {
        x0 = sqrtAlphaT * x - sqrtBetaT * out;
        eps = sqrtAlphaT * out + sqrtBetaT * x;
      }
      // 7. Optionally clip x0.
      if (clipSample) x0 = Math.min(clipSampleRange, Math.max(-clipSampleRange, x0));
      // 8. Optionally re-derive eps from the clipped x0 (as in GLIDE).
      if (options.useClippedModelOutput) eps = (x - sqrtAlphaT * x0) / sqrtBetaT;
      predOriginalSample[i] = x0;
      // 9. x_{t-1}, eq. (12), plus sigma_t * z when eta > 0.
      let prev = sqrtAlphaPrev * x0 + dirCoeff * eps;
      if (noise) prev += stdDevT * noise[i]!;
      prevSample[i] = prev;
    }
    return { prevSample, predOriginalSample };
  }

  /** q(x_t | x_0) = N(sqrt(alphabar_t) x0, (1 - alphabar_t) I): x_t = sqrt(alphabar_t) x0 + sqrt(1 - alphabar_t) noise. */
  addNoise(originalSamples: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    checkSameLength('DDIM addNoise (originalSamples, noise)', originalSamples, noise);
    const alphaProd = this.alphaAt(timestep);
    const sqrtAlphaProd = Math.sqrt(alphaProd);
    const sqrtOneMinusAlphaProd = Math.sqrt(1 - alphaProd);
    const out = new Float32Array(originalSamples.length);
    for (let i = 0; i < out.length; i++) out[i] = sqrtAlphaProd * originalSamples[i]! + sqrtOneMinusAlphaProd * noise[i]!;
    return out;
  }
}
