// Shared by the model-pack tests: where the tiny packs live, the shape of their golden index
// (written by `cd models && python -m spire.fixtures`), reading golden tensors, and opening a pack
// on the CPU provider. The goldens are committed: a missing file fails the test (MissingGoldenError,
// naming it and the command that writes it), never skips it.
import fs from 'node:fs';
import path from 'node:path';
import { openSession } from '../../main/engine/onnx/runtime';
import { loadPack, type LoadedPack } from '../../main/engine/packLoader';
import { readManifest } from '../../main/engine/packs';
import { OnnxSpireModels } from '../../main/engine/pipeline/models';
import type { SampleOptions } from '../../main/engine/pipeline/sample';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import type { Tensor } from '../../main/engine/tensor/tensor';
import { GOLDEN_PACKS, REGENERATE, requireGolden } from '../fixtures/goldenFiles';

export const packsDir = path.resolve(import.meta.dirname, '..', 'fixtures', 'packs');

export interface TensorRef {
  file: string;
  dtype: 'float32' | 'int64';
  shape: number[];
}

export interface SamplingRun {
  name: string;
  semanticPrompt: string;
  restorationPrompt: string;
  negativePrompt: string;
  numInferenceSteps: number;
  guidanceScale: number;
  eta: number;
  seed: number;
  strength: number;
  useRestorer: boolean;
  inputIds: Record<'semantic' | 'negative' | 'restoration', TensorRef>;
  image: TensorRef;
  initialNoise: TensorRef;
  initialLatents: TensorRef;
  timesteps: number[];
  steps: { timestep: number; noisePred: TensorRef; latents: TensorRef }[];
  restoredInput?: TensorRef;
  /** clamp(vae_decoder(z / scaleFactor), -1, 1) of the last latents. */
  decoded: TensorRef;
  /** Detail transfer (faithful mode, strength < 1): vae_decoder(latent mean of restoredInput), unclamped. */
  reconstruction?: TensorRef;
  /** Detail transfer: the sampler's output clamp(restoredInput + vae_decoder(z / s) - reconstruction, -1, 1); else `decoded` is the output. */
  output?: TensorRef;
}

/** The sampler's final image of a golden run: `output` when it did detail transfer, else `decoded`. */
export function goldenOutput(run: SamplingRun): TensorRef {
  return run.output ?? run.decoded;
}

/** One photo read by the degradation estimator end to end (tiny-random only; models/spire/fixtures.py estimator_goldens). */
export interface EstimateGolden {
  /** [H, W, 3] in [0, 1]. */
  image: TensorRef;
  patch: number;
  maxPatches: number;
  /** [y, x, side] per patch. */
  grid: [number, number, number][];
  /** [N, 3, S, S] in [-1, 1]. */
  patches: TensorRef;
  logits: TensorRef;
  values: TensorRef;
  logScales: TensorRef;
  aggregate: Record<string, { probability: number; value: number }>;
  prompt: string;
  /** The prompt with a JPEG quality from the file (by quality). */
  withJpegFile: Record<string, string>;
}

export interface GoldenIndex {
  tolerance: { float32: number };
  components: Record<string, { inputs: Record<string, TensorRef>; outputs: Record<string, TensorRef> }>;
  sampling: SamplingRun[];
  estimate?: EstimateGolden;
}

/** The packs with committed goldens (test/fixtures/packs/<pack>/golden/index.json), each checked to have them. */
export function goldenPacks(dir = packsDir): string[] {
  for (const pack of GOLDEN_PACKS) requireGolden(path.join(dir, pack, 'golden', 'index.json'), REGENERATE.packs);
  return [...GOLDEN_PACKS];
}

/** The golden index of the golden folder `goldenDir` (`<pack>/golden`). */
export function readGolden(goldenDir: string): GoldenIndex {
  return JSON.parse(fs.readFileSync(requireGolden(path.join(goldenDir, 'index.json'), REGENERATE.packs), 'utf8')) as GoldenIndex;
}

function readBytes(goldenDir: string, ref: TensorRef): ArrayBuffer {
  const buf = fs.readFileSync(requireGolden(path.join(goldenDir, ref.file), REGENERATE.packs));
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** A float32 golden tensor. */
export function readFloat(goldenDir: string, ref: TensorRef): Tensor {
  return { data: new Float32Array(readBytes(goldenDir, ref)), dims: ref.shape };
}

/** An int64 golden tensor (token ids) as flat numbers. */
export function readIds(goldenDir: string, ref: TensorRef): number[] {
  return [...new BigInt64Array(readBytes(goldenDir, ref))].map(Number);
}

/** The options that replay golden sampling run `run` with its own initial noise. */
export function goldenSampleOptions(goldenDir: string, run: SamplingRun): SampleOptions {
  return {
    semanticPrompt: run.semanticPrompt,
    negativePrompt: run.negativePrompt,
    restorationPrompt: parseRestorationPrompt(run.restorationPrompt),
    regions: [],
    steps: run.numInferenceSteps,
    guidanceScale: run.guidanceScale,
    eta: run.eta,
    seed: run.seed,
    strength: run.strength,
    scheduler: 'ddim',
    useRestorer: run.useRestorer,
    tiling: null,
    initialNoise: readFloat(goldenDir, run.initialNoise).data,
  };
}

export interface OpenPack {
  pack: LoadedPack;
  models: OnnxSpireModels;
}

/** Loads the pack in `packDir` on the CPU provider, one thread. Release it with `releasePack`. */
export async function openPack(packDir: string): Promise<OpenPack> {
  const pack = await loadPack(await readManifest(packDir), { providers: ['cpu'], threads: 1, openSession });
  return { pack, models: await OnnxSpireModels.fromPack(pack) };
}

export async function releasePack(pack: LoadedPack): Promise<void> {
  await Promise.all([...pack.sessions.values()].map((s) => s.release()));
}
