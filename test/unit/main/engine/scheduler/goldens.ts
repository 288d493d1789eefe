// Reads test/fixtures/scheduler/goldens.json (written by generate.py from diffusers)
// and gives the tests the same fake model the generator used.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REGENERATE, requireGolden } from '../../../../fixtures/goldenFiles';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const goldenPath = path.join(repoRoot, 'test', 'fixtures', 'scheduler', 'goldens.json');

export interface GoldenStep {
  index: number;
  timestep: number;
  prevSample: string;
  predOriginalSample?: string;
}

export interface GoldenCase {
  name: string;
  scheduler: 'DDIMScheduler' | 'DPMSolverMultistepScheduler';
  config: Record<string, unknown>;
  numInferenceSteps: number;
  eta: number;
  timesteps: number[];
  sigmas?: number[];
  strength?: number;
  startIndex?: number;
  imageNoise?: string;
  noisedStart?: string;
  noise?: string[];
  steps: GoldenStep[];
  final: string;
}

export interface AddNoiseCase {
  scheduler: 'DDIMScheduler' | 'DPMSolverMultistepScheduler';
  config: Record<string, unknown>;
  numInferenceSteps: number;
  timestep: number;
  noisy: string;
}

export interface Goldens {
  reference: { diffusers: string; torch: string; numpy: string };
  latentShape: number[];
  initialSample: string;
  alphasCumprod: Record<string, { config: Record<string, unknown>; alphasCumprod: string }>;
  cases: GoldenCase[];
  addNoise: { noise: string; cases: AddNoiseCase[] };
}

export const goldens = JSON.parse(readFileSync(requireGolden(goldenPath, REGENERATE.scheduler), 'utf8')) as Goldens;

/** float32 little-endian base64 -> Float32Array. */
export function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** The generator's fake model: modelOutput[k] = 0.125 * sample[k] + 0.5 * sin(k / 4 + t / 1024). */
export function fakeModel(sample: Float32Array, t: number): Float32Array {
  const out = new Float32Array(sample.length);
  for (let k = 0; k < sample.length; k++) out[k] = 0.125 * sample[k]! + 0.5 * Math.fround(Math.sin(k / 4 + t / 1024));
  return out;
}

/** Largest |a - b| / (atol + rtol * |b|); <= 1 means allclose(a, b, rtol, atol) holds. */
export function closeness(actual: Float32Array, expected: Float32Array, rtol: number, atol: number): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    const diff = Math.abs(a - b);
    const r = diff === 0 ? 0 : diff / (atol + rtol * Math.abs(b));
    if (!(r <= worst)) worst = r; // NaN propagates as failure
  }
  return worst;
}
