/**
 * An existing ONNX export of Stable Diffusion 1.x in the diffusers/optimum layout
 * (`optimum-cli export onnx`), described as a pack without Python (models/README.md, "Describing a
 * Stable Diffusion 1.5 ONNX export with the same manifest"):
 *
 *   export folder                                  pack                               manifest
 *   text_encoder/model.onnx  input_ids int32|int64  text_encoder/model.onnx            [batch, L] -> last_hidden_state [batch, L, D] (+ pooler_output, ...)
 *   unet/model.onnx          sample, timestep,      unet/model.onnx                    [batch, Cz, height/f, width/f], [batch], [batch, L, D]
 *                            encoder_hidden_states                                     -> out_sample; no fused inputs ("adaptor": null)
 *   vae_encoder/model.onnx   sample                 vae_encoder/model.onnx             -> latent_parameters [batch, 2Cz, ...] (mean first) or latent_sample
 *   vae_decoder/model.onnx   latent_sample          vae_decoder/model.onnx             [batch, Cz, height/f, width/f] -> sample
 *   tokenizer/               CLIP BPE files         tokenizer/                         maxLength L = model_max_length (77)
 *   scheduler/scheduler_config.json (PNDM as shipped) scheduler/ (copied)              config: its DDIM keys, prediction_type (epsilon default)
 *   <part>/config.json       (optional)             -                                  f = 2^(VAE levels - 1), scaleFactor, sizeMultiple = f * 2^(UNet levels - 1),
 *                                                                                      nativeResolution = UNet sample_size * f
 * Each graph's inputs and outputs are read from the file (onnxGraphInfo.ts) and must fit what the
 * engine feeds: one CLIP-style text encoder, a UNet taking exactly (sample, timestep,
 * encoder_hidden_states) with as many input as output channels, dynamic batch and spatial axes, one
 * text width D and one latent channel count Cz throughout. Anything else is refused before a file is
 * written, saying what the graph has and what the engine needs.
 */
import { basename, dirname, join, normalize } from 'node:path';
import { readdir } from 'node:fs/promises';
import { parseDDIMSchedulerConfig } from '../engine/scheduler/config';
import { readGraphInfo, type GraphInfo, type GraphValue } from './onnxGraphInfo';
import { readJson, readOptionalJson, unsupported } from './sourceKind';

/** A file of the pack: copied from `from` to `to` (relative to the pack folder). */
export interface PackFile {
  from: string;
  to: string;
}

export interface PackPlan {
  manifest: Record<string, unknown>;
  files: PackFile[];
}

type Dim = number | string;
interface ValueSpec {
  name: string;
  dtype: string;
  shape: Dim[];
}

const COMPONENTS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;
type Component = (typeof COMPONENTS)[number];
const FLOAT = ['float32', 'float16'];
const TOKENIZER_FILES = { vocab: 'vocab.json', merges: 'merges.txt', config: 'tokenizer_config.json', specialTokensMap: 'special_tokens_map.json' } as const;
/** The DDIM keys of a diffusers scheduler config the engine reads (models/README.md, manifest.json). */
const SCHEDULER_KEYS = [
  'num_train_timesteps',
  'beta_start',
  'beta_end',
  'beta_schedule',
  'trained_betas',
  'prediction_type',
  'timestep_spacing',
  'steps_offset',
  'set_alpha_to_one',
  'clip_sample',
  'clip_sample_range',
];
/**
 * The run settings an imported prior recommends (the same as spire.import_sd writes): semantic
 * refinement over the input at strength 0.3, not a new picture; 20 DPM-Solver++ 2M steps, guidance 7.5.
 */
export const IMPORTED_DEFAULTS = { steps: 20, strength: 0.3, guidanceScale: 7.5, scheduler: 'dpmpp-2m' } as const;

const describe = (v: GraphValue): string => `"${v.name}" ${v.dtype} [${v.shape.map((d) => (d === '' ? '?' : d)).join(', ')}]`;
const positiveInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/** A symbol the manifest accepts (letters, digits, _) for a graph's own dim name. */
function symbolOf(d: Dim, i: number): Dim {
  if (typeof d === 'number' && d > 0) return d;
  const s = String(d).replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `dim_${i}`;
}

/**
 * The manifest's entry for one graph value: `want` (the engine's canonical shape) checked against the
 * graph: same rank, a fixed size where the engine needs a fixed one, and no fixed size where it needs any.
 */
function spec(component: Component, kind: 'input' | 'output', v: GraphValue, want: Dim[] | null): ValueSpec {
  if (want === null) return { name: v.name, dtype: v.dtype, shape: v.shape.map(symbolOf) };
  if (v.shape.length !== want.length) {
    throw unsupported(`${component}/model.onnx ${kind} ${describe(v)} has rank ${v.shape.length}; the engine needs [${want.join(', ')}].`);
  }
  want.forEach((w, i) => {
    const g = v.shape[i];
    if (typeof g === 'number' && g > 0 && typeof w === 'string') {
      throw unsupported(
        `${component}/model.onnx ${kind} ${describe(v)} has a fixed size ${g} in dim ${i}, where the engine needs any size (${w}); export it with dynamic axes (optimum-cli export onnx does).`,
      );
    }
    if (typeof g === 'number' && g > 0 && typeof w === 'number' && g !== w) {
      throw unsupported(`${component}/model.onnx ${kind} ${describe(v)} has ${g} in dim ${i}; the engine needs ${w} there.`);
    }
  });
  return { name: v.name, dtype: v.dtype, shape: want };
}

function floatValue(component: Component, v: GraphValue): void {
  if (!FLOAT.includes(v.dtype)) throw unsupported(`${component}/model.onnx ${describe(v)} is ${v.dtype}; the engine needs float32 or float16 there.`);
}

async function graph(source: string, component: Component): Promise<{ info: GraphInfo; path: string }> {
  const path = join(source, component, 'model.onnx');
  try {
    return { info: await readGraphInfo(path), path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw unsupported(
      code === 'ENOENT'
        ? `${path} is missing; an ONNX export needs text_encoder, unet, vae_encoder and vae_decoder, each with model.onnx.`
        : `${path} cannot be read as an ONNX model (${(err as Error).message}).`,
    );
  }
}

const byName = (values: readonly GraphValue[], name: string): GraphValue | undefined => values.find((v) => v.name === name);

/** Reads and checks the export; returns the pack's manifest and files. Writes nothing. */
export async function planOnnxExport(source: string, name: string): Promise<PackPlan> {
  const graphs = {} as Record<Component, { info: GraphInfo; path: string }>;
  for (const c of COMPONENTS) graphs[c] = await graph(source, c);
  const te = graphs.text_encoder.info;
  const unet = graphs.unet.info;
  const enc = graphs.vae_encoder.info;
  const dec = graphs.vae_decoder.info;

  // The UNet: exactly sample, timestep, encoder_hidden_states; as many channels in as out.
  const unetNames = unet.inputs.map((i) => i.name);
  const extra = unetNames.filter((n) => !['sample', 'timestep', 'encoder_hidden_states'].includes(n));
  if (extra.includes('text_embeds') || extra.includes('time_ids')) {
    throw unsupported(`unet/model.onnx takes ${extra.join(', ')}: that is Stable Diffusion XL's conditioning, which the engine does not feed. SPIRE Studio imports Stable Diffusion 1.x-family models.`);
  }
  if (extra.length > 0) {
    throw unsupported(`unet/model.onnx takes inputs the engine cannot feed (${extra.join(', ')}); it feeds sample, timestep and encoder_hidden_states only (a Stable Diffusion 1.x UNet).`);
  }
  const sample = byName(unet.inputs, 'sample');
  const timestep = byName(unet.inputs, 'timestep');
  const context = byName(unet.inputs, 'encoder_hidden_states');
  const outSample = unet.outputs[0];
  if (!sample || !timestep || !context || !outSample) {
    throw unsupported(`unet/model.onnx takes ${unetNames.join(', ')}; the engine needs sample, timestep and encoder_hidden_states, and one output.`);
  }
  floatValue('unet', sample);
  const Cz = positiveInt(outSample.shape[1]) ?? positiveInt(sample.shape[1]);
  if (sample.shape.length !== 4 || Cz === null) throw unsupported(`unet/model.onnx input ${describe(sample)} must be [batch, channels, height, width] with a fixed channel count.`);
  const cIn = positiveInt(sample.shape[1]);
  if (cIn !== null && cIn !== Cz) {
    throw unsupported(
      `unet/model.onnx takes ${cIn} input channels for a ${Cz}-channel latent (an inpainting or depth UNet); the engine runs UNets that denoise the latent alone.`,
    );
  }
  if (Cz === 16) throw unsupported('The UNet works on 16-channel latents (an SD 3 / Flux-style VAE); SPIRE Studio imports Stable Diffusion 1.x-family models (4 channels).');
  if (timestep.shape.length !== 1 || !['float32', 'float16', 'int64', 'int32'].includes(timestep.dtype)) {
    throw unsupported(`unet/model.onnx input ${describe(timestep)} must be a vector [batch] of float or int timesteps; the engine feeds one timestep per batch row.`);
  }

  // The text encoder: input_ids alone, last_hidden_state first among what it gives.
  const ids = te.inputs[0];
  if (te.inputs.length !== 1 || !ids || ids.name !== 'input_ids' || !['int32', 'int64'].includes(ids.dtype)) {
    throw unsupported(
      `text_encoder/model.onnx takes ${te.inputs.map(describe).join(', ')}; the engine runs a CLIP text encoder taking input_ids (int32 or int64) alone.`,
    );
  }
  const hidden = byName(te.outputs, 'last_hidden_state');
  if (!hidden) throw unsupported(`text_encoder/model.onnx gives ${te.outputs.map((o) => o.name).join(', ')}; the engine reads last_hidden_state [batch, L, D].`);
  floatValue('text_encoder', hidden);
  const teD = positiveInt(hidden.shape[2]);
  const unetD = positiveInt(context.shape[2]);
  if (teD !== null && unetD !== null && teD !== unetD) {
    throw unsupported(`The text encoder gives ${teD}-wide embeddings but the UNet attends to ${unetD}-wide ones; they are not one model.`);
  }
  const D = teD ?? unetD;
  if (D === null) throw unsupported('Neither the text encoder nor the UNet says the embedding width (a fixed last dim); re-export with fixed hidden sizes.');

  // Tokenizer and L.
  const tokenizerDir = join(source, 'tokenizer');
  const present = new Set(await readdir(tokenizerDir).catch(() => [] as string[]));
  if (!present.has(TOKENIZER_FILES.vocab) || !present.has(TOKENIZER_FILES.merges)) {
    throw unsupported(`${tokenizerDir} needs vocab.json and merges.txt (the CLIP tokenizer); the export is incomplete.`);
  }
  const tokenizerConfig = present.has(TOKENIZER_FILES.config) ? await readJson(join(tokenizerDir, TOKENIZER_FILES.config)) : {};
  const configured = positiveInt(tokenizerConfig.model_max_length);
  const fixedL = positiveInt(ids.shape[1]);
  const L = fixedL ?? (configured !== null && configured <= 1e6 ? configured : 77);
  if (fixedL !== null && configured !== null && configured <= 1e6 && configured !== fixedL) {
    throw unsupported(`text_encoder/model.onnx takes ${fixedL} tokens but the tokenizer pads to ${configured}; they must agree.`);
  }

  // The VAE: f, scale factor and the latent mean's output.
  const vaeConfig = (await readOptionalJson(join(source, 'vae_decoder', 'config.json'))) ?? (await readOptionalJson(join(source, 'vae_encoder', 'config.json'))) ?? {};
  const vaeLevels = Array.isArray(vaeConfig.block_out_channels) ? vaeConfig.block_out_channels.length : 4;
  const f = 2 ** (vaeLevels - 1);
  const scaleFactor = typeof vaeConfig.scaling_factor === 'number' && vaeConfig.scaling_factor > 0 ? vaeConfig.scaling_factor : 0.18215;
  if (positiveInt(vaeConfig.latent_channels) !== null && vaeConfig.latent_channels !== Cz) {
    throw unsupported(`The VAE has ${String(vaeConfig.latent_channels)} latent channels but the UNet denoises ${Cz}; they are not one model.`);
  }
  const latentOut = ['latent_mean', 'latent_parameters', 'latent_sample'].map((n) => byName(enc.outputs, n)).find((o) => o !== undefined);
  if (!latentOut) throw unsupported(`vae_encoder/model.onnx gives ${enc.outputs.map((o) => o.name).join(', ')}; the engine reads latent_parameters, latent_mean or latent_sample.`);
  const image = enc.inputs[0];
  const z = dec.inputs[0];
  const decoded = dec.outputs[0];
  if (enc.inputs.length !== 1 || !image || dec.inputs.length !== 1 || !z || !decoded) {
    throw unsupported('vae_encoder/model.onnx and vae_decoder/model.onnx must each take one input (the image; the latent).');
  }

  const unetConfig = (await readOptionalJson(join(source, 'unet', 'config.json'))) ?? {};
  const unetLevels = Array.isArray(unetConfig.block_out_channels) ? unetConfig.block_out_channels.length : 4;
  const sizeMultiple = f * 2 ** (unetLevels - 1);
  const nativeResolution = (positiveInt(unetConfig.sample_size) ?? 64) * f;

  // The scheduler: its DDIM keys; the engine's own parser says whether it can run them.
  const schedulerFile = join(source, 'scheduler', 'scheduler_config.json');
  const schedulerJson = await readJson(schedulerFile);
  const schedulerConfig: Record<string, unknown> = { _class_name: 'DDIMScheduler' };
  for (const key of SCHEDULER_KEYS) if (schedulerJson[key] !== undefined && schedulerJson[key] !== null) schedulerConfig[key] = schedulerJson[key];
  schedulerConfig.prediction_type ??= 'epsilon';
  try {
    parseDDIMSchedulerConfig(schedulerConfig);
  } catch (err) {
    throw unsupported(`${schedulerFile}: ${(err as Error).message}`);
  }

  // Shapes, checked against each graph.
  const lat = ['batch', Cz, `height/${f}`, `width/${f}`];
  const img = ['batch', 3, 'height', 'width'];
  const others = (component: Component, values: readonly GraphValue[], used: readonly GraphValue[]): ValueSpec[] =>
    values.filter((v) => !used.includes(v)).map((v) => spec(component, 'output', v, null));
  for (const [c, v] of [['vae_encoder', image], ['vae_decoder', z], ['vae_decoder', decoded], ['unet', outSample], ['unet', context]] as const) floatValue(c, v);
  const latentChannels = latentOut.name === 'latent_parameters' ? 2 * Cz : Cz;
  const components: Record<string, Record<string, unknown>> = {
    text_encoder: {
      inputs: [spec('text_encoder', 'input', ids, ['batch', L])],
      outputs: [spec('text_encoder', 'output', hidden, ['batch', L, D]), ...others('text_encoder', te.outputs, [hidden])],
    },
    vae_encoder: {
      inputs: [spec('vae_encoder', 'input', image, img)],
      outputs: [spec('vae_encoder', 'output', latentOut, ['batch', latentChannels, `height/${f}`, `width/${f}`]), ...others('vae_encoder', enc.outputs, [latentOut])],
    },
    vae_decoder: {
      inputs: [spec('vae_decoder', 'input', z, lat)],
      outputs: [spec('vae_decoder', 'output', decoded, img), ...others('vae_decoder', dec.outputs, [decoded])],
    },
    unet: {
      inputs: [spec('unet', 'input', sample, lat), spec('unet', 'input', timestep, ['batch']), spec('unet', 'input', context, ['batch', L, D])],
      outputs: [spec('unet', 'output', outSample, lat), ...others('unet', unet.outputs, [outSample])],
    },
  };

  const files: PackFile[] = [];
  for (const c of COMPONENTS) {
    const { info, path } = graphs[c];
    const entry = components[c] as Record<string, unknown>;
    entry.file = `${c}/model.onnx`;
    entry.dtype = c === 'text_encoder' ? hidden.dtype : ((entry.inputs as ValueSpec[])[0] as ValueSpec).dtype;
    files.push({ from: path, to: `${c}/model.onnx` });
    for (const location of info.externalFiles) {
      const rel = normalize(location);
      if (rel.startsWith('..') || rel.startsWith('/')) throw unsupported(`${path} keeps its weights outside its folder (${location}); the importer copies only what is beside the graph.`);
      files.push({ from: join(dirname(path), rel), to: `${c}/${rel}` });
      entry.externalData ??= `${c}/${rel}`;
    }
  }
  const tokenizerFiles: Record<string, string> = {};
  for (const [key, file] of Object.entries(TOKENIZER_FILES)) {
    if (!present.has(file)) continue;
    tokenizerFiles[key] = `tokenizer/${file}`;
    files.push({ from: join(tokenizerDir, file), to: `tokenizer/${file}` });
  }
  files.push({ from: schedulerFile, to: 'scheduler/scheduler_config.json' });

  const manifest: Record<string, unknown> = {
    format: 'spire-pack',
    formatVersion: 1,
    name,
    producer: { tool: 'spire import', source: basename(source), from: 'onnx-export', opset: unet.opset },
    nativeResolution,
    sizeMultiple,
    imageRange: [-1, 1],
    predictionType: schedulerConfig.prediction_type,
    latent: { channels: Cz, scaleFactor, downsamplingFactor: f },
    scheduler: { file: 'scheduler/scheduler_config.json', config: schedulerConfig },
    tokenizer: { folder: 'tokenizer', files: tokenizerFiles, maxLength: L },
    textEncoder: { hiddenSize: D, sharedForRestorationPrompt: true },
    adaptor: null,
    hasRestorer: false,
    defaults: { ...IMPORTED_DEFAULTS },
    components,
  };
  return { manifest, files };
}
