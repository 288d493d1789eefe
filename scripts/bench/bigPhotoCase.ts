/**
 * One large-photo bench case, run by scripts/bench/run.mjs (`--only bigphoto`) in a fresh Node
 * process so that the RSS high-water mark (process.resourceUsage().maxRSS) is this case's own:
 *
 *   node out/bench/bigPhotoCase.js '<json BigPhotoSpec>'   -> one `BENCH_RESULT {...}` line on stdout
 *
 *   1. pack      the given pack folder (the default pack by the CLI's rule, chosen by run.mjs)
 *   2. photo     a shared dataset photo (Kodak24) resized (bicubic) to width x height, e.g. 6000 x 4000
 *                = 24 MP; a synthetic picture when the dataset is missing (said in the result)
 *   3. the case
 *      restorer  restore() at strength 0 (restorer only) with `views` restorer views, the rest of the
 *                pack's recommended settings and a fixed restoration prompt (no estimate): what the
 *                app and the CLI run by default, minus reading and writing the file
 *      vae       the diffusion path's VAE alone, as sample() runs it: the VAE encoder over the photo
 *                (m), then the faithful-mode decode (the latent and the reconstruction of m, both
 *                decoded), tiled as `tiling` says:
 *                  engine   the engine's own VAE tiling (tiles.ts vaeTiling), what restore() runs today
 *                  legacy   the VAE on the denoiser's tiles (the pack's native size, 64 px overlap), as the
 *                           engine ran it before the VAE got its own tiling
 *                The latent decoded is m * s plus seeded noise at a small strength's level (a stand-in
 *                for the denoised latent; the decoder's cost does not depend on its values).
 *   4. result    seconds (wall) and CPU seconds of each part, seconds per megapixel of output, peak RSS
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseRestorationPrompt } from '../../common/restorationPrompt';
import type { RestorerViews } from '../../common/runSettings';
import { readImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../../main/engine/jobs/restoreParams';
import { padToMultiple, rgbToNchw } from '../../main/engine/imageOps/convert';
import { resizeRgb } from '../../main/engine/imageOps/resize';
import { openSession, type ExecutionProvider } from '../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack } from '../../main/engine/packLoader';
import { readManifest } from '../../main/engine/packs';
import { OnnxSpireModels, type SpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import { decodeLatents } from '../../main/engine/pipeline/steps';
import { tiledMap } from '../../main/engine/imageOps/tiling';
import { perTile, tilingFor, vaeTiling, type TileRun, type Tiling } from '../../main/engine/pipeline/tiles';
import type { PipelineParams, RgbImage } from '../../main/engine/pipeline/types';
import { Generator } from '../../main/engine/tensor/random';
import { clamp_, mul, type Tensor } from '../../main/engine/tensor/tensor';
import { CountingModels, maxRssMiB } from './countingModels';
import { syntheticPicture } from './syntheticPicture';

export interface BigPhotoSpec {
  pack: string;
  ep: ExecutionProvider;
  /** onnxruntime intra-op threads; 0 = its own choice (the CLI's and the app's default). */
  threads: number;
  width: number;
  height: number;
  /** The photo resized to width x height; missing: a synthetic picture. */
  source: string;
  case: 'restorer' | 'vae' | 'seams';
  /** restorer: views to run. */
  views?: RestorerViews;
  /** vae: whose tiling. */
  tiling?: 'engine' | 'legacy';
  /** Restoration prompt of the restorer case (fixed, so no estimate runs). */
  restorationPrompt: string;
  variants?: { tile: number; overlap: number; margin: number }[];
}

interface Part {
  s: number;
  cpuS: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; part: Part }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, part: { s: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 } };
}

async function photo(spec: BigPhotoSpec): Promise<{ image: RgbImage; source: string }> {
  if (!existsSync(spec.source)) return { image: syntheticPicture(spec.width, spec.height), source: 'synthetic picture (the shared dataset photo is missing)' };
  const { rgb } = await readImage(spec.source);
  return { image: resizeRgb(rgb, spec.height, spec.width, { method: 'bicubic' }), source: `${spec.source}, bicubic to ${spec.width}x${spec.height}` };
}

/**
 * The faithful-mode decode as the engine ran it before the VAE got its own tiling (steps.ts
 * decodeLatents then): vaeDecode(z / s) over the whole image, then vaeDecode(m) over the whole
 * image, each blended into its own full-size buffer, then R + the one - the other.
 */
async function legacyDecode(models: SpireModels, z: Tensor, restoredInput: Tensor, mean: Tensor, tiles: TileRun): Promise<Tensor> {
  const f = models.config.latent.downsamplingFactor;
  const decoded = await tiles(mul(z, 1 / models.config.latent.scaleFactor), 1, f, (x) => models.vaeDecode(x));
  const reconstruction = await tiles(mean, 1, f, (x) => models.vaeDecode(x));
  const r = restoredInput.data;
  const d = decoded.data;
  const m = reconstruction.data;
  for (let i = 0; i < d.length; i++) d[i] = r[i]! + d[i]! - m[i]!;
  return clamp_(decoded, -1, 1);
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node out/bench/bigPhotoCase.js \'<json case spec>\' (run by scripts/bench/run.mjs)');
  const spec = JSON.parse(arg) as BigPhotoSpec;
  const loadAtStart = loadavg();
  const manifest = await readManifest(spec.pack);
  if (!manifest.spire) throw new Error(`${spec.pack} is not a SPIRE restoration pack; pass another with --model.`);
  const providers: ExecutionProvider[] = spec.ep === 'cpu' ? ['cpu'] : [spec.ep, 'cpu'];
  const pack = await loadPack(manifest, { providers, threads: spec.threads, openSession });
  const models = new CountingModels(await OnnxSpireModels.fromPack(pack));
  const fallback = describeFallbacks(pack.fallbacks, pack.provider);
  if (fallback) process.stderr.write(`engine: ${fallback}\n`);
  const cfg = models.config;
  const { image, source } = await photo(spec);
  const megapixels = (spec.width * spec.height) / 1e6;
  const rssBeforeCase = maxRssMiB();
  const parts: Record<string, Part> = {};
  const extra: Record<string, unknown> = {};

  if (spec.case === 'restorer') {
    const views = spec.views ?? 1;
    const params: PipelineParams = {
      ...validateRestoreParams({ ...DEFAULT_RESTORE_PARAMS, ...manifest.spire.defaults, seed: 0, strength: 0, useRestorer: true, restorerViews: views }),
      restorationPrompt: parseRestorationPrompt(spec.restorationPrompt),
      regions: [],
    };
    process.stderr.write(`engine: bigphoto restorer, ${views} view(s), ${spec.width}x${spec.height}\n`);
    const { value: result, part } = await timed(() => restore(models, image, params));
    parts.restore = part;
    parts.restorer = { s: (result.timings.restorerMs ?? 0) / 1000, cpuS: Number.NaN };
    extra.views = views;
    extra.restorerCalls = models.snapshot().restorer?.calls ?? 0;
  } else if (spec.case === 'seams') {
    // The photo's latent decoded whole and tiled both ways: how far each tiling is from one pass.
    const f = cfg.latent.downsamplingFactor;
    const padded = padToMultiple(rgbToNchw(image, [-1, 1]), cfg.sizeMultiple).tensor; // [1, 3, H, W]
    const [, , H, W] = padded.dims as [number, number, number, number];
    const mean = await models.vaeEncode(padded);
    const whole = await models.vaeDecode(mean);
    const diffs: Record<string, { max255: number; mean255: number; tiles: number }> = {};
    const variants: [string, Tiling, number][] = [['engine', vaeTiling(H, W, 0, cfg), 0], ['legacy', tilingFor(H, W, 0, DEFAULT_RESTORE_PARAMS.tileOverlap, cfg), 0]];
    for (const v of spec.variants ?? []) variants.push([`${v.tile}/${v.overlap}/${v.margin}`, { tile: v.tile, overlap: v.overlap, fit: true }, v.margin]);
    for (const [name, tiling, margin] of variants) {
      let calls = 0;
      const tiled = tiling
        ? await tiledMap(mean, { tile: tiling.tile, overlap: tiling.overlap, scale: f, fit: tiling.fit ?? false, margin }, (x) => (calls++, models.vaeDecode(x)))
        : whole;
      let max = 0;
      let sum = 0;
      for (let i = 0; i < tiled.data.length; i++) {
        const d = Math.abs(Math.max(-1, Math.min(1, tiled.data[i]!)) - Math.max(-1, Math.min(1, whole.data[i]!)));
        max = Math.max(max, d);
        sum += d;
      }
      diffs[name] = { max255: (max / 2) * 255, mean255: (sum / tiled.data.length / 2) * 255, tiles: calls };
    }
    extra.tiledVsWhole = diffs;
  } else {
    const f = cfg.latent.downsamplingFactor;
    const padded = padToMultiple(rgbToNchw(image, [-1, 1]), cfg.sizeMultiple).tensor; // [1, 3, H, W]
    const [, , H, W] = padded.dims as [number, number, number, number];
    const which = spec.tiling ?? 'engine';
    const tiles: TileRun = perTile(which === 'legacy' ? tilingFor(H, W, 0, DEFAULT_RESTORE_PARAMS.tileOverlap, cfg) : vaeTiling(H, W, 0, cfg), {});
    process.stderr.write(`engine: bigphoto VAE (${which} tiling), ${spec.width}x${spec.height}\n`);
    const enc = await timed(() => tiles(padded, f, 1 / f, (x) => models.vaeEncode(x)));
    parts.encode = enc.part;
    const mean = enc.value; // [1, Cz, h, w]
    const noise = new Generator(0).randn(mean.data.length);
    const s = cfg.latent.scaleFactor;
    const z = { data: mean.data.map((v, i) => v * s + 0.3 * noise[i]!), dims: mean.dims }; // about strength 0.1's noise level
    const dec = await timed(() => (which === 'legacy' ? legacyDecode(models, z, padded, mean, tiles) : decodeLatents(models, z, padded, mean, tiles)));
    parts.decode = dec.part;
    extra.tiling = which;
    extra.decodeCalls = models.snapshot().vae_decoder?.calls ?? 0;
    extra.encodeCalls = models.snapshot().vae_encoder?.calls ?? 0;
    extra.decodesPerImage = 2;
  }
  const result = {
    format: 'spire-bench-bigphoto',
    case: spec.case,
    pack: { dir: spec.pack, name: manifest.name, nativeResolution: cfg.nativeResolution },
    provider: pack.provider,
    fallback,
    size: [spec.width, spec.height],
    megapixels,
    source,
    parts,
    perMegapixelS: Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, p.s / megapixels])),
    ...extra,
    calls: models.snapshot(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    maxRssMiBBeforeCase: rssBeforeCase,
    maxRssMiB: maxRssMiB(),
  };
  await Promise.all([...pack.sessions.values()].map((x) => x.release()));
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine: bigphoto case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
