import { describe, expect, it } from 'vitest';
import {
  DDIM_DEFAULTS,
  parseDDIMSchedulerConfig,
  parseDPMSolverMultistepSchedulerConfig,
  parseSchedulerConfigText,
  toSchedulerConfigJson,
} from '../../../../../main/engine/scheduler/config';
import { createScheduler, DDIMScheduler, DPMSolverMultistepScheduler } from '../../../../../main/engine/scheduler';

// Stable Diffusion 1.5's scheduler_config.json (a PNDM config, which diffusers pipelines
// routinely turn into DDIM / DPM-Solver configs).
const SD15 = `{
  "_class_name": "PNDMScheduler",
  "_diffusers_version": "0.6.0",
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "beta_start": 0.00085,
  "num_train_timesteps": 1000,
  "set_alpha_to_one": false,
  "skip_prk_steps": true,
  "steps_offset": 1,
  "trained_betas": null,
  "clip_sample": false
}`;

describe('scheduler configs', () => {
  it('maps snake_case keys to camelCase and keeps defaults for the rest', () => {
    const c = parseDDIMSchedulerConfig(JSON.parse(SD15));
    expect(c).toEqual({
      ...DDIM_DEFAULTS,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      setAlphaToOne: false,
      stepsOffset: 1,
      clipSample: false,
    });
    const d = parseDPMSolverMultistepSchedulerConfig(JSON.parse(SD15));
    expect(d.timestepSpacing).toBe('linspace'); // the DPM-Solver default, unlike DDIM's "leading"
    expect(d.solverOrder).toBe(2);
    expect(d.lambdaMinClipped).toBe(-Infinity);
  });

  it('round-trips through toSchedulerConfigJson', () => {
    const c = parseDDIMSchedulerConfig(JSON.parse(SD15));
    const json = toSchedulerConfigJson('DDIMScheduler', c);
    expect(json._class_name).toBe('DDIMScheduler');
    expect(json.beta_schedule).toBe('scaled_linear');
    expect(parseDDIMSchedulerConfig(json)).toEqual(c);
  });

  it('names the key and the fix for a bad value', () => {
    expect(() => parseDDIMSchedulerConfig({ beta_schedule: 'sigmoid' })).toThrow(/"beta_schedule" must be one of .*scaled_linear/);
    expect(() => parseDDIMSchedulerConfig({ steps_offset: -1 })).toThrow(/"steps_offset" must be an integer from 0 to 1000, got -1/);
    expect(() => parseDDIMSchedulerConfig({ clip_sample: 'yes' })).toThrow(/"clip_sample" must be true or false/);
    expect(() => parseDDIMSchedulerConfig([])).toThrow(/JSON object/);
    expect(() => parseDDIMSchedulerConfig({ beta_start: 0.5, beta_end: 0.1 })).toThrow(/beta_start <= beta_end/);
    expect(() => parseDPMSolverMultistepSchedulerConfig({ solver_order: 3 })).toThrow(/"solver_order" must be one of 1, 2/);
    expect(() => parseDPMSolverMultistepSchedulerConfig({ algorithm_type: 'sde-dpmsolver++' })).toThrow(/algorithm_type/);
  });

  it('refuses features it does not implement instead of ignoring them', () => {
    expect(() => parseDDIMSchedulerConfig({ thresholding: true })).toThrow(/"thresholding": true is not supported/);
    expect(() => parseDDIMSchedulerConfig({ trained_betas: [0.1, 0.2] })).toThrow(/trained_betas/);
    expect(() => parseDDIMSchedulerConfig({ rescale_betas_zero_snr: true })).toThrow(/rescale_betas_zero_snr/);
    expect(() => parseDDIMSchedulerConfig({ thresholding: false, trained_betas: null })).not.toThrow();
  });

  it("reads Python's -Infinity token in scheduler_config.json", () => {
    const json = parseSchedulerConfigText('{"lambda_min_clipped": -Infinity, "note": "-Infinity stays text", "beta_start": 0.001}');
    expect(json.lambda_min_clipped).toBe(-Infinity);
    expect(json.note).toBe('-Infinity stays text');
    expect(parseDPMSolverMultistepSchedulerConfig(json).lambdaMinClipped).toBe(-Infinity);
    expect(() => parseSchedulerConfigText('[1]')).toThrow(/JSON object/);
  });

  it('createScheduler builds either scheduler from any diffusers config', () => {
    const json = JSON.parse(SD15) as Record<string, unknown>;
    expect(createScheduler('DDIMScheduler', json)).toBeInstanceOf(DDIMScheduler);
    expect(createScheduler('DPMSolverMultistepScheduler', json)).toBeInstanceOf(DPMSolverMultistepScheduler);
    expect(() => createScheduler('EulerDiscreteScheduler' as never, json)).toThrow(/use one of DDIMScheduler/);
  });

  it('validates camelCase constructor configs the same way', () => {
    expect(() => new DDIMScheduler({ betaSchedule: 'cosine' as never })).toThrow(/beta_schedule/);
    expect(new DDIMScheduler({ betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 }).config.betaSchedule).toBe('scaled_linear');
  });
});
