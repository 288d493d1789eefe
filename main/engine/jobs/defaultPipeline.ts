/**
 * The real restoration pipeline on a loaded pack, as the worker's default
 * `createPipeline`: OnnxSpireModels over the pack's sessions + pipeline/restore.ts.
 * Imported lazily by the worker, so a worker that never restores never loads it.
 */
import type { LoadedPack } from '../packLoader';
import { OnnxSpireModels } from '../pipeline/models';
import { contractEstimate, estimateDegradation } from '../pipeline/estimate';
import { restore } from '../pipeline/restore';
import type { PipelineRunner } from './restoreJob';

export async function createDefaultPipeline(pack: LoadedPack): Promise<PipelineRunner> {
  const models = await OnnxSpireModels.fromPack(pack);
  const pipeline: PipelineRunner = {
    restore: (input, params, hooks, info) => restore(models, input, params, hooks, { jpegQualityFromFile: info?.jpegQualityFromFile ?? null }),
  };
  if (models.config.estimator) {
    pipeline.estimate = async (input, info) => contractEstimate(await estimateDegradation(models, input, { jpegQualityFromFile: info.jpegQualityFromFile }));
  }
  return pipeline;
}
