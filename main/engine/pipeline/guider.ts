/**
 * The guider: which guidance a denoising step runs, the UNet batch it needs and how the UNet's
 * output becomes the guided noise prediction, one latent tile at a time. The maths is
 * ../guidance.ts (pure functions on arrays); this file only chooses and lays out.
 *
 *   mode              when                                            UNet batch (K rows)       eps
 *   'conditional'     no regions, and negative == semantic prompt     [c_sem]             K = 1  out
 *                     (u == c) or g == 1: CFG would return c
 *   'classifier-free' no regions                                      [c_neg; c_sem]      K = 2  u + g (c - u)
 *   'regional'        N >= 1 regions                                  [c_neg; c_sem;      K = 2 + N
 *                                                                      c_1..c_N]                 regionalGuidance
 *
 * The conditional shortcut halves the UNet work of the common "no semantic prompt" run. Region
 * masks are [h * w] at latent resolution; on a tile they are cropped to the tile's window.
 */
import { classifierFreeGuidance, regionalGuidance, type Region } from '../guidance';
import type { TileRect } from '../imageOps/tiling';
import { cropPlane, repeat, type Tensor } from '../tensor/tensor';

export type GuidanceMode = 'conditional' | 'classifier-free' | 'regional';

/** What the UNet gets for one tile: K rows of everything. */
export interface UnetBatch {
  /** [K, Cz, th, tw]: the scaled model input, repeated. */
  sample: Tensor;
  /** [K]: the timestep, repeated. */
  timesteps: number[];
  /** [K, L, D]: the prompt embeddings of the mode. */
  context: Tensor;
  /** Each fused tensor [1, C_i, h_i, w_i] repeated to [K, C_i, h_i, w_i]. */
  fused: Tensor[];
}

export interface GuiderOptions {
  /** [2 + N, L, D] = [c_neg; c_sem; c_1..c_N], as the text encoder gave them. */
  context: Tensor;
  /** N regions, masks [h * w] over the whole latent. */
  regions: readonly Region[];
  guidanceScale: number;
  /** True when the negative and the semantic prompt are the same text (u == c). */
  sameNegativeAndSemantic: boolean;
  /** The whole latent: Cz channels, h x w. */
  latent: { channels: number; height: number; width: number };
}

export class Guider {
  readonly mode: GuidanceMode;
  /** K: UNet batch rows per tile. */
  readonly batchSize: number;
  private readonly context: Tensor;

  constructor(private readonly options: GuiderOptions) {
    const N = options.regions.length;
    const [rows, L, D] = options.context.dims as [number, number, number];
    if (rows !== 2 + N) throw new Error(`Guider: the context has ${rows} rows; [neg; sem; regions] needs ${2 + N}.`);
    // With no regions, u + g (c - u) is exactly c when u == c or g == 1: skip the unconditional row.
    this.mode = N > 0 ? 'regional' : options.sameNegativeAndSemantic || options.guidanceScale === 1 ? 'conditional' : 'classifier-free';
    this.batchSize = this.mode === 'conditional' ? 1 : 2 + N;
    this.context = this.mode === 'conditional' ? { data: options.context.data.subarray(L * D, 2 * L * D), dims: [1, L, D] } : options.context;
  }

  /** The UNet's inputs for one tile: `input` [1, Cz, th, tw] (already scaleModelInput'd) and the adaptor's fused tensors. */
  batch(input: Tensor, t: number, fused: readonly Tensor[]): UnetBatch {
    const K = this.batchSize;
    return {
      sample: repeat(input, K), // [K, Cz, th, tw]
      timesteps: Array.from({ length: K }, () => t),
      context: this.context, // [K, L, D]
      fused: fused.map((x) => repeat(x, K)),
    };
  }

  /**
   * The guided noise prediction [1, Cz, th, tw] from the UNet's output [K, Cz, th, tw] on `tile`
   * (null: the whole latent).
   */
  combine(out: Tensor, tile: TileRect | null): Float32Array {
    const { guidanceScale, regions, latent } = this.options;
    switch (this.mode) {
      case 'conditional':
        return out.data; // guidance would return it unchanged
      case 'classifier-free':
        return classifierFreeGuidance(out.data, guidanceScale);
      case 'regional': {
        const height = tile ? tile.height : latent.height;
        const width = tile ? tile.width : latent.width;
        const cropped = regions.map((r) => ({
          mask: tile ? cropPlane(r.mask, latent.width, tile) : r.mask,
          ...(r.guidanceScale !== undefined ? { guidanceScale: r.guidanceScale } : {}),
        }));
        return regionalGuidance(out.data, cropped, guidanceScale, { batch: 1, channels: latent.channels, height, width });
      }
    }
  }
}
