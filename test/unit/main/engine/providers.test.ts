import { describe, expect, it } from 'vitest';
import { parseProviderList, planProviders } from '../../../../main/engine/providers';

const AUTO = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;

describe('parseProviderList', () => {
  it.each([
    [undefined, ['auto']],
    ['', ['auto']],
    ['webgpu,cpu', ['webgpu', 'cpu']],
    [' CUDA , cpu ,', ['cuda', 'cpu']],
  ])('%j -> %j', (input, expected) => {
    expect(parseProviderList(input)).toEqual(expected);
  });
});

describe('planProviders', () => {
  it('expands auto to the available providers in best-first order', () => {
    expect(planProviders(['auto'], ['cpu', 'webgpu', 'cuda', 'tensorrt'], AUTO)).toEqual({ order: ['cuda', 'webgpu', 'cpu'], ignored: [] });
  });

  it('keeps an explicit order and always ends with cpu as the last resort', () => {
    expect(planProviders(['webgpu'], ['cpu', 'webgpu'], AUTO)).toEqual({ order: ['webgpu', 'cpu'], ignored: [] });
  });

  it('ignores names that are unknown or not built here, and says which', () => {
    expect(planProviders(['dml', 'metal', 'cpu'], ['cpu', 'webgpu'], AUTO)).toEqual({ order: ['cpu'], ignored: ['dml', 'metal'] });
  });

  it('does not repeat a provider named twice', () => {
    expect(planProviders(['cpu', 'auto'], ['cpu', 'webgpu'], AUTO).order).toEqual(['cpu', 'webgpu']);
  });
});
