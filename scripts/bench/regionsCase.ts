/**
 * Regions that restore their own way, as a bench case (`npm run bench -- --only regions`): the
 * two-halves scene (twoHalves.ts: left half blurred sigma 2.0, right half noisy sigma 0.08) on a
 * kodim05 crop, restored by the default pack at its recommended settings (strength 0, restorer
 * only), with two regions (left `Deblur with sigma 2.0;`, right `Denoise with sigma 0.08;`) beside
 * the same photo without regions (the run's prompt, `auto`). Run by scripts/bench/run.mjs in a
 * fresh process, or alone for the full photo:
 *
 *   node out/bench/regionsCase.js '{"width":768,"height":512,"repeats":1}'  -> `BENCH_RESULT {...}`
 *
 *   1. pack      SPIRE_MODEL_PACK or `model`, else models/packs/spire-compact
 *   2. scene     the centre width x height crop of kodim05 (768 x 512: the whole photo)
 *   3. timing    `repeats` runs each, alternating without / with regions, no warm-up; medians
 *   4. quality   PSNR per half (8-bit) of the two-region run, each half's own prompt over the whole
 *                photo, and every single prompt of twoHalves.ts GLOBAL_PROMPTS (once each)
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readImage, writeImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../../main/engine/jobs/restoreParams';
import { openSession } from '../../main/engine/onnx/runtime';
import { loadPack } from '../../main/engine/packLoader';
import { readManifest } from '../../main/engine/packs';
import { OnnxSpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import type { RegionPrompt, RestoreParams } from '../../main/engine/pipeline/types';
import { median } from './countingModels';
import { GLOBAL_PROMPTS, LEFT_PROMPT, RIGHT_PROMPT, cropImage, halvesPsnr, twoHalves } from './twoHalves';

export interface RegionsCaseSpec {
  model?: string | null;
  source?: string;
  width?: number;
  height?: number;
  repeats?: number;
  threads?: number;
  /** Write the two-region output here as PNG (to look at it), when given. */
  output?: string;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as RegionsCaseSpec;
  const repo = process.cwd();
  const packDir = spec.model ?? process.env.SPIRE_MODEL_PACK ?? join(repo, 'models', 'packs', 'spire-compact');
  const source = spec.source ?? join(repo, '..', 'shared', 'datasets', 'Kodak24', 'kodim05.png');
  const width = spec.width ?? 512;
  const height = spec.height ?? 512;
  const repeats = spec.repeats ?? 3;

  // 1. pack
  const manifest = await readManifest(packDir);
  const pack = await loadPack(manifest, { providers: ['cpu'], threads: spec.threads ?? 0, openSession });
  const models = await OnnxSpireModels.fromPack(pack);
  const defaults = manifest.spire?.defaults ?? {};
  // 2. scene
  const photo = (await readImage(source)).rgb;
  const scene = twoHalves(cropImage(photo, Math.floor((photo.width - width) / 2), Math.floor((photo.height - height) / 2), width, height), 1);
  const regions: RegionPrompt[] = [
    { mask: scene.left, prompt: '', restoration: { kind: 'prompt', restorationPrompt: LEFT_PROMPT } },
    { mask: scene.right, prompt: '', restoration: { kind: 'prompt', restorationPrompt: RIGHT_PROMPT } },
  ];
  const params = (over: Partial<RestoreParams>) => validateRestoreParams({ ...DEFAULT_RESTORE_PARAMS, ...defaults, seed: 0, ...over });
  const log = (line: string): void => void process.stderr.write(`engine: regions ${width}x${height}: ${line}\n`);

  // 3. timing
  const plainS: number[] = [];
  const regionsS: number[] = [];
  let pair = null;
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    await restore(models, scene.degraded, params({}));
    plainS.push((performance.now() - t) / 1000);
    t = performance.now();
    pair = await restore(models, scene.degraded, params({ regions }));
    regionsS.push((performance.now() - t) / 1000);
    log(`run ${r + 1}/${repeats}: without regions ${plainS[r]!.toFixed(2)} s, two regions ${regionsS[r]!.toFixed(2)} s`);
  }
  if (spec.output) await writeImage(spec.output, pair!.image, null);
  // 4. quality
  const twoRegions = halvesPsnr(scene, pair!.image);
  const ownPrompt: [number, number] = [
    halvesPsnr(scene, (await restore(models, scene.degraded, params({ restorationPrompt: LEFT_PROMPT }))).image)[0],
    halvesPsnr(scene, (await restore(models, scene.degraded, params({ restorationPrompt: RIGHT_PROMPT }))).image)[1],
  ];
  const singles: Record<string, [number, number]> = {};
  for (const p of GLOBAL_PROMPTS) singles[p] = halvesPsnr(scene, (await restore(models, scene.degraded, params({ restorationPrompt: p }))).image);
  const mean = (x: readonly number[]): number => (x[0]! + x[1]!) / 2;
  const bestSingle = Math.max(...Object.values(singles).map(mean));
  log(`PSNR left / right: two regions ${twoRegions.map((v) => v.toFixed(2)).join(' / ')}, own prompts ${ownPrompt.map((v) => v.toFixed(2)).join(' / ')}, ` +
    `best single prompt mean ${bestSingle.toFixed(2)} (two regions ${mean(twoRegions).toFixed(2)})`);
  const result = {
    format: 'spire-bench-regions',
    pack: manifest.name,
    size: [width, height],
    cores: availableParallelism(),
    repeats,
    settings: { strength: params({}).strength, restorerViews: params({}).restorerViews ?? 1, runPrompt: params({}).restorationPrompt.text },
    plainS,
    regionsS,
    medianPlainS: median(plainS),
    medianRegionsS: median(regionsS),
    psnr: { input: halvesPsnr(scene, scene.degraded), twoRegions, ownPrompt, singles },
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await Promise.all([...pack.sessions.values()].map((x) => x.release()));
}

main().catch((err: unknown) => {
  process.stderr.write(`engine: regions case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
