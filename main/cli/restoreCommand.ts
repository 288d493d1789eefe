/**
 * `spire restore <input...> -o <output>`: restore images with the engine in a worker thread.
 *
 * Recipe: parse flags -> check the params (prompt grammar, ranges) -> list the inputs
 * (files, or the images in a folder) -> plan the outputs (refuse existing ones without
 * --force before any work) -> read the region masks -> sampling settings: app defaults <
 * the pack's recommended `defaults` (read from its manifest) < flags (runSettings.ts),
 * checked -> start the engine (pack loaded?) and print the settings on stderr -> per image:
 * restore with a progress bar, write the result atomically -> report.
 * Ctrl+C cancels the running job; nothing partial is ever written.
 */
import { randomInt } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { SupervisedEngineHost } from '../engine/host';
import { formatFromPath, probeImage, readImage, writeFileAtomic } from '../engine/image';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../engine/jobs/restoreParams';
import { SpireError, isSpireError } from '../../common/errors';
import type { Mask, RegionPrompt, RestoreParams } from '../engine/pipeline/types';
import { discoverPack, packInfo, readManifest } from '../engine/packs';
import { isRestoreProgress, type OutputFormat, type RestoreJobResult } from '../engine/protocol';
import type { CliIo } from './io';
import type { LoadedPackInfo } from '../../common/engineStatus';
import { APP_RUN_DEFAULTS, COLOR_FIX_NAMES, RESTORER_VIEWS, RUN_RANGES, SCHEDULER_NAMES, type ColorFixName, type RestorerViews, type SchedulerName } from '../../common/runSettings';
import { EXIT, exitCodeOf, type ExitCode } from './exitCodes';
import { describeEstimate } from './estimateText';
import { RESTORATION_GRAMMAR, RestorationPromptError, formatRestorationPrompt, parseRestorationPrompt } from '../../common/restorationPrompt';
import { startEngine, defaultPackRoots } from './engine';
import { ProgressReporter } from './progress';
import { number, parseCommandArgs } from './parse';
import { RUN_SETTING_KEYS, SETTING_FLAGS, describeRunSettings, mergeRunSettings, type MergedRunSettings, type RunSettingFlags } from './runSettings';

/** A range as the help text writes it: "1-500". */
const span = (range: { min: number; max: number }): string => `${range.min}-${range.max}`;

export const RESTORE_HELP = `Usage: spire restore <input...> -o <output> [options]

Restores photos with the SPIRE model. <input> is an image file (PNG, JPEG, WebP,
TIFF) or a folder of them; with several inputs or a folder, -o is a folder
(created if missing; outputs are <name>.png unless --format says otherwise).

Prompts:
  --restore "<prompt>"      restoration prompt (default "auto": the model pack's estimator reads the blur,
                            noise and JPEG compression of each photo and writes them as the prompt, which
                            is printed; a photo it finds clean is left as it is), or your own, e.g.
                            "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;"
                            or "Remove all degradation" (blind: the estimate steers the restorer inside)
  --upsample K              output size: K times the input (1-7; adds "Upsample to K.0x;" to the prompt);
                            the estimate never changes the size
  --prompt "<text>"         semantic prompt: what is in the photo ("two zebras on a road")
  --negative "<text>"       negative prompt
  --region <mask.png>=<text>  a prompt for the white part of a mask image (repeatable)

Sampling (defaults come from the model pack: what its manifest.json recommends,
else the values shown; a flag always wins; the settings used are printed on stderr):
  --steps N                 denoising steps, ${span(RUN_RANGES.steps)} (default ${APP_RUN_DEFAULTS.steps})
  --guidance W              classifier-free guidance scale, ${span(RUN_RANGES.guidanceScale)} (default ${APP_RUN_DEFAULTS.guidanceScale})
  --seed S                  seed, ${span(RUN_RANGES.seed)} (default: random; printed and stored in the file)
  --strength F              ${span(RUN_RANGES.strength)}; 1 starts from noise, lower keeps more of the input (default ${APP_RUN_DEFAULTS.strength});
                            0 with --faithful: the restorer's output only, no diffusion
  --scheduler ${SCHEDULER_NAMES.join('|')} (default ${APP_RUN_DEFAULTS.scheduler})
  --color-fix ${COLOR_FIX_NAMES.join('|')}  (default ${APP_RUN_DEFAULTS.colorFix})
  --color-fix-levels N      wavelet colour fix: take what is coarser than about 2^(N+1) pixels from the
                            input (faithful: the restorer's output), ${span(RUN_RANGES.colorFixLevels)} (default ${APP_RUN_DEFAULTS.colorFixLevels})
  --eta E                   DDIM eta, ${span(RUN_RANGES.eta)} (default ${APP_RUN_DEFAULTS.eta})
  --faithful, --no-faithful run the pack's first-stage restorer first (more faithful), or not (default off)
  --views ${RESTORER_VIEWS.join('|')}           faithful mode: the restorer also sees the mirrored/turned image and averages
                            (cleaner, N times the restorer's time; default ${APP_RUN_DEFAULTS.restorerViews})
  --tile N                  tile size in pixels for large images (default 0 = the pack's native size)
  --tile-overlap N          tile overlap in pixels (default ${DEFAULT_RESTORE_PARAMS.tileOverlap})

Engine:
  --model <pack dir>        model pack (default: SPIRE_MODEL_PACK, else the first pack in models/packs)
  --ep <provider[,..]>      execution providers to try in order: cuda, dml, coreml, webgpu, cpu (default: auto)
  --threads N               CPU threads for onnxruntime (default: its choice)

Output:
  -o, --output <path>       output file (.png, .jpg, .webp, .tif) or folder
  --format png|jpeg|webp|tiff  output format in folder mode (default png)
  --quality Q               JPEG/WebP quality 1-100 (default 95)
  --force                   replace existing output files
  --json                    print one JSON object per image on stdout
  -h, --help                this help

Exit codes: 0 ok, 1 restore failed, 2 usage or bad prompt, 3 bad input image,
4 model pack problem, 5 output write problem, 130 interrupted (Ctrl+C).
`;

/**
 * The prompt with `--upsample K` added as its `Upsample to K.0x;` clause (the output size is the user's
 * choice, also with `auto`). A prompt that already names an output size, or the blind prompt, refuses it.
 */
export function withUpsample(prompt: string, upsample: string | undefined): string {
  if (upsample === undefined) return prompt;
  const spec = RESTORATION_GRAMMAR.operations.find((o) => o.key === 'downsample');
  const factor = number('--upsample', upsample, { min: spec?.min ?? 1, max: spec?.max ?? 7 });
  let parsed;
  try {
    parsed = parseRestorationPrompt(prompt);
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new SpireError('bad-prompt', `Restoration prompt: ${err.message}.`);
    throw err;
  }
  if (parsed.blind) throw new SpireError('usage', `--upsample cannot be combined with "${RESTORATION_GRAMMAR.blindPrompt}"; give the prompt's operations, or "auto".`);
  if (parsed.operations.some((o) => o.key === 'downsample')) throw new SpireError('usage', 'The restoration prompt already names the output size (Upsample); drop --upsample or that clause.');
  const operations = [...parsed.operations, { key: 'downsample', value: Number(factor.toFixed(spec?.decimals ?? 1)) }];
  const order = RESTORATION_GRAMMAR.operations.map((o) => o.key);
  operations.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  return formatRestorationPrompt({ operations, blind: false, auto: parsed.auto });
}

/**
 * validateRestoreParams with its error as a usage error (exit 2). With the merged settings, the
 * message says which flag to change and whether the value came from the pack.
 */
function checkParams(params: RestoreParams, merged: MergedRunSettings | null): RestoreParams {
  try {
    return validateRestoreParams(params);
  } catch (err) {
    if (!isSpireError(err, 'bad-params', 'bad-prompt')) throw err;
    const fromPack = merged ? RUN_SETTING_KEYS.filter((k) => merged.sources[k] === 'pack') : [];
    const hint = fromPack.length > 0 ? ` (the pack recommended ${fromPack.map((k) => `${SETTING_FLAGS[k]} ${String(merged?.params[k])}`).join(', ')}; a flag overrides it)` : '';
    throw new SpireError(err.code, `${err.message}${hint}`, { ...err.details, cause: err });
  }
}

/**
 * The recommended settings of the pack the engine will load (same search: packs.ts discoverPack),
 * read from its manifest; null when there is none or it does not read (the engine then says why).
 */
async function recommendedSettings(packOverride: string | null, packRoots: string[]): Promise<LoadedPackInfo | null> {
  const found = await discoverPack({ override: packOverride, roots: packRoots });
  if (found.dir === null) return null;
  try {
    return packInfo(await readManifest(found.dir));
  } catch (err) {
    if (isSpireError(err, 'pack-invalid')) return null;
    throw err;
  }
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff']);
const FORMAT_EXT: Record<OutputFormat, string> = { png: '.png', jpeg: '.jpg', webp: '.webp', tiff: '.tif' };

interface Job {
  input: string;
  output: string;
  format: OutputFormat;
}

/** Mask from an image: the mean of R, G, B (white = inside), times its alpha when it has one. */
async function readMask(path: string): Promise<Mask> {
  const img = await readImage(path);
  const n = img.rgb.width * img.rgb.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ((img.rgb.data[i * 3] ?? 0) + (img.rgb.data[i * 3 + 1] ?? 0) + (img.rgb.data[i * 3 + 2] ?? 0)) / 3;
    data[i] = img.alpha ? v * (img.alpha.data[i] ?? 0) : v;
  }
  return { width: img.rgb.width, height: img.rgb.height, data };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listInputs(paths: string[], cwd: string): Promise<{ files: string[]; sawFolder: boolean }> {
  const files: string[] = [];
  let sawFolder = false;
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new SpireError('image-missing', `“${p}” does not exist. Check the path.`);
    }
    if (info.isDirectory()) {
      sawFolder = true;
      const names = (await readdir(abs)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith('.')).sort();
      if (names.length === 0) throw new SpireError('image-missing', `The folder “${p}” has no PNG, JPEG, WebP or TIFF images.`);
      files.push(...names.map((n) => join(abs, n)));
    } else if (info.isFile()) files.push(abs);
    else throw new SpireError('image-unreadable', `“${p}” is not a file or folder.`);
  }
  return { files, sawFolder };
}

/** Resolves once the engine is not (re)starting: after a crash mid-job the host restarts it before the next image. */
function whenSettled(host: SupervisedEngineHost): Promise<void> {
  const settled = (): boolean => !['starting', 'restarting'].includes(host.status().state);
  if (settled()) return Promise.resolve();
  return new Promise((resolveSettled) => {
    const off = host.onStatus(() => {
      if (settled()) {
        off();
        resolveSettled();
      }
    });
  });
}

export async function restoreCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values: v, positionals } = parseCommandArgs('restore', argv, {
    output: { type: 'string', short: 'o' },
    restore: { type: 'string' },
    upsample: { type: 'string' },
    prompt: { type: 'string' },
    negative: { type: 'string' },
    region: { type: 'string', multiple: true },
    steps: { type: 'string' },
    guidance: { type: 'string' },
    seed: { type: 'string' },
    strength: { type: 'string' },
    scheduler: { type: 'string' },
    'color-fix': { type: 'string' },
    'color-fix-levels': { type: 'string' },
    faithful: { type: 'boolean' },
    'no-faithful': { type: 'boolean' },
    eta: { type: 'string' },
    views: { type: 'string' },
    tile: { type: 'string' },
    'tile-overlap': { type: 'string' },
    model: { type: 'string' },
    ep: { type: 'string' },
    threads: { type: 'string' },
    format: { type: 'string' },
    quality: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.stdout.write(RESTORE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new SpireError('usage', 'Give at least one input image. See `spire restore --help`.');
  if (!v.output) throw new SpireError('usage', 'Say where to write the result with -o <file or folder>. See `spire restore --help`.');

  // 1. params, checked before anything slow happens
  const scheduler = (v.scheduler ?? DEFAULT_RESTORE_PARAMS.scheduler) as SchedulerName;
  if (!(SCHEDULER_NAMES as readonly string[]).includes(scheduler)) throw new SpireError('usage', `--scheduler must be ${SCHEDULER_NAMES.join(' or ')}, got "${scheduler}".`);
  const colorFix = (v['color-fix'] ?? DEFAULT_RESTORE_PARAMS.colorFix) as ColorFixName;
  if (!(COLOR_FIX_NAMES as readonly string[]).includes(colorFix)) throw new SpireError('usage', `--color-fix must be ${COLOR_FIX_NAMES.join(', ')}, got "${colorFix}".`);
  const regionSpecs = (v.region ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new SpireError('usage', `--region takes <mask image>=<prompt>, got "${spec}".`);
    return { mask: spec.slice(0, eq), prompt: spec.slice(eq + 1) };
  });
  if (v.faithful && v['no-faithful']) throw new SpireError('usage', 'Give --faithful or --no-faithful, not both.');
  // Sampling settings the user gave; the rest come from the pack (once the engine reports it) or the app defaults.
  const flags: RunSettingFlags = {};
  if (v.steps !== undefined) flags.steps = number('--steps', v.steps, RUN_RANGES.steps);
  if (v.guidance !== undefined) flags.guidanceScale = number('--guidance', v.guidance, RUN_RANGES.guidanceScale);
  if (v.strength !== undefined) flags.strength = number('--strength', v.strength, RUN_RANGES.strength);
  if (v.eta !== undefined) flags.eta = number('--eta', v.eta, RUN_RANGES.eta);
  if (v.views !== undefined) {
    const views = number('--views', v.views, { integer: true, min: Math.min(...RESTORER_VIEWS), max: Math.max(...RESTORER_VIEWS) });
    if (!(RESTORER_VIEWS as readonly number[]).includes(views)) throw new SpireError('usage', `--views must be ${RESTORER_VIEWS.join(', ')}, got ${views}.`);
    flags.restorerViews = views as RestorerViews;
  }
  if (v.scheduler !== undefined) flags.scheduler = scheduler;
  if (v['color-fix'] !== undefined) flags.colorFix = colorFix;
  if (v['color-fix-levels'] !== undefined)
    flags.colorFixLevels = number('--color-fix-levels', v['color-fix-levels'], RUN_RANGES.colorFixLevels);
  if (v.faithful || v['no-faithful']) flags.useRestorer = Boolean(v.faithful);
  const draft: RestoreParams = {
    ...DEFAULT_RESTORE_PARAMS,
    restorationPrompt: withUpsample(v.restore ?? RESTORATION_GRAMMAR.autoPrompt, v.upsample),
    semanticPrompt: v.prompt ?? '',
    negativePrompt: v.negative ?? '',
    seed: v.seed !== undefined ? number('--seed', v.seed, RUN_RANGES.seed) : randomInt(0, 2 ** 31),
    tileSize: v.tile !== undefined ? number('--tile', v.tile, RUN_RANGES.tileSize) : DEFAULT_RESTORE_PARAMS.tileSize,
    tileOverlap: v['tile-overlap'] !== undefined ? number('--tile-overlap', v['tile-overlap'], RUN_RANGES.tileOverlap) : DEFAULT_RESTORE_PARAMS.tileOverlap,
  };
  // The prompts and the other fields now; the sampling settings again once the pack's defaults are known.
  let params = checkParams(draft, null);
  const quality = v.quality !== undefined ? number('--quality', v.quality, { integer: true, min: 1, max: 100 }) : undefined;
  const threads = v.threads !== undefined ? number('--threads', v.threads, { integer: true, min: 0, max: 1024 }) : Number(io.env.SPIRE_THREADS ?? 0) || 0;
  const providers = (v.ep ?? io.env.SPIRE_PROVIDERS ?? 'auto')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  let folderFormat: OutputFormat = 'png';
  if (v.format !== undefined) {
    const f = v.format.toLowerCase() === 'jpg' ? 'jpeg' : v.format.toLowerCase() === 'tif' ? 'tiff' : v.format.toLowerCase();
    if (!['png', 'jpeg', 'webp', 'tiff'].includes(f)) throw new SpireError('usage', `--format must be png, jpeg, webp or tiff, got "${v.format}".`);
    folderFormat = f as OutputFormat;
  }

  // 2. inputs and outputs
  const { files, sawFolder } = await listInputs(positionals, io.cwd);
  const outArg = v.output;
  const outAbs = resolve(io.cwd, outArg);
  const folderMode = files.length > 1 || sawFolder || /[\\/]$/.test(outArg) || (await isDirectory(outAbs));
  const jobs: Job[] = [];
  if (folderMode) {
    try {
      await mkdir(outAbs, { recursive: true });
    } catch (err) {
      throw new SpireError('output-failed', `The output folder “${outArg}” cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)}). Choose a folder you can write to.`);
    }
    const seen = new Set<string>();
    for (const input of files) {
      const output = join(outAbs, `${basename(input, extname(input))}${FORMAT_EXT[folderFormat]}`);
      if (seen.has(output)) throw new SpireError('usage', `Two inputs would both be written to “${output}”. Restore them separately.`);
      seen.add(output);
      jobs.push({ input, output, format: folderFormat });
    }
  } else {
    const format = formatFromPath(outAbs);
    if (!format) throw new SpireError('usage', `“${outArg}” has no image extension. End the name with .png, .jpg, .webp or .tif, or end it with / for a folder.`);
    jobs.push({ input: files[0] ?? '', output: outAbs, format });
    if (!(await isDirectory(resolve(outAbs, '..')))) throw new SpireError('output-no-folder', `The folder of “${outArg}” does not exist. Create it first.`);
  }
  if (!v.force) {
    const existing = [];
    for (const j of jobs) if (await stat(j.output).then(() => true, () => false)) existing.push(j.output);
    if (existing.length > 0)
      throw new SpireError('output-exists', `${existing.length === 1 ? `“${existing[0]}” already exists` : `${existing.length} outputs already exist (first: “${existing[0]}”)`}; nothing was written. Use --force to replace, or choose another output.`);
  }
  for (const j of jobs) if (resolve(j.input) === resolve(j.output)) throw new SpireError('usage', `The output “${j.output}” is the input itself. Choose another output name.`);

  // 3. region masks
  const regions: RegionPrompt[] = [];
  for (const r of regionSpecs) {
    try {
      regions.push({ mask: await readMask(resolve(io.cwd, r.mask)), prompt: r.prompt });
    } catch (err) {
      if (isSpireError(err) && err.code.startsWith('image-')) throw new SpireError(err.code, `Region mask: ${err.message}`);
      throw err;
    }
  }
  params = { ...params, regions };

  // 4. refuse unreadable inputs before starting the engine (header, format, size limits)
  const reporter = new ProgressReporter(io.stderr);
  let worst: ExitCode = EXIT.ok;
  const runnable: Job[] = [];
  for (const job of jobs) {
    try {
      await probeImage(job.input);
      runnable.push(job);
    } catch (err) {
      if (!isSpireError(err) || !err.code.startsWith('image-')) throw err;
      if (jobs.length === 1) throw err;
      if (v.json) io.stdout.write(`${JSON.stringify({ input: job.input, output: null, error: { code: err.code, message: err.message } })}\n`);
      reporter.line(`spire: ${err.message}`);
      worst = EXIT.badInput;
    }
  }
  if (runnable.length === 0) return worst;

  // 5. app defaults < the pack's recommended settings < the user's flags, checked before the engine starts
  const packOverride = v.model ? resolve(io.cwd, v.model) : (io.env.SPIRE_MODEL_PACK ?? null);
  const packRoots = io.packRoots ?? defaultPackRoots(io.cwd);
  const pack = await recommendedSettings(packOverride, packRoots);
  const merged = mergeRunSettings(params, pack?.defaults ?? {}, flags);
  if (merged.params.useRestorer && pack?.hasRestorer === false) {
    throw new SpireError(
      'usage',
      `The pack "${pack.name}" has no restorer, so faithful mode cannot run${merged.sources.useRestorer === 'flag' ? '; drop --faithful' : ''}.`,
    );
  }
  params = checkParams(merged.params, merged);
  const auto = parseRestorationPrompt(params.restorationPrompt).auto;
  if (auto && pack?.hasEstimator === false) {
    throw new SpireError(
      'usage',
      `The pack "${pack.name}" has no degradation estimator, so "${params.restorationPrompt}"${v.restore === undefined ? ' (the default)' : ''} cannot read the photos: ` +
        'give the restoration prompt with --restore, e.g. --restore "Denoise with sigma 0.05;" or --restore "Remove all degradation".',
    );
  }

  // 6. engine
  const host = await startEngine({
    workerPath: io.workerPath,
    env: io.env,
    packOverride,
    packRoots,
    providers: providers.length > 0 ? providers : ['auto'],
    threads,
    interrupt: io.interrupt,
    note: (t) => reporter.line(t),
  });

  reporter.line(describeRunSettings(merged, host.status().pack?.name ?? pack?.name ?? null));

  // 7. one job at a time
  try {
    for (const job of runnable) {
      if (io.interrupt?.aborted) {
        worst = EXIT.interrupted;
        break;
      }
      await whenSettled(host);
      if (host.status().state === 'crashed') break;
      const label = basename(job.input);
      const started = Date.now();
      let result: RestoreJobResult;
      try {
        result = await host.request(
          'restore',
          { input: { path: job.input }, params, output: { format: job.format, ...(quality !== undefined ? { quality } : {}) } },
          { onProgress: (p) => isRestoreProgress(p) && reporter.step(label, p), ...(io.interrupt ? { signal: io.interrupt } : {}) },
        );
        reporter.clear();
        if (result.estimate) reporter.line(`${label}: ${describeEstimate(result.estimate, result.stepsRun === 0 && result.restorationPrompt === '')}`);
        await writeFileAtomic(job.output, result.image.bytes, Boolean(v.force));
      } catch (err) {
        reporter.clear();
        const code = err instanceof SpireError ? exitCodeOf(err.code) : EXIT.restoreFailed;
        const message = err instanceof Error ? err.message : String(err);
        if (code === EXIT.interrupted) {
          reporter.line(`${label}: interrupted; nothing was written.`);
          worst = EXIT.interrupted;
          break;
        }
        if (v.json) io.stdout.write(`${JSON.stringify({ input: job.input, output: null, error: { code: err instanceof SpireError ? err.code : 'error', message } })}\n`);
        reporter.line(`spire: ${label}: ${message}`);
        if (worst === EXIT.ok) worst = code;
        // A pack problem or a crashed engine will not get better for the next image.
        if (code === EXIT.pack || host.status().state === 'crashed') break;
        continue;
      }
      const seconds = (Date.now() - started) / 1000;
      if (v.json) {
        io.stdout.write(
          `${JSON.stringify({
            input: job.input,
            output: job.output,
            width: result.image.width,
            height: result.image.height,
            seconds: Number(seconds.toFixed(3)),
            seed: result.seed,
            restorationPrompt: result.restorationPrompt,
            requestedPrompt: params.restorationPrompt,
            estimate: result.estimate,
            prompt: params.semanticPrompt,
            negativePrompt: params.negativePrompt,
            steps: result.stepsRun,
            settings: Object.fromEntries(RUN_SETTING_KEYS.map((k) => [k, params[k]])),
            provider: result.provider,
            pack: result.pack?.name ?? null,
          })}\n`,
        );
      } else {
        io.stdout.write(`${label} -> ${job.output} (${result.image.width} x ${result.image.height}, ${seconds.toFixed(1)} s, seed ${result.seed}, ${result.provider ?? 'unknown provider'})\n`);
      }
    }
  } finally {
    await host.stop();
  }
  return worst;
}
