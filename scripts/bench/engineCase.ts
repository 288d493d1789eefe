/**
 * One engine benchmark case, run by scripts/bench/run.mjs in a fresh Node process so that
 * the RSS high-water mark (process.resourceUsage().maxRSS) belongs to this case alone.
 *
 *   node out/bench/engineCase.js '<json CaseSpec>'
 *
 * Loads the pack on the requested execution provider (falling back to cpu, with the reason
 * printed), runs restore() `repeats` times on one image, and prints one line
 * `BENCH_RESULT {...}` on stdout (everything else goes to stderr):
 *   - end to end: restore() wall time, RGB [0, 1] in -> RGB [0, 1] out (pack loading apart);
 *   - per step: the time between successive onStep callbacks (the first step from the start
 *     of denoising), i.e. adaptor + UNet for every tile + guidance + blending + scheduler step;
 *   - per component: calls and milliseconds of every model call (a counting SpireModels);
 *   - maxRSS after loading the pack and at the end.
 * Built by scripts/bench/vite.config.ts into out/bench/engineCase.js.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openSession, type ExecutionProvider } from '../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack } from '../../main/engine/packLoader';
import { readManifest } from '../../main/engine/packs';
import { OnnxSpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import type { ColorFixName } from '../../common/runSettings';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import type { PipelineParams, RgbImage, StepProgress } from '../../main/engine/pipeline/types';
import { CountingModels, maxRssMiB, median } from './countingModels';
import { syntheticPicture } from './syntheticPicture';

export interface CaseSpec {
  pack: string;
  ep: ExecutionProvider;
  width: number;
  height: number;
  steps: number;
  guidanceScale: number;
  seed: number;
  repeats: number;
  /** Untimed runs before the timed ones (first-run allocations, caches). */
  warmup: number;
  semanticPrompt: string;
  negativePrompt: string;
  restorationPrompt: string;
  colorFix: ColorFixName;
  tileSize: number;
  tileOverlap: number;
  /** (H, W, 3) float32 [0, 1] file; default: a synthetic picture. */
  input?: string;
  /** [1, Cz, H/f, W/f] float32 file; default: the engine's own seeded noise. */
  noise?: string;
  /** Write the last run's image here as (H, W, 3) float32 [0, 1]. */
  output?: string;
}

function readF32(file: string, count: number, what: string): Float32Array {
  const bytes = readFileSync(file);
  if (bytes.byteLength !== count * 4) {
    throw new Error(`${file} holds ${bytes.byteLength / 4} float32 values; the ${what} needs ${count}. Delete the bench folder and rerun to rebuild it.`);
  }
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}


async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node out/bench/engineCase.js \'<json case spec>\' (run by scripts/bench/run.mjs)');
  const spec = JSON.parse(arg) as CaseSpec;
  const threads = availableParallelism();
  const providers: ExecutionProvider[] = spec.ep === 'cpu' ? ['cpu'] : [spec.ep, 'cpu'];

  const loadStart = performance.now();
  const pack = await loadPack(await readManifest(spec.pack), { providers, threads, openSession });
  const inner = await OnnxSpireModels.fromPack(pack);
  const loadMs = performance.now() - loadStart;
  const fallback = describeFallbacks(pack.fallbacks, pack.provider);
  if (fallback) process.stderr.write(`engine: ${fallback}\n`);
  const models = new CountingModels(inner);
  const cfg = models.config;

  const input = spec.input
    ? { width: spec.width, height: spec.height, data: readF32(spec.input, spec.width * spec.height * 3, 'input image') }
    : syntheticPicture(spec.width, spec.height);
  const f = cfg.latent.downsamplingFactor;
  const pad = (n: number): number => Math.ceil(n / cfg.sizeMultiple) * cfg.sizeMultiple;
  const initialNoise = spec.noise ? readF32(spec.noise, cfg.latent.channels * (pad(spec.height) / f) * (pad(spec.width) / f), 'initial noise') : undefined;
  const rssAfterLoad = maxRssMiB();

  const params: PipelineParams = {
    restorationPrompt: parseRestorationPrompt(spec.restorationPrompt), // this script is its own boundary
    semanticPrompt: spec.semanticPrompt,
    negativePrompt: spec.negativePrompt,
    regions: [],
    steps: spec.steps,
    guidanceScale: spec.guidanceScale,
    seed: spec.seed,
    strength: 1,
    scheduler: 'ddim',
    eta: 0,
    colorFix: spec.colorFix,
    useRestorer: false,
    tileSize: spec.tileSize,
    tileOverlap: spec.tileOverlap,
  };
  const runs = [];
  const warmupS: number[] = [];
  let last: RgbImage | null = null;
  let restorationPrompt = '';
  for (let r = 0; r < spec.warmup; r++) {
    const result = await restore(models, input, params, {}, initialNoise ? { initialNoise } : {});
    warmupS.push(result.timings.totalMs / 1000);
    process.stderr.write(`engine: ${spec.width}x${spec.height} warm-up run ${r + 1}/${spec.warmup}: ${(result.timings.totalMs / 1000).toFixed(2)} s (not counted)\n`);
  }
  for (let r = 0; r < spec.repeats; r++) {
    models.reset();
    const stepEnds: number[] = [];
    const onStep = (p: StepProgress): void => {
      const ms = p.elapsedMs - (stepEnds.at(-1) ?? 0);
      stepEnds.push(p.elapsedMs);
      // Slow steps (the large tiled case) say they are done, so a long run shows progress.
      if (ms > 5000) process.stderr.write(`engine: ${spec.width}x${spec.height} step ${p.step}/${p.totalSteps}: ${(ms / 1000).toFixed(1)} s\n`);
    };
    const result = await restore(models, input, params, { onStep }, initialNoise ? { initialNoise } : {});
    const stepMs = stepEnds.map((e, i) => e - (i > 0 ? stepEnds[i - 1]! : 0));
    const calls = Object.fromEntries(Object.entries(models.stats).map(([k, v]) => [k, { calls: v.calls, ms: v.ms }]));
    runs.push({ totalS: result.timings.totalMs / 1000, stepS: stepMs.map((ms) => ms / 1000), timingsMs: result.timings, calls });
    process.stderr.write(
      `engine: ${spec.width}x${spec.height} run ${r + 1}/${spec.repeats}: ${(result.timings.totalMs / 1000).toFixed(2)} s, ` +
        `median step ${(median(stepMs) / 1000).toFixed(3)} s\n`,
    );
    last = result.image;
    restorationPrompt = result.restorationPrompt;
  }
  if (spec.output && last) {
    const tmp = `${spec.output}.tmp`;
    writeFileSync(tmp, new Uint8Array(last.data.buffer, last.data.byteOffset, last.data.byteLength));
    renameSync(tmp, spec.output);
  }
  const adaptorCalls = runs[0]?.calls.adaptor?.calls ?? 0;
  const result = {
    format: 'spire-bench-engine',
    runtime: `onnxruntime-node (${pack.provider ?? 'none'}, ${threads} threads)`,
    provider: pack.provider,
    requestedProvider: spec.ep,
    fallback,
    threads,
    node: process.version,
    size: [spec.width, spec.height],
    nativeResolution: cfg.nativeResolution,
    steps: spec.steps,
    tilesPerStep: adaptorCalls / spec.steps,
    guidanceScale: spec.guidanceScale,
    seed: spec.seed,
    restorationPrompt,
    semanticPrompt: spec.semanticPrompt,
    colorFix: spec.colorFix,
    sameNoiseAsReference: initialNoise !== undefined,
    loadS: loadMs / 1000,
    warmupS,
    runs,
    maxRssMiBAfterLoad: rssAfterLoad,
    maxRssMiB: maxRssMiB(),
  };
  await Promise.all([...pack.sessions.values()].map((s) => s.release()));
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
