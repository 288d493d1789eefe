/**
 * A stand-in for the restoration pipeline, driven by the semantic prompt so a
 * test can ask for each behaviour through the real protocol:
 *   ""           steps of ~5 ms, then one decode report; output = input resized by the Upsample factor, colours inverted
 *   "slow"       steps of 60 ms (time to cancel)
 *   "fail:oom"   throws RangeError("Array buffer allocation failed") at step 2
 *   "fail:throw" throws an Error at step 1
 *   "fail:nan"   returns an image full of NaN
 *   "crash"      ends the worker thread at step 2 (process.exit in a worker ends the thread)
 *   "identity"   returns the input unchanged (resized by the Upsample factor): a restoration that leaves the photo as it is
 * It checks the AbortSignal before every step, as the pipeline does before every model call.
 */
import { resizeRgb } from '../../../../../main/engine/imageOps/resize';
import type { PipelineRunner } from '../../../../../main/engine/jobs/restoreJob';
import { RestoreCancelled, type RgbImage } from '../../../../../main/engine/pipeline/types';
import { upsampleFactor } from '../../../../../common/restorationPrompt';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function fakePipeline(calls: string[] = []): PipelineRunner {
  return {
    async restore(input, params, hooks) {
      const mode = params.semanticPrompt;
      calls.push(mode);
      const start = Date.now();
      const stepMs = mode === 'slow' ? 60 : 5;
      // Faithful mode: one restorer pass per view first, as the pipeline reports them.
      const passes = params.useRestorer ? (params.restorerViews ?? 1) : 0;
      for (let pass = 1; pass <= passes; pass++) {
        await sleep(stepMs);
        hooks.onRestorer?.({ pass, totalPasses: passes, elapsedMs: Date.now() - start });
      }
      for (let step = 1; step <= params.steps; step++) {
        if (hooks.signal?.aborted) throw new RestoreCancelled();
        await sleep(stepMs);
        if (mode === 'fail:throw') throw new Error('the adaptor exploded');
        if (mode === 'fail:oom' && step === 2) throw new RangeError('Array buffer allocation failed');
        if (mode === 'crash' && step === 2) process.exit(7);
        const preview: RgbImage | undefined = hooks.previewSize ? { width: 8, height: 8, data: new Float32Array(192).fill(step / params.steps) } : undefined;
        hooks.onStep?.({ step, totalSteps: params.steps, timestep: 1000 - (step * 1000) / params.steps, elapsedMs: Date.now() - start, ...(preview ? { preview } : {}) });
      }
      if (hooks.signal?.aborted) throw new RestoreCancelled();
      // The decode, one decoder call, as the pipeline reports it.
      if (params.steps > 0) hooks.onDecode?.({ pass: 1, totalPasses: 1, elapsedMs: Date.now() - start });
      const prompt = params.restorationPrompt;
      const f = upsampleFactor(prompt);
      const out = resizeRgb(input, Math.round(input.height * f), Math.round(input.width * f), { clamp: true });
      if (mode !== 'identity') for (let i = 0; i < out.data.length; i++) out.data[i] = mode === 'fail:nan' ? Number.NaN : 1 - (out.data[i] ?? 0);
      return {
        image: out,
        restorationPrompt: prompt.text,
        seed: params.seed,
        stepsRun: params.steps,
        timings: { totalMs: Date.now() - start, encodeMs: 0, denoiseMs: Date.now() - start, decodeMs: 0 },
      };
    },
  };
}
