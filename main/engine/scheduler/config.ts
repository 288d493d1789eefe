/**
 * Scheduler configs, mirroring diffusers' scheduler_config.json.
 *
 * JSON keys are diffusers' snake_case names (`num_train_timesteps`,
 * `beta_schedule`, ...); in TypeScript they are the same names in camelCase
 * (`numTrainTimesteps`, `betaSchedule`). Missing keys take diffusers' defaults
 * for that scheduler. Keys this engine does not use (`_class_name`,
 * `_diffusers_version`, `skip_prk_steps`, ...) are ignored, as diffusers
 * ignores them; keys that ask for a feature this engine does not implement
 * (thresholding, trained betas, zero-SNR rescaling, Lu lambdas, learned
 * variance) fail with an error naming the key, rather than being silently
 * dropped.
 */

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
/** What the model predicts: the noise (epsilon), v = alpha_t * eps - sigma_t * x0, or x0 itself (sample). */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
/** How inference timesteps are spread over the training range (Lin et al. 2023, "Common Diffusion Noise Schedules...", Table 2). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

export interface BetaConfig {
  /** Training steps N; timesteps run 0 .. N-1. */
  numTrainTimesteps: number;
  /** First beta (linear schedules). */
  betaStart: number;
  /** Last beta (linear schedules). */
  betaEnd: number;
  betaSchedule: BetaSchedule;
}

export interface DDIMSchedulerConfig extends BetaConfig {
  /** Clamp the predicted x0 to [-clipSampleRange, clipSampleRange]. */
  clipSample: boolean;
  clipSampleRange: number;
  /** For the last step, use alphabar_prev = 1 (true) or alphabar_0 (false). */
  setAlphaToOne: boolean;
  /** Added to every timestep with "leading" spacing (Stable Diffusion uses 1). */
  stepsOffset: number;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
}

export interface DPMSolverMultistepSchedulerConfig extends BetaConfig {
  /** 1: first order (DDIM-equivalent); 2: DPM-Solver++(2M). */
  solverOrder: 1 | 2;
  predictionType: PredictionType;
  /** Only the data-prediction solver DPM-Solver++ is implemented. */
  algorithmType: 'dpmsolver++';
  /** Second-order update rule; "midpoint" is the DPM-Solver++ paper's 2M. */
  solverType: 'midpoint' | 'heun';
  /** Use first order for the last step(s) when there are fewer than 15 steps. */
  lowerOrderFinal: boolean;
  /** Always use first order for the very last step. */
  eulerAtFinal: boolean;
  /** Space sigmas as Karras et al. 2022 (rho = 7) instead of by timestep. */
  useKarrasSigmas: boolean;
  /** Sigma after the last step: 0 (fully denoised) or the schedule's smallest sigma. */
  finalSigmasType: 'zero' | 'sigma_min';
  /** Timesteps whose log-SNR lambda falls below this are not used (diffusers suggests -5.1 for cosine schedules). */
  lambdaMinClipped: number;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
}

export const DDIM_DEFAULTS: Readonly<DDIMSchedulerConfig> = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  clipSample: true,
  clipSampleRange: 1.0,
  setAlphaToOne: true,
  stepsOffset: 0,
  predictionType: 'epsilon',
  timestepSpacing: 'leading',
};

export const DPM_SOLVER_DEFAULTS: Readonly<DPMSolverMultistepSchedulerConfig> = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  solverOrder: 2,
  predictionType: 'epsilon',
  algorithmType: 'dpmsolver++',
  solverType: 'midpoint',
  lowerOrderFinal: true,
  eulerAtFinal: false,
  useKarrasSigmas: false,
  finalSigmasType: 'zero',
  lambdaMinClipped: -Infinity,
  timestepSpacing: 'linspace',
  stepsOffset: 0,
};

/**
 * Every number has a range: a config is input, and `num_train_timesteps` 1e9 would allocate 8 GB of
 * betas; NaN or Infinity would only surface as NaN latents when diffusion runs.
 */
type FieldKind =
  | { type: 'number'; min?: number; max?: number; allowNegInfinity?: boolean }
  | { type: 'int'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly (string | number)[] };

interface Field<C> {
  json: string;
  prop: keyof C;
  kind: FieldKind;
}

const BETA_FIELDS: Field<BetaConfig>[] = [
  { json: 'num_train_timesteps', prop: 'numTrainTimesteps', kind: { type: 'int', min: 2, max: 100_000 } },
  { json: 'beta_start', prop: 'betaStart', kind: { type: 'number', min: 0, max: 1 } },
  { json: 'beta_end', prop: 'betaEnd', kind: { type: 'number', min: 0, max: 1 } },
  { json: 'beta_schedule', prop: 'betaSchedule', kind: { type: 'enum', values: ['linear', 'scaled_linear', 'squaredcos_cap_v2'] } },
];
const PREDICTION = { type: 'enum', values: ['epsilon', 'v_prediction', 'sample'] } as const;
const SPACING = { type: 'enum', values: ['leading', 'trailing', 'linspace'] } as const;

const DDIM_FIELDS: Field<DDIMSchedulerConfig>[] = [
  ...BETA_FIELDS,
  { json: 'clip_sample', prop: 'clipSample', kind: { type: 'bool' } },
  { json: 'clip_sample_range', prop: 'clipSampleRange', kind: { type: 'number', min: 0, max: 1e6 } },
  { json: 'set_alpha_to_one', prop: 'setAlphaToOne', kind: { type: 'bool' } },
  { json: 'steps_offset', prop: 'stepsOffset', kind: { type: 'int', min: 0, max: 1000 } },
  { json: 'prediction_type', prop: 'predictionType', kind: PREDICTION },
  { json: 'timestep_spacing', prop: 'timestepSpacing', kind: SPACING },
];

const DPM_FIELDS: Field<DPMSolverMultistepSchedulerConfig>[] = [
  ...BETA_FIELDS,
  { json: 'solver_order', prop: 'solverOrder', kind: { type: 'enum', values: [1, 2] } },
  { json: 'prediction_type', prop: 'predictionType', kind: PREDICTION },
  { json: 'algorithm_type', prop: 'algorithmType', kind: { type: 'enum', values: ['dpmsolver++'] } },
  { json: 'solver_type', prop: 'solverType', kind: { type: 'enum', values: ['midpoint', 'heun'] } },
  { json: 'lower_order_final', prop: 'lowerOrderFinal', kind: { type: 'bool' } },
  { json: 'euler_at_final', prop: 'eulerAtFinal', kind: { type: 'bool' } },
  { json: 'use_karras_sigmas', prop: 'useKarrasSigmas', kind: { type: 'bool' } },
  { json: 'final_sigmas_type', prop: 'finalSigmasType', kind: { type: 'enum', values: ['zero', 'sigma_min'] } },
  { json: 'lambda_min_clipped', prop: 'lambdaMinClipped', kind: { type: 'number', min: -1e6, max: 1e6, allowNegInfinity: true } },
  { json: 'timestep_spacing', prop: 'timestepSpacing', kind: SPACING },
  { json: 'steps_offset', prop: 'stepsOffset', kind: { type: 'int', min: 0, max: 1000 } },
];

/** Keys naming features this engine does not implement, with the value that means "off". */
const UNSUPPORTED: Record<string, unknown> = {
  thresholding: false,
  trained_betas: null,
  rescale_betas_zero_snr: false,
  use_lu_lambdas: false,
  variance_type: null,
};

function checkValue(schedulerName: string, key: string, value: unknown, kind: FieldKind): unknown {
  const bad = (expected: string): Error =>
    new Error(`${schedulerName} config: "${key}" must be ${expected}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}. Fix scheduler_config.json.`);
  switch (kind.type) {
    case 'number': {
      const min = kind.min ?? -1e12;
      const max = kind.max ?? 1e12;
      if (typeof value === 'number' && value === -Infinity && kind.allowNegInfinity) return value;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw bad(`a finite number from ${min} to ${max}`);
      return value;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < kind.min || value > kind.max) {
        throw bad(`an integer from ${kind.min} to ${kind.max}`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'enum':
      if (!kind.values.includes(value as string | number)) throw bad(`one of ${kind.values.map((v) => JSON.stringify(v)).join(', ')}`);
      return value;
  }
}

function parseWith<C extends object>(schedulerName: string, json: unknown, fields: Field<C>[], defaults: Readonly<C>): C {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${schedulerName} config must be a JSON object (the contents of scheduler_config.json).`);
  }
  const record = json as Record<string, unknown>;
  for (const [key, off] of Object.entries(UNSUPPORTED)) {
    const value = record[key];
    if (value !== undefined && value !== off && !(off === null && value === null)) {
      throw new Error(
        `${schedulerName} config: "${key}": ${JSON.stringify(value)} is not supported by this engine. ` +
          `Set it to ${JSON.stringify(off)} or remove it from scheduler_config.json.`,
      );
    }
  }
  const config = { ...defaults } as C;
  for (const field of fields) {
    const value = record[field.json];
    if (value === undefined || value === null) continue;
    (config as Record<keyof C, unknown>)[field.prop] = checkValue(schedulerName, field.json, value, field.kind);
  }
  return config;
}

function betaChecks(schedulerName: string, c: BetaConfig): void {
  if (c.betaSchedule !== 'squaredcos_cap_v2' && !(c.betaStart > 0 && c.betaEnd < 1 && c.betaStart <= c.betaEnd)) {
    throw new Error(`${schedulerName} config: need 0 < beta_start <= beta_end < 1, got ${c.betaStart} and ${c.betaEnd}.`);
  }
}

/** diffusers DDIMScheduler config from scheduler_config.json contents (snake_case keys). */
export function parseDDIMSchedulerConfig(json: unknown): DDIMSchedulerConfig {
  const c = parseWith('DDIMScheduler', json, DDIM_FIELDS, DDIM_DEFAULTS);
  betaChecks('DDIMScheduler', c);
  return c;
}

/** diffusers DPMSolverMultistepScheduler config from scheduler_config.json contents (snake_case keys). */
export function parseDPMSolverMultistepSchedulerConfig(json: unknown): DPMSolverMultistepSchedulerConfig {
  const c = parseWith('DPMSolverMultistepScheduler', json, DPM_FIELDS, DPM_SOLVER_DEFAULTS);
  betaChecks('DPMSolverMultistepScheduler', c);
  return c;
}

/** camelCase config back to diffusers' snake_case JSON keys (what scheduler_config.json holds). */
export function toSchedulerConfigJson(
  className: 'DDIMScheduler' | 'DPMSolverMultistepScheduler',
  config: DDIMSchedulerConfig | DPMSolverMultistepSchedulerConfig,
): Record<string, unknown> {
  const fields: { json: string; prop: string }[] = (className === 'DDIMScheduler' ? DDIM_FIELDS : DPM_FIELDS).map((f) => ({
    json: f.json,
    prop: String(f.prop),
  }));
  const values: Record<string, unknown> = { ...config };
  const out: Record<string, unknown> = { _class_name: className };
  for (const field of fields) {
    const value = values[field.prop];
    // JSON has no Infinity; diffusers' default lambda_min_clipped (-inf) is the same as leaving the key out.
    if (value === -Infinity) continue;
    out[field.json] = value;
  }
  return out;
}

/**
 * Parses scheduler_config.json text. Python's json module writes -inf as the
 * bare token -Infinity (diffusers does for lambda_min_clipped), which
 * JSON.parse rejects, so such tokens outside strings are turned into numbers here.
 */
export function parseSchedulerConfigText(text: string): Record<string, unknown> {
  const marker = '"__spire_nonfinite__';
  // Replace bare NaN / Infinity / -Infinity that are not inside strings.
  const replaced = text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (match, token: string | undefined) =>
    token === undefined ? match : `${marker}${token}"`,
  );
  const parsed: unknown = JSON.parse(replaced, (_key, value: unknown) => {
    if (typeof value === 'string' && value.startsWith(marker.slice(1))) {
      const token = value.slice(marker.length - 1);
      return token === 'NaN' ? Number.NaN : token.startsWith('-') ? -Infinity : Infinity;
    }
    return value;
  });
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('scheduler_config.json must hold a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
