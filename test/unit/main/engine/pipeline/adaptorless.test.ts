// An imported Stable Diffusion pack: no adaptor, the prior refining the restorer's output (or the
// bicubic-resized input) semantically. With --restorer-from the restoration prompt has its own text
// encoder (the donor's), which only the restorer reads.
import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../../../../main/engine/pipeline/models';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';
import type { RestoreParams, RgbImage } from '../../../../../main/engine/pipeline/types';
import { FAKE_CONFIG, FakeModels } from './fakeModels';
import { restoreWithTextPrompt as restore } from './pipelineParams';

/** FakeModels without an adaptor; with `separate`, a restoration text encoder giving [B, 3, 5]. */
class PriorOnlyModels extends FakeModels {
  override readonly config: PipelineConfig;
  readonly restorerContexts: number[][] = [];

  constructor(options: { separate: boolean; hasRestorer: boolean }) {
    super();
    this.config = { ...FAKE_CONFIG, fusion: null, hasRestorer: options.hasRestorer, separateRestorationEncoder: options.separate };
    if (options.separate) {
      this.tokenizeRestoration = (texts) => texts.map((t) => [1, t.length % 7, 2]);
      this.restorationTextEncoder = async (ids) => {
        const out = { data: Float32Array.from({ length: ids.length * 15 }, (_, i) => Math.sin(i + (ids[0]?.[1] ?? 0))), dims: [ids.length, 3, 5] };
        this.calls.push({ model: 'restorationTextEncoder', dims: out.dims });
        return out;
      };
    }
  }

  tokenizeRestoration?: (texts: readonly string[]) => number[][];
  restorationTextEncoder?: (ids: readonly (readonly number[])[]) => Promise<Tensor>;

  override async adaptor(): Promise<Tensor[]> {
    throw new Error('an adaptor-less pack must not call the adaptor');
  }

  override async restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor> {
    this.restorerContexts.push([...cRest.dims]);
    return super.restorer(y, cRest, degradation);
  }
}

function image(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.4 * Math.sin(i * 0.37);
  return { width, height, data };
}

const PARAMS: RestoreParams = {
  restorationPrompt: 'Deblur with sigma 2.0;',
  semanticPrompt: 'a red barn',
  negativePrompt: 'blurry',
  regions: [],
  steps: 10,
  guidanceScale: 7.5,
  seed: 3,
  strength: 0.3,
  scheduler: 'ddim',
  eta: 0,
  colorFix: 'wavelet',
  useRestorer: true,
  tileSize: 0,
  tileOverlap: 8,
};

describe('an adaptor-less pack with a restorer (semantic refinement over the restorer)', () => {
  it.each(['ddim', 'dpmpp-2m'] as const)('restorer -> encode -> %s with CFG and a region prompt -> decode with detail transfer', async (scheduler) => {
    const models = new PriorOnlyModels({ separate: true, hasRestorer: true });
    const mask = { width: 16, height: 16, data: new Float32Array(16 * 16).map((_, i) => (i % 16 < 8 ? 1 : 0)) };
    const out = await restore(models, image(16, 16), { ...PARAMS, scheduler, regions: [{ mask, prompt: 'a white door' }] });
    expect(out.stepsRun).toBe(3); // floor(10 * 0.3)
    const sequence = models.calls.map((c) => c.model);
    expect(sequence).toEqual([
      'textEncoder', // [neg; sem; region]: the prior's encoder
      'restorationTextEncoder', // [rest]: the restorer's own
      'restorer',
      'vaeEncode',
      'unet',
      'unet',
      'unet', // no adaptor
      'vaeDecode',
      'vaeDecode', // z and, for the detail transfer, m
    ]);
    expect(models.calls[0]!.dims).toEqual([3, 4, 2]);
    expect(models.calls.filter((c) => c.model === 'unet').every((c) => c.dims[0] === 3)).toBe(true); // [uncond; global; region]
    expect(models.restorerContexts).toEqual([[1, 3, 5]]);
  });

  it('the semantic prompt steers the result; the restoration prompt reaches the restorer only', async () => {
    const a = await restore(new PriorOnlyModels({ separate: true, hasRestorer: true }), image(16, 16), PARAMS);
    const b = await restore(new PriorOnlyModels({ separate: true, hasRestorer: true }), image(16, 16), { ...PARAMS, semanticPrompt: 'a zebra on a road' });
    expect(a.image.data.some((v, i) => Math.abs(v - b.image.data[i]!) > 1e-4)).toBe(true);
  });

  it('strength 0 is the restorer alone: only the restoration text encoder and the restorer run', async () => {
    const models = new PriorOnlyModels({ separate: true, hasRestorer: true });
    await restore(models, image(16, 16), { ...PARAMS, strength: 0 });
    expect(models.calls.map((c) => c.model)).toEqual(['restorationTextEncoder', 'restorer']);
  });

  it('one shared text encoder (a pack whose restorer reads the prior\'s): one batch [neg; sem; rest]', async () => {
    const models = new PriorOnlyModels({ separate: false, hasRestorer: true });
    await restore(models, image(16, 16), PARAMS);
    expect(models.calls.slice(0, 3).map((c) => [c.model, c.dims[0]])).toEqual([['textEncoder', 3], ['restorer', 1], ['vaeEncode', 1]]);
  });

  it('without a restorer: the bicubic-resized input is encoded, noised to the strength and refined', async () => {
    const models = new PriorOnlyModels({ separate: false, hasRestorer: false });
    const out = await restore(models, image(8, 8), { ...PARAMS, useRestorer: false, restorationPrompt: 'Upsample to 2.0x;' });
    expect([out.image.width, out.image.height]).toEqual([16, 16]);
    expect(models.calls.map((c) => c.model)).toEqual(['textEncoder', 'vaeEncode', 'unet', 'unet', 'unet', 'vaeDecode']);
    expect(models.calls[1]!.dims).toEqual([1, 3, 16, 16]);
  });
});
