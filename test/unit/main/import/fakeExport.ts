// A tiny fake Stable Diffusion ONNX export in the diffusers/optimum layout (optimum's names, dtypes
// and dim names), with graphs that load in onnxruntime (tinyOnnx.ts interfaceModel), the tiny-random
// fixture's CLIP tokenizer, a PNDM scheduler config as SD 1.5 ships it and the component configs.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interfaceModel, type TinyValue } from '../engine/tinyOnnx';

export const TINY_RANDOM = join(import.meta.dirname, '../../../fixtures/packs/tiny-random');
const F32 = 1;
const I32 = 6;
const I64 = 7;

export interface FakeExportOptions {
  /** Replaces graphs' interfaces (by component). */
  graphs?: Partial<Record<'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder', { inputs: TinyValue[]; outputs: TinyValue[] }>>;
  modelIndex?: Record<string, unknown>;
  /** Extra folders to create (text_encoder_2, transformer). */
  folders?: string[];
  scheduler?: Record<string, unknown>;
  /** Store the UNet's weights in unet/model.onnx_data. */
  externalData?: boolean;
}

export const EXPORT_GRAPHS = {
  text_encoder: {
    inputs: [{ name: 'input_ids', elemType: I32, dims: ['batch_size', 'sequence_length'] }],
    outputs: [
      // 16, not sequence_length: onnxruntime infers the Constant's [1, 16, 32] and checks it against the manifest's L.
      { name: 'last_hidden_state', elemType: F32, dims: ['batch_size', 16, 32] },
      { name: 'pooler_output', elemType: F32, dims: ['batch_size', 32] },
    ],
  },
  unet: {
    inputs: [
      { name: 'sample', elemType: F32, dims: ['batch_size', 4, 'height', 'width'] },
      { name: 'timestep', elemType: I64, dims: ['steps'] },
      { name: 'encoder_hidden_states', elemType: F32, dims: ['batch_size', 'sequence_length', 32] },
    ],
    outputs: [{ name: 'out_sample', elemType: F32, dims: ['batch_size', 4, 'height', 'width'] }],
  },
  vae_encoder: {
    inputs: [{ name: 'sample', elemType: F32, dims: ['batch_size', 3, 'height', 'width'] }],
    outputs: [{ name: 'latent_parameters', elemType: F32, dims: ['batch_size', 8, 'height_latent', 'width_latent'] }],
  },
  vae_decoder: {
    inputs: [{ name: 'latent_sample', elemType: F32, dims: ['batch_size', 4, 'height_latent', 'width_latent'] }],
    outputs: [{ name: 'sample', elemType: F32, dims: ['batch_size', 3, 'height', 'width'] }],
  },
} satisfies Record<string, { inputs: TinyValue[]; outputs: TinyValue[] }>;

export const SD15_SCHEDULER = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

const json = (path: string, value: unknown): Promise<void> => writeFile(path, `${JSON.stringify(value, null, 2)}\n`);

export async function writeFakeExport(dir: string, options: FakeExportOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await json(join(dir, 'model_index.json'), options.modelIndex ?? { _class_name: 'ORTStableDiffusionPipeline', _diffusers_version: '0.27.2' });
  for (const [name, g] of Object.entries({ ...EXPORT_GRAPHS, ...options.graphs })) {
    await mkdir(join(dir, name), { recursive: true });
    const external = options.externalData && name === 'unet' ? [{ name: 'w', location: 'model.onnx_data' }] : [];
    await writeFile(join(dir, name, 'model.onnx'), interfaceModel(g.inputs, g.outputs, external));
    if (external.length > 0) await writeFile(join(dir, name, 'model.onnx_data'), new Uint8Array(4));
  }
  await json(join(dir, 'unet', 'config.json'), { _class_name: 'UNet2DConditionModel', block_out_channels: [8, 16], sample_size: 8, cross_attention_dim: 32 });
  await json(join(dir, 'vae_decoder', 'config.json'), { _class_name: 'AutoencoderKL', block_out_channels: [8, 16, 16], latent_channels: 4, scaling_factor: 0.5 });
  await mkdir(join(dir, 'tokenizer'), { recursive: true });
  for (const f of ['vocab.json', 'merges.txt', 'special_tokens_map.json']) await copyFile(join(TINY_RANDOM, 'tokenizer', f), join(dir, 'tokenizer', f));
  await json(join(dir, 'tokenizer', 'tokenizer_config.json'), { model_max_length: 16, tokenizer_class: 'CLIPTokenizer' });
  await mkdir(join(dir, 'scheduler'), { recursive: true });
  await json(join(dir, 'scheduler', 'scheduler_config.json'), options.scheduler ?? SD15_SCHEDULER);
  for (const folder of options.folders ?? []) await mkdir(join(dir, folder), { recursive: true });
  return dir;
}
