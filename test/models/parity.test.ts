// ONNX parity: every component of each tiny random pack under test/fixtures/packs, run in
// onnxruntime-node (through main/engine/onnx/runtime.ts), must reproduce the PyTorch goldens
// written by `cd models && python -m spire.fixtures` within the golden's fp32 tolerance (1e-4).
// A second check replays the first denoising step of the reference sampler (text encoder ->
// adaptor once -> UNet on the [uncond, cond] batch -> guidance) to pin the sampling protocol.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSession, type HostTensor, type ModelSession, type NamedTensors } from '../../main/engine/onnx/runtime';
import { goldenPacks, packsDir, type TensorRef } from './goldens';

interface ValueSpec {
  name: string;
  dtype: string;
  shape: (number | string)[];
}
interface Manifest {
  format: string;
  formatVersion: number;
  components: Record<string, { file: string; inputs: ValueSpec[]; outputs: ValueSpec[] }>;
  adaptor: { fusion: string; skips: { name: string; tensors: string[] }[] };
}
interface SamplingRun {
  name: string;
  guidanceScale: number;
  useRestorer: boolean;
  inputIds: Record<'semantic' | 'negative' | 'restoration', TensorRef>;
  image: TensorRef;
  restoredInput?: TensorRef;
  initialLatents: TensorRef;
  steps: { timestep: number; noisePred: TensorRef }[];
}
interface GoldenIndex {
  format: string;
  tolerance: { float32: number };
  components: Record<string, { inputs: Record<string, TensorRef>; outputs: Record<string, TensorRef> }>;
  sampling: SamplingRun[];
}

function readTensor(dir: string, ref: TensorRef): HostTensor {
  const buf = fs.readFileSync(path.join(dir, ref.file));
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = ref.dtype === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
  const count = ref.shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${ref.file}: ${data.length} values, shape ${ref.shape.join('x')} needs ${count}`);
  return { dtype: ref.dtype, dims: ref.shape, data };
}

function maxAbsDiff(a: HostTensor, b: HostTensor): number {
  expect(a.dims).toEqual(b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Symbolic manifest dims ("batch", "height/4") evaluated against the golden's concrete dims. */
function checkShape(spec: ValueSpec, dims: readonly number[], sizes: Record<string, number>): void {
  expect(dims.length, `${spec.name} rank`).toBe(spec.shape.length);
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number') {
      expect(dims[i], `${spec.name} dim ${i}`).toBe(d);
      return;
    }
    const [base, div] = d.split('/');
    const key = base!;
    const value = div ? dims[i]! * Number(div) : dims[i]!;
    if (key in sizes) expect(value, `${spec.name} dim ${i} (${d})`).toBe(sizes[key]);
    else sizes[key] = value;
  });
}

function cat(a: HostTensor, b: HostTensor): HostTensor {
  const x = a.data as Float32Array;
  const out = new Float32Array(x.length * 2);
  out.set(x, 0);
  out.set(b.data as Float32Array, x.length);
  return { dtype: 'float32', dims: [a.dims[0]! * 2, ...a.dims.slice(1)], data: out };
}

const packs = goldenPacks();
const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

it('finds the tiny random packs (regenerate with `cd models && python3 -m spire.fixtures`)', () => {
  expect(os.endianness()).toBe('LE');
  expect(packs).toContain('tiny-random');
});

describe.each(packs)('pack %s', (packName) => {
  const packDir = path.join(packsDir, packName);
  const goldenDir = path.join(packDir, 'golden');
  const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'manifest.json'), 'utf8')) as Manifest;
  const golden = JSON.parse(fs.readFileSync(path.join(goldenDir, 'index.json'), 'utf8')) as GoldenIndex;
  const tol = golden.tolerance.float32;
  const open = new Map<string, Promise<ModelSession>>();
  const session = (name: string): Promise<ModelSession> => {
    if (!open.has(name)) {
      const file = path.join(packDir, manifest.components[name]!.file);
      open.set(name, openSession(file, { providers: ['cpu'] }).then((o) => (sessions.push(o.session), o.session)));
    }
    return open.get(name)!;
  };

  it('has a spire-pack manifest naming every golden component', () => {
    expect(manifest.format).toBe('spire-pack');
    expect(manifest.formatVersion).toBe(1);
    expect(Object.keys(golden.components).sort()).toEqual(Object.keys(manifest.components).sort());
  });

  it.each(Object.keys(golden.components))('%s matches PyTorch within tolerance', async (name) => {
    const spec = manifest.components[name]!;
    const g = golden.components[name]!;
    const s = await session(name);
    expect(s.inputs.map((v) => v.name)).toEqual(spec.inputs.map((v) => v.name));
    expect(s.outputs.map((v) => v.name)).toEqual(spec.outputs.map((v) => v.name));
    const feeds: NamedTensors = {};
    const sizes: Record<string, number> = {};
    for (const v of spec.inputs) {
      feeds[v.name] = readTensor(goldenDir, g.inputs[v.name]!);
      checkShape(v, feeds[v.name]!.dims, sizes);
    }
    const out = await s.run(feeds);
    const diffs: Record<string, number> = {};
    for (const v of spec.outputs) {
      const actual = out[v.name]!;
      checkShape(v, actual.dims, sizes);
      diffs[v.name] = maxAbsDiff(actual, readTensor(goldenDir, g.outputs[v.name]!));
    }
    const worst = Math.max(...Object.values(diffs));
    console.log(`${packName}/${name}: max abs diff ${worst.toExponential(2)}`);
    expect(worst, JSON.stringify(diffs)).toBeLessThanOrEqual(tol);
  });

  it.each(golden.sampling.map((r) => r.name))('sampling run "%s": first step matches the reference sampler', async (runName) => {
    const run = golden.sampling.find((r) => r.name === runName)!;
    const te = await session('text_encoder');
    const embed = async (ref: TensorRef) => (await te.run({ input_ids: readTensor(goldenDir, ref) })).last_hidden_state!;
    const cond = await embed(run.inputIds.semantic); // [1, L, D]
    const uncond = await embed(run.inputIds.negative);
    const restoration = await embed(run.inputIds.restoration);
    const image = readTensor(goldenDir, run.useRestorer ? run.restoredInput! : run.image); // [1, 3, H, W]
    const z = readTensor(goldenDir, run.initialLatents); // [1, Cz, h, w]
    const step = run.steps[0]!;
    const t: HostTensor = { dtype: 'float32', dims: [1], data: new Float32Array([step.timestep]) };
    const fused = await (await session('adaptor')).run({ sample: z, timestep: t, encoder_hidden_states: restoration, cond_image: image });
    const feeds: NamedTensors = { sample: cat(z, z), timestep: cat(t, t), encoder_hidden_states: cat(uncond, cond) };
    for (const skip of manifest.adaptor.skips) for (const n of skip.tensors) feeds[n] = cat(fused[n]!, fused[n]!);
    const out = (await (await session('unet')).run(feeds)).out_sample!; // [2, Cz, h, w]: uncond then cond
    const o = out.data as Float32Array;
    const half = o.length / 2;
    const guided = new Float32Array(half);
    for (let i = 0; i < half; i++) guided[i] = o[i]! + run.guidanceScale * (o[half + i]! - o[i]!);
    const diff = maxAbsDiff({ dtype: 'float32', dims: z.dims, data: guided }, readTensor(goldenDir, step.noisePred));
    console.log(`${packName}/sampling ${runName} step 0: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(tol);
  });
});
