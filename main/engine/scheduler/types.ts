/**
 * What a pipeline needs from a scheduler. Arrays are flat float32 latents of
 * any shape ([B, 4, H/8, W/8] in practice): every scheduler operation here is
 * elementwise, so shape never matters, only that the arrays agree in length.
 */

/** Anything that can hand out standard normal float32 samples (e.g. tensor/random's Generator). */
export interface NoiseSource {
  randn(n: number): Float32Array;
}

export interface StepOptions {
  /** DDIM's eta: 0 is deterministic DDIM, 1 is DDPM-like ancestral sampling. */
  eta?: number;
  /** Source of the eta noise when `varianceNoise` is not given. */
  generator?: NoiseSource;
  /** The eta noise itself, same length as the sample (wins over `generator`). */
  varianceNoise?: Float32Array;
  /** DDIM: re-derive epsilon from the clipped x0 (diffusers' use_clipped_model_output). */
  useClippedModelOutput?: boolean;
}

export interface StepOutput {
  /** x_{t-1}: the sample to feed the next step. */
  prevSample: Float32Array;
  /** The scheduler's current estimate of the clean latent x0 (useful for previews). */
  predOriginalSample: Float32Array;
}

export interface Scheduler {
  /** Inference timesteps, first (noisiest) to last; empty until setTimesteps. */
  readonly timesteps: readonly number[];
  readonly numInferenceSteps: number | null;
  /** Standard deviation of the initial noise: initial latents are randn * initNoiseSigma. */
  readonly initNoiseSigma: number;
  /** Model evaluations per timestep (1 for both schedulers here; diffusers' scheduler.order). */
  readonly order: number;
  setTimesteps(numInferenceSteps: number): void;
  /** Scales the model input for this timestep (identity for DDIM and DPM-Solver++). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options?: StepOptions): StepOutput;
  /** Forward diffusion q(x_t | x_0) at `timestep`: for img2img / strength. */
  addNoise(originalSamples: Float32Array, noise: Float32Array, timestep: number): Float32Array;
  /** img2img: the index into `timesteps` where sampling starts (call after setTimesteps). */
  setBeginIndex(beginIndex: number): void;
}

export function checkSameLength(what: string, a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) {
    throw new Error(`${what}: arrays have ${a.length} and ${b.length} values; they must be the same latent shape.`);
  }
}
