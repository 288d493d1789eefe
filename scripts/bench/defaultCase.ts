/**
 * The issue's speed target as a bench case: "a 512x512 image end to end in at most 10 s at the
 * default settings", for the pack the CLI picks by default. Run by scripts/bench/run.mjs in a fresh
 * process, so the RSS high-water mark is this case's own:
 *
 *   node out/bench/defaultCase.js '<json DefaultCaseSpec>'   -> one `BENCH_RESULT {...}` line on stdout
 *
 *   1. pack       --model, else SPIRE_MODEL_PACK, else the first pack in models/packs (the CLI's
 *                 rule, discoverPack); none: the case is skipped with a line saying how to get one
 *   2. input      a 512x512 PNG made once in the bench folder: a centre crop of a shared dataset
 *                 photo (Kodak24 kodim05), degraded with the project's degradation (main/engine/degrade)
 *   3. params     DEFAULT_RESTORE_PARAMS, overlaid with the pack's manifest `defaults` when it has
 *                 them (as the CLI and the app merge them); seed 0; restorerOnly: strength 0 with
 *                 the restorer (restore() returns the restorer's output: no VAE, UNet or scheduler)
 *   4. load       readManifest + loadPack + OnnxSpireModels.fromPack, timed apart
 *   5. runs       `repeats` times, no warm-up (run 1 is the cold run a CLI user sees):
 *                 read the PNG -> restore() -> encode and write the PNG atomically;
 *                 wall time and CPU time of the three, and the split of restore() from
 *                 result.timings (restorer, encode = text + VAE encoder, denoise, decode, the rest)
 * The CLI runs the same steps in its engine worker (jobs/restoreJob.ts); here they run in-process.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { applyPrompt } from '../../main/engine/degrade';
import { encodeImage, readImage, writeFileAtomic, writeImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../../main/engine/jobs/restoreParams';
import { openSession, type ExecutionProvider } from '../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack } from '../../main/engine/packLoader';
import { discoverPack, readManifest, type SpirePackSpec } from '../../main/engine/packs';
import { OnnxSpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import type { RestoreParams, RestoreResult, RgbImage, StepProgress } from '../../main/engine/pipeline/types';
import { Generator } from '../../main/engine/tensor/random';
import { CountingModels, maxRssMiB, median, type CallStats } from './countingModels';

export interface DefaultCaseSpec {
  /** A pack folder (--model); null: SPIRE_MODEL_PACK, else the first pack in packRoots. */
  model: string | null;
  packRoots: string[];
  ep: ExecutionProvider;
  /** onnxruntime intra-op threads; 0 = its own choice (the CLI's and the app's default). */
  threads: number;
  repeats: number;
  /** Strength 0 with the restorer: restorer only, no diffusion. */
  restorerOnly: boolean;
  /** Side of the square input, in pixels. */
  size: number;
  /** The photo the input is cropped from; missing: a synthetic picture (said in the result). */
  source: string;
  /** Restoration prompt whose degradation makes the input (parameterized, no upsampling). */
  degradation: string;
  /** Gitignored folder for the input and output PNGs. */
  workDir: string;
  targetS: number;
}

/** The run settings a pack may recommend (manifest.json `defaults`). */
type PackDefaults = NonNullable<SpirePackSpec['defaults']>;

interface RunResult {
  /** Read + restore + write, seconds. */
  totalS: number;
  /** CPU time of this process (all threads, user + system) over the same span, seconds: on a loaded machine the wall time mostly measures the wait. */
  cpuS: number;
  stepS: number[];
  readMs: number;
  restoreMs: number;
  writeMs: number;
  timingsMs: RestoreResult['timings'];
  split: { restorerMs: number; encodeMs: number; denoiseMs: number; decodeMs: number; otherMs: number };
  calls: Record<string, CallStats>;
}

export type DefaultCaseResult =
  | { format: 'spire-bench-default'; skipped: string; restorerOnly: boolean; pack: string | null }
  | {
      format: 'spire-bench-default';
      skipped: null;
      restorerOnly: boolean;
      runtime: string;
      provider: string | null;
      fallback: string | null;
      threads: number;
      pack: { dir: string; name: string; nativeResolution: number; hasRestorer: boolean; defaults: PackDefaults | null };
      params: Pick<RestoreParams, 'restorationPrompt' | 'semanticPrompt' | 'steps' | 'strength' | 'guidanceScale' | 'scheduler' | 'colorFix' | 'colorFixLevels' | 'useRestorer' | 'restorerViews' | 'eta' | 'seed'>;
      input: { path: string; source: string; degradation: string };
      output: string;
      size: [number, number];
      steps: number;
      tilesPerStep: number;
      loadS: number;
      runs: RunResult[];
      medianS: number;
      targetS: number;
      loadAverage: { start: number[]; end: number[] };
      maxRssMiBAfterLoad: number;
      maxRssMiB: number;
    };

/** A smooth synthetic picture (used only when the shared dataset photo is missing), HWC [0, 1]. */
function syntheticPicture(size: number): RgbImage {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      data[i] = 0.5 + 0.35 * Math.sin((9 * x) / size) * Math.cos((7 * y) / size);
      data[i + 1] = 0.2 + (0.6 * x) / size;
      data[i + 2] = 0.3 + 0.5 * Math.exp(-((x / size - 0.3) ** 2 + (y / size - 0.5) ** 2) / 0.05);
    }
  }
  return { width: size, height: size, data };
}

/** The centre size x size crop of an image. */
function centreCrop(img: RgbImage, size: number): RgbImage {
  if (img.width < size || img.height < size) throw new Error(`The bench source image is ${img.width} x ${img.height}; it must be at least ${size} x ${size}.`);
  const top = (img.height - size) >> 1;
  const left = (img.width - size) >> 1;
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, data };
}

/** Makes the degraded input PNG once (reused by later runs); returns its path and what it came from. */
async function ensureInput(spec: DefaultCaseSpec): Promise<{ path: string; source: string }> {
  const fromDataset = existsSync(spec.source);
  const source = fromDataset ? spec.source : 'synthetic picture (the shared dataset photo is missing)';
  const stem = fromDataset ? basename(spec.source).replace(/\.[^.]+$/, '') : 'synthetic';
  const path = join(spec.workDir, `input-${spec.size}-${stem}.png`);
  if (existsSync(path)) return { path, source };
  mkdirSync(spec.workDir, { recursive: true });
  const clean = fromDataset ? centreCrop((await readImage(spec.source)).rgb, spec.size) : syntheticPicture(spec.size);
  const { degradedLr } = await applyPrompt(clean, spec.degradation, new Generator(0));
  if (degradedLr.width !== spec.size || degradedLr.height !== spec.size)
    throw new Error(`The bench degradation "${spec.degradation}" changes the size; use one without "Upsample to".`);
  await writeImage(path, degradedLr, null, { overwrite: true });
  process.stderr.write(`engine: made the bench input ${path} (${source}, "${spec.degradation}")\n`);
  return { path, source };
}

export async function runDefaultCase(spec: DefaultCaseSpec): Promise<DefaultCaseResult> {
  const loadAtStart = loadavg();
  // 1. Pack, by the CLI's rule.
  const found = await discoverPack({ override: spec.model ?? process.env.SPIRE_MODEL_PACK ?? null, roots: spec.packRoots });
  if (found.dir === null) return { format: 'spire-bench-default', skipped: found.message, restorerOnly: spec.restorerOnly, pack: null };
  const manifest = await readManifest(found.dir);
  if (!manifest.spire) throw new Error(`${found.dir} is not a SPIRE restoration pack (its manifest has no formatVersion); pass another with --model.`);
  if (spec.restorerOnly && !manifest.spire.hasRestorer)
    return { format: 'spire-bench-default', skipped: `the pack ${manifest.name} has no restorer`, restorerOnly: true, pack: found.dir };

  // 2. Input, made once.
  const input = await ensureInput(spec);

  // 3. Params: the app's defaults < the pack's recommended ones (as the CLI and the app merge them).
  const defaults = manifest.spire.defaults ?? null;
  const params = validateRestoreParams({ ...DEFAULT_RESTORE_PARAMS, ...defaults, seed: 0, ...(spec.restorerOnly ? { strength: 0, useRestorer: true } : {}) });

  // 4. Load.
  const providers: ExecutionProvider[] = spec.ep === 'cpu' ? ['cpu'] : [spec.ep, 'cpu'];
  const loadStart = performance.now();
  const pack = await loadPack(manifest, { providers, threads: spec.threads, openSession });
  const models = new CountingModels(await OnnxSpireModels.fromPack(pack));
  const loadS = (performance.now() - loadStart) / 1000;
  const fallback = describeFallbacks(pack.fallbacks, pack.provider);
  if (fallback) process.stderr.write(`engine: ${fallback}\n`);
  const rssAfterLoad = maxRssMiB();

  // 5. Runs: read -> restore -> write.
  const output = join(spec.workDir, `output-${spec.restorerOnly ? 'restorer-only' : 'default'}.png`);
  const label = `default pack ${manifest.name}${spec.restorerOnly ? ', restorer only' : ''}`;
  const runs: RunResult[] = [];
  let size: [number, number] = [spec.size, spec.size];
  let stepsRun = 0;
  for (let r = 0; r < spec.repeats; r++) {
    models.reset();
    const stepEnds: number[] = [];
    const onStep = (p: StepProgress): void => void stepEnds.push(p.elapsedMs);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { rgb } = await readImage(input.path);
    const t1 = performance.now();
    const result = await restore(models, rgb, params, { onStep });
    const t2 = performance.now();
    await writeFileAtomic(output, await encodeImage(result.image, null, 'png'), true);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const { encodeMs, denoiseMs, decodeMs, totalMs } = result.timings;
    const restorerMs = result.timings.restorerMs ?? models.ms('restorer');
    runs.push({
      totalS: (t3 - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
      stepS: stepEnds.map((e, i) => (e - (i > 0 ? stepEnds[i - 1]! : 0)) / 1000),
      readMs: t1 - t0,
      restoreMs: t2 - t1,
      writeMs: t3 - t2,
      timingsMs: result.timings,
      // encode = text encoder + VAE encoder; other = the rest of restore() (resize, padding, colour fix).
      split: { restorerMs, encodeMs, denoiseMs, decodeMs, otherMs: Math.max(0, totalMs - encodeMs - restorerMs - denoiseMs - decodeMs) },
      calls: models.snapshot(),
    });
    size = [result.image.width, result.image.height];
    stepsRun = result.stepsRun;
    process.stderr.write(`engine: ${label} run ${r + 1}/${spec.repeats}: ${((t3 - t0) / 1000).toFixed(2)} s read+restore+write, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU${r === 0 ? ' (cold)' : ''}\n`);
  }
  const unetCalls = runs[0]?.calls.unet?.calls ?? 0;
  const result: DefaultCaseResult = {
    format: 'spire-bench-default',
    skipped: null,
    restorerOnly: spec.restorerOnly,
    runtime: `onnxruntime-node (${pack.provider ?? 'none'}, ${spec.threads > 0 ? `${spec.threads} threads` : 'its default threads'})`,
    provider: pack.provider,
    fallback,
    threads: spec.threads,
    pack: { dir: found.dir, name: manifest.name, nativeResolution: manifest.spire.nativeResolution, hasRestorer: manifest.spire.hasRestorer, defaults },
    params: {
      restorationPrompt: params.restorationPrompt.text,
      semanticPrompt: params.semanticPrompt,
      steps: params.steps,
      strength: params.strength,
      guidanceScale: params.guidanceScale,
      scheduler: params.scheduler,
      colorFix: params.colorFix,
      colorFixLevels: params.colorFixLevels,
      useRestorer: params.useRestorer,
      restorerViews: params.restorerViews,
      eta: params.eta,
      seed: params.seed,
    },
    input: { path: input.path, source: input.source, degradation: spec.degradation },
    output,
    size,
    steps: stepsRun,
    tilesPerStep: stepsRun > 0 ? unetCalls / stepsRun : 0,
    loadS,
    runs,
    medianS: median(runs.map((r) => r.totalS)),
    targetS: spec.targetS,
    loadAverage: { start: loadAtStart, end: loadavg() },
    maxRssMiBAfterLoad: rssAfterLoad,
    maxRssMiB: maxRssMiB(),
  };
  await Promise.all([...pack.sessions.values()].map((s) => s.release()));
  return result;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node out/bench/defaultCase.js \'<json case spec>\' (run by scripts/bench/run.mjs)');
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(await runDefaultCase(JSON.parse(arg) as DefaultCaseSpec))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine: default case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
