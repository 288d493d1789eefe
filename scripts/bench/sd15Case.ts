/**
 * One `sd15` bench case (`npm run bench -- --only sd15`, scripts/bench/run.mjs): an imported
 * Stable Diffusion 1.5-size pack (random weights, models/runs/sd15-random/pack-<fp32|fp16>) restoring
 * a synthetic picture at strength 0.3 with classifier-free guidance, in a fresh Node process so the
 * RSS high-water mark is this case's alone:
 *
 *   node out/bench/sd15Case.js '<json Sd15CaseSpec>'   -> `BENCH_RESULT {...}` on stdout
 *
 *   1. load     loadPack + OnnxSpireModels.fromPack (session creation), timed; maxRSS after it
 *   2. runs     `warmup` untimed, then `repeats` timed restore() runs; per step: the time between
 *               onStep callbacks; per component: calls and milliseconds (CountingModels)
 *   3. tiles    with `realTiles` = N > 0 (the large tiled case on a slow CPU), only the first N calls
 *               of each run of the UNet, the VAE encoder and the VAE decoder run; every later call returns a copy
 *               of that model's last output (same shape, no compute). The pipeline's own buffers
 *               (full image, latent, blenders) are all there, so maxRSS is the whole run's; the time
 *               of a full run is *extrapolated*: everything else as measured + calls x median real
 *               call. The result says which numbers are measured and which are not. A session's first
 *               two runs are slow (onnxruntime sizes its arena and memory pattern: 10-14 s against 5 s
 *               for the UNet at 512x512), so the tiled case runs one warm-up run first (its calls are
 *               not counted).
 *
 * No restorer in the pack: the condition image is the input (bicubic path), no detail transfer.
 */
import { availableParallelism } from 'node:os';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import { openSession, type ExecutionProvider } from '../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack } from '../../main/engine/packLoader';
import { readManifest } from '../../main/engine/packs';
import { OnnxSpireModels, type PipelineConfig, type SpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import type { PipelineParams, StepProgress } from '../../main/engine/pipeline/types';
import type { Tensor } from '../../main/engine/tensor/tensor';
import { CountingModels, maxRssMiB, median } from './countingModels';
import { syntheticPicture } from './syntheticPicture';

export interface Sd15CaseSpec {
  pack: string;
  variant: string;
  ep: ExecutionProvider;
  width: number;
  height: number;
  steps: number;
  strength: number;
  guidanceScale: number;
  seed: number;
  repeats: number;
  warmup: number;
  semanticPrompt: string;
  negativePrompt: string;
  tileSize: number;
  tileOverlap: number;
  /** 0: every model call runs; N: the first N calls of each tiled model run, later ones replay (header). */
  realTiles: number;
}

const REPLAYED = ['unet', 'vae_encoder', 'vae_decoder'] as const;
type Replayed = (typeof REPLAYED)[number];

/** A SpireModels that runs the first `limit` calls of the tiled models and replays the last output after that. */
class ReplayModels implements SpireModels {
  readonly real: Record<Replayed, number[]> = { unet: [], vae_encoder: [], vae_decoder: [] };
  readonly replayed: Record<Replayed, number> = { unet: 0, vae_encoder: 0, vae_decoder: 0 };
  private readonly last = new Map<string, Tensor>();

  constructor(private readonly inner: SpireModels, private readonly limit: number) {}

  /** A new run: its first `limit` calls per model run again (the last outputs are kept for replay). */
  startRun(): void {
    for (const k of REPLAYED) {
      this.real[k] = [];
      this.replayed[k] = 0;
    }
  }

  get config(): PipelineConfig {
    return this.inner.config;
  }

  private async call(name: Replayed, key: string, run: () => Promise<Tensor>): Promise<Tensor> {
    const prev = this.last.get(`${name} ${key}`);
    if (this.limit > 0 && this.real[name].length >= this.limit && prev) {
      this.replayed[name] += 1;
      return { data: new Float32Array(prev.data), dims: [...prev.dims] };
    }
    const start = performance.now();
    const out = await run();
    const ms = performance.now() - start;
    this.real[name].push(ms);
    if (ms > 2000) process.stderr.write(`engine: sd15 ${name} call ${this.real[name].length}: ${(ms / 1000).toFixed(2)} s\n`);
    if (this.limit > 0) this.last.set(`${name} ${key}`, out);
    return out;
  }

  tokenize(texts: readonly string[]): number[][] {
    return this.inner.tokenize(texts);
  }
  textEncoder(ids: readonly (readonly number[])[]): Promise<Tensor> {
    return this.inner.textEncoder(ids);
  }
  vaeEncode(image: Tensor): Promise<Tensor> {
    return this.call('vae_encoder', image.dims.join('x'), () => this.inner.vaeEncode(image));
  }
  vaeDecode(z: Tensor): Promise<Tensor> {
    return this.call('vae_decoder', z.dims.join('x'), () => this.inner.vaeDecode(z));
  }
  adaptor(z: Tensor, t: readonly number[], cRest: Tensor, cond: Tensor): Promise<Tensor[]> {
    return this.inner.adaptor(z, t, cRest, cond);
  }
  unet(z: Tensor, t: readonly number[], c: Tensor, fused: readonly Tensor[]): Promise<Tensor> {
    return this.call('unet', z.dims.join('x'), () => this.inner.unet(z, t, c, fused));
  }
  restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor> {
    return this.inner.restorer(y, cRest, degradation);
  }
}


async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node out/bench/sd15Case.js \'<json spec>\' (run by scripts/bench/run.mjs)');
  const spec = JSON.parse(arg) as Sd15CaseSpec;
  const threads = availableParallelism();
  const providers: ExecutionProvider[] = spec.ep === 'cpu' ? ['cpu'] : [spec.ep, 'cpu'];
  const say = (line: string): void => void process.stderr.write(`engine: sd15 ${spec.variant} ${spec.width}x${spec.height}: ${line}\n`);

  // 1. load
  const rssBeforeLoad = maxRssMiB();
  const loadStart = performance.now();
  const pack = await loadPack(await readManifest(spec.pack), { providers, threads, openSession });
  const inner = await OnnxSpireModels.fromPack(pack);
  const loadS = (performance.now() - loadStart) / 1000;
  const fallback = describeFallbacks(pack.fallbacks, pack.provider);
  if (fallback) say(fallback);
  const rssAfterLoad = maxRssMiB();
  say(`loaded in ${loadS.toFixed(1)} s on ${pack.provider}, maxRSS ${rssAfterLoad.toFixed(0)} MiB`);
  const replay = new ReplayModels(inner, spec.realTiles);
  const models = new CountingModels(replay);

  const input = syntheticPicture(spec.width, spec.height);
  const params: PipelineParams = {
    restorationPrompt: parseRestorationPrompt(''),
    semanticPrompt: spec.semanticPrompt,
    negativePrompt: spec.negativePrompt,
    regions: [],
    steps: spec.steps,
    guidanceScale: spec.guidanceScale,
    seed: spec.seed,
    strength: spec.strength,
    scheduler: 'ddim',
    eta: 0,
    colorFix: 'wavelet',
    useRestorer: false,
    tileSize: spec.tileSize,
    tileOverlap: spec.tileOverlap,
  };
  // 2. runs
  const warmupS: number[] = [];
  for (let r = 0; r < spec.warmup; r++) {
    replay.startRun();
    const result = await restore(models, input, params);
    warmupS.push(result.timings.totalMs / 1000);
    say(`warm-up run ${r + 1}/${spec.warmup}: ${warmupS[r]!.toFixed(1)} s (not counted)`);
  }
  const runs = [];
  for (let r = 0; r < spec.repeats; r++) {
    models.reset();
    replay.startRun();
    const stepEnds: number[] = [];
    const onStep = (p: StepProgress): void => {
      stepEnds.push(p.elapsedMs);
      say(`step ${p.step}/${p.totalSteps} (t=${p.timestep}): ${((p.elapsedMs - (stepEnds.at(-2) ?? 0)) / 1000).toFixed(1)} s since ${stepEnds.length > 1 ? 'the last step' : 'sampling began (encode included)'}`);
    };
    const result = await restore(models, input, params, { onStep });
    const stepMs = stepEnds.map((e, i) => e - (i > 0 ? stepEnds[i - 1]! : 0));
    runs.push({ totalS: result.timings.totalMs / 1000, stepS: stepMs.map((ms) => ms / 1000), timingsMs: result.timings, calls: models.snapshot() });
    say(`run ${r + 1}/${spec.repeats}: ${(result.timings.totalMs / 1000).toFixed(1)} s, ${stepMs.length} steps`);
  }
  // 3. per call and tile
  const last = runs.at(-1)!;
  const perCallS = Object.fromEntries(REPLAYED.map((k) => [k, replay.real[k].length ? median(replay.real[k]) / 1000 : null])) as Record<Replayed, number | null>;
  const calls = Object.fromEntries(REPLAYED.map((k) => [k, last.calls[k]?.calls ?? 0])) as Record<Replayed, number>;
  const stepsRun = last.stepS.length;
  const unetCallsPerStep = stepsRun ? calls.unet / stepsRun : 0;
  const replayedAny = REPLAYED.some((k) => replay.replayed[k] > 0);
  // A run's first step is timed from the start of sampling (text and VAE encode in it): the median takes steps 2.. of every timed run.
  const cleanSteps = runs.flatMap((r) => (r.stepS.length > 1 ? r.stepS.slice(1) : r.stepS));
  // With replay: the run's measured time minus what the replayed models cost in it (real + ~0), plus every call at the median real time.
  const modelMs = REPLAYED.reduce((s, k) => s + (last.calls[k]?.ms ?? 0), 0);
  const fullRunS = replayedAny
    ? (last.totalS * 1000 - modelMs) / 1000 + REPLAYED.reduce((s, k) => s + calls[k] * (perCallS[k] ?? 0), 0)
    : last.totalS;
  const result = {
    format: 'spire-bench-sd15',
    variant: spec.variant,
    pack: spec.pack,
    provider: pack.provider,
    requestedProvider: spec.ep,
    fallback,
    threads,
    size: [spec.width, spec.height],
    steps: spec.steps,
    stepsRun,
    strength: spec.strength,
    guidanceScale: spec.guidanceScale,
    tileSize: spec.tileSize || inner.config.nativeResolution,
    tileOverlap: spec.tileOverlap,
    tilesPerStep: unetCallsPerStep,
    unetBatch: 2,
    loadS,
    warmupS,
    runs,
    realTiles: spec.realTiles,
    realCalls: Object.fromEntries(REPLAYED.map((k) => [k, replay.real[k].length])),
    replayedCalls: replay.replayed,
    calls,
    /** Median seconds of one real call: a tile (UNet: one tile of one step, batch 2 for CFG). */
    perCallS,
    /** Seconds per step: the median of steps 2.. of every timed run when nothing was replayed, else extrapolated from the UNet's per-tile median. */
    stepS: replayedAny ? unetCallsPerStep * (perCallS.unet ?? 0) : median(cleanSteps),
    stepSMeasured: !replayedAny,
    vaeShare: fullRunS > 0 ? (calls.vae_encoder * (perCallS.vae_encoder ?? 0) + calls.vae_decoder * (perCallS.vae_decoder ?? 0)) / fullRunS : null,
    stepSamples: replayedAny ? replay.real.unet.length : cleanSteps.length,
    fullRunS,
    fullRunMeasured: !replayedAny,
    maxRssMiBBeforeLoad: rssBeforeLoad,
    maxRssMiBAfterLoad: rssAfterLoad,
    maxRssMiB: maxRssMiB(),
  };
  await Promise.all([...pack.sessions.values()].map((s) => s.release()));
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine: sd15 case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
