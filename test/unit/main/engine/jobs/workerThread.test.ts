/**
 * Restore jobs through the real transport: SupervisedEngineHost + threadSpawner
 * + the engine worker in a worker_threads Worker (with the fake restorer).
 * Progress and cancel cross the thread boundary; a crash mid-job is reported
 * and the next job runs after the restart.
 */
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpireError } from '../../../../../common/errors';
import { SupervisedEngineHost } from '../../../../../main/engine/host';
import { DEFAULT_RESTORE_PARAMS } from '../../../../../main/engine/jobs/restoreParams';
import { isRestoreProgress, type RestoreJobParams, type RestoreProgress } from '../../../../../main/engine/protocol';
import { threadSpawner } from '../../../../../main/engine/threadSpawner';
import { buildTestWorker } from './buildTestWorker';

const repo = resolve(import.meta.dirname, '../../../../..');
let workerPath: string;
let host: SupervisedEngineHost | null = null;

beforeAll(async () => {
  workerPath = await buildTestWorker(join(import.meta.dirname, 'fakeRestoreWorker.ts'));
}, 120_000);

afterEach(async () => {
  await host?.stop();
  host = null;
});

function startHost(): SupervisedEngineHost {
  host = new SupervisedEngineHost({
    spawn: threadSpawner({ workerPath }),
    config: { packOverride: join(repo, 'test/fixtures/packs/tiny-random'), packRoots: [], providers: ['cpu'], threads: 1 },
    backoffMs: () => 20,
    log: () => undefined,
  });
  host.start();
  return host;
}

function whenReady(h: SupervisedEngineHost): Promise<void> {
  return new Promise((resolveReady) => {
    const check = (): void => {
      if (h.status().state === 'ready' && h.status().pack) {
        off();
        resolveReady();
      }
    };
    const off = h.onStatus(check);
    check();
  });
}

async function job(semanticPrompt: string, steps = 4): Promise<RestoreJobParams> {
  const px = Buffer.alloc(16 * 16 * 3, 90);
  const bytes = new Uint8Array(await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer());
  return { input: { bytes, name: 'in.png' }, params: { ...DEFAULT_RESTORE_PARAMS, steps, semanticPrompt, restorationPrompt: 'Upsample to 2.0x;' } };
}

describe('restore over worker_threads', () => {
  it('returns the restored image and streams progress across the thread', async () => {
    const h = startHost();
    await whenReady(h);
    const progress: RestoreProgress[] = [];
    const result = await h.request('restore', await job('', 3), { onProgress: (p) => isRestoreProgress(p) && progress.push(p) });
    expect(result.image).toMatchObject({ width: 32, height: 32, format: 'png' });
    expect(result.image.bytes).toBeInstanceOf(Uint8Array);
    const meta = await sharp(result.image.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([32, 32]);
    expect(progress.map((p) => `${p.phase} ${p.step}`)).toEqual(['denoise 1', 'denoise 2', 'denoise 3', 'decode 1']);
    expect(progress.at(-1)?.fraction).toBe(1);
    expect(h.status().state).toBe('ready');
  });

  it('cancels through the request signal: the running job stops, the queued one never runs, the next one runs', async () => {
    const h = startHost();
    await whenReady(h);
    const running = new AbortController();
    const queued = new AbortController();
    let steps = 0;
    const slowJob = await job('slow', 100);
    const quickJob = await job('', 3);
    const slow = h.request('restore', slowJob, { signal: running.signal, onProgress: () => steps++ });
    let queuedSteps = 0;
    const waiting = h.request('restore', quickJob, { signal: queued.signal, onProgress: () => queuedSteps++ }).catch((e: unknown) => e);
    const after = h.request('restore', await job('', 2));
    queued.abort();
    while (steps === 0) await new Promise((r) => setTimeout(r, 5));
    running.abort();
    await expect(slow).rejects.toMatchObject({ code: 'cancelled' });
    expect(await waiting).toMatchObject({ code: 'cancelled' });
    expect(steps).toBeLessThan(100);
    expect(queuedSteps).toBe(0);
    expect((await after).stepsRun).toBe(2);
  });

  it('reports a worker crash mid-job and runs the next job after the restart', async () => {
    const h = startHost();
    await whenReady(h);
    const crashed = await h.request('restore', await job('crash', 5)).catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(SpireError);
    expect((crashed as SpireError).code).toBe('engine-stopped');
    expect((crashed as Error).message).toMatch(/stopped before answering.*exit code 7/);
    await whenReady(h);
    const next = await h.request('restore', await job('', 2));
    expect(next.image.width).toBe(32);
  });
});
