import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack, shortReason } from '../../../../main/engine/packLoader';
import { SpireError } from '../../../../common/errors';
import { readManifest } from '../../../../main/engine/packs';
import { identityModel } from './tinyOnnx';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-loader-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pack(components: Record<string, string>, files: Record<string, Uint8Array | string>): Promise<void> {
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ format: 'spire-pack', name: 'test-pack', components: Object.fromEntries(Object.entries(components).map(([k, f]) => [k, { file: f }])) }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

describe('loadPack', () => {
  it('opens every ONNX component on CPU and reports inputs, outputs and provider', async () => {
    await pack({ a: 'a.onnx', b: 'sub/b.onnx', vocab: 'vocab.json' }, { 'a.onnx': identityModel(4), 'sub/b.onnx': identityModel(2, 'in', 'out'), 'vocab.json': '{}' });
    const loaded = await loadPack(await readManifest(dir), { providers: ['cpu'], threads: 1, openSession });
    try {
      expect(loaded.provider).toBe('cpu');
      expect(loaded.components).toEqual([
        { name: 'a', file: 'a.onnx', provider: 'cpu', inputs: ['x'], outputs: ['y'] },
        { name: 'b', file: 'sub/b.onnx', provider: 'cpu', inputs: ['in'], outputs: ['out'] },
      ]);
      const out = await loaded.sessions.get('a')!.run({ x: { dtype: 'float32', dims: [4], data: new Float32Array([1, 2, 3, 4]) } });
      expect(Array.from(out.y!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    } finally {
      for (const s of loaded.sessions.values()) await s.release();
    }
  });

  it('names a missing component file', async () => {
    await pack({ a: 'a.onnx', b: 'b.onnx' }, { 'a.onnx': identityModel() });
    const err = await loadPack(await readManifest(dir), { providers: ['cpu'], threads: 1, openSession }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpireError);
    expect((err as SpireError).code).toBe('pack-invalid');
    expect((err as SpireError).details.file).toBe(join(dir, 'b.onnx'));
    expect((err as SpireError).details.reason).toMatch(/is missing \(component "b"\)/);
  });

  it('names a corrupt component file and why onnxruntime refused it', async () => {
    await pack({ a: 'a.onnx' }, { 'a.onnx': 'this is not a protobuf' });
    const err = await loadPack(await readManifest(dir), { providers: ['cpu'], threads: 1, openSession }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpireError);
    expect((err as SpireError).code).toBe('pack-invalid');
    expect((err as SpireError).details.file).toBe(join(dir, 'a.onnx'));
    expect((err as SpireError).details.reason).toMatch(/could not be opened as an ONNX model \(Could not open .* on any execution provider/);
  });

  it('releases components already opened when a later one fails', async () => {
    await pack({ a: 'a.onnx', b: 'b.onnx' }, { 'a.onnx': identityModel(), 'b.onnx': 'garbage' });
    let released = 0;
    const counting: typeof openSession = async (path, options) => {
      const opened = await openSession(path, options);
      const release = opened.session.release.bind(opened.session);
      return { ...opened, session: Object.assign(Object.create(opened.session) as typeof opened.session, { release: async () => { released += 1; await release(); } }) };
    };
    await expect(loadPack(await readManifest(dir), { providers: ['cpu'], threads: 1, openSession: counting })).rejects.toThrow(SpireError);
    expect(released).toBe(1);
  });

  it('keeps the reasons providers fell back', async () => {
    await pack({ a: 'a.onnx' }, { 'a.onnx': identityModel() });
    const fake: typeof openSession = async (path, options) => {
      const opened = await openSession(path, { ...options, providers: ['cpu'] });
      return { ...opened, fallbacks: [{ provider: 'webgpu', reason: 'Failed to get a WebGPU adapter' }] };
    };
    const loaded = await loadPack(await readManifest(dir), { providers: ['webgpu', 'cpu'], threads: 1, openSession: fake });
    expect(loaded.fallbacks).toEqual([{ component: 'a', provider: 'webgpu', reason: 'Failed to get a WebGPU adapter' }]);
    expect(describeFallbacks(loaded.fallbacks, loaded.provider)).toBe('Running on cpu: webgpu could not start (Failed to get a WebGPU adapter).');
    for (const s of loaded.sessions.values()) await s.release();
  });
});

describe('shortReason', () => {
  it('drops onnxruntime source locations and failed-check text', () => {
    const raw =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
    expect(shortReason(raw)).toBe('Failed to get a WebGPU adapter: No supported adapters');
  });

  it('keeps short messages and cuts long ones', () => {
    expect(shortReason('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library')).toBe(
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    );
    expect(shortReason('x'.repeat(500), 20)).toHaveLength(20);
  });
});
