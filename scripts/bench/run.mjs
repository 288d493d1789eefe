// `npm run bench`: the TypeScript engine (onnxruntime-node) against the PyTorch reference
// sampler on the same pack, and the issue's speed target on the default pack, in one run on one machine.
//
//   1. pack      models/runs/bench-small/ (gitignored): a `small`-config model with seeded random
//                weights (no training), its exported pack and the shared 256 px input + noise;
//                built once by models/tools/bench_reference.py build (about a minute), then reused
//                (not needed by `--only default`)
//   2. build     scripts/bench/engineCase.ts, defaultCase.ts -> out/bench/*.js (vite, scripts/bench/vite.config.ts)
//   3. cases     each in a fresh process, so its RSS high-water mark is its own (--only picks groups):
//                  compare  engine    256x256 native (untiled), same input and initial noise as the reference
//                           reference 256x256 native, spire.sampler.sample (PyTorch has no tiling)
//                  tiled    engine    512x512, above native: tiled
//                  large    engine    large (6000x4000 = 24 MP), tiled, a reduced-step run
//                  default  the default pack (--model, SPIRE_MODEL_PACK or the first in models/packs/, as
//                           the CLI picks it): a 512x512 PNG read + restore + write at the pack's default
//                           settings, N runs, PASS/FAIL against 10 s on the median; then the same at
//                           strength 0 (restorer only) when the pack has a restorer (defaultCase.ts);
//                           its input and outputs live in models/runs/bench-default/ (gitignored)
//                  regions  the default pack, two regions vs none (regionsCase.ts)
//                  sd15     only with --only sd15: a random-weight model with Stable Diffusion 1.5's exact
//                           configuration (models/tools/make_sd15_random.py; UNet 859.5M, CLIP ViT-L/14
//                           text encoder 123.1M, VAE 83.7M parameters) built once into
//                           models/runs/sd15-random/model, imported with `spire import` as pack-fp32 and
//                           pack-fp16 (timed; pack sizes on disk; sd15.mjs), then per variant, each in its
//                           own process (sd15Case.ts): load time, peak RSS and s/step at 512x512 (strength
//                           0.3, guidance 7.5 with a semantic and a negative prompt, all of it real) and at
//                           a tiled 3000x2000 (strength 0.3, 1 step; the first --sd15-real-tiles calls of
//                           each tiled model real, the rest replayed, after one warm-up run, its full-run
//                           time EXTRAPOLATED and labelled so; --sd15-real-tiles 0: every tile real,
//                           no warm-up, all measured). Needs SPIRE_PYTHON = a Python with PyTorch and diffusers the
//                           first time (pip install diffusers==0.27.2 transformers==4.38.2
//                           safetensors==0.4.2); --rebuild builds and imports again. --ep cuda runs the
//                           cases on CUDA where onnxruntime-node has it (falls back to cpu, saying so).
//                             SPIRE_PYTHON=/work/venv-sd/bin/python npm run bench -- --only sd15
//                             npm run bench -- --only sd15 --sd15-variants fp32 --sd15-real-tiles 0 --ep cuda
//                           Numbers of a run on this project's CPU machine: docs/sd15-bench.md.
//                  bigphoto only with --only bigphoto: a whole photo (Kodak24 kodim05 resized to --large WxH,
//                           24 MP) on the default pack, each case in its own process (bigPhotoCase.ts), single
//                           runs: restorer only at 1 view, at the views the pack recommends for that size
//                           (manifest largePhotos) and at its general default; the VAE encode and faithful
//                           decode with the engine's tiling and the one before it (the denoiser's tiles);
//                           the tiled-vs-whole decode difference at 1536x1024; with the `small` pack built,
//                           its VAE both ways at 3000x2000. Numbers of a run: docs/large-photos.md.
//   4. report    a table and the default-pack lines on stdout, test-results/bench/bench-<date>.json (gitignored)
//
// Speed is measured here and never asserted in tests. Timings on a shared machine move with its
// load: the 1-minute load average is recorded during every case.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelPython, repoRoot } from '../lib/run.mjs';
import {
  BenchArgError, DEFAULT_TARGET_S, USAGE, absDiff, caseMedians, defaultCaseLines, defaultCaseMedians, fileStamp, formatTable, parseBenchArgs,
  ratios, sd15Lines, selectedGroups, tableRow, targetVerdict,
} from './summary.mjs';
import { SD15_DIR, ensureSd15Model, ensureSd15Pack, sd15PackDir } from './sd15.mjs';

const BENCH_DIR = path.join(repoRoot, 'models', 'runs', 'bench-small');
const PACK_DIR = path.join(BENCH_DIR, 'pack');
const RUN_DIR = path.join(BENCH_DIR, 'run');
const INPUTS_DIR = path.join(BENCH_DIR, 'inputs');
const INFO_FILE = path.join(BENCH_DIR, 'bench-info.json');
const ENGINE_JS = path.join(repoRoot, 'out', 'bench', 'engineCase.js');
const DEFAULT_JS = path.join(repoRoot, 'out', 'bench', 'defaultCase.js');
const REGIONS_JS = path.join(repoRoot, 'out', 'bench', 'regionsCase.js');
const SD15_JS = path.join(repoRoot, 'out', 'bench', 'sd15Case.js');
const BIGPHOTO_JS = path.join(repoRoot, 'out', 'bench', 'bigPhotoCase.js');
const REFERENCE_PY = path.join(repoRoot, 'models', 'tools', 'bench_reference.py');
const RESULTS_DIR = path.join(repoRoot, 'test-results', 'bench');
const DEFAULT_DIR = path.join(repoRoot, 'models', 'runs', 'bench-default');
const DATASETS = process.env.SPIRE_DATASETS || path.resolve(repoRoot, '..', 'shared', 'datasets');
// The default-pack input: a 512x512 centre crop of this photo, degraded like a training pair (no upsampling).
const DEFAULT_SOURCE = path.join(DATASETS, 'Kodak24', 'kodim05.png');
const DEFAULT_DEGRADATION = 'Deblur with sigma 2.0; Denoise with sigma 0.05; Dejpeg with quality 40;';
const DEFAULT_SIZE = 512;
const NO_DEFAULT_PACK =
  'export the embedded model into ' +
  'models/packs/spire-compact (`cd models && /usr/bin/python3 -m spire.export --run runs/<run> --out packs/spire-compact`, see models/README.md), ' +
  'or pass --model <pack dir> (a random-weights compact pack for timing only: ' +
  '`/usr/bin/python3 models/tools/bench_reference.py build --config compact --out models/runs/bench-compact`, then --model models/runs/bench-compact/pack)';

const NATIVE = 256; // the `small` config's native resolution
const PROMPTS = {
  semanticPrompt: 'a photo of a cat sitting on a red sofa',
  negativePrompt: '',
  restorationPrompt: 'Deblur with sigma 2.0; Denoise with sigma 0.05;',
};

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

/** Builds the cached pack when it is missing (or --rebuild). */
function ensurePack(rebuild) {
  const ready = fs.existsSync(INFO_FILE) && fs.existsSync(path.join(PACK_DIR, 'manifest.json')) && fs.existsSync(path.join(INPUTS_DIR, `noise-${NATIVE}.f32`));
  if (ready && !rebuild) return JSON.parse(fs.readFileSync(INFO_FILE, 'utf8'));
  log(`building the benchmark pack in ${path.relative(repoRoot, BENCH_DIR)} (config "small", seeded random weights, no training; about a minute)`);
  const args = [REFERENCE_PY, 'build', '--out', BENCH_DIR, '--sizes', String(NATIVE)];
  if (fs.existsSync(BENCH_DIR)) args.push('--force');
  const r = spawnSync(modelPython(), args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.error) fail(`could not run ${modelPython()} (${r.error.message}); install python3-torch and python3-onnx or set SPIRE_PYTHON.`);
  if (r.status !== 0) fail(`building the benchmark pack failed (exit ${r.status}); its errors are above.`);
  return JSON.parse(fs.readFileSync(INFO_FILE, 'utf8'));
}

function buildEngine() {
  log('building out/bench/engineCase.js and defaultCase.js (vite)');
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join('scripts', 'bench', 'vite.config.ts')], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail('building the engine bench entry failed; its errors are above (run `npm install` if vite is missing).');
}

/** Runs one child process, streams its stderr, samples the load average; resolves with its stdout and the load. */
function runChild(command, args) {
  return new Promise((resolve, reject) => {
    const load = [os.loadavg()[0]];
    const timer = setInterval(() => load.push(os.loadavg()[0]), 2000);
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      for (const line of d.split('\n')) if (/^(engine|reference|bench)/.test(line)) log(line);
    });
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(timer);
      load.push(os.loadavg()[0]);
      if (code !== 0) reject(new Error(`${path.basename(command)} ${path.basename(args[0])} exited with ${code}:\n${stderr.trim().split('\n').slice(-15).join('\n')}`));
      else resolve({ stdout, load: { min: Math.min(...load), max: Math.max(...load), mean: load.reduce((a, b) => a + b, 0) / load.length } });
    });
  });
}

async function engineCase(spec, entry = ENGINE_JS) {
  const { stdout, load } = await runChild(process.execPath, [entry, JSON.stringify(spec)]);
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error('the engine case printed no BENCH_RESULT line');
  return { ...JSON.parse(line.slice('BENCH_RESULT '.length)), load };
}

async function referenceCase(o, output) {
  const args = [
    REFERENCE_PY, 'time', '--run', RUN_DIR, '--inputs', INPUTS_DIR, '--size', String(NATIVE),
    '--steps', String(o.steps), '--guidance', String(o.guidance), '--seed', String(o.seed), '--repeats', String(o.repeats),
    '--warmup', String(o.warmup),
    '--semantic', PROMPTS.semanticPrompt, '--negative', PROMPTS.negativePrompt, '--restoration', PROMPTS.restorationPrompt, '--output', output,
  ];
  const { stdout, load } = await runChild(modelPython(), args);
  const line = stdout.trim().split('\n').pop() ?? '';
  return { ...JSON.parse(line), load };
}

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

function gitCommit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ortVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Runs one default-pack case (restorerOnly: strength 0) in its own process. */
async function defaultCase(o, restorerOnly) {
  return engineCase({
    model: o.model ? path.resolve(o.model) : null, packRoots: [path.join(repoRoot, 'models', 'packs')], ep: o.ep,
    threads: Number(process.env.SPIRE_THREADS ?? 0) || 0, repeats: o.repeats, restorerOnly, size: DEFAULT_SIZE, source: DEFAULT_SOURCE,
    degradation: DEFAULT_DEGRADATION, workDir: DEFAULT_DIR, targetS: DEFAULT_TARGET_S,
  }, DEFAULT_JS);
}

/** The default pack as the CLI picks it: --model, SPIRE_MODEL_PACK, else the first pack folder under models/packs. */
function defaultPackDir(o) {
  if (o.model) return path.resolve(o.model);
  if (process.env.SPIRE_MODEL_PACK) return path.resolve(process.env.SPIRE_MODEL_PACK);
  const root = path.join(repoRoot, 'models', 'packs');
  const dirs = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'manifest.json'))).sort() : [];
  return dirs.length > 0 ? path.join(root, dirs[0]) : null;
}

/** The bigphoto group: each case in its own process (bigPhotoCase.ts); returns its results. */
async function bigPhotoCases(o) {
  const pack = defaultPackDir(o);
  if (!pack) fail(`--only bigphoto needs the default pack: ${NO_DEFAULT_PACK}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(pack, 'manifest.json'), 'utf8'));
  const { width, height } = o.large;
  const mp = (width * height) / 1e6;
  const generalViews = manifest.defaults?.restorerViews ?? 1;
  const large = manifest.largePhotos ?? null;
  const recommended = large && mp > large.aboveMegapixels ? large.restorerViews : generalViews;
  const base = { pack, ep: o.ep, threads: Number(process.env.SPIRE_THREADS ?? 0) || 0, width, height, source: DEFAULT_SOURCE, restorationPrompt: DEFAULT_DEGRADATION };
  const run = async (label, spec) => {
    log(`bigphoto: ${label}`);
    try {
      return { label, ...(await engineCase({ ...base, ...spec }, BIGPHOTO_JS)) };
    } catch (err) {
      log(`bigphoto: ${label} failed: ${err instanceof Error ? err.message : err}`);
      return { label, failed: err instanceof Error ? err.message.split('\n')[0] : String(err) };
    }
  };
  const out = { pack, size: [width, height], generalViews, largePhotos: large, recommendedViews: recommended, cases: [] };
  const views = [...new Set([1, recommended, generalViews])];
  for (const v of views) out.cases.push(await run(`${width}x${height}, restorer only, ${v} view(s)${v === recommended ? ' (recommended at this size)' : v === generalViews ? ' (the pack\'s general default)' : ''}`, { case: 'restorer', views: v }));
  for (const tiling of ['legacy', 'engine']) out.cases.push(await run(`${width}x${height}, VAE encode + faithful decode, ${tiling} tiling`, { case: 'vae', tiling }));
  out.cases.push(await run('1536x1024, tiled vs whole decode', { case: 'seams', width: 1536, height: 1024 }));
  const small = path.join(PACK_DIR, 'manifest.json');
  if (fs.existsSync(small)) {
    for (const tiling of ['legacy', 'engine']) out.cases.push(await run(`small pack (random, native 256), 3000x2000, VAE, ${tiling} tiling`, { case: 'vae', tiling, pack: PACK_DIR, width: 3000, height: 2000 }));
  } else log(`bigphoto: no small pack in ${path.relative(repoRoot, PACK_DIR)}; its VAE cases are skipped (\`npm run bench -- --only tiled\` builds it)`);
  return out;
}

/** The bigphoto group's lines: one per case, seconds, seconds per megapixel, peak RSS, load. */
function bigPhotoLines(B) {
  const lines = [
    `bigphoto: pack ${path.relative(repoRoot, B.pack)}, ${B.size[0]}x${B.size[1]} (${(B.size[0] * B.size[1] / 1e6).toFixed(1)} MP), single runs, each case in its own process; ` +
      `views recommended at this size: ${B.recommendedViews}${B.largePhotos ? ` (largePhotos: ${B.largePhotos.restorerViews} above ${B.largePhotos.aboveMegapixels} MP)` : ''}, general default ${B.generalViews}`,
  ];
  const gib = (mib) => `${(mib / 1024).toFixed(2)} GiB`;
  let oneView = null;
  for (const c of B.cases) {
    if (c.failed) {
      lines.push(`  ${c.label}: FAILED: ${c.failed}`);
      continue;
    }
    const load = `load ${c.loadAverage.start[0].toFixed(1)}-${c.loadAverage.end[0].toFixed(1)}`;
    if (c.case === 'restorer') {
      if (c.views === 1) oneView = c.parts.restore.s;
      const ratio = oneView ? `, ${(c.parts.restore.s / oneView).toFixed(2)}x the 1-view time` : '';
      lines.push(`  ${c.label}: ${c.parts.restore.s.toFixed(1)} s (restorer ${c.parts.restorer.s.toFixed(1)} s, ${c.restorerCalls} calls${ratio}), ${c.parts.restore.cpuS.toFixed(1)} s CPU, peak RSS ${gib(c.maxRssMiB)}; ${load}`);
    } else if (c.case === 'vae') {
      const p = c.perMegapixelS;
      lines.push(
        `  ${c.label}: encode ${c.parts.encode.s.toFixed(1)} s (${p.encode.toFixed(2)} s/MP, ${c.parts.encode.cpuS.toFixed(1)} s CPU, ${c.encodeCalls} calls); ` +
          `faithful decode (2 decodes) ${c.parts.decode.s.toFixed(1)} s (${p.decode.toFixed(2)} s/MP, ${c.parts.decode.cpuS.toFixed(1)} s CPU, ${c.decodeCalls} calls); peak RSS ${gib(c.maxRssMiB)}; ${load}`,
      );
    } else {
      const d = c.tiledVsWhole;
      lines.push(`  ${c.label} (RGB, 8-bit steps): ${Object.entries(d).map(([k, v]) => `${k} ${v.tiles} tiles, max ${v.max255.toFixed(1)}, mean ${v.mean255.toFixed(2)}`).join('; ')}; ${load}`);
    }
  }
  return lines;
}

async function main() {
  let o;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BenchArgError) fail(err.message);
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const groups = new Set(selectedGroups(o));
  if (groups.size === 0) fail('nothing to run: --only large with --no-large leaves no case.');
  const started = new Date();
  const loadAtStart = os.loadavg();
  const needsSmall = groups.has('compare') || groups.has('tiled') || groups.has('large');
  const info = needsSmall ? ensurePack(o.rebuild) : null;
  buildEngine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-bench-'));
  const engineOut = path.join(tmp, 'engine-256.f32');
  const referenceOut = path.join(tmp, 'reference-256.f32');
  const base = {
    pack: PACK_DIR, ep: o.ep, steps: o.steps, guidanceScale: o.guidance, seed: o.seed, repeats: o.repeats, warmup: o.warmup,
    ...PROMPTS, tileSize: 0, tileOverlap: o.tileOverlap,
  };
  const cases = {};
  try {
    if (groups.has('compare')) {
      log(`engine 256x256 (native), ${o.repeats} run(s) of ${o.steps} steps on ${o.ep}`);
      cases.engineNative = await engineCase({
        ...base, width: NATIVE, height: NATIVE, colorFix: 'none',
        input: path.join(INPUTS_DIR, `input-${NATIVE}.f32`), noise: path.join(INPUTS_DIR, `noise-${NATIVE}.f32`), output: engineOut,
      });
      if (cases.engineNative.fallback) log(cases.engineNative.fallback);
      log(`reference (PyTorch) 256x256, ${o.repeats} run(s) of ${o.steps} steps`);
      cases.referenceNative = await referenceCase(o, referenceOut);
    }
    if (groups.has('tiled')) {
      log(`engine 512x512 (tiled), ${o.repeats} run(s) of ${o.steps} steps`);
      cases.engine512 = await engineCase({ ...base, width: 512, height: 512, colorFix: 'wavelet' });
    }
    if (groups.has('large')) {
      const { width, height } = o.large;
      log(`engine ${width}x${height} (tiled, reduced-step run: ${o.largeSteps} steps, 1 run); this takes minutes`);
      cases.engineLarge = await engineCase({ ...base, width, height, steps: o.largeSteps, repeats: 1, warmup: 0, colorFix: 'wavelet' });
    }
    if (groups.has('default')) {
      log(`default pack, ${DEFAULT_SIZE}x${DEFAULT_SIZE} end to end (read + restore + write) at its default settings, ${o.repeats} run(s), no warm-up`);
      cases.defaultPack = await defaultCase(o, false);
      if (cases.defaultPack.skipped) {
        log(`default pack: skipped: ${cases.defaultPack.skipped}`);
      } else {
        log(`default pack, restorer only (strength 0), ${o.repeats} run(s)`);
        cases.defaultRestorerOnly = await defaultCase(o, true);
      }
    }
    if (groups.has('sd15')) {
      const S = o.sd15;
      cases.sd15 = { model: ensureSd15Model(o.rebuild, log), variants: {} };
      const base15 = {
        ep: o.ep, strength: S.strength, guidanceScale: o.guidance, seed: o.seed, semanticPrompt: PROMPTS.semanticPrompt,
        negativePrompt: 'a blurry noisy photo', tileSize: 0, tileOverlap: o.tileOverlap,
      };
      for (const variant of S.variants) {
        const importRecord = ensureSd15Pack(variant, o.rebuild, log);
        const v = (cases.sd15.variants[variant] = { variant, importRecord });
        const spec = { ...base15, pack: sd15PackDir(variant), variant };
        const run = async (extra) => {
          try {
            return await engineCase({ ...spec, ...extra }, SD15_JS);
          } catch (err) {
            log(`sd15 ${variant} ${extra.width}x${extra.height} failed: ${err instanceof Error ? err.message : err}`);
            return { failed: err instanceof Error ? err.message.split('\n')[0] : String(err) };
          }
        };
        log(`sd15 ${variant}: 512x512, ${S.steps} steps at strength ${S.strength} (${Math.floor(S.steps * S.strength)} run), ${o.repeats} run(s) after ${o.warmup} warm-up`);
        v.small = await run({ width: 512, height: 512, steps: S.steps, repeats: o.repeats, warmup: o.warmup, realTiles: 0 });
        const { width, height } = S.size;
        log(`sd15 ${variant}: ${width}x${height} tiled, ${S.largeSteps} steps at strength ${S.strength}, 1 run, ` +
          (S.realTiles ? `first ${S.realTiles} call(s) per tiled model real, the rest replayed (time extrapolated)` : 'every tile real'));
        // With replayed tiles a warm-up run costs only its real calls, and keeps the cold first calls out of the medians.
        v.large = await run({ width, height, steps: S.largeSteps, repeats: 1, warmup: S.realTiles ? 1 : 0, realTiles: S.realTiles });
      }
    }
    if (groups.has('bigphoto')) cases.bigphoto = await bigPhotoCases(o);
    if (groups.has('regions')) {
      log(`regions: default pack, ${DEFAULT_SIZE}x${DEFAULT_SIZE} kodim05, two regions with their own restoration vs none, ${o.repeats} run(s) each`);
      cases.regions = await engineCase({ source: DEFAULT_SOURCE, width: DEFAULT_SIZE, height: DEFAULT_SIZE, repeats: o.repeats, ...(o.model ? { model: path.resolve(o.model) } : {}) }, REGIONS_JS);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    fail(err instanceof Error ? err.message : String(err));
  }
  const diff = cases.engineNative ? absDiff(readF32(engineOut), readF32(referenceOut)) : null;
  fs.rmSync(tmp, { recursive: true, force: true });

  const ratio = cases.engineNative ? ratios(cases.engineNative, cases.referenceNative) : null;
  const loadNote = (c) => `load ${c.load.mean.toFixed(1)}`;
  const rows = [];
  if (cases.engineNative) {
    rows.push(tableRow({ label: 'engine, native', result: cases.engineNative, note: `untiled; same input+noise as reference; ${loadNote(cases.engineNative)}` }));
    rows.push(tableRow({ label: 'reference, native', result: cases.referenceNative, note: `spire.sampler.sample; ${loadNote(cases.referenceNative)}` }));
  }
  if (cases.engine512) {
    rows.push(tableRow({ label: 'engine, 512', result: cases.engine512, note: `tiled (above native 256), wavelet colour fix; ${loadNote(cases.engine512)}` }));
  }
  let largeEstimate = null;
  if (cases.engineLarge) {
    const L = cases.engineLarge;
    const m = caseMedians(L);
    const run = L.runs[0];
    // Everything but the denoising loop (prompts, decode, colour fix) plus o.steps median steps.
    largeEstimate = run.totalS - run.stepS.reduce((a, b) => a + b, 0) + o.steps * m.stepS;
    rows.push(tableRow({
      label: `engine, ${(L.size[0] * L.size[1] / 1e6).toFixed(0)} MP`,
      result: L,
      note: `REDUCED-STEP run (${L.steps} steps, 1 run); tiled; VAE decode ${(run.timingsMs.decodeMs / 1000).toFixed(0)} s; ` +
        `est. ${largeEstimate.toFixed(0)} s at ${o.steps} steps; ${loadNote(L)}`,
    }));
  }
  const defaultLabel = 'default pack, 512x512, end to end';
  const restorerLabel = 'default pack, 512x512, restorer only (strength 0)';
  for (const [label, c] of [[defaultLabel, cases.defaultPack], [restorerLabel, cases.defaultRestorerOnly]]) {
    if (!c || c.skipped) continue;
    const verdict = targetVerdict(defaultCaseMedians(c).endToEndS, c.targetS);
    rows.push(tableRow({ label, result: c, note: `${verdict} vs ${c.targetS} s; PNG read+restore+write, pack ${c.pack.name}, load ${c.loadS.toFixed(2)} s apart; ${loadNote(c)}` }));
  }

  const cpu = os.cpus();
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`, node: process.version, onnxruntimeNode: ortVersion(),
    loadAverageAtStart: loadAtStart,
  };
  const fmtRatio = (x) => `${x.toFixed(2)}x`;
  const smallCase = cases.engineNative ?? cases.engine512 ?? cases.engineLarge;
  const lines = [
    `SPIRE bench ${started.toISOString()} on ${machine.cpu} (${machine.cores} cores), load average at start ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`,
    `case groups: ${[...groups].join(', ')}`,
  ];
  if (info && smallCase) {
    lines.push(
      `pack: config "${info.config}" (${(info.parametersTotal / 1e6).toFixed(1)} M parameters, native ${info.nativeResolution} px, f${info.downsamplingFactor}), ${info.weights}: timings only, the images mean nothing`,
      `runs: ${o.warmup} untimed warm-up run(s), then ${o.repeats} timed (medians quoted), each case in its own process; large case: 1 run, no warm-up`,
      `prompts: semantic "${PROMPTS.semanticPrompt}", restoration "${PROMPTS.restorationPrompt}"; guidance ${o.guidance}, seed ${o.seed}, DDIM eta 0; engine on ${smallCase.provider} (asked: ${o.ep})`,
      ...(smallCase.fallback ? [`execution provider fallback: ${smallCase.fallback}`] : []),
    );
  }
  if (rows.length > 0) lines.push('', formatTable(rows));
  if (ratio && diff) {
    lines.push(
      '',
      `engine / reference at ${NATIVE}x${NATIVE}, same run: end to end ${fmtRatio(ratio.endToEnd)}, per step ${fmtRatio(ratio.step)} (below 1: the engine is faster)`,
      `same pack, input and initial noise: engine vs reference output max |diff| ${diff.max.toExponential(2)}, mean ${diff.mean.toExponential(2)} (RGB in [0, 1])`,
    );
  }
  if (cases.defaultPack) {
    lines.push('');
    if (cases.defaultPack.skipped) lines.push(`${defaultLabel}: SKIPPED: ${cases.defaultPack.skipped}`, `  how to get one: ${NO_DEFAULT_PACK}`);
    else lines.push(...defaultCaseLines(defaultLabel, cases.defaultPack, loadNote(cases.defaultPack)));
    if (cases.defaultRestorerOnly) lines.push(...defaultCaseLines(restorerLabel, cases.defaultRestorerOnly, cases.defaultRestorerOnly.skipped ? '' : loadNote(cases.defaultRestorerOnly)));
  }
  if (cases.regions) {
    const R = cases.regions;
    const f2 = (p) => p.map((v) => v.toFixed(2)).join(' / ');
    const mean = (p) => (p[0] + p[1]) / 2;
    lines.push(
      '',
      `regions, pack ${R.pack}, ${R.size[0]}x${R.size[1]} kodim05 (left blur 2.0, right noise 0.08), strength ${R.settings.strength}, ${R.settings.restorerViews} views: ` +
        `median restore() ${R.medianPlainS.toFixed(2)} s without regions (run prompt "${R.settings.runPrompt}"), ${R.medianRegionsS.toFixed(2)} s with two regions (${R.repeats} run(s) each; load ${R.load.mean.toFixed(1)})`,
      `  PSNR left / right (dB): input ${f2(R.psnr.input)}; two regions ${f2(R.psnr.twoRegions)} (mean ${mean(R.psnr.twoRegions).toFixed(2)}); own prompt over the whole photo ${f2(R.psnr.ownPrompt)}`,
      ...Object.entries(R.psnr.singles).map(([p, v]) => `  single prompt "${p}": ${f2(v)} (mean ${mean(v).toFixed(2)})`),
    );
  }
  if (cases.bigphoto) lines.push('', ...bigPhotoLines(cases.bigphoto));
  if (cases.sd15) {
    const p = cases.sd15.model.parameters;
    lines.push('', `sd15: random weights, SD 1.5's exact configuration (UNet ${(p.unet / 1e6).toFixed(1)}M, text encoder ${(p.text_encoder / 1e6).toFixed(1)}M, ` +
      `VAE ${(p.vae / 1e6).toFixed(1)}M parameters), ${path.relative(repoRoot, SD15_DIR)}; timings only, the images mean nothing`);
    for (const v of Object.values(cases.sd15.variants)) lines.push(...sd15Lines(v));
  }
  if (rows.length > 0) {
    lines.push(
      'end to end = restore() / sample() from the input image to the output image (pack loading apart); default-pack rows: PNG read + restore() + PNG write; ' +
        's/step = adaptor + UNet (all tiles) + guidance + scheduler step; peak RSS = the process high-water mark (own process per case).',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  const report = {
    format: 'spire-bench',
    formatVersion: 2,
    date: started.toISOString(),
    commit: gitCommit(),
    options: o,
    groups: [...groups],
    machine,
    pack: info ? { dir: path.relative(repoRoot, PACK_DIR), ...info } : null,
    prompts: PROMPTS,
    cases,
    ratioEngineOverReference: ratio ? { size: [NATIVE, NATIVE], ...ratio } : null,
    outputDifference: diff,
    largeEstimateS: largeEstimate,
    defaultTarget: cases.defaultPack && !cases.defaultPack.skipped
      ? { targetS: DEFAULT_TARGET_S, medianS: defaultCaseMedians(cases.defaultPack).endToEndS, verdict: targetVerdict(defaultCaseMedians(cases.defaultPack).endToEndS, DEFAULT_TARGET_S) }
      : null,
    table: rows,
  };
  let file = path.join(RESULTS_DIR, `bench-${fileStamp(started)}.json`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(RESULTS_DIR, `bench-${fileStamp(started)}-${i}.json`);
  writeAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
