/** EstimateService over a fake engine: the opened image's bytes -> the engine's estimate job -> the estimate; errors in words. */
import { describe, expect, it } from 'vitest';
import { SpireError } from '../../../../common/errors';
import type { EngineMethod, EngineParams, EngineResult, EstimateJobResult } from '../../../../main/engine/protocol';
import { EstimateService } from '../../../../main/services/estimateService';
import { estimateOf } from '../../estimates';

const answer: EstimateJobResult = {
  ...estimateOf('Denoise with sigma 0.04;', { blur: [0.04, 0.6], noise: [0.88, 0.04], jpeg: [1, 87, 'file'] }, { ms: 42 }),
  input: { width: 64, height: 48, format: 'jpeg' },
};

function setup(script: () => Promise<EstimateJobResult>, keep?: number) {
  const requests: { method: EngineMethod; params: unknown }[] = [];
  const engine = {
    request<M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<EngineResult<M>> {
      requests.push({ method, params });
      return script() as Promise<EngineResult<M>>;
    },
  };
  const images = { get: (id: string) => (id.startsWith('img') ? { bytes: new Uint8Array([7]), name: `${id}.jpg` } : undefined) };
  return { requests, service: new EstimateService({ engine, images, ...(keep ? { keep } : {}) }) };
}

describe('EstimateService', () => {
  it("sends the opened image's bytes to the engine's estimate job and answers the estimate (without the input's size)", async () => {
    const { requests, service } = setup(async () => answer);
    const { input: _input, ...estimate } = answer;
    expect(await service.estimate('img')).toEqual(estimate);
    expect(requests).toEqual([{ method: 'estimate', params: { input: { bytes: new Uint8Array([7]), name: 'img.jpg' } } }]);
    expect(service.latestOf('img')).toEqual(estimate);
    expect(service.latestOf('img-other')).toBeUndefined();
  });

  it('refuses an image it does not hold, without asking the engine', async () => {
    const { requests, service } = setup(async () => answer);
    await expect(service.estimate('gone')).rejects.toMatchObject({ name: 'SpireError', code: 'image-not-open', message: expect.stringContaining('Open it again') });
    expect(requests).toEqual([]);
  });

  it("passes the engine's worded errors on (no-estimator, engine-stopped), and rewords its catch-all", async () => {
    const noEstimator = new SpireError('no-estimator', 'The model pack "tiny" has no degradation estimator, so it cannot read what is wrong with the photo: type the restoration prompt.');
    await expect(setup(async () => Promise.reject(noEstimator)).service.estimate('img')).rejects.toBe(noEstimator);
    const failed = setup(async () => Promise.reject(new SpireError('restore-failed', 'The restoration failed: bad tensor')));
    const err = await failed.service.estimate('img').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpireError);
    expect(err).toMatchObject({ code: 'estimate-failed', message: 'Reading what is wrong with the photo failed (bad tensor). Type the restoration prompt yourself, or open the photo again.' });
  });

  it('remembers the latest estimate of the last `keep` images', async () => {
    const { service } = setup(async () => answer, 2);
    for (const id of ['img-1', 'img-2', 'img-3']) await service.estimate(id);
    expect(service.latestOf('img-1')).toBeUndefined();
    expect(service.latestOf('img-2')).toBeDefined();
    expect(service.latestOf('img-3')).toBeDefined();
  });
});
