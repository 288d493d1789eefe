/**
 * One estimate job, as the worker runs it: read the input image (bytes or a path; a JPEG's quantisation
 * tables give its quality), then the pack's degradation estimator (pipeline/estimate.ts). What the editor
 * asks when a photo opens, to fill the restoration prompt with what is wrong with it.
 */
import { readImage } from '../image';
import { RestoreCancelled } from '../pipeline/types';
import type { EstimateJobParams, EstimateJobResult } from '../protocol';
import { SpireError } from '../../../common/errors';
import { jobFailure, type PipelineRunner } from './restoreJob';

export async function runEstimateJob(job: EstimateJobParams, ctx: { pipeline: PipelineRunner; packName: string; signal: AbortSignal }): Promise<EstimateJobResult> {
  const estimate = ctx.pipeline.estimate;
  if (!estimate) {
    throw new SpireError(
      'no-estimator',
      `The model pack "${ctx.packName}" has no degradation estimator, so it cannot read what is wrong with the photo: type the restoration prompt (e.g. "Denoise with sigma 0.05;").`,
    );
  }
  let size: { width: number; height: number } | undefined;
  try {
    const input = 'bytes' in job.input ? await readImage(job.input.bytes, {}, job.input.name) : await readImage(job.input.path);
    size = { width: input.rgb.width, height: input.rgb.height };
    if (ctx.signal.aborted) throw new RestoreCancelled();
    const result = await estimate(input.rgb, { jpegQualityFromFile: input.metadata.jpegQuality });
    return { ...result, input: { width: input.rgb.width, height: input.rgb.height, format: input.format } };
  } catch (err) {
    throw jobFailure(err, size);
  }
}
