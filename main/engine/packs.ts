/**
 * Model pack discovery and manifest reading.
 *
 * A pack is a folder with a `manifest.json` (format "spire-pack", see
 * models/README.md) that lists components, each with a `file` relative to the
 * pack. The manifest format is still settling, so the reader is tolerant: it
 * accepts components as an object keyed by name or as an array of
 * `{ name, file }`, and keeps every other field as-is for later stages.
 *
 * Where the default pack comes from, first match wins:
 *   1. SPIRE_MODEL_PACK (a pack folder or its manifest.json)
 *   2. each pack root in order (packaged: <resources>/models/packs; from the
 *      repo: models/packs), first sub-folder with a manifest.json, by name.
 *
 * `defaults` (optional) holds the run settings the pack recommends; it is checked strictly
 * (unknown keys, faithful mode without a restorer, strength 0 without faithful mode are
 * errors) and reported with the loaded pack (`packInfo`); so is `largePhotos` (optional, strict:
 * fewer restorer views above a size, and why; common/largePhotos.ts).
 *
 * Strict validation. A manifest that carries `formatVersion` is a SPIRE restoration
 * pack and is checked against the documented format (models/README.md, "manifest.json")
 * with zod: supported version, required components, adaptor skips agreeing with the
 * adaptor outputs and the UNet inputs, fixed dims agreeing with the latent/tokenizer/
 * text-encoder fields, and every referenced file present. The result is `spire`, the
 * typed manifest the pipeline reads. A manifest without `formatVersion` keeps the old
 * tolerant reading (components only, `spire: null`): it loads, but cannot restore.
 * packLoader.ts then checks each opened ONNX session against its manifest entry.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { SpireError } from '../../common/errors';
import type { LoadedPackInfo } from '../../common/engineStatus';
import { DEGRADATION_VECTOR_SIZE } from '../../common/restorationPrompt';
import { packRunDefaultsSchema } from '../../common/runSettingsSchemas';
import { largePhotoAdviceSchema } from '../../common/largePhotosSchema';
import { parseDDIMSchedulerConfig, parseDPMSolverMultistepSchedulerConfig, parseSchedulerConfigText } from './scheduler/config';

export const MANIFEST_FILE = 'manifest.json';
export const PACK_FORMAT = 'spire-pack';

export interface PackComponent {
  name: string;
  /** As written in the manifest, relative to the pack folder. */
  file: string;
  /** Absolute path, checked to stay inside the pack folder. */
  path: string;
  /** The component's manifest entry, untouched (dtype, io names, ... as the format defines them). */
  raw: Record<string, unknown>;
}

export interface PackManifest {
  dir: string;
  name: string;
  version: string | null;
  format: string | null;
  components: PackComponent[];
  raw: Record<string, unknown>;
  /** The validated SPIRE manifest (formatVersion present); null for a loose, components-only manifest. */
  spire: SpirePackSpec | null;
}

export const SPIRE_FORMAT_VERSION = 1;
export const TENSOR_DTYPES = ['float32', 'float16', 'int32', 'int64'] as const;

/** A dim: a fixed size, or a symbol (`batch`, `height`, `width/8`, `sequence`). */
/**
 * Numeric ranges. A manifest is input: every number has a range wide enough for any real pack and
 * narrow enough that a hostile value (maxLength 5e7, nativeResolution 1, sizeMultiple 1e5) is refused
 * here, naming the field, instead of exhausting memory or failing inside onnxruntime later.
 */
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const dimSchema = z.union([
  int(1, 65536),
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\/[1-9][0-9]*)?$/, 'a dim symbol such as "batch" or "height/8"'),
]);
const valueSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(TENSOR_DTYPES),
  shape: z.array(dimSchema),
});
const componentSchema = z.object({
  file: z.string().min(1),
  dtype: z.enum(['float32', 'float16']).optional(),
  /** Weights file beside a graph over 1.5 GB (ONNX external data), relative to the pack. */
  externalData: z.string().min(1).optional(),
  inputs: z.array(valueSpecSchema).min(1),
  outputs: z.array(valueSpecSchema).min(1),
});
const skipSchema = z.object({
  name: z.string().min(1),
  channels: int(1, 8192),
  downscale: int(1, 512),
  tensors: z.array(z.string().min(1)).min(1),
});
/**
 * `estimator`: how the pack's degradation estimator reads a photo (estimator/model.onnx). Operations it
 * reads, in its outputs' column order; the patch side and how many patches per photo; the probability at
 * which an operation goes into the estimated prompt.
 */
const estimatorSchema = z
  .object({
    operations: z.array(z.enum(['blur', 'noise', 'jpeg'])).min(1),
    patch: z.number().int().min(8).max(1024).refine((n) => n % 8 === 0, 'a multiple of 8 (the JPEG block grid)'),
    maxPatches: z.number().int().min(1).max(64),
    presenceThreshold: z.number().finite().gt(0).lt(1),
  })
  .strict();
export type EstimatorSpec = z.infer<typeof estimatorSchema>;
const tokenizerSchema = z.object({
  folder: z.string().optional(),
  files: z.object({
    vocab: z.string().min(1),
    merges: z.string().min(1),
    config: z.string().min(1).optional(),
    specialTokensMap: z.string().min(1).optional(),
  }),
  maxLength: int(2, 1024),
});
const spirePackSchema = z.object({
  format: z.literal(PACK_FORMAT),
  formatVersion: z.literal(SPIRE_FORMAT_VERSION),
  name: z.string().min(1),
  producer: z.record(z.string(), z.unknown()).optional(),
  nativeResolution: int(16, 8192),
  sizeMultiple: int(1, 512),
  imageRange: z.tuple([z.literal(-1), z.literal(1)]).optional(),
  predictionType: z.enum(['epsilon', 'v_prediction', 'sample']),
  latent: z.object({
    channels: int(1, 64),
    scaleFactor: z.number().finite().positive().max(100),
    downsamplingFactor: int(1, 64),
  }),
  scheduler: z.object({ file: z.string().min(1), config: z.record(z.string(), z.unknown()).optional() }),
  tokenizer: tokenizerSchema,
  textEncoder: z.object({ hiddenSize: int(1, 16384), sharedForRestorationPrompt: z.boolean() }),
  /**
   * With textEncoder.sharedForRestorationPrompt false: the restoration prompt's own tokenizer and text
   * encoder (components.restoration_text_encoder), e.g. an imported Stable Diffusion pack whose
   * restorer came from a SPIRE pack and reads that pack's embeddings.
   */
  restorationTextEncoder: z.object({ hiddenSize: int(1, 16384), tokenizer: tokenizerSchema }).optional(),
  adaptor: z.union([z.null(), z.object({ fusion: z.enum(['modulation', 'additive']), skips: z.array(skipSchema).min(1) })]),
  hasRestorer: z.boolean(),
  estimator: estimatorSchema.optional(),
  /** The run settings the pack recommends. Strict: a misspelt key is an error, not a silent no-op. */
  defaults: packRunDefaultsSchema.optional(),
  /** Fewer restorer views above a size, and why (common/largePhotos.ts). */
  largePhotos: largePhotoAdviceSchema.optional(),
  components: z.record(z.string(), componentSchema),
});

export type TensorSpec = z.infer<typeof valueSpecSchema>;
export type ComponentSpec = z.infer<typeof componentSchema>;
export type SpirePackSpec = z.infer<typeof spirePackSchema>;
export type SpireComponentName =
  | 'text_encoder'
  | 'restoration_text_encoder'
  | 'vae_encoder'
  | 'vae_decoder'
  | 'unet'
  | 'adaptor'
  | 'restorer'
  | 'estimator';

/** The estimator's outputs, one column per operation of `estimator.operations` (models/spire/estimator.py). */
export const ESTIMATOR_OUTPUTS = ['logits', 'values', 'log_scales'] as const;

/**
 * A pack that cannot be used: SpireError `pack-invalid` saying which file and why, in words a user
 * can act on (`details.file` and `details.reason` apart, the message joins them).
 */
export function packError(file: string, reason: string): SpireError {
  return new SpireError('pack-invalid', `${file}: ${reason}`, { file, reason });
}

export type PackDiscovery = { dir: string; message: null } | { dir: null; message: string };

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Finds the default pack folder, or says in words where it looked. */
export async function discoverPack(options: { override: string | null; roots: readonly string[] }): Promise<PackDiscovery> {
  if (options.override) {
    const target = resolve(options.override);
    if (await isDirectory(target)) return { dir: target, message: null };
    if (basename(target) === MANIFEST_FILE && (await isFile(target))) return { dir: dirname(target), message: null };
    return {
      dir: null,
      message: `SPIRE_MODEL_PACK is set to ${options.override}, which is not a pack folder; point it at a folder that holds a ${MANIFEST_FILE}, or unset it.`,
    };
  }
  for (const root of options.roots) {
    let entries: string[];
    try {
      entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    entries.sort();
    for (const name of entries) {
      if (await isFile(join(root, name, MANIFEST_FILE))) return { dir: join(root, name), message: null };
    }
  }
  const where = options.roots.length > 0 ? options.roots.join(' or ') : '(no pack folders configured)';
  return { dir: null, message: `No model pack found in ${where}; see README (Model packs) to build or install one.` };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function componentFrom(dir: string, manifestPath: string, name: string, entry: unknown): PackComponent {
  const raw: Record<string, unknown> = isRecord(entry) ? entry : { file: entry };
  const file = raw.file ?? raw.path;
  if (typeof file !== 'string' || file.length === 0) {
    throw packError(manifestPath, `component "${name}" has no "file"; each component needs a file path relative to the pack.`);
  }
  if (isAbsolute(file)) {
    throw packError(manifestPath, `component "${name}" names an absolute path (${file}); use a path relative to the pack folder.`);
  }
  const path = resolve(dir, normalize(file));
  const rel = relative(dir, path);
  if (rel.startsWith('..') || rel.split(sep).includes('..')) {
    throw packError(manifestPath, `component "${name}" points outside the pack folder (${file}).`);
  }
  return { name, file, path, raw };
}

/** Reads and checks `<dir>/manifest.json`. Throws a pack-invalid SpireError naming the file and the problem. */
export async function readManifest(dir: string): Promise<PackManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  if (await isFile(manifestPath)) await staysInsideAfterLinks(dir, manifestPath, MANIFEST_FILE, manifestPath);
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw packError(manifestPath, code === 'ENOENT' ? 'the pack has no manifest.json.' : `could not be read (${code ?? String(err)}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text; a manifest may be a link to anything, so none is quoted.
    throw packError(manifestPath, 'is not valid JSON; re-export the pack or fix the file in a JSON editor.');
  }
  if (!isRecord(json)) throw packError(manifestPath, 'must hold a JSON object.');

  const format = typeof json.format === 'string' ? json.format : null;
  if (format !== null && format !== PACK_FORMAT) {
    throw packError(manifestPath, `has format "${format}"; SPIRE Studio reads "${PACK_FORMAT}" packs.`);
  }
  const components: PackComponent[] = [];
  const list = json.components;
  if (Array.isArray(list)) {
    list.forEach((entry, i) => {
      const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : `component ${i}`;
      components.push(componentFrom(dir, manifestPath, name, entry));
    });
  } else if (isRecord(list)) {
    for (const [name, entry] of Object.entries(list)) components.push(componentFrom(dir, manifestPath, name, entry));
  } else if (list !== undefined) {
    throw packError(manifestPath, '"components" must be an object keyed by component name or an array.');
  }
  for (const c of components) {
    if (await isFile(c.path)) await staysInsideAfterLinks(dir, manifestPath, `components.${c.name}.file`, c.path);
  }
  const spire = 'formatVersion' in json ? await validateSpireManifest(dir, manifestPath, json) : null;
  const name = typeof json.name === 'string' && json.name.length > 0 ? json.name : basename(dir);
  const version = typeof json.version === 'string' || typeof json.version === 'number' ? String(json.version) : null;
  return { dir, name, version, format, components, raw: json, spire };
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/** Fused tensor names in adaptor.skips order (the adaptor's outputs, the UNet's extra inputs). */
export function fusedTensorNames(spec: SpirePackSpec): string[] {
  return spec.adaptor ? spec.adaptor.skips.flatMap((s) => s.tensors) : [];
}

/** Cross-field rules the schema alone cannot say; returns the first problem in words, or null. */
function crossCheck(spec: SpirePackSpec): string | null {
  const need: SpireComponentName[] = ['text_encoder', 'vae_encoder', 'vae_decoder', 'unet'];
  if (spec.adaptor) need.push('adaptor');
  if (spec.hasRestorer) need.push('restorer');
  if (spec.estimator) need.push('estimator');
  const shared = spec.textEncoder.sharedForRestorationPrompt;
  if (!shared) need.push('restoration_text_encoder');
  if (!shared && !spec.restorationTextEncoder) {
    return 'textEncoder.sharedForRestorationPrompt is false but the manifest has no "restorationTextEncoder" section (hiddenSize, tokenizer).';
  }
  if (shared && (spec.restorationTextEncoder || spec.components.restoration_text_encoder)) {
    return 'the manifest has a restoration text encoder but textEncoder.sharedForRestorationPrompt is true; set it to false to use it.';
  }
  if (spec.components.estimator && !spec.estimator) {
    return 'components.estimator is present but the manifest has no "estimator" section (operations, patch, maxPatches, presenceThreshold); re-export the pack.';
  }
  const defaults = spec.defaults ?? {};
  if (defaults.useRestorer === true && !spec.hasRestorer) {
    return 'defaults.useRestorer is true but hasRestorer is false; a pack without a restorer cannot recommend faithful mode.';
  }
  if (defaults.strength === 0 && defaults.useRestorer !== true) {
    return 'defaults.strength is 0 (restorer only, no diffusion), which needs defaults.useRestorer true; set it, or raise the strength.';
  }
  if (spec.sizeMultiple > spec.nativeResolution || spec.nativeResolution % spec.sizeMultiple !== 0) {
    return `nativeResolution ${spec.nativeResolution} must be a multiple of sizeMultiple ${spec.sizeMultiple}.`;
  }
  if (spec.sizeMultiple % spec.latent.downsamplingFactor !== 0) {
    return `sizeMultiple ${spec.sizeMultiple} must be a multiple of latent.downsamplingFactor ${spec.latent.downsamplingFactor}.`;
  }
  for (const name of need) {
    if (!spec.components[name]) return `components.${name} is missing; a SPIRE pack needs ${need.join(', ')}.`;
  }
  const schedulerPrediction = spec.scheduler.config?.prediction_type;
  if (schedulerPrediction !== undefined && schedulerPrediction !== spec.predictionType) {
    return `predictionType is "${spec.predictionType}" but scheduler.config.prediction_type is ${JSON.stringify(schedulerPrediction)}; they must agree.`;
  }
  const c = spec.components as Record<SpireComponentName, ComponentSpec>;
  const L = spec.tokenizer.maxLength;
  const D = spec.textEncoder.hiddenSize;
  const Cz = spec.latent.channels;
  const ids = c.text_encoder.inputs[0] as TensorSpec;
  if (ids.name !== 'input_ids' || (ids.dtype !== 'int64' && ids.dtype !== 'int32')) {
    return `components.text_encoder.inputs[0] must be "input_ids" (int64 or int32), got "${ids.name}" (${ids.dtype}).`;
  }
  if (typeof ids.shape[1] === 'number' && ids.shape[1] !== L) {
    return `components.text_encoder input_ids has length ${ids.shape[1]} but tokenizer.maxLength is ${L}.`;
  }
  const hidden = c.text_encoder.outputs[0] as TensorSpec;
  if (typeof hidden.shape[2] === 'number' && hidden.shape[2] !== D) {
    return `components.text_encoder output ${hidden.name} has width ${hidden.shape[2]} but textEncoder.hiddenSize is ${D}.`;
  }
  // The restoration prompt's embedding [batch, L', D']: the shared encoder's, or its own.
  let restL = L;
  let restD = D;
  if (!shared && spec.restorationTextEncoder) {
    restL = spec.restorationTextEncoder.tokenizer.maxLength;
    restD = spec.restorationTextEncoder.hiddenSize;
    const rIds = c.restoration_text_encoder.inputs[0] as TensorSpec;
    if (c.restoration_text_encoder.inputs.length !== 1 || rIds.name !== 'input_ids' || (rIds.dtype !== 'int64' && rIds.dtype !== 'int32')) {
      return `components.restoration_text_encoder must take one input "input_ids" (int64 or int32), got ${c.restoration_text_encoder.inputs.map((i) => `"${i.name}"`).join(', ')}.`;
    }
    if (typeof rIds.shape[1] === 'number' && rIds.shape[1] !== restL) {
      return `components.restoration_text_encoder input_ids has length ${rIds.shape[1]} but restorationTextEncoder.tokenizer.maxLength is ${restL}.`;
    }
    const rHidden = c.restoration_text_encoder.outputs[0] as TensorSpec;
    if (typeof rHidden.shape[2] === 'number' && rHidden.shape[2] !== restD) {
      return `components.restoration_text_encoder output ${rHidden.name} has width ${rHidden.shape[2]} but restorationTextEncoder.hiddenSize is ${restD}.`;
    }
  }
  const mean = c.vae_encoder.outputs.find((o) => ['latent_mean', 'latent_parameters', 'latent_sample'].includes(o.name));
  if (!mean) return 'components.vae_encoder needs an output named latent_mean, latent_parameters or latent_sample.';
  const want = mean.name === 'latent_parameters' ? 2 * Cz : Cz;
  if (typeof mean.shape[1] === 'number' && mean.shape[1] !== want) {
    return `components.vae_encoder output ${mean.name} has ${mean.shape[1]} channels; latent.channels ${Cz} needs ${want}.`;
  }
  const z = c.vae_decoder.inputs[0] as TensorSpec;
  if (typeof z.shape[1] === 'number' && z.shape[1] !== Cz) {
    return `components.vae_decoder input ${z.name} has ${z.shape[1]} channels but latent.channels is ${Cz}.`;
  }
  const fused = fusedTensorNames(spec);
  if (spec.adaptor) {
    const per = spec.adaptor.fusion === 'modulation' ? 2 : 1;
    for (const skip of spec.adaptor.skips) {
      if (skip.tensors.length !== per) {
        return `adaptor.skips "${skip.name}" lists ${skip.tensors.length} tensors; fusion "${spec.adaptor.fusion}" needs ${per}.`;
      }
    }
    const outs = c.adaptor.outputs.map((o) => o.name);
    if (!sameNames(outs, fused)) {
      return `components.adaptor outputs (${outs.join(', ')}) must be the adaptor.skips tensors in order (${fused.join(', ')}).`;
    }
    const adaptorIns = c.adaptor.inputs.map((i) => i.name);
    for (const n of ['sample', 'timestep', 'encoder_hidden_states', 'cond_image']) {
      if (!adaptorIns.includes(n)) return `components.adaptor has no input "${n}"; it needs sample, timestep, encoder_hidden_states, cond_image.`;
    }
  }
  const unetIns = c.unet.inputs.map((i) => i.name);
  const expected = ['sample', 'timestep', 'encoder_hidden_states', ...fused];
  if (!sameNames(unetIns, expected)) {
    return `components.unet inputs (${unetIns.join(', ')}) must be ${expected.join(', ')}.`;
  }
  if (spec.hasRestorer) {
    const ins = c.restorer.inputs.map((i) => i.name);
    if (!ins.includes('image') || !ins.includes('encoder_hidden_states')) {
      return `components.restorer needs inputs "image" and "encoder_hidden_states", has ${ins.join(', ')}.`;
    }
    const extra = ins.filter((n) => n !== 'image' && n !== 'encoder_hidden_states' && n !== 'degradation');
    if (extra.length > 0) {
      return `components.restorer has inputs the engine cannot feed (${extra.join(', ')}); it takes image, encoder_hidden_states and optionally degradation.`;
    }
    const context = c.restorer.inputs.find((i) => i.name === 'encoder_hidden_states') as TensorSpec;
    const [, cl, cd] = context.shape;
    if ((typeof cl === 'number' && cl !== restL) || (typeof cd === 'number' && cd !== restD)) {
      return `components.restorer input "encoder_hidden_states" is [${context.shape.join(', ')}] but the restoration prompt's embedding is [batch, ${restL}, ${restD}]; a restorer from another pack needs that pack's text encoder (restorationTextEncoder).`;
    }
    const degradation = c.restorer.inputs.find((i) => i.name === 'degradation');
    if (degradation && (degradation.shape.length !== 2 || degradation.shape[1] !== DEGRADATION_VECTOR_SIZE)) {
      return `components.restorer input "degradation" must have shape [batch, ${DEGRADATION_VECTOR_SIZE}] (the parsed restoration prompt), has [${degradation.shape.join(', ')}].`;
    }
  }
  if (spec.estimator) {
    const e = c.estimator;
    const image = e.inputs[0] as TensorSpec;
    if (e.inputs.length !== 1 || image.name !== 'image' || image.shape.length !== 4 || image.shape[1] !== 3) {
      return `components.estimator takes one input "image" [batch, 3, height, width], has ${e.inputs.map((i) => `"${i.name}" [${i.shape.join(', ')}]`).join(', ')}.`;
    }
    const K = spec.estimator.operations.length;
    const outs = e.outputs.map((o) => o.name);
    if (!sameNames(outs, [...ESTIMATOR_OUTPUTS])) return `components.estimator outputs must be ${ESTIMATOR_OUTPUTS.join(', ')}, has ${outs.join(', ')}.`;
    const wrong = e.outputs.find((o) => o.shape.length !== 2 || o.shape[1] !== K);
    if (wrong) return `components.estimator output "${wrong.name}" must be [batch, ${K}] (one column per estimator.operations), has [${wrong.shape.join(', ')}].`;
  }
  return null;
}

/** Files the manifest references besides the ONNX graphs (tokenizer, scheduler config). */
function referencedFiles(spec: SpirePackSpec): [string, string][] {
  const t = spec.tokenizer.files;
  const files: [string, string][] = [
    ['tokenizer.files.vocab', t.vocab],
    ['tokenizer.files.merges', t.merges],
    ['scheduler.file', spec.scheduler.file],
  ];
  if (t.config) files.push(['tokenizer.files.config', t.config]);
  if (t.specialTokensMap) files.push(['tokenizer.files.specialTokensMap', t.specialTokensMap]);
  const r = spec.restorationTextEncoder?.tokenizer.files;
  if (r) {
    files.push(['restorationTextEncoder.tokenizer.files.vocab', r.vocab], ['restorationTextEncoder.tokenizer.files.merges', r.merges]);
    if (r.config) files.push(['restorationTextEncoder.tokenizer.files.config', r.config]);
    if (r.specialTokensMap) files.push(['restorationTextEncoder.tokenizer.files.specialTokensMap', r.specialTokensMap]);
  }
  for (const [name, comp] of Object.entries(spec.components)) {
    files.push([`components.${name}.file`, comp.file]);
    if (comp.externalData) files.push([`components.${name}.externalData`, comp.externalData]);
  }
  return files;
}

/** Validates a manifest that declares formatVersion: schema, cross-field rules, files present. */
async function validateSpireManifest(dir: string, manifestPath: string, json: Record<string, unknown>): Promise<SpirePackSpec> {
  if (json.formatVersion !== SPIRE_FORMAT_VERSION) {
    throw packError(
      manifestPath,
      `has formatVersion ${JSON.stringify(json.formatVersion)}; this version of SPIRE Studio reads formatVersion ${SPIRE_FORMAT_VERSION}. Update the app or re-export the pack.`,
    );
  }
  const parsed = spirePackSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((i) => `${issuePath(i.path) || '(top level)'}: ${i.message}`);
    throw packError(manifestPath, `does not follow the spire-pack format (models/README.md): ${problems.join('; ')}.`);
  }
  const spec = parsed.data;
  const problem = crossCheck(spec);
  if (problem) throw packError(manifestPath, problem);
  for (const [field, file] of referencedFiles(spec)) {
    const path = insidePack(dir, manifestPath, field, file);
    if (!(await isFile(path))) {
      throw packError(path, `is missing (${field} in manifest.json); the pack is incomplete, reinstall or rebuild it.`);
    }
    await staysInsideAfterLinks(dir, manifestPath, field, path);
  }
  await checkSchedulerConfig(dir, manifestPath, spec);
  return spec;
}

/**
 * A file the manifest names may be a symlink, but its target must be inside the pack too: a pack is
 * downloaded input, and a link to /etc/passwd must not be opened (or quoted in an error).
 */
async function staysInsideAfterLinks(dir: string, manifestPath: string, field: string, path: string): Promise<void> {
  let root: string;
  let target: string;
  try {
    [root, target] = await Promise.all([realpath(dir), realpath(path)]);
  } catch (err) {
    throw packError(path, `could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'}; ${field} in manifest.json).`);
  }
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw packError(manifestPath, `${field} is a link to a file outside the pack folder; packs must hold their own files.`);
  }
}

/**
 * The scheduler config (scheduler.config, else the file scheduler.file names) must satisfy both
 * schedulers the app offers, so a bad number is a pack error at load, not a failed restore later.
 */
async function checkSchedulerConfig(dir: string, manifestPath: string, spec: SpirePackSpec): Promise<void> {
  let config: unknown = spec.scheduler.config;
  let where = manifestPath;
  if (config === undefined) {
    where = insidePack(dir, manifestPath, 'scheduler.file', spec.scheduler.file);
    try {
      config = parseSchedulerConfigText(await readFile(where, 'utf8'));
    } catch {
      throw packError(where, 'is not a valid scheduler config (a JSON object, as diffusers writes scheduler_config.json).');
    }
  }
  try {
    parseDDIMSchedulerConfig(config);
    parseDPMSolverMultistepSchedulerConfig(config);
  } catch (err) {
    const field = where === manifestPath ? 'scheduler.config' : 'scheduler.file';
    throw packError(where, `${field}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function insidePack(dir: string, manifestPath: string, what: string, file: string): string {
  if (isAbsolute(file)) throw packError(manifestPath, `${what} names an absolute path (${file}); use a path relative to the pack folder.`);
  const path = resolve(dir, normalize(file));
  const rel = relative(dir, path);
  if (rel.startsWith('..') || rel.split(sep).includes('..')) throw packError(manifestPath, `${what} points outside the pack folder (${file}).`);
  return path;
}

/** The absolute path of a file the manifest names (tokenizer files, scheduler config), checked to stay inside the pack. */
export function packFile(manifest: PackManifest, file: string): string {
  return insidePack(manifest.dir, join(manifest.dir, MANIFEST_FILE), file, file);
}

/** What the engine reports about a loaded pack: name, folder, whether it has a restorer, an estimator and an adaptor, its recommended run settings. */
export function packInfo(manifest: PackManifest): LoadedPackInfo {
  const info: LoadedPackInfo = { name: manifest.name, dir: manifest.dir };
  if (manifest.spire) info.hasRestorer = manifest.spire.hasRestorer;
  if (manifest.spire) info.hasEstimator = manifest.spire.estimator !== undefined;
  if (manifest.spire) info.hasAdaptor = manifest.spire.adaptor !== null;
  if (manifest.spire?.defaults) info.defaults = { ...manifest.spire.defaults };
  if (manifest.spire?.largePhotos) info.largePhotos = { ...manifest.spire.largePhotos };
  return info;
}

/** Components that are ONNX graphs (opened as sessions); others (vocabularies, configs) are read by their users. */
export function onnxComponents(manifest: PackManifest): PackComponent[] {
  return manifest.components.filter((c) => c.file.toLowerCase().endsWith('.onnx'));
}
