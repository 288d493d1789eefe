/**
 * What a source given to `spire import` is, read from the files alone before anything is written:
 *   - an ONNX export in the diffusers/optimum layout (model_index.json + unet/model.onnx): imported here, no Python;
 *   - a diffusers folder (model_index.json + unet/diffusion_pytorch_model.*) or one .safetensors/.ckpt file:
 *     converted by the Python importer (pythonImporter.ts);
 * and which model family it is: Stable Diffusion 1.x/2.x (one CLIP text encoder, a 4-channel latent UNet)
 * runs; SDXL, SD 3 and Flux are refused with a message that says so.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { SpireError } from '../../common/errors';

export type SourceKind = 'onnx-export' | 'diffusers' | 'checkpoint';

const CHECKPOINT_EXTENSIONS = ['.safetensors', '.ckpt'];

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function unsupported(message: string): SpireError {
  return new SpireError('import-unsupported', message);
}

/** Families the engine cannot run, by what their folders and configs show. */
const FAMILIES: { name: string; classPattern: RegExp; folders: string[]; why: string }[] = [
  {
    name: 'Stable Diffusion XL',
    classPattern: /XL/,
    folders: ['text_encoder_2'],
    why: 'it has two text encoders and a UNet that takes pooled text embeddings and size conditioning (text_embeds, time_ids), which the engine does not feed',
  },
  {
    name: 'Stable Diffusion 3',
    classPattern: /StableDiffusion3/,
    folders: ['text_encoder_3'],
    why: 'it denoises with a transformer (MMDiT) over 16-channel latents with three text encoders, not a UNet',
  },
  {
    name: 'Flux',
    classPattern: /Flux/,
    folders: [],
    why: 'it denoises with a transformer over 16-channel latents with a T5 text encoder, not a UNet',
  },
];

function refusal(family: string, why: string): SpireError {
  return unsupported(
    `This is a ${family} model: ${why}. SPIRE Studio imports Stable Diffusion 1.x-family models (SD 1.5 and its fine-tunes); choose one of those.`,
  );
}

/** Refuses SDXL, SD 3 and Flux folders from model_index.json's class and the component folders present. */
export async function checkFamily(dir: string, modelIndex: Record<string, unknown>): Promise<void> {
  const className = typeof modelIndex._class_name === 'string' ? modelIndex._class_name : '';
  for (const family of FAMILIES) {
    if (family.classPattern.test(className)) throw refusal(family.name, family.why);
    for (const folder of family.folders) if (folder in modelIndex || (await exists(join(dir, folder)))) throw refusal(family.name, family.why);
  }
  if ('transformer' in modelIndex || (await exists(join(dir, 'transformer')))) {
    throw refusal('diffusion-transformer (SD 3 / Flux style)', 'it has a transformer denoiser instead of a UNet');
  }
  if (!('unet' in modelIndex) && !(await exists(join(dir, 'unet')))) {
    throw unsupported(`${dir} has no unet/ folder; SPIRE Studio imports Stable Diffusion 1.x-family models, which denoise with a UNet.`);
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw unsupported(`Cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw unsupported(`${path} is not a JSON object; is this a diffusers or optimum export?`);
}

/** Reads a JSON file when it exists (component config.json files are optional in exports). */
export async function readOptionalJson(path: string): Promise<Record<string, unknown> | null> {
  return (await exists(path)) ? readJson(path) : null;
}

/** Classifies the source (and refuses families the engine cannot run) before anything is written. */
export async function sourceKind(source: string): Promise<SourceKind> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw unsupported(`${source} does not exist; give a diffusers folder, an ONNX export folder or a .safetensors / .ckpt file.`);
  }
  if (info.isFile()) {
    if (CHECKPOINT_EXTENSIONS.includes(extname(source).toLowerCase())) return 'checkpoint';
    throw unsupported(
      `${basename(source)} is not a model SPIRE Studio can import: give a .safetensors or .ckpt checkpoint, a diffusers folder or an ONNX export folder (with model_index.json).`,
    );
  }
  const indexPath = join(source, 'model_index.json');
  if (!(await exists(indexPath))) {
    throw unsupported(`${source} has no model_index.json; give a diffusers folder or an ONNX export in the diffusers/optimum layout (optimum-cli export onnx).`);
  }
  await checkFamily(source, await readJson(indexPath));
  if (await exists(join(source, 'unet', 'model.onnx'))) return 'onnx-export';
  return 'diffusers';
}

export { readJson };
