import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightProviders } from '../../../../../main/engine/onnx/runtime';

const nativeDir = '/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64';

describe('preflightProviders', () => {
  it('skips cuda when the CUDA provider library was never installed, and says how to get it', () => {
    const r = preflightProviders(['cuda', 'cpu'], { platform: 'linux', exists: () => false, env: {}, nativeDir });
    expect(r.order).toEqual(['cpu']);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]?.provider).toBe('cuda');
    expect(r.skipped[0]?.reason).toMatch(/not downloaded.*reinstall onnxruntime-node/);
  });

  it('keeps cuda when the provider library is there', () => {
    const lib = path.join(nativeDir, 'libonnxruntime_providers_cuda.so');
    const r = preflightProviders(['cuda', 'cpu'], { platform: 'linux', exists: (p) => p === lib, env: {}, nativeDir });
    expect(r.order).toEqual(['cuda', 'cpu']);
    expect(r.skipped).toEqual([]);
  });

  it('skips webgpu on Linux without a Vulkan loader, finds one on LD_LIBRARY_PATH', () => {
    const none = preflightProviders(['webgpu', 'cpu'], { platform: 'linux', exists: () => false, env: {}, nativeDir });
    expect(none.order).toEqual(['cpu']);
    expect(none.skipped[0]?.reason).toMatch(/libvulkan\.so\.1/);
    const found = preflightProviders(['webgpu', 'cpu'], {
      platform: 'linux',
      exists: (p) => p === '/opt/vk/libvulkan.so.1',
      env: { LD_LIBRARY_PATH: '/opt/vk' },
      nativeDir,
    });
    expect(found.order).toEqual(['webgpu', 'cpu']);
  });

  it('leaves other platforms and the CPU alone', () => {
    const r = preflightProviders(['dml', 'webgpu', 'cpu'], { platform: 'win32', exists: () => false, env: {}, nativeDir });
    expect(r.order).toEqual(['dml', 'webgpu', 'cpu']);
  });
});
