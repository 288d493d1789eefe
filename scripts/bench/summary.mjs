// Pure helpers of `npm run bench` (scripts/bench/run.mjs): argument parsing, medians, the
// summary rows and the text table. No I/O, so test/unit/scripts/bench/summary.test.ts can
// check them without running a benchmark.

export const PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

/**
 * Case groups `--only` picks from:
 *   compare  engine vs PyTorch reference at 256x256 on the random `small` pack (and their output difference)
 *   tiled    engine 512x512 on the `small` pack (tiled: above its native 256)
 *   large    engine 6000x4000, tiled, reduced steps (also dropped by --no-large)
 *   default  the issue's speed target: the default pack, 512x512 PNG read + restore + write at the
 *            pack's default settings, and restorer only (strength 0) when the pack has a restorer
 *   regions  the default pack, 512x512, two regions with their own restoration prompts beside the same
 *            photo without regions (regionsCase.ts), with each half's PSNR
 *   sd15     a random-weight model with Stable Diffusion 1.5's exact configuration, imported fp32 and
 *            fp16 (timed) and restored at 512x512 and at a tiled 3000x2000 (sd15Case.ts); only when
 *            named in --only (it needs Python with diffusers and 10+ GB of disk)
 *   bigphoto a whole photo at --large WxH (24 MP) on the default pack (bigPhotoCase.ts): restorer only at
 *            1 view, at the views the pack recommends for that size and at its general default; the
 *            diffusion path's VAE encode and faithful decode with the engine's tiling and the one it had
 *            before; each case in its own process with its peak RSS; only when named in --only (many minutes)
 */
export const CASE_GROUPS = ['compare', 'tiled', 'large', 'default', 'regions', 'sd15', 'bigphoto'];

/** Groups run only when named in --only (long, or needing more than the repository). */
export const BY_NAME_GROUPS = ['sd15', 'bigphoto'];

/** The groups a run without --only times (sd15 and bigphoto are asked for by name). */
export const DEFAULT_GROUPS = CASE_GROUPS.filter((g) => !BY_NAME_GROUPS.includes(g));

/** The sd15 group's variants (pack precision). */
export const SD15_VARIANTS = ['fp32', 'fp16'];

/** The issue's target: a 512x512 image end to end in at most this many seconds at the default settings. */
export const DEFAULT_TARGET_S = 10;

export const DEFAULTS = {
  steps: 20,
  repeats: 3,
  warmup: 1,
  ep: 'cpu',
  guidance: 7.5,
  seed: 0,
  large: { width: 6000, height: 4000 },
  largeSteps: 2,
  noLarge: false,
  tileOverlap: 64,
  rebuild: false,
  only: [...DEFAULT_GROUPS],
  sd15: { size: { width: 3000, height: 2000 }, steps: 10, largeSteps: 4, strength: 0.3, realTiles: 3, variants: [...SD15_VARIANTS] },
  model: null,
  help: false,
};

export const USAGE = `usage: npm run bench -- [options]

Times the TypeScript engine (onnxruntime-node) and the PyTorch reference sampler on the same
random-weights pack (config "small", native 256 px, built once into models/runs/bench-small/),
and the issue's speed target on the default pack: a 512x512 PNG read, restored at the pack's
default settings and written, in at most ${DEFAULT_TARGET_S} s (PASS/FAIL on the median).

  --steps N          denoising steps (default ${DEFAULTS.steps})
  --repeats N        timed runs per case; medians are quoted (default ${DEFAULTS.repeats}; the large case runs once)
  --warmup N         untimed runs before them, in the same process (default ${DEFAULTS.warmup}; none for the large case)
  --ep NAME          engine execution provider: ${PROVIDERS.join(', ')} (default ${DEFAULTS.ep}); falls back to cpu with the reason printed
  --guidance X       classifier-free guidance scale (default ${DEFAULTS.guidance})
  --seed N           seed (default ${DEFAULTS.seed})
  --large WxH        size of the tiled large case (default ${DEFAULTS.large.width}x${DEFAULTS.large.height}, 24 MP)
  --large-steps N    steps of the large case, a reduced-step run (default ${DEFAULTS.largeSteps})
  --no-large         skip the large case
  --tile-overlap PX  tile overlap in pixels for tiled cases (default ${DEFAULTS.tileOverlap}, the app's)
  --rebuild          rebuild the cached benchmark pack
  --only LIST        run only these case groups, comma-separated: ${CASE_GROUPS.join(', ')} (default: all but ${BY_NAME_GROUPS.join(' and ')})
                       compare  engine vs PyTorch reference, 256x256, small pack
                       tiled    engine 512x512, small pack (tiled)
                       large    engine ${DEFAULTS.large.width}x${DEFAULTS.large.height}, tiled, reduced steps
                       default  the default pack, 512x512 end to end at its default settings, and
                                restorer only (strength 0) when it has a restorer; ignores --steps,
                                --guidance, --seed and --warmup (no warm-up: run 1 is the cold run)
                       regions  the default pack, 512x512: two regions with their own restoration
                                prompts vs none (timing) and each half's PSNR (regionsCase.ts)
                       sd15     only by name: a random-weight model with SD 1.5's exact configuration
                                (models/tools/make_sd15_random.py, built once into models/runs/sd15-random/
                                with SPIRE_PYTHON = a Python with PyTorch and diffusers), imported with
                                \`spire import\` (fp32, then --fp16; timed, pack sizes), then per variant in
                                fresh processes: load time, peak RSS and s/step at 512x512 (--sd15-steps,
                                strength 0.3, guidance, all tiles real) and at the tiled --sd15-size;
                                e.g. \`SPIRE_PYTHON=/path/to/venv/bin/python npm run bench -- --only sd15\`
                       bigphoto only by name: a whole photo (a Kodak24 photo resized to --large WxH,
                                24 MP) on the default pack, each case in its own process with its peak
                                RSS: restorer only at 1 view, at the views the pack recommends for
                                that size and at its general default (single runs); the VAE encode and
                                faithful decode per megapixel with the engine's tiling and the one
                                before it (the denoiser's tiles), and a tiled-vs-whole decode check at
                                1536x1024; on the random \`small\` pack too (3000x2000) when it is built
                     e.g. \`npm run bench -- --only default\` for the speed target alone (a minute or two)
  --sd15-size WxH    the tiled sd15 case's size (default ${DEFAULTS.sd15.size.width}x${DEFAULTS.sd15.size.height})
  --sd15-steps N     sd15 512x512 steps at strength 1 (default ${DEFAULTS.sd15.steps}: strength 0.3 runs 3)
  --sd15-large-steps N  the same for the tiled case (default ${DEFAULTS.sd15.largeSteps}: strength 0.3 runs 1)
  --sd15-real-tiles N   tiled case: after one warm-up run, the first N calls of the UNet, VAE
                     encoder and VAE decoder run, later tiles replay the last output (no compute;
                     peak RSS still the whole run's), full-run time EXTRAPOLATED from the median
                     real tile; 0 = every tile real, no warm-up, all measured (default
                     ${DEFAULTS.sd15.realTiles}: 3000x2000 is 35 tiles x 3 models, minutes per model on 2 cores)
                     --ep applies to the sd15 cases too (e.g. --ep cuda where there is a GPU)
  --sd15-variants LIST  fp32,fp16 (default both)
  --model DIR        the pack for the default cases (default: SPIRE_MODEL_PACK, else the first pack
                     in models/packs/, as the CLI picks it)
  --help             this text

Output: a table on stdout and test-results/bench/bench-<date>.json.`;

export class BenchArgError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BenchArgError';
  }
}

function wholeNumber(flag, text, min) {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min) throw new BenchArgError(`${flag} needs a whole number >= ${min}, got ${text === undefined ? 'nothing' : JSON.stringify(text)}.`);
  return n;
}

/** Parses the command line (without node and the script); throws BenchArgError with what to type instead. */
export function parseBenchArgs(argv) {
  const o = {
    ...DEFAULTS, large: { ...DEFAULTS.large }, only: [...DEFAULTS.only],
    sd15: { ...DEFAULTS.sd15, size: { ...DEFAULTS.sd15.size }, variants: [...DEFAULTS.sd15.variants] },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--steps':
        o.steps = wholeNumber(flag, value(), 1);
        break;
      case '--repeats':
        o.repeats = wholeNumber(flag, value(), 1);
        break;
      case '--warmup':
        o.warmup = wholeNumber(flag, value(), 0);
        break;
      case '--large-steps':
        o.largeSteps = wholeNumber(flag, value(), 1);
        break;
      case '--seed':
        o.seed = wholeNumber(flag, value(), 0);
        break;
      case '--tile-overlap':
        o.tileOverlap = wholeNumber(flag, value(), 0);
        break;
      case '--guidance': {
        const text = value();
        const g = Number(text);
        if (text === undefined || text.trim() === '' || !Number.isFinite(g)) throw new BenchArgError(`--guidance needs a number, got ${JSON.stringify(text ?? '')}.`);
        o.guidance = g;
        break;
      }
      case '--ep': {
        const ep = value();
        if (!PROVIDERS.includes(ep)) throw new BenchArgError(`--ep must be one of ${PROVIDERS.join(', ')}, got ${JSON.stringify(ep ?? '')}.`);
        o.ep = ep;
        break;
      }
      case '--large':
      case '--sd15-size': {
        const text = value() ?? '';
        const m = /^(\d+)x(\d+)$/.exec(text);
        if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new BenchArgError(`${flag} needs WIDTHxHEIGHT such as 6000x4000, got ${JSON.stringify(text)}.`);
        if (flag === '--large') o.large = { width: Number(m[1]), height: Number(m[2]) };
        else o.sd15.size = { width: Number(m[1]), height: Number(m[2]) };
        break;
      }
      case '--sd15-steps':
        o.sd15.steps = wholeNumber(flag, value(), 1);
        break;
      case '--sd15-large-steps':
        o.sd15.largeSteps = wholeNumber(flag, value(), 1);
        break;
      case '--sd15-real-tiles':
        o.sd15.realTiles = wholeNumber(flag, value(), 0);
        break;
      case '--sd15-variants': {
        const text = value() ?? '';
        const names = text.split(',').map((n) => n.trim()).filter(Boolean);
        if (names.length === 0 || names.some((n) => !SD15_VARIANTS.includes(n)))
          throw new BenchArgError(`--sd15-variants takes ${SD15_VARIANTS.join(', ')}, comma-separated; got ${JSON.stringify(text)}.`);
        o.sd15.variants = SD15_VARIANTS.filter((v) => names.includes(v));
        break;
      }
      case '--no-large':
        o.noLarge = true;
        break;
      case '--only': {
        const text = value() ?? '';
        const names = text.split(',').map((n) => n.trim()).filter(Boolean);
        const bad = names.filter((n) => !CASE_GROUPS.includes(n));
        if (names.length === 0 || bad.length > 0)
          throw new BenchArgError(`--only takes case groups from ${CASE_GROUPS.join(', ')}, comma-separated; got ${JSON.stringify(text)}.`);
        o.only = CASE_GROUPS.filter((g) => names.includes(g));
        break;
      }
      case '--model': {
        const dir = value();
        if (dir === undefined || dir.trim() === '' || dir.startsWith('--')) throw new BenchArgError('--model needs a pack folder (one that holds a manifest.json).');
        o.model = dir;
        break;
      }
      case '--rebuild':
        o.rebuild = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new BenchArgError(`Unknown option ${JSON.stringify(arg)}; run \`npm run bench -- --help\` for the options.`);
    }
  }
  return o;
}

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Medians of one case's result (engine or reference: both have runs[{totalS, stepS[]}]):
 * end to end = median over runs of totalS; per step = median over runs of each run's median step.
 */
export function caseMedians(result) {
  return {
    endToEndS: median(result.runs.map((r) => r.totalS)),
    stepS: median(result.runs.map((r) => median(r.stepS))),
    repeats: result.runs.length,
  };
}

/** Engine / reference ratios at the same size (below 1: the engine is faster). */
export function ratios(engine, reference) {
  const e = caseMedians(engine);
  const r = caseMedians(reference);
  return { endToEnd: e.endToEndS / r.endToEndS, step: e.stepS / r.stepS };
}

/** Largest and mean absolute difference of two equally long arrays. */
export function absDiff(a, b) {
  if (a.length !== b.length) throw new Error(`cannot compare arrays of ${a.length} and ${b.length} values`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: a.length ? sum / a.length : 0 };
}

function fmt(x, digits) {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** One table row from a case: { label, result (engine or reference JSON), note }. */
export function tableRow({ label, result, note }) {
  const m = caseMedians(result);
  const [w, h] = result.size;
  return {
    case: label,
    runtime: result.runtime,
    size: `${w}x${h}`,
    tiles: result.tilesPerStep === undefined ? '-' : String(Math.round(result.tilesPerStep)),
    steps: String(result.steps),
    runs: String(m.repeats),
    endToEnd: fmt(m.endToEndS, 2),
    perStep: fmt(m.stepS, 3),
    peakRss: fmt(result.maxRssMiB, 0),
    note: note ?? '',
  };
}

const COLUMNS = [
  ['case', 'case'],
  ['runtime', 'runtime'],
  ['size', 'size'],
  ['tiles', 'tiles/step'],
  ['steps', 'steps'],
  ['runs', 'runs'],
  ['endToEnd', 'end-to-end s (median)'],
  ['perStep', 's/step (median)'],
  ['peakRss', 'peak RSS MiB'],
  ['note', 'note'],
];

/** A Markdown table (readable as plain text too). */
export function formatTable(rows) {
  const header = `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`;
  const rule = `| ${COLUMNS.map(() => '---').join(' | ')} |`;
  return [header, rule, ...rows.map((r) => `| ${COLUMNS.map(([key]) => r[key]).join(' | ')} |`)].join('\n');
}

/** The case groups this run times: --only, less `large` with --no-large. */
export function selectedGroups(o) {
  return o.only.filter((g) => !(g === 'large' && o.noLarge));
}

/** PASS when the median end to end is within the target. */
export function targetVerdict(medianS, targetS = DEFAULT_TARGET_S) {
  return Number.isFinite(medianS) && medianS <= targetS ? 'PASS' : 'FAIL';
}

/**
 * Medians over runs of a default-pack case (defaultCase.ts result): the end to end (read + restore +
 * write), its parts, and the split of restore() into restorer, encode (prompts + VAE encode),
 * denoise, decode and the rest (padding, colour fix), all in seconds.
 */
export function defaultCaseMedians(result) {
  const m = (pick) => median(result.runs.map(pick)) / 1000;
  return {
    endToEndS: median(result.runs.map((r) => r.totalS)),
    cpuS: median(result.runs.map((r) => r.cpuS)),
    readS: m((r) => r.readMs),
    restoreS: m((r) => r.restoreMs),
    writeS: m((r) => r.writeMs),
    restorerS: m((r) => r.split.restorerMs),
    encodeS: m((r) => r.split.encodeMs),
    denoiseS: m((r) => r.split.denoiseMs),
    decodeS: m((r) => r.split.decodeMs),
    otherS: m((r) => r.split.otherMs),
    repeats: result.runs.length,
  };
}

/** The text lines that report one default-pack case (or why it was skipped). */
export function defaultCaseLines(label, result, loadNote = '') {
  if (result.skipped) return [`${label}: SKIPPED: ${result.skipped}`];
  const m = defaultCaseMedians(result);
  const p = result.params;
  const f = (x) => x.toFixed(2);
  const runs = result.runs.map((r) => f(r.totalS)).join(', ');
  return [
    `${label}: ${targetVerdict(m.endToEndS, result.targetS)} (target <= ${result.targetS} s): median ${f(m.endToEndS)} s read+restore+write over ${m.repeats} run(s) [${runs}; run 1 cold]`,
    `  pack ${result.pack.name} (${result.pack.dir}), native ${result.pack.nativeResolution} px, loaded in ${f(result.loadS)} s; ${result.runtime}`,
    `  settings: ${result.pack.defaults ? 'manifest defaults over the app defaults' : 'app defaults (the manifest has no defaults)'}: steps ${p.steps}, strength ${p.strength}, ` +
      `guidance ${p.guidanceScale}, ${p.scheduler}, eta ${p.eta}, colour fix ${p.colorFix}${p.colorFix === 'wavelet' ? ` (${p.colorFixLevels ?? 5} levels)` : ''}, restorer ${p.useRestorer ? `on (${p.restorerViews ?? 1} view${(p.restorerViews ?? 1) === 1 ? '' : 's'})` : 'off'}, "${p.restorationPrompt}", seed ${p.seed}; ` +
      `${result.steps} step(s) run, ${Math.round(result.tilesPerStep)} tile(s)/step`,
    `  CPU time (all threads, user + system) median ${f(m.cpuS)} s per run: the wall time above also holds the wait for the cores on a loaded machine`,
    `  split (medians, s): read ${f(m.readS)} | restore ${f(m.restoreS)} = restorer ${f(m.restorerS)} + encode ${f(m.encodeS)} + denoise ${f(m.denoiseS)} + decode ${f(m.decodeS)} + other ${f(m.otherS)} | write ${f(m.writeS)}`,
    `  peak RSS ${result.maxRssMiB.toFixed(0)} MiB (${result.maxRssMiBAfterLoad.toFixed(0)} after load); load average ${result.loadAverage.start[0].toFixed(2)} -> ${result.loadAverage.end[0].toFixed(2)}${loadNote ? `; ${loadNote}` : ''}`,
    `  input ${result.input.path} (${result.input.source}, degraded "${result.input.degradation}"), output ${result.output}`,
  ];
}

const gb = (bytes) => `${(bytes / 1e9).toFixed(2)} GB`;
const sec = (x, d = 1) => (Number.isFinite(x) ? `${x.toFixed(d)} s` : '-');

/**
 * The text lines that report the sd15 group for one variant: { variant, importRecord (sd15.mjs),
 * small (sd15Case.ts result at 512x512), large (the tiled case) }; either case may be missing or
 * { failed: message }.
 */
export function sd15Lines({ variant, importRecord, small, large }) {
  const lines = [];
  const imp = importRecord;
  lines.push(`sd15 ${variant}: import ${imp ? sec(imp.importS, 0) : '-'} (peak RSS ${imp?.importPeakRssMiB ? imp.importPeakRssMiB.toFixed(0) : '-'} MiB), ` +
    `pack ${imp ? gb(imp.packBytes) : '-'} on disk${imp?.reused ? ` (imported ${imp.date}, reused)` : ''}`);
  for (const c of [small, large]) {
    if (!c) continue;
    if (c.failed) {
      lines.push(`  case failed: ${c.failed}`);
      continue;
    }
    const [w, h] = c.size;
    const pc = c.perCallS;
    const head = `  ${w}x${h} on ${c.provider} (asked ${c.requestedProvider}), ${c.threads} threads: load ${sec(c.loadS)} (maxRSS ${c.maxRssMiBAfterLoad.toFixed(0)} MiB after load), ` +
      `peak RSS ${c.maxRssMiB.toFixed(0)} MiB`;
    lines.push(head);
    const tiles = Math.round(c.tilesPerStep);
    const stepsNote = `${c.stepsRun} of ${c.steps} steps at strength ${c.strength}, guidance ${c.guidanceScale} (UNet batch ${c.unetBatch})`;
    if (c.stepSMeasured) {
      lines.push(`    ${stepsNote}, ${tiles} tile(s)/step: ${sec(c.stepS, 2)}/step (median of ${c.stepSamples}, measured); run ${sec(c.fullRunS)} measured; ` +
        `per call: UNet ${sec(pc.unet, 2)}, VAE encode ${sec(pc.vae_encoder, 2)}, decode ${sec(pc.vae_decoder, 2)}; VAE share ${(100 * c.vaeShare).toFixed(0)}%`);
    } else {
      const real = c.realCalls;
      lines.push(`    ${stepsNote}, ${tiles} tiles/step (tile ${c.tileSize} px, overlap ${c.tileOverlap} px): per tile (median of ${real.unet} / ${real.vae_encoder} / ${real.vae_decoder} real calls, measured): ` +
        `UNet ${sec(pc.unet, 2)}, VAE encode ${sec(pc.vae_encoder, 2)}, VAE decode ${sec(pc.vae_decoder, 2)}`);
      lines.push(`    EXTRAPOLATED from those: ${sec(c.stepS, 0)}/step, full run ${sec(c.fullRunS, 0)} (${c.calls.vae_encoder} encode + ${c.calls.vae_decoder} decode tiles + ${c.calls.unet} UNet calls), ` +
        `VAE share ${(100 * c.vaeShare).toFixed(0)}%; later tiles replayed the last output (no compute), so the peak RSS is the whole run's`);
    }
  }
  return lines;
}

/** File name stamp: 2026-11-26T04-30-05Z. */
export function fileStamp(date) {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}
