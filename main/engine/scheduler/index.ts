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
import type { SchedulerName } from '../../../common/runSettings';

export { DDIMScheduler } from './DDIMScheduler';
export { DPMSolverMultistepScheduler } from './DPMSolverMultistepScheduler';
export * from './config';
export type { NoiseSource, Scheduler, StepOptions, StepOutput } from './types';

/** The diffusers class names this module builds. Runs name schedulers by SchedulerName (common/runSettings.ts). */
export const SCHEDULER_CLASS_NAMES = ['DDIMScheduler', 'DPMSolverMultistepScheduler'] as const;
export type SchedulerClassName = (typeof SCHEDULER_CLASS_NAMES)[number];

/** A run's scheduler name (`ddim`, `dpmpp-2m`) -> the diffusers class that implements it. */
export const SCHEDULER_CLASSES = { ddim: 'DDIMScheduler', 'dpmpp-2m': 'DPMSolverMultistepScheduler' } as const satisfies Record<SchedulerName, SchedulerClassName>;

/**
 * Builds the named scheduler from any diffusers scheduler config (as diffusers'
 * `DDIMScheduler.from_config(pipe.scheduler.config)` does): the shared keys
 * (betas, prediction type, spacing, offset) carry over, keys the named
 * scheduler does not know are ignored.
 */
export function createScheduler(name: SchedulerClassName, configJson: unknown = {}): Scheduler {
  switch (name) {
    case 'DDIMScheduler':
      return DDIMScheduler.fromConfig(configJson);
    case 'DPMSolverMultistepScheduler':
      return DPMSolverMultistepScheduler.fromConfig(configJson);
    default:
      throw new Error(`Unknown scheduler "${String(name)}"; use one of ${SCHEDULER_CLASS_NAMES.join(', ')}.`);
  }
}
