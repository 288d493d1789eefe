/**
 * The engine side of `npm run bench:quality` (scripts/bench/quality.mjs): every case of a run
 * through the shipped TypeScript engine, restore() of main/engine/pipeline/restore.ts.
 *
 *   node out/bench/qualityCase.js <run folder>
 *
 * Reads <run>/cases.json (models/tools/quality/cases.py) and <run>/run.json (the options), loads
 * the pack ONCE, and for each setting (`faithful s=0`, `s=0.25`, ...; most faithful first):
 *   1. params      DEFAULT_RESTORE_PARAMS + the run's steps, guidance, seed, scheduler, colour fix,
 *                  semantic prompt "", the setting's strength and faithful mode, the case's
 *                  restoration prompt; checked by validateRestoreParams as the app checks a job
 *   2. restore     the case's input PNG (readImage) -> restore() -> an 8-bit PNG (writeImage) at
 *                  pack/<setting>/<case id>.png; restorer-only settings run on every case, the
 *                  generative ones on the generative subset (qualityArgs.mjs casesForSetting)
 *   3. refusal     a setting the engine refuses on its first case (strength 0 before the
 *                  restorer-only path exists) is marked `unsupported` with the engine's words and
 *                  skipped; the run goes on with the others
 *   4. control     the controllability cases at the first `controlSettings` settings that ran
 * and writes <run>/engine.json (after every setting, so an interrupted run keeps its record).
 * Outputs already on disk are kept (resume). Built by scripts/bench/vite.config.ts.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readImage, writeFileAtomic, writeImage } from '../../main/engine/image';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../../main/engine/jobs/restoreParams';
import { openSession, type ExecutionProvider } from '../../main/engine/onnx/runtime';
import { describeFallbacks, loadPack } from '../../main/engine/packLoader';
import { discoverPack, readManifest } from '../../main/engine/packs';
import { OnnxSpireModels } from '../../main/engine/pipeline/models';
import { restore } from '../../main/engine/pipeline/restore';
import type { ColorFixName } from '../../common/runSettings';
import type { PipelineParams } from '../../main/engine/pipeline/types';
import type { DegradationEstimate } from '../../common/estimate';
import { casesForSetting, defaultSettings, parseSetting, settingSlug, type QualitySetting } from './qualityArgs.mjs';

/** <run>/run.json, written by quality.mjs. */
export interface RunOptions {
  /** Pack folder; null = SPIRE_MODEL_PACK, else the first pack under models/packs (as the CLI). */
  pack: string | null;
  packRoots: string[];
  /** Setting names, most faithful first; null = the defaults for the pack. */
  settings: string[] | null;
  steps: number;
  guidanceScale: number;
  seed: number;
  colorFix: ColorFixName;
  ep: ExecutionProvider;
  controlSettings: number;
}

interface CaseEntry {
  id: string;
  prompt: string;
  input: string;
  /** The auto families, when JPEG was the last stage: the JPEG file (its quantisation tables give the quality). */
  inputJpeg?: string;
  size: [number, number];
  generative: boolean;
}

interface SettingRecord extends QualitySetting {
  status: 'ok' | 'unsupported' | 'pending';
  reason?: string;
  cases: number;
  errors: number;
  seconds: number;
}

interface OutputRecord {
  id: string;
  setting: string;
  path: string;
  seconds: number;
  /** The prompt the run used (for `auto`: the estimate's clauses). */
  restorationPrompt?: string;
  /** What the estimator read from the PNG's pixels (`auto`, and the blind prompt in faithful mode). */
  estimate?: DegradationEstimate | null;
  /** The quality the case's JPEG file gives (inputJpeg): what the estimate takes when a user opens that file. */
  jpegQualityFromFile?: number | null;
  /** Milliseconds of the restorer (all views and tiles) and of the estimate, for the estimator's share of the time. */
  restorerMs?: number;
}

function log(line: string): void {
  process.stderr.write(`engine: ${line}\n`);
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new Error(`${file} is missing (${what}); run \`npm run bench:quality\`, which writes it.`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

async function main(): Promise<void> {
  const run = process.argv[2];
  if (!run) throw new Error('usage: node out/bench/qualityCase.js <run folder> (run by scripts/bench/quality.mjs)');
  const started = performance.now();
  const cases = readJson<{ format: string; cases: CaseEntry[]; control: CaseEntry[] }>(join(run, 'cases.json'), 'the cases');
  if (cases.format !== 'spire-quality-cases') throw new Error(`${join(run, 'cases.json')} is not a spire-quality-cases file.`);
  const opts = readJson<RunOptions>(join(run, 'run.json'), 'the run options');

  // 1. The pack, once.
  const found = await discoverPack({ override: opts.pack ?? process.env.SPIRE_MODEL_PACK ?? null, roots: opts.packRoots });
  if (!found.dir) throw new Error(`${found.message} For a plumbing run, pass --model test/fixtures/packs/tiny-random.`);
  const manifest = await readManifest(found.dir);
  const providers: ExecutionProvider[] = opts.ep === 'cpu' ? ['cpu'] : [opts.ep, 'cpu'];
  const threads = availableParallelism();
  const pack = await loadPack(manifest, { providers, threads, openSession });
  const models = await OnnxSpireModels.fromPack(pack);
  const fallback = describeFallbacks(pack.fallbacks, pack.provider);
  if (fallback) log(fallback);
  const cfg = models.config;
  log(`pack ${manifest.name} (${found.dir}) on ${pack.provider ?? 'none'}, ${threads} threads; restorer: ${cfg.hasRestorer ? 'yes' : 'no'}`);

  const settings: SettingRecord[] = (opts.settings ? opts.settings.map(parseSetting) : defaultSettings(cfg.hasRestorer, manifest.spire?.defaults?.restorerViews ?? 1)).map((s) => ({
    ...s, status: 'pending', cases: 0, errors: 0, seconds: 0,
  }));
  const outputs: OutputRecord[] = [];
  const control: OutputRecord[] = [];
  const errors: { id: string; setting: string; message: string }[] = [];
  const record = async (): Promise<void> => {
    const doc = {
      format: 'spire-quality-engine',
      formatVersion: 1,
      pack: { dir: found.dir, name: manifest.name, hasRestorer: cfg.hasRestorer, nativeResolution: cfg.nativeResolution, provider: pack.provider, fallback },
      params: { steps: opts.steps, guidanceScale: opts.guidanceScale, seed: opts.seed, scheduler: 'ddim', eta: 0, colorFix: opts.colorFix, semanticPrompt: '', negativePrompt: '' },
      threads,
      node: process.version,
      settings,
      outputs,
      control,
      errors,
      totalSeconds: (performance.now() - started) / 1000,
    };
    await writeFileAtomic(join(run, 'engine.json'), new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`), true);
  };

  const paramsFor = (s: QualitySetting, prompt: string): PipelineParams =>
    validateRestoreParams({
      ...DEFAULT_RESTORE_PARAMS,
      restorationPrompt: prompt,
      semanticPrompt: '',
      negativePrompt: '',
      steps: opts.steps,
      guidanceScale: opts.guidanceScale,
      seed: opts.seed,
      scheduler: 'ddim',
      eta: 0,
      colorFix: opts.colorFix,
      strength: s.strength,
      useRestorer: s.useRestorer,
      restorerViews: s.restorerViews,
      colorFixLevels: s.colorFixLevels ?? manifest.spire?.defaults?.colorFixLevels,
    });

  // A resumed run keeps the records of the outputs it already wrote (their estimates and timings).
  const earlier = new Map<string, OutputRecord>();
  if (existsSync(join(run, 'engine.json'))) {
    const prev = readJson<{ outputs?: OutputRecord[]; control?: OutputRecord[] }>(join(run, 'engine.json'), 'the previous engine record');
    for (const r of [...(prev.outputs ?? []), ...(prev.control ?? [])]) earlier.set(r.path, r);
  }

  /** Restores one case at one setting (kept when its output exists); returns the record, or throws. */
  const runOne = async (s: SettingRecord, c: CaseEntry, sub: string): Promise<OutputRecord> => {
    const rel = `pack/${settingSlug(s.name)}/${sub}${c.id}.png`;
    const out = join(run, rel);
    if (existsSync(out)) return earlier.get(rel) ?? { id: c.id, setting: s.name, path: rel, seconds: Number.NaN };
    const t0 = performance.now();
    const params = paramsFor(s, c.prompt);
    const { rgb } = await readImage(join(run, c.input));
    const result = await restore(models, rgb, params);
    if (result.image.width !== c.size[0] || result.image.height !== c.size[1])
      throw new Error(`${c.id}: the engine returned ${result.image.width}x${result.image.height}; the ground truth is ${c.size[0]}x${c.size[1]}.`);
    mkdirSync(dirname(out), { recursive: true });
    await writeImage(out, result.image, null, { format: 'png', bitDepth: 8 });
    const rec: OutputRecord = { id: c.id, setting: s.name, path: rel, seconds: (performance.now() - t0) / 1000, restorationPrompt: result.restorationPrompt };
    if (result.estimate) rec.estimate = result.estimate;
    if (result.timings.restorerMs !== undefined) rec.restorerMs = result.timings.restorerMs;
    if (c.inputJpeg) rec.jpegQualityFromFile = (await readImage(join(run, c.inputJpeg))).metadata.jpegQuality;
    return rec;
  };

  // 2. Every setting over its cases; a refusal on the first case marks the setting unsupported.
  for (const s of settings) {
    const todo = casesForSetting(s, cases.cases);
    const t0 = performance.now();
    log(`${s.name}: ${todo.length} cases`);
    for (const [i, c] of todo.entries()) {
      try {
        outputs.push(await runOne(s, c, ''));
        s.cases += 1;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (i === 0) {
          s.status = 'unsupported';
          s.reason = `the engine refused it: ${message}`;
          log(`${s.name}: unsupported here (${message}); skipping this setting`);
          break;
        }
        s.errors += 1;
        errors.push({ id: c.id, setting: s.name, message });
        log(`${s.name} ${c.id}: FAILED ${message}`);
      }
      if ((i + 1) % 10 === 0 || i + 1 === todo.length) log(`${s.name}: ${i + 1}/${todo.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    if (s.status === 'pending') s.status = 'ok';
    s.seconds = (performance.now() - t0) / 1000;
    await record();
  }

  // 3. Controllability at the first settings that ran.
  const controlAt = settings.filter((s) => s.status === 'ok').slice(0, opts.controlSettings);
  for (const s of controlAt) {
    log(`controllability at ${s.name}: ${cases.control.length} cases`);
    for (const c of cases.control) {
      try {
        control.push(await runOne(s, c, 'control/'));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.push({ id: c.id, setting: s.name, message });
        log(`control ${s.name} ${c.id}: FAILED ${message}`);
      }
    }
    await record();
  }
  await record();
  await Promise.all([...pack.sessions.values()].map((x) => x.release()));
  if (!settings.some((s) => s.status === 'ok')) throw new Error(`no setting ran: ${settings.map((s) => `${s.name}: ${s.reason ?? s.status}`).join('; ')}`);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s -> ${resolve(run, 'engine.json')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`quality case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
