// The most steps a run may ask for (MAX_STEPS, enforced by the IPC schema, the
// engine's parameter check and the CLI) must give valid timesteps for every
// scheduler config we ship: 1000 steps with leading spacing and steps_offset 1
// would ask for timestep 1000 of a 1000-step schedule.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_STEPS } from '../../../../../common/runSettings';
import { createScheduler } from '../../../../../main/engine/scheduler';

const packsDir = path.resolve(import.meta.dirname, '../../../../fixtures/packs');
const configs = readdirSync(packsDir).map((name) => ({
  name,
  json: JSON.parse(readFileSync(path.join(packsDir, name, 'scheduler', 'scheduler_config.json'), 'utf8')) as Record<string, unknown>,
}));

describe('MAX_STEPS', () => {
  it.each(configs)('stays inside the training schedule of $name, for DDIM and DPM-Solver++', ({ json }) => {
    const trainSteps = Number(json.num_train_timesteps ?? 1000);
    for (const kind of ['DDIMScheduler', 'DPMSolverMultistepScheduler'] as const) {
      const scheduler = createScheduler(kind, json);
      scheduler.setTimesteps(MAX_STEPS);
      const ts = [...scheduler.timesteps];
      expect(ts.length).toBe(MAX_STEPS);
      expect(Math.max(...ts)).toBeLessThan(trainSteps);
      expect(Math.min(...ts)).toBeGreaterThanOrEqual(0);
    }
  });
});
