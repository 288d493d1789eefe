// A fake SpireModels for pipeline unit tests: tiny, deterministic and spatially local (every
// output pixel depends only on the same latent pixel), so tiled and untiled runs must agree,
// and every call is recorded.
import type { PipelineConfig, SpireModels } from '../../../../../main/engine/pipeline/models';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';

export const FAKE_CONFIG: PipelineConfig = {
  nativeResolution: 32,
  sizeMultiple: 8,
  predictionType: 'epsilon',
  latent: { channels: 4, scaleFactor: 0.5, downsamplingFactor: 4 },
  schedulerConfig: {
    num_train_timesteps: 1000,
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    prediction_type: 'epsilon',
    timestep_spacing: 'leading',
    steps_offset: 1,
    set_alpha_to_one: false,
    clip_sample: false,
  },
  maxLength: 4,
  fusion: 'modulation',
  hasRestorer: true,
};

export interface Call {
  model: string;
  dims: number[];
}

export class FakeModels implements SpireModels {
  readonly config: PipelineConfig = FAKE_CONFIG;
  readonly calls: Call[] = [];
  /** Runs before every model call (e.g. to abort mid-run). */
  beforeCall: ((model: string, count: number) => void) | null = null;
  /** Makes the UNet output NaN from this call on (1-based), when set. */
  nanFromUnetCall: number | null = null;

  private record(model: string, t: Tensor): void {
    this.calls.push({ model, dims: [...t.dims] });
    this.beforeCall?.(model, this.calls.length);
  }

  tokenize(texts: readonly string[]): number[][] {
    return texts.map((text) => {
      let hash = 7;
      for (const ch of text) hash = (hash * 31 + ch.charCodeAt(0)) % 1000;
      return [1, hash, text.length % 50, 2];
    });
  }

  async textEncoder(ids: readonly (readonly number[])[]): Promise<Tensor> {
    const D = 2;
    const data = new Float32Array(ids.length * 4 * D);
    ids.forEach((row, b) => row.forEach((id, l) => {
      data[(b * 4 + l) * D] = Math.sin(id);
      data[(b * 4 + l) * D + 1] = Math.cos(id * 0.5);
    }));
    const out = { data, dims: [ids.length, 4, D] };
    this.record('textEncoder', out);
    return out;
  }

  /** Mean of each f x f block per RGB channel, a 4th channel = their mean. */
  async vaeEncode(image: Tensor): Promise<Tensor> {
    this.record('vaeEncode', image);
    const [, , H, W] = image.dims as [number, number, number, number];
    const h = H / 4;
    const w = W / 4;
    const out = new Float32Array(4 * h * w);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[c * h * w + Math.floor(y / 4) * w + Math.floor(x / 4)]! += image.data[(c * H + y) * W + x]! / 16;
    }
    for (let p = 0; p < h * w; p++) out[3 * h * w + p] = (out[p]! + out[h * w + p]! + out[2 * h * w + p]!) / 3;
    return { data: out, dims: [1, 4, h, w] };
  }

  /** Nearest upsampling of the first 3 latent channels. */
  async vaeDecode(z: Tensor): Promise<Tensor> {
    this.record('vaeDecode', z);
    const [B, , h, w] = z.dims as [number, number, number, number];
    const H = h * 4;
    const W = w * 4;
    const out = new Float32Array(B * 3 * H * W);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[((b * 3 + c) * H + y) * W + x] = z.data[((b * 4 + c) * h + Math.floor(y / 4)) * w + Math.floor(x / 4)]!;
      }
    }
    return { data: out, dims: [B, 3, H, W] };
  }

  /** Two fused tensors [1, 1, h, w]: the conditioning image's block mean and t / 1000. */
  async adaptor(z: Tensor, t: readonly number[], cRest: Tensor, cond: Tensor): Promise<Tensor[]> {
    this.record('adaptor', z);
    const mean = await this.blockMean(cond);
    const tt = new Float32Array(mean.length).fill((t[0] ?? 0) / 1000 + (cRest.data[0] ?? 0) * 0.01);
    const [, , h, w] = z.dims as [number, number, number, number];
    return [{ data: mean, dims: [1, 1, h, w] }, { data: tt, dims: [1, 1, h, w] }];
  }

  private async blockMean(cond: Tensor): Promise<Float32Array> {
    const [, , H, W] = cond.dims as [number, number, number, number];
    const h = H / 4;
    const w = W / 4;
    const out = new Float32Array(h * w);
    for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[Math.floor(y / 4) * w + Math.floor(x / 4)]! += cond.data[(c * H + y) * W + x]! / 48;
    return out;
  }

  /** eps = 0.3 z + prompt row constant + fused terms, pixel by pixel. */
  async unet(z: Tensor, t: readonly number[], c: Tensor, fused: readonly Tensor[]): Promise<Tensor> {
    this.record('unet', z);
    const unetCalls = this.calls.filter((k) => k.model === 'unet').length;
    const [K, Cz, h, w] = z.dims as [number, number, number, number];
    if (c.dims[0] !== K || t.length !== K || fused.some((f) => f.dims[0] !== K)) throw new Error('fake unet: batch mismatch');
    const [, L, D] = c.dims as [number, number, number];
    const out = new Float32Array(z.data.length);
    for (let k = 0; k < K; k++) {
      let prompt = 0;
      for (let i = 0; i < L * D; i++) prompt += c.data[k * L * D + i]! * (i + 1) * 0.05;
      for (let ch = 0; ch < Cz; ch++) {
        for (let p = 0; p < h * w; p++) {
          const i = (k * Cz + ch) * h * w + p;
          const f0 = fused[0]?.data[k * h * w + p] ?? 0;
          const f1 = fused[1]?.data[k * h * w + p] ?? 0;
          out[i] = 0.3 * z.data[i]! + prompt * (ch + 1) * 0.1 + 0.2 * f0 + f1;
        }
      }
    }
    if (this.nanFromUnetCall !== null && unetCalls >= this.nanFromUnetCall) out[5] = NaN;
    return { data: out, dims: [K, Cz, h, w] };
  }

  /** The degradation vectors the restorer was given, one per call. */
  readonly degradations: number[][] = [];

  async restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor> {
    this.record('restorer', y);
    this.degradations.push([...degradation]);
    return { data: y.data.map((v) => v * 0.9 + (cRest.data[0] ?? 0) * 0.01), dims: y.dims };
  }
}

/**
 * FakeModels with a degradation estimator that reads every patch the same way: `logits` and `values`
 * (one per operation, blur / noise / jpeg; values in [0, 1] over the grammar's range), log scale 0.
 */
export class FakeEstimatorModels extends FakeModels {
  override readonly config: PipelineConfig = {
    ...FAKE_CONFIG,
    estimator: { operations: ['blur', 'noise', 'jpeg'], patch: 8, maxPatches: 4, presenceThreshold: 0.5 },
  };
  readonly patchBatches: number[][] = [];

  constructor(
    private readonly logits: readonly number[],
    private readonly values: readonly number[],
  ) {
    super();
  }

  async estimator(patches: Tensor): Promise<{ logits: Float32Array; values: Float32Array; logScales: Float32Array }> {
    this.patchBatches.push([...patches.dims]);
    const n = patches.dims[0] as number;
    const tile = (v: readonly number[]): Float32Array => Float32Array.from({ length: n * 3 }, (_, i) => v[i % 3] as number);
    return { logits: tile(this.logits), values: tile(this.values), logScales: new Float32Array(n * 3) };
  }
}
