// OnnxSpireModels over fake sessions: feeds are built from the manifest (names, dtypes: int32
// ids, int64 timesteps, float16 packs), checked before run with a clear error, and outputs are
// converted back to float32 (latent_parameters -> mean).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostTensor, ModelSession, NamedTensors, TensorDType } from '../../../../../main/engine/onnx/runtime';
import type { LoadedPack } from '../../../../../main/engine/packLoader';
import { readManifest, type PackManifest, type SpirePackSpec, type TensorSpec } from '../../../../../main/engine/packs';
import { checkFeeds, ModelInputError, OnnxSpireModels } from '../../../../../main/engine/pipeline/models';

const packDir = resolve(import.meta.dirname, '../../../../fixtures/packs/tiny-random');

/** A session that records its feeds and answers each manifest output with zeros of the right dtype, or `answer`. */
class FakeSession implements ModelSession {
  readonly path = 'fake.onnx';
  readonly provider = 'cpu' as const;
  feeds: NamedTensors[] = [];
  constructor(
    readonly spec: { inputs: TensorSpec[]; outputs: TensorSpec[] },
    private readonly answer?: (feeds: NamedTensors) => NamedTensors,
  ) {}
  get inputs() {
    return this.spec.inputs;
  }
  get outputs() {
    return this.spec.outputs;
  }
  async run(feeds: NamedTensors): Promise<NamedTensors> {
    this.feeds.push(feeds);
    if (this.answer) return this.answer(feeds);
    const out: NamedTensors = {};
    const batch = Object.values(feeds)[0]!.dims[0]!;
    for (const o of this.spec.outputs) {
      const dims = o.shape.map((d) => (typeof d === 'number' ? d : d === 'batch' ? batch : 4));
      out[o.name] = zeros(o.dtype, dims);
    }
    return out;
  }
  async release(): Promise<void> {}
}

function zeros(dtype: TensorDType, dims: number[]): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = dtype === 'float16' ? new Uint16Array(n) : dtype === 'int64' ? new BigInt64Array(n) : dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  return { dtype, dims, data };
}

async function modelsWith(edit: (spec: SpirePackSpec) => void, answers: Record<string, (feeds: NamedTensors) => NamedTensors> = {}) {
  const manifest: PackManifest = await readManifest(packDir);
  const spec = structuredClone(manifest.spire!);
  edit(spec);
  const sessions = new Map<string, FakeSession>();
  for (const [name, comp] of Object.entries(spec.components)) sessions.set(name, new FakeSession(comp, answers[name]));
  const pack = { manifest: { ...manifest, spire: spec }, sessions, components: [], fallbacks: [], provider: 'cpu' } as LoadedPack;
  return { models: await OnnxSpireModels.fromPack(pack), sessions };
}

describe('OnnxSpireModels', () => {
  it('casts ids and timesteps to the manifest dtypes (int32 ids, int64 timesteps)', async () => {
    const { models, sessions } = await modelsWith((s) => {
      s.components.text_encoder!.inputs[0]!.dtype = 'int32';
      s.components.unet!.inputs[1]!.dtype = 'int64';
    });
    const ids = models.tokenize(['a cat']);
    await models.textEncoder(ids);
    const fed = sessions.get('text_encoder')!.feeds[0]!.input_ids!;
    expect(fed.dtype).toBe('int32');
    expect([...(fed.data as Int32Array)]).toEqual(ids[0]);
    const z = { data: new Float32Array(2 * 4 * 2 * 2), dims: [2, 4, 2, 2] };
    const c = { data: new Float32Array(2 * 16 * 32), dims: [2, 16, 32] };
    const fused = models.config.fusion ? (await models.adaptor(
      { data: new Float32Array(16), dims: [1, 4, 2, 2] }, [501], { data: new Float32Array(16 * 32), dims: [1, 16, 32] },
      { data: new Float32Array(3 * 8 * 8), dims: [1, 3, 8, 8] },
    )) : [];
    expect(fused).toHaveLength(10);
    // Fake outputs use 4 for every symbolic dim; give the UNet properly shaped fused tensors instead.
    const unetFused = sessions.get('unet')!.spec.inputs.slice(3).map((i) => {
      const ch = i.shape[1] as number;
      const side = (i.shape[2] as string).endsWith('/8') ? 1 : 2;
      return { data: new Float32Array(2 * ch * side * side), dims: [2, ch, side, side] };
    });
    await models.unet(z, [501, 501], c, unetFused);
    const t = sessions.get('unet')!.feeds[0]!.timestep!;
    expect(t.dtype).toBe('int64');
    expect([...(t.data as BigInt64Array)]).toEqual([501n, 501n]);
  });

  it('converts float16 packs both ways', async () => {
    const { models, sessions } = await modelsWith(
      (s) => {
        for (const comp of Object.values(s.components)) for (const v of [...comp.inputs, ...comp.outputs]) if (v.dtype === 'float32') v.dtype = 'float16';
      },
      {
        vae_decoder: (feeds) => {
          const zIn = feeds.latent_sample!;
          return { sample: { dtype: 'float16', dims: [1, 3, 4, 4], data: new Uint16Array(48).fill(zIn.data[0] as number) } };
        },
      },
    );
    const out = await models.vaeDecode({ data: new Float32Array(4).fill(1.5), dims: [1, 4, 1, 1] });
    const fed = sessions.get('vae_decoder')!.feeds[0]!.latent_sample!;
    expect(fed.dtype).toBe('float16');
    expect((fed.data as Uint16Array)[0]).toBe(0x3e00); // 1.5 in half bits
    expect(out.data[0]).toBe(1.5); // the fake echoed those bits back: decoded as a half float
  });

  it('takes the VAE mean from latent_parameters (first Cz channels)', async () => {
    const { models } = await modelsWith(
      (s) => {
        s.components.vae_encoder!.outputs = [{ name: 'latent_parameters', dtype: 'float32', shape: ['batch', 8, 'height/4', 'width/4'] }];
      },
      {
        vae_encoder: () => ({ latent_parameters: { dtype: 'float32', dims: [1, 8, 1, 1], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) } }),
      },
    );
    const mean = await models.vaeEncode({ data: new Float32Array(3 * 4 * 4), dims: [1, 3, 4, 4] });
    expect(mean.dims).toEqual([1, 4, 1, 1]);
    expect([...mean.data]).toEqual([1, 2, 3, 4]);
  });

  it('checks feeds before run: name, dtype, rank, fixed and symbolic dims', async () => {
    const { models, sessions } = await modelsWith(() => undefined);
    const spec = sessions.get('adaptor')!.spec;
    const good: NamedTensors = {
      sample: zeros('float32', [1, 4, 2, 2]),
      timestep: zeros('float32', [1]),
      encoder_hidden_states: zeros('float32', [1, 16, 32]),
      cond_image: zeros('float32', [1, 3, 8, 8]),
    };
    expect(() => checkFeeds('adaptor', spec, good)).not.toThrow();
    const bad: [NamedTensors, RegExp][] = [
      [{ ...good, extra: zeros('float32', [1]) }, /got an input "extra" the model does not take/],
      [{ ...good, cond_image: undefined as unknown as HostTensor }, /input "cond_image" float32 \[batch, 3, height, width\] is missing/],
      [{ ...good, timestep: zeros('int64', [1]) }, /"timestep" has the wrong element type: got int64 \[1\], expected "timestep" float32 \[batch\]/],
      [{ ...good, sample: zeros('float32', [1, 4, 2]) }, /"sample" has the wrong rank/],
      [{ ...good, encoder_hidden_states: zeros('float32', [1, 77, 32]) }, /has size 77 in dim 1/],
      [{ ...good, cond_image: zeros('float32', [1, 3, 12, 8]) }, /disagrees with another input on "height" \(8 vs 12/],
      [{ ...good, timestep: zeros('float32', [2]) }, /disagrees with another input on "batch"/],
    ];
    for (const [feeds, message] of bad) {
      for (const k of Object.keys(feeds)) if (feeds[k] === undefined) delete feeds[k];
      expect(() => checkFeeds('adaptor', spec, feeds)).toThrow(message);
    }
    await expect(models.textEncoder([[1, 2, 3]])).rejects.toBeInstanceOf(ModelInputError);
  });
});
