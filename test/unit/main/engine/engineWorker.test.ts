/** The worker's logic in-process, over a fake port: pack loading outcomes and request handling. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEngineWorker, type RuntimeApi } from '../../../../main/engine/engineWorker';
import * as runtime from '../../../../main/engine/onnx/runtime';
import type { WorkerSidePort } from '../../../../main/engine/port';
import type { EngineConfig, HostToWorker, WorkerStatus, WorkerToHost } from '../../../../main/engine/protocol';
import { identityModel } from './tinyOnnx';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-worker-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function fakePort(): { port: WorkerSidePort; sent: WorkerToHost[]; send(m: HostToWorker): void; next(pred: (m: WorkerToHost) => boolean): Promise<WorkerToHost> } {
  const sent: WorkerToHost[] = [];
  let listener: ((m: HostToWorker) => void) | null = null;
  const waiters: { pred: (m: WorkerToHost) => boolean; resolve: (m: WorkerToHost) => void }[] = [];
  return {
    sent,
    port: {
      postMessage(m) {
        sent.push(m);
        for (const w of [...waiters]) if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      },
      onMessage(l) {
        listener = l;
        return () => (listener = null);
      },
    },
    send: (m) => listener?.(m),
    next: (pred) => {
      const found = sent.find(pred);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

const readyStatus = (m: WorkerToHost): boolean => m.kind === 'status' && m.status.state === 'ready';

function config(over: Partial<EngineConfig>): EngineConfig {
  return { packOverride: null, packRoots: [join(tmp, 'none')], providers: ['cpu'], threads: 1, ...over };
}

async function writeTinyPack(dir: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ format: 'spire-pack', name: 'tiny', components: { id: { file: 'id.onnx' } } }));
  await writeFile(join(dir, 'id.onnx'), identityModel());
}

describe('runEngineWorker', () => {
  it('reports the provider fallbacks in plain words', async () => {
    await writeTinyPack(join(tmp, 'pack'));
    const fakeRuntime: RuntimeApi = {
      AUTO_PROVIDER_ORDER: ['webgpu', 'cpu'],
      listBackends: () => [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }],
      openSession: async (path, options) => {
        expect(options.providers).toEqual(['webgpu', 'cpu']);
        const opened = await runtime.openSession(path, { providers: ['cpu'] });
        return { ...opened, fallbacks: [{ provider: 'webgpu', reason: 'Failed to get a WebGPU adapter' }] };
      },
    };
    const p = fakePort();
    const worker = runEngineWorker(p.port, { loadRuntime: async () => fakeRuntime });
    p.send({ kind: 'init', config: config({ packOverride: join(tmp, 'pack'), providers: ['auto'] }) });
    const ready = (await p.next(readyStatus)) as { status: WorkerStatus };
    expect(ready.status).toMatchObject({ pack: { name: 'tiny', dir: join(tmp, 'pack') }, provider: 'cpu' });
    expect(ready.status.message).toBe('Running on cpu: webgpu could not start (Failed to get a WebGPU adapter).');
    expect(ready.status.fallbacks).toHaveLength(1);
    worker.dispose();
  });

  it('stays usable when onnxruntime-node cannot be loaded, and says so', async () => {
    await writeTinyPack(join(tmp, 'pack'));
    const p = fakePort();
    runEngineWorker(p.port, {
      loadRuntime: async () => {
        throw new Error('libonnxruntime.so.1: cannot open shared object file');
      },
    });
    p.send({ kind: 'init', config: config({ packOverride: join(tmp, 'pack') }) });
    const ready = (await p.next(readyStatus)) as { status: WorkerStatus };
    expect(ready.status.pack).toBeNull();
    expect(ready.status.message).toMatch(/could not be loaded: onnxruntime-node could not be loaded \(libonnxruntime\.so\.1/);
    p.send({ kind: 'request', id: 7, method: 'backends', params: {} });
    const response = await p.next((m) => m.kind === 'response' && m.id === 7);
    expect(response).toMatchObject({ ok: false, error: { code: 'runtime-unavailable' } });
  });

  it('answers an unknown method with an error response, not silence', async () => {
    const p = fakePort();
    runEngineWorker(p.port, { loadRuntime: async () => runtime });
    p.send({ kind: 'init', config: config({}) });
    await p.next(readyStatus);
    for (const [id, method] of [[3, 'no-such-method'], [4, 'toString'], [5, '__proto__']] as const) {
      p.send({ kind: 'request', id, method: method as 'status', params: {} });
      expect(await p.next((m) => m.kind === 'response' && m.id === id)).toEqual({
        kind: 'response',
        id,
        ok: false,
        error: { code: 'unknown-method', message: `The engine has no method "${method}".` },
      });
    }
  });

  it('reloads a pack on request and answers with the new status', async () => {
    await writeTinyPack(join(tmp, 'later'));
    const p = fakePort();
    runEngineWorker(p.port, { loadRuntime: async () => runtime });
    p.send({ kind: 'init', config: config({}) });
    const first = (await p.next(readyStatus)) as { status: WorkerStatus };
    expect(first.status.pack).toBeNull();
    p.send({ kind: 'request', id: 1, method: 'reload-pack', params: { dir: join(tmp, 'later') } });
    const response = await p.next((m) => m.kind === 'response' && m.id === 1);
    expect(response).toMatchObject({ ok: true, result: { state: 'ready', pack: { name: 'tiny' }, provider: 'cpu' } });
  });
});
