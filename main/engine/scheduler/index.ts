/**
 * Schedulers: DDIM and DPM-Solver++(2M), with diffusers' config format.
 *
 *   const scheduler = createScheduler('DDIMScheduler', parseSchedulerConfigText(text));
 *   scheduler.setTimesteps(50);
 *   for (const t of scheduler.timesteps) {
 *     const eps = guidedModelOutput(scheduler.scaleModelInput(latents, t), t);
 *     latents = scheduler.step(eps, t, latents, { eta, generator }).prevSample;
 *   }
 */
import { DDIMScheduler } from './DDIMScheduler';
import { DPMSolverMultistepScheduler } from './DPMSolverMultistepScheduler';
import type { Scheduler } from './types';

export { DDIMScheduler } from './DDIMScheduler';
export { DPMSolverMultistepScheduler } from './DPMSolverMultistepScheduler';
export * from './config';
export type { NoiseSource, Scheduler, StepOptions, StepOutput } from './types';

export const SCHEDULER_NAMES = ['DDIMScheduler', 'DPMSolverMultistepScheduler'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/**
 * Builds the named scheduler from any diffusers scheduler config (as diffusers'
 * `DDIMScheduler.from_config(pipe.scheduler.config)` does): the shared keys
 * (betas, prediction type, spacing, offset) carry over, keys the named
 * scheduler does not know are ignored.
 */
export function createScheduler(name: SchedulerName, configJson: unknown = {}): Scheduler {
  switch (name) {
    case 'DDIMScheduler':
      return DDIMScheduler.fromConfig(configJson);
    case 'DPMSolverMultistepScheduler':
      return DPMSolverMultistepScheduler.fromConfig(configJson);
    default:
      throw new Error(`Unknown scheduler "${String(name)}"; use one of ${SCHEDULER_NAMES.join(', ')}.`);
  }
}
