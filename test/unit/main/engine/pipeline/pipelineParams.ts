// Tests write params as a user types them (RestoreParams, the prompt as text); the pipeline takes
// them parsed (PipelineParams). These helpers play the boundary's part: parse, nothing else (the
// range checks are validateRestoreParams's, tested in test/unit/main/engine/jobs/restoreParams.test.ts).
import { parseRestorationPrompt } from '../../../../../common/restorationPrompt';
import type { SpireModels } from '../../../../../main/engine/pipeline/models';
import { restore, type RestoreOptions } from '../../../../../main/engine/pipeline/restore';
import type { PipelineParams, RestoreHooks, RestoreParams, RestoreResult, RgbImage } from '../../../../../main/engine/pipeline/types';

/** `params` with its restoration prompt parsed (throws RestorationPromptError as the boundary would). */
export function withParsedPrompt(params: RestoreParams): PipelineParams {
  const regions = params.regions.map(({ restoration, ...r }) =>
    restoration === undefined ? r : { ...r, restoration: restoration.kind === 'keep' ? restoration : { kind: 'prompt' as const, restorationPrompt: parseRestorationPrompt(restoration.restorationPrompt) } },
  );
  return { ...params, restorationPrompt: parseRestorationPrompt(params.restorationPrompt), regions };
}

/** restore() on params with a text prompt: parse, then run (a bad prompt rejects before any model call). */
export async function restoreWithTextPrompt(models: SpireModels, input: RgbImage, params: RestoreParams, hooks?: RestoreHooks, options?: RestoreOptions): Promise<RestoreResult> {
  return restore(models, input, withParsedPrompt(params), hooks, options);
}
