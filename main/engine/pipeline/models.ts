/**
 * SpireModels: the five SPIRE networks of a loaded pack as typed calls on float32 tensors.
 *
 * The pipeline (restore.ts) only talks to this interface, so tests can hand it fakes. The ONNX
 * implementation, `OnnxSpireModels`, owns everything about the graphs' feeds:
 *   - names: the UNet's fused inputs are exactly the adaptor.skips tensors, in order;
 *   - dtypes from the manifest: ids as int64 or int32, timesteps as float32, int64 or int32,
 *     float16 packs converted to and from half bits (onnx/float16.ts);
 *   - the VAE mean from `latent_mean`, else the first Cz channels of `latent_parameters`,
 *     else `latent_sample` (models/README.md, "Describing a Stable Diffusion 1.5 ONNX export");
 *   - every feed is checked against the manifest before `run` (name, dtype, rank, fixed dims and
 *     the symbolic ones: one `batch`, `height/4` agreeing with `height`), the error naming each.
 *
 * Shapes (one image, B = batch rows; f = latent.downsamplingFactor; h = H/f, w = W/f):
 *   textEncoder(ids [B][L])                          -> [B, L, D]
 *   vaeEncode(image [B, 3, H, W] in [-1, 1])         -> mean [B, Cz, h, w]   (NOT multiplied by scaleFactor)
 *   vaeDecode(z [B, Cz, h, w], already / scaleFactor) -> image [B, 3, H, W]  (not clamped)
 *   adaptor(z [B, Cz, h, w], t [B], cRest [B, L, D], cond [B, 3, H, W]) -> fused tensors, adaptor.skips order
 *   unet(z [B', Cz, h, w], t [B'], c [B', L, D], fused (each [B', C_i, h_i, w_i])) -> [B', Cz, h, w]
 *   restorer(y [B, 3, H, W], cRest [B, L, D], degradation [K]) -> [B, 3, H, W]
 *   estimator(patches [N, 3, S, S] in [-1, 1]) -> logits, values, log_scales [N, K] (estimate.ts)
 *     (degradation: the parsed restoration prompt as numbers, degradationVector in
 *     common/restorationPrompt.ts; fed as [B, K] only to restorers that list a
 *     "degradation" input, which newer packs do)
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HostTensor, ModelSession, NamedTensors, TensorDType } from '../onnx/runtime';
import type { LoadedPack } from '../packLoader';
import { ESTIMATOR_OUTPUTS, fusedTensorNames, packFile, type ComponentSpec, type SpirePackSpec, type TensorSpec } from '../packs';
import type { EstimatorConfig, EstimatorOutput } from './estimate';
import type { Tensor } from '../tensor/tensor';
import { CLIPTokenizer } from '../tokenizer';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';

/** What the pipeline needs to know about a pack besides its graphs. */
export interface PipelineConfig {
  /** Training resolution in pixels; larger images are tiled. */
  nativeResolution: number;
  /** Image sides must be multiples of this (the pipeline pads and crops back). */
  sizeMultiple: number;
  predictionType: 'epsilon' | 'v_prediction' | 'sample';
  latent: { channels: number; scaleFactor: number; downsamplingFactor: number };
  /** diffusers scheduler config (DDIM keys). */
  schedulerConfig: Record<string, unknown>;
  /** L: token sequence length. */
  maxLength: number;
  /** null: the pack has no adaptor and runs as a plain prior. */
  fusion: 'modulation' | 'additive' | null;
  hasRestorer: boolean;
  /**
   * true: the restoration prompt has its own tokenizer and text encoder (tokenizeRestoration,
   * restorationTextEncoder), e.g. an imported Stable Diffusion pack with a SPIRE pack's restorer;
   * absent/false: one text encoder for every prompt.
   */
  separateRestorationEncoder?: boolean;
  /** How the pack's degradation estimator reads a photo; null/absent when it has none. */
  estimator?: EstimatorConfig | null;
}

export interface SpireModels {
  readonly config: PipelineConfig;
  /** Texts -> [B][L] ids (pad/truncate to L). */
  tokenize(texts: readonly string[]): number[][];
  textEncoder(ids: readonly (readonly number[])[]): Promise<Tensor>;
  /** config.separateRestorationEncoder: restoration texts -> [B][L'] ids of the restoration prompt's own tokenizer. */
  tokenizeRestoration?(texts: readonly string[]): number[][];
  /** config.separateRestorationEncoder: ids [B][L'] -> [B, L', D'] from the restoration prompt's own text encoder. */
  restorationTextEncoder?(ids: readonly (readonly number[])[]): Promise<Tensor>;
  vaeEncode(image: Tensor): Promise<Tensor>;
  vaeDecode(z: Tensor): Promise<Tensor>;
  adaptor(z: Tensor, t: readonly number[], cRest: Tensor, cond: Tensor): Promise<Tensor[]>;
  unet(z: Tensor, t: readonly number[], c: Tensor, fused: readonly Tensor[]): Promise<Tensor>;
  restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor>;
  /** The degradation estimator on N patches [N, 3, S, S] in [-1, 1]: [N, K] each (packs that have one). */
  estimator?(patches: Tensor): Promise<EstimatorOutput>;
}

/** A feed or an output that does not fit the graph, with the names and shapes involved. */
export class ModelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}

const describe = (name: string, dtype: string, dims: readonly (number | string)[]): string => `"${name}" ${dtype} [${dims.join(', ')}]`;

/**
 * Checks feeds against a component's manifest inputs: every input present and nothing else,
 * dtype, rank, fixed dims, and symbolic dims consistent across inputs (`batch` one value,
 * `height/4` * 4 == `height`). Throws ModelInputError naming the component and input.
 */
export function checkFeeds(component: string, spec: Pick<ComponentSpec, 'inputs'>, feeds: NamedTensors): void {
  const bound = new Map<string, number>();
  const names = Object.keys(feeds);
  for (const n of names) {
    if (!spec.inputs.some((i) => i.name === n)) {
      throw new ModelInputError(`${component}: got an input "${n}" the model does not take; it takes ${spec.inputs.map((i) => i.name).join(', ')}.`);
    }
  }
  for (const input of spec.inputs) {
    const t = feeds[input.name];
    if (!t) throw new ModelInputError(`${component}: input ${describe(input.name, input.dtype, input.shape)} is missing.`);
    const fail = (why: string): never => {
      throw new ModelInputError(`${component}: input "${input.name}" ${why}: got ${t.dtype} [${t.dims.join(', ')}], expected ${describe(input.name, input.dtype, input.shape)}.`);
    };
    if (t.dtype !== input.dtype) fail('has the wrong element type');
    if (t.dims.length !== input.shape.length) fail('has the wrong rank');
    let count = 1;
    input.shape.forEach((d, i) => {
      const size = t.dims[i] as number;
      count *= size;
      if (typeof d === 'number') {
        if (size !== d) fail(`has size ${size} in dim ${i}`);
        return;
      }
      const [symbol, divisor] = d.split('/') as [string, string | undefined];
      const full = divisor ? size * Number(divisor) : size;
      const seen = bound.get(symbol);
      if (seen === undefined) bound.set(symbol, full);
      else if (seen !== full) fail(`disagrees with another input on "${symbol}" (${seen} vs ${full}, dim ${i} is ${d})`);
    });
    if (t.data.length !== count) fail(`holds ${t.data.length} values for its dims`);
  }
}

function toHost(t: Tensor, dtype: TensorDType): HostTensor {
  switch (dtype) {
    case 'float32':
      return { dtype, dims: t.dims, data: t.data };
    case 'float16':
      return { dtype, dims: t.dims, data: float32ToFloat16Bits(t.data) };
    case 'int32':
      return { dtype, dims: t.dims, data: Int32Array.from(t.data, (v) => Math.round(v)) };
    case 'int64':
      return { dtype, dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(Math.round(v))) };
  }
}

function fromHost(name: string, t: HostTensor): Tensor {
  switch (t.dtype) {
    case 'float32':
      return { data: t.data as Float32Array, dims: [...t.dims] };
    case 'float16':
      // Raw half bits (Node 20) or a Float16Array of numbers (where that global exists).
      return {
        data: t.data instanceof Uint16Array ? float16BitsToFloat32(t.data) : Float32Array.from(t.data as ArrayLike<number>),
        dims: [...t.dims],
      };
    default:
      throw new ModelInputError(`Output "${name}" is ${t.dtype}; the pipeline expects floating point.`);
  }
}

/** SpireModels over the ONNX sessions of a pack loaded with a validated (formatVersion 1) manifest. */
export class OnnxSpireModels implements SpireModels {
  readonly config: PipelineConfig;
  private readonly fused: string[];

  private constructor(
    readonly spec: SpirePackSpec,
    private readonly sessions: ReadonlyMap<string, ModelSession>,
    private readonly tokenizer: CLIPTokenizer,
    schedulerConfig: Record<string, unknown>,
    private readonly restorationTokenizer: CLIPTokenizer | null,
  ) {
    this.fused = fusedTensorNames(spec);
    this.config = {
      nativeResolution: spec.nativeResolution,
      sizeMultiple: spec.sizeMultiple,
      predictionType: spec.predictionType,
      latent: { ...spec.latent },
      schedulerConfig: { ...schedulerConfig, prediction_type: spec.predictionType },
      maxLength: spec.tokenizer.maxLength,
      fusion: spec.adaptor ? spec.adaptor.fusion : null,
      hasRestorer: spec.hasRestorer,
      separateRestorationEncoder: restorationTokenizer !== null,
      estimator: spec.estimator ? { ...spec.estimator, operations: [...spec.estimator.operations] } : null,
    };
  }

  /** Builds the models from a loaded pack (its tokenizer is read from the pack folder). */
  static async fromPack(pack: LoadedPack): Promise<OnnxSpireModels> {
    const spec = pack.manifest.spire;
    if (!spec) {
      throw new ModelInputError(
        `The pack in ${pack.manifest.dir} has no formatVersion in its manifest.json, so it cannot restore images; export it with spire.export (models/README.md).`,
      );
    }
    const tokenizer = await CLIPTokenizer.fromPretrained(dirname(packFile(pack.manifest, spec.tokenizer.files.vocab)));
    let schedulerConfig = spec.scheduler.config;
    if (schedulerConfig === undefined) {
      // The manifest may only name scheduler/scheduler_config.json (diffusers layout).
      const file = packFile(pack.manifest, spec.scheduler.file);
      try {
        schedulerConfig = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new ModelInputError(`${file}: cannot read the scheduler config (${err instanceof Error ? err.message : String(err)}).`);
      }
    }
    const restoration = spec.textEncoder.sharedForRestorationPrompt ? null : spec.restorationTextEncoder;
    const restorationTokenizer = restoration
      ? await CLIPTokenizer.fromPretrained(dirname(packFile(pack.manifest, restoration.tokenizer.files.vocab)))
      : null;
    return new OnnxSpireModels(spec, pack.sessions, tokenizer, schedulerConfig, restorationTokenizer);
  }

  private component(name: string): { session: ModelSession; spec: ComponentSpec } {
    const session = this.sessions.get(name);
    const spec = this.spec.components[name];
    if (!session || !spec) throw new ModelInputError(`The pack has no "${name}" component.`);
    return { session, spec };
  }

  private input(spec: ComponentSpec, name: string): TensorSpec {
    const input = spec.inputs.find((i) => i.name === name);
    if (!input) throw new ModelInputError(`The manifest lists no input "${name}" (inputs: ${spec.inputs.map((i) => i.name).join(', ')}).`);
    return input;
  }

  private async run(name: string, feeds: Record<string, Tensor>): Promise<NamedTensors> {
    const { session, spec } = this.component(name);
    const host: NamedTensors = {};
    for (const [n, t] of Object.entries(feeds)) host[n] = toHost(t, this.input(spec, n).dtype);
    checkFeeds(name, spec, host);
    return session.run(host);
  }

  private output(name: string, out: NamedTensors, key: string): Tensor {
    const t = out[key];
    if (!t) throw new ModelInputError(`${name} returned no "${key}" (got ${Object.keys(out).join(', ')}).`);
    return fromHost(key, t);
  }

  tokenize(texts: readonly string[]): number[][] {
    return this.tokenizer.batchEncode(texts, { maxLength: this.config.maxLength }).inputIds;
  }

  async textEncoder(ids: readonly (readonly number[])[]): Promise<Tensor> {
    return this.encodeIds('text_encoder', ids, this.config.maxLength);
  }

  tokenizeRestoration(texts: readonly string[]): number[][] {
    const restoration = this.spec.restorationTextEncoder;
    if (!this.restorationTokenizer || !restoration) throw new ModelInputError('This pack encodes the restoration prompt with its one text encoder.');
    return this.restorationTokenizer.batchEncode(texts, { maxLength: restoration.tokenizer.maxLength }).inputIds;
  }

  async restorationTextEncoder(ids: readonly (readonly number[])[]): Promise<Tensor> {
    const restoration = this.spec.restorationTextEncoder;
    if (!restoration) throw new ModelInputError('This pack has no restoration_text_encoder.');
    return this.encodeIds('restoration_text_encoder', ids, restoration.tokenizer.maxLength);
  }

  private async encodeIds(name: string, ids: readonly (readonly number[])[], L: number): Promise<Tensor> {
    const flat = new Float32Array(ids.length * L);
    ids.forEach((row, b) => {
      if (row.length !== L) throw new ModelInputError(`${name}: id row ${b} has ${row.length} ids; the pack needs ${L}.`);
      flat.set(row, b * L);
    });
    const { spec } = this.component(name);
    const out = await this.run(name, { input_ids: { data: flat, dims: [ids.length, L] } });
    return this.output(name, out, (spec.outputs[0] as TensorSpec).name);
  }

  async vaeEncode(image: Tensor): Promise<Tensor> {
    const { spec } = this.component('vae_encoder');
    const out = await this.run('vae_encoder', { [(spec.inputs[0] as TensorSpec).name]: image });
    if (out.latent_mean) return this.output('vae_encoder', out, 'latent_mean');
    const Cz = this.config.latent.channels;
    if (out.latent_parameters) {
      // [B, 2Cz, h, w] = mean then logvar along channels: keep the first Cz channels.
      const params = this.output('vae_encoder', out, 'latent_parameters');
      const [B, , h, w] = params.dims as [number, number, number, number];
      const mean = new Float32Array(B * Cz * h * w);
      for (let b = 0; b < B; b++) mean.set(params.data.subarray(b * 2 * Cz * h * w, (b * 2 + 1) * Cz * h * w), b * Cz * h * w);
      return { data: mean, dims: [B, Cz, h, w] };
    }
    return this.output('vae_encoder', out, 'latent_sample');
  }

  async vaeDecode(z: Tensor): Promise<Tensor> {
    const { spec } = this.component('vae_decoder');
    const out = await this.run('vae_decoder', { [(spec.inputs[0] as TensorSpec).name]: z });
    return this.output('vae_decoder', out, (spec.outputs[0] as TensorSpec).name);
  }

  async adaptor(z: Tensor, t: readonly number[], cRest: Tensor, cond: Tensor): Promise<Tensor[]> {
    const out = await this.run('adaptor', {
      sample: z,
      timestep: { data: Float32Array.from(t), dims: [t.length] },
      encoder_hidden_states: cRest,
      cond_image: cond,
    });
    return this.fused.map((name) => this.output('adaptor', out, name));
  }

  async unet(z: Tensor, t: readonly number[], c: Tensor, fused: readonly Tensor[]): Promise<Tensor> {
    if (fused.length !== this.fused.length) {
      throw new ModelInputError(`unet: got ${fused.length} fused tensors; the pack's adaptor.skips list ${this.fused.length} (${this.fused.join(', ')}).`);
    }
    const feeds: Record<string, Tensor> = { sample: z, timestep: { data: Float32Array.from(t), dims: [t.length] }, encoder_hidden_states: c };
    this.fused.forEach((name, i) => (feeds[name] = fused[i] as Tensor));
    const { spec } = this.component('unet');
    const out = await this.run('unet', feeds);
    return this.output('unet', out, (spec.outputs[0] as TensorSpec).name);
  }

  async restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor> {
    if (!this.config.hasRestorer) throw new ModelInputError('This pack has no restorer: run without useRestorer.');
    const { spec } = this.component('restorer');
    const feeds: Record<string, Tensor> = { image: y, encoder_hidden_states: cRest };
    if (spec.inputs.some((i) => i.name === 'degradation')) {
      const batch = y.dims[0] as number;
      const data = new Float32Array(batch * degradation.length);
      for (let b = 0; b < batch; b++) data.set(degradation, b * degradation.length);
      feeds.degradation = { data, dims: [batch, degradation.length] };
    }
    const out = await this.run('restorer', feeds);
    return this.output('restorer', out, (spec.outputs[0] as TensorSpec).name);
  }

  async estimator(patches: Tensor): Promise<EstimatorOutput> {
    if (!this.config.estimator) throw new ModelInputError('This pack has no degradation estimator.');
    const out = await this.run('estimator', { image: patches });
    const [logits, values, logScales] = ESTIMATOR_OUTPUTS.map((name) => this.output('estimator', out, name).data);
    return { logits: logits as Float32Array, values: values as Float32Array, logScales: logScales as Float32Array };
  }
}
