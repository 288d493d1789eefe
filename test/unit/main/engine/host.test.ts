/**
 * SupervisedEngineHost over a real worker_threads Worker running the real
 * worker entry (bundled from main/engine/worker.ts): status, requests,
 * crash -> restart, too many crashes -> crashed, stop.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../common/engineStatus';
import { SpireError } from '../../../../common/errors';
import { SupervisedEngineHost } from '../../../../main/engine/host';
import type { EngineProcess, EngineSpawner } from '../../../../main/engine/port';
import type { EngineConfig } from '../../../../main/engine/protocol';
import { threadSpawner } from '../../../../main/engine/threadSpawner';
import { buildTestWorker } from './jobs/buildTestWorker';
import { identityModel } from './tinyOnnx';

let workerPath: string;
let tmp: string;
const hosts: SupervisedEngineHost[] = [];

beforeAll(async () => {
  workerPath = await buildTestWorker(join(import.meta.dirname, '../../../../main/engine/worker.ts'));
  tmp = await mkdtemp(join(tmpdir(), 'spire-host-'));
  const pack = join(tmp, 'packs', 'tiny');
  await mkdir(pack, { recursive: true });
  await writeFile(join(pack, 'manifest.json'), JSON.stringify({ format: 'spire-pack', name: 'tiny', components: { id: { file: 'id.onnx' } } }));
  await writeFile(join(pack, 'id.onnx'), identityModel());
  const broken = join(tmp, 'broken');
  await mkdir(broken, { recursive: true });
  await writeFile(join(broken, 'manifest.json'), JSON.stringify({ format: 'spire-pack', name: 'broken', components: { unet: { file: 'unet.onnx' } } }));
  await writeFile(join(broken, 'unet.onnx'), 'not an onnx model');
}, 60_000);

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return { packOverride: null, packRoots: [join(tmp, 'packs')], providers: ['cpu'], threads: 1, ...over };
}

/** Spawner that remembers the processes it started, so a test can kill one. */
function recordingSpawner(): { spawn: EngineSpawner; procs: EngineProcess[] } {
  const inner = threadSpawner({ workerPath });
  const procs: EngineProcess[] = [];
  return {
    procs,
    spawn: () => {
      const p = inner();
      procs.push(p);
      return p;
    },
  };
}

function makeHost(options: Partial<ConstructorParameters<typeof SupervisedEngineHost>[0]> & { spawn: EngineSpawner }): {
  host: SupervisedEngineHost;
  seen: EngineStatus[];
  until(pred: (s: EngineStatus) => boolean): Promise<EngineStatus>;
} {
  const host = new SupervisedEngineHost({ config: config(), backoffMs: () => 20, log: () => undefined, ...options });
  hosts.push(host);
  const seen: EngineStatus[] = [];
  const waiters: { pred: (s: EngineStatus) => boolean; resolve: (s: EngineStatus) => void }[] = [];
  host.onStatus((s) => {
    seen.push(s);
    for (const w of [...waiters]) if (w.pred(s)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(s);
    }
  });
  return {
    host,
    seen,
    until: (pred) => new Promise((resolve) => waiters.push({ pred, resolve })),
  };
}

const isReady = (s: EngineStatus): boolean => s.state === 'ready';

describe('SupervisedEngineHost with a worker_threads worker', () => {
  it('starts, loads the default pack on CPU and answers requests', async () => {
    const { host, seen, until } = makeHost({ spawn: threadSpawner({ workerPath }) });
    const ready = until(isReady);
    host.start();
    expect(host.status().state).toBe('starting');
    expect(await ready).toEqual({ state: 'ready', pack: { name: 'tiny', dir: join(tmp, 'packs', 'tiny') }, provider: 'cpu', message: null });
    expect(seen[0]?.state).toBe('starting');
    const detail = await host.request('status', {});
    expect(detail.components).toEqual([{ name: 'id', file: 'id.onnx', provider: 'cpu', inputs: ['x'], outputs: ['y'] }]);
    const backends = await host.request('backends', {});
    expect(backends.map((b) => b.name)).toContain('cpu');
  });

  it('loads the project\'s tiny-random fixture pack (SPIRE_MODEL_PACK) with every ONNX component on CPU', async () => {
    const fixture = join(import.meta.dirname, '../../../fixtures/packs/tiny-random');
    const { host, until } = makeHost({ spawn: threadSpawner({ workerPath }), config: config({ packOverride: fixture }) });
    const ready = until(isReady);
    host.start();
    const status = await ready;
    expect(status).toMatchObject({ pack: { name: 'tiny-random', dir: fixture }, provider: 'cpu' });
    const detail = await host.request('status', {});
    const names = detail.components.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['text_encoder', 'vae_encoder', 'vae_decoder', 'unet']));
    expect(detail.components.every((c) => c.provider === 'cpu' && c.inputs.length > 0)).toBe(true);
  });

  it('reports "no pack" in words and stays ready', async () => {
    const empty = join(tmp, 'no-packs-here');
    const { host, until } = makeHost({ spawn: threadSpawner({ workerPath }), config: config({ packRoots: [empty] }) });
    const ready = until(isReady);
    host.start();
    const status = await ready;
    expect(status.pack).toBeNull();
    expect(status.provider).toBeNull();
    expect(status.message).toBe(`No model pack found in ${empty}; see README (Model packs) to build or install one.`);
  });

  it('reports a pack that fails to load with the file and the reason', async () => {
    const { host, until } = makeHost({ spawn: threadSpawner({ workerPath }), config: config({ packOverride: join(tmp, 'broken') }) });
    const ready = until(isReady);
    host.start();
    const status = await ready;
    expect(status.pack).toBeNull();
    expect(status.message).toContain(join(tmp, 'broken', 'unet.onnx'));
    expect(status.message).toContain('could not be opened as an ONNX model');
  });

  it('restarts a killed worker, reporting restarting with a message, and rejects what was pending', async () => {
    const rec = recordingSpawner();
    const { host, seen, until } = makeHost({ spawn: rec.spawn });
    const firstReady = until(isReady);
    host.start();
    await firstReady;
    const restarting = until((s) => s.state === 'restarting');
    const pending = host.request('reload-pack', {});
    rec.procs[0]!.kill();
    await expect(pending).rejects.toMatchObject({ code: 'engine-stopped' });
    const r = await restarting;
    expect(r.message).toMatch(/^The engine stopped unexpectedly \(exit code \d+: killed\)\. Restarting it in 0\.0 s \(attempt 1 of 3\)\.$/);
    const again = await until(isReady);
    expect(again.pack?.name).toBe('tiny');
    expect(rec.procs).toHaveLength(2);
    // Consecutive reports of the same state (host, then worker) collapse to one.
    const states = seen.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
    expect(states.slice(0, 2)).toEqual(['starting', 'ready']);
    expect(states.slice(-3)).toEqual(['restarting', 'starting', 'ready']);
  });

  it('gives up after maxRestarts and reports crashed in plain words', async () => {
    const rec = recordingSpawner();
    const { host, until } = makeHost({ spawn: rec.spawn, maxRestarts: 1 });
    host.start();
    await until(isReady);
    rec.procs[0]!.kill();
    await until(isReady);
    const crashed = until((s) => s.state === 'crashed');
    rec.procs[1]!.kill();
    const status = await crashed;
    expect(status.message).toMatch(/^The engine stopped unexpectedly 2 times \(last: exit code \d+: killed\) and was not restarted\. Restart SPIRE Studio/);
    await expect(host.request('status', {})).rejects.toThrow(SpireError);
    await expect(host.request('status', {})).rejects.toThrow(/The engine has stopped; restart SPIRE Studio\./);
    expect(rec.procs).toHaveLength(2);
  });

  it('reports a worker that fails on start (bad entry) as crashed after its restarts', async () => {
    const { host, until } = makeHost({ spawn: threadSpawner({ workerPath: join(tmp, 'does-not-exist.mjs') }), maxRestarts: 2 });
    const crashed = until((s) => s.state === 'crashed');
    host.start();
    const status = await crashed;
    expect(status.message).toMatch(/stopped unexpectedly 3 times \(last: exit code 1: Cannot find module/);
  });

  it('stops on request without restarting', async () => {
    const rec = recordingSpawner();
    const { host, until } = makeHost({ spawn: rec.spawn });
    const exits: boolean[] = [];
    host.onExit((e) => exits.push(e.expected, e.willRestart));
    host.start();
    await until(isReady);
    await host.stop();
    expect(host.status().state).toBe('stopped');
    expect(exits).toEqual([true, false]);
    await new Promise((r) => setTimeout(r, 100));
    expect(rec.procs).toHaveLength(1);
  });
});
