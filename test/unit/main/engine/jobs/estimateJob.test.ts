import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runEstimateJob } from '../../../../../main/engine/jobs/estimateJob';
import { SpireError } from '../../../../../common/errors';
import type { InputFileInfo, PipelineRunner } from '../../../../../main/engine/jobs/restoreJob';
import type { RgbImage } from '../../../../../main/engine/pipeline/types';
import { estimateOf } from '../../../estimates';

const ESTIMATE = estimateOf('Denoise with sigma 0.04;', { blur: [0.1, 0.5], noise: [0.9, 0.04], jpeg: [0.2, 80] });

async function image(format: 'png' | 'jpeg'): Promise<Uint8Array> {
  const px = Buffer.alloc(24 * 16 * 3, 120);
  const s = sharp(px, { raw: { width: 24, height: 16, channels: 3 } });
  return new Uint8Array(await (format === 'png' ? s.png() : s.jpeg({ quality: 63 })).toBuffer());
}

function pipelineWith(estimate?: PipelineRunner['estimate']): PipelineRunner {
  return { restore: () => Promise.reject(new Error('not used')), ...(estimate ? { estimate } : {}) };
}

describe('runEstimateJob', () => {
  it('reads the image and asks the estimator, with the JPEG file\'s own quality', async () => {
    const seen: { size: [number, number]; info: InputFileInfo }[] = [];
    const pipeline = pipelineWith(async (input: RgbImage, info: InputFileInfo) => {
      seen.push({ size: [input.width, input.height], info });
      return ESTIMATE;
    });
    const signal = new AbortController().signal;
    const jpeg = await runEstimateJob({ input: { bytes: await image('jpeg'), name: 'a.jpg' } }, { pipeline, packName: 'p', signal });
    expect(jpeg).toMatchObject({ ...ESTIMATE, input: { width: 24, height: 16, format: 'jpeg' } });
    const png = await runEstimateJob({ input: { bytes: await image('png'), name: 'a.png' } }, { pipeline, packName: 'p', signal });
    expect(png.input.format).toBe('png');
    expect(seen).toEqual([
      { size: [24, 16], info: { jpegQualityFromFile: 63 } },
      { size: [24, 16], info: { jpegQualityFromFile: null } },
    ]);
  });

  it('says what to do when the pack has no estimator, and passes image errors on with their codes', async () => {
    const signal = new AbortController().signal;
    const none = await runEstimateJob({ input: { bytes: await image('png'), name: 'a.png' } }, { pipeline: pipelineWith(), packName: 'tiny', signal }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(SpireError);
    expect(none).toMatchObject({ code: 'no-estimator' });
    expect((none as Error).message).toMatch(/"tiny" has no degradation estimator.*type the restoration prompt/);
    const broken = await runEstimateJob({ input: { bytes: new Uint8Array([1, 2, 3, 4]), name: 'x.png' } }, { pipeline: pipelineWith(async () => ESTIMATE), packName: 'p', signal }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(SpireError);
    expect((broken as SpireError).code).toMatch(/^image-/);
  });
});
