/**
 * `spire restore` step 6: the images, one at a time, on a started engine.
 *
 * Per image: wait for the engine to settle (it restarts after a crash) -> the `restore` job with
 * progress on stderr -> the estimate line when the estimator read the photo -> the output written
 * atomically -> its report. A failed image is reported and the batch goes on, except after a pack
 * problem or a crash (the next image would fail the same way) or Ctrl+C (nothing partial is written).
 * The exit code is the first failure's, or 130 when interrupted.
 */
import { basename } from 'node:path';
import { SpireError } from '../../common/errors';
import { describeLargePhotoAdvice, viewsForPhoto, type LargePhotoAdvice } from '../../common/largePhotos';
import type { SupervisedEngineHost } from '../engine/host';
import { writeFileAtomic } from '../engine/image';
import type { RestoreParams } from '../engine/pipeline/types';
import { isRestoreProgress, type ColourMode, type RestoreJobResult } from '../engine/protocol';
import { describeEstimate } from './estimateText';
import { EXIT, exitCodeOf, type ExitCode } from './exitCodes';
import type { RestoreReport } from './report';
import type { RestoreTarget } from './restoreTargets';

export interface RunOptions {
  params: RestoreParams;
  /** JPEG/WebP quality, when given. */
  quality: number | undefined;
  /** Replace existing outputs. */
  force: boolean;
  /** Leave the inputs' GPS position out of the outputs. */
  stripLocation?: boolean;
  /** sRGB (default) or the input's own profile. */
  colour?: ColourMode;
  /** Ctrl+C. */
  interrupt?: AbortSignal | undefined;
  /** The pack's advice for large photos, when the views are not the user's (--views); null: none. */
  largePhotos?: LargePhotoAdvice | null;
  /** The output's size over the input's (RunSettings.outputScale); default 1. */
  outputScale?: number;
}

/** Restores `targets` in order and returns the exit code, starting from `worst` (the probe's). */
export async function restoreEach(host: SupervisedEngineHost, targets: RestoreTarget[], options: RunOptions, report: RestoreReport, worst: ExitCode): Promise<ExitCode> {
  for (const target of targets) {
    if (options.interrupt?.aborted) return EXIT.interrupted;
    await whenSettled(host);
    if (host.status().state === 'crashed') break;
    const outcome = await restoreOne(host, target, options, report);
    if (outcome === 'ok') continue;
    if (outcome === EXIT.interrupted) return EXIT.interrupted;
    if (worst === EXIT.ok) worst = outcome;
    // A pack problem or a crashed engine will not get better for the next image.
    if (outcome === EXIT.pack || host.status().state === 'crashed') break;
  }
  return worst;
}

/** One image: restored, written and reported ('ok'), or reported as failed (its exit code). */
async function restoreOne(host: SupervisedEngineHost, target: RestoreTarget, options: RunOptions, report: RestoreReport): Promise<'ok' | ExitCode> {
  const { quality, interrupt } = options;
  const label = basename(target.input);
  const params = paramsForPhoto(options, target, (line) => report.line(`${label}: ${line}`));
  const started = Date.now();
  let result: RestoreJobResult;
  try {
    result = await host.request(
      'restore',
      {
        input: { path: target.input },
        params,
        output: {
          format: target.format,
          ...(quality !== undefined ? { quality } : {}),
          ...(options.stripLocation ? { stripLocation: true } : {}),
          ...(options.colour ? { colour: options.colour } : {}),
        },
      },
      { onProgress: (p) => isRestoreProgress(p) && report.progress.step(label, p), ...(interrupt ? { signal: interrupt } : {}) },
    );
    report.progress.clear();
    if (result.estimate) report.line(`${label}: ${describeEstimate(result.estimate, result.stepsRun === 0 && result.restorationPrompt === '')}`);
    await writeFileAtomic(target.output, result.image.bytes, options.force);
  } catch (err) {
    report.progress.clear();
    const code = err instanceof SpireError ? exitCodeOf(err.code) : EXIT.restoreFailed;
    if (code === EXIT.interrupted) {
      report.line(`${label}: interrupted; nothing was written.`);
      return EXIT.interrupted;
    }
    const message = err instanceof Error ? err.message : String(err);
    report.failed(target.input, err instanceof SpireError ? err.code : 'error', message, label);
    return code;
  }
  report.restored(target, label, result, params, (Date.now() - started) / 1000);
  return 'ok';
}

/** Resolves once the engine is not (re)starting: after a crash mid-job the host restarts it before the next image. */
function whenSettled(host: SupervisedEngineHost): Promise<void> {
  const settled = (): boolean => !['starting', 'restarting'].includes(host.status().state);
  if (settled()) return Promise.resolve();
  return new Promise((resolveSettled) => {
    const off = host.onStatus(() => {
      if (settled()) {
        off();
        resolveSettled();
      }
    });
  });
}

/**
 * The params for one photo: above the pack's large-photo size (the output: input megapixels times
 * the `Upsample to Kx` factor squared) the advised views, said on stderr; otherwise as given.
 */
function paramsForPhoto(options: RunOptions, target: RestoreTarget, say: (line: string) => void): RestoreParams {
  const { params, largePhotos } = options;
  if (!largePhotos || !params.useRestorer || target.megapixels === undefined) return params;
  const factor = options.outputScale ?? 1;
  const views = params.restorerViews ?? 1;
  const advised = viewsForPhoto(views, target.megapixels * factor * factor, largePhotos);
  if (!advised.advised) return params;
  say(`${describeLargePhotoAdvice(largePhotos)}; running ${advised.views} (--views ${views} to keep ${views}).`);
  return { ...params, restorerViews: advised.views };
}
