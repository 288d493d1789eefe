// `npm run bench`: the TypeScript engine (onnxruntime-node) against the PyTorch reference
// sampler on the same pack, in one run on one machine.
//
//   1. pack      models/runs/bench-small/ (gitignored): a `small`-config model with seeded random
//                weights (no training), its exported pack and the shared 256 px input + noise;
//                built once by models/tools/bench_reference.py build (about a minute), then reused
//   2. build     scripts/bench/engineCase.ts -> out/bench/engineCase.js (vite, scripts/bench/vite.config.ts)
//   3. cases     each in a fresh process, so its RSS high-water mark is its own:
//                  engine    256x256 native (untiled), same input and initial noise as the reference
//                  reference 256x256 native, spire.sampler.sample (PyTorch has no tiling)
//                  engine    512x512, above native: tiled
//                  engine    large (6000x4000 = 24 MP), tiled, a reduced-step run
//   4. report    a table on stdout, test-results/bench/bench-<date>.json (gitignored)
//
// Speed is measured here and never asserted in tests. Timings on a shared machine move with its
// load: the 1-minute load average is recorded during every case.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelPython, repoRoot } from '../lib/run.mjs';
import { BenchArgError, USAGE, absDiff, caseMedians, fileStamp, formatTable, parseBenchArgs, ratios, tableRow } from './summary.mjs';

const BENCH_DIR = path.join(repoRoot, 'models', 'runs', 'bench-small');
const PACK_DIR = path.join(BENCH_DIR, 'pack');
const RUN_DIR = path.join(BENCH_DIR, 'run');
const INPUTS_DIR = path.join(BENCH_DIR, 'inputs');
const INFO_FILE = path.join(BENCH_DIR, 'bench-info.json');
const ENGINE_JS = path.join(repoRoot, 'out', 'bench', 'engineCase.js');
const REFERENCE_PY = path.join(repoRoot, 'models', 'tools', 'bench_reference.py');
const RESULTS_DIR = path.join(repoRoot, 'test-results', 'bench');

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
  log('building out/bench/engineCase.js (vite)');
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

async function engineCase(spec) {
  const { stdout, load } = await runChild(process.execPath, [ENGINE_JS, JSON.stringify(spec)]);
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
  const started = new Date();
  const loadAtStart = os.loadavg();
  const info = ensurePack(o.rebuild);
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
    log(`engine 256x256 (native), ${o.repeats} run(s) of ${o.steps} steps on ${o.ep}`);
    cases.engineNative = await engineCase({
      ...base, width: NATIVE, height: NATIVE, colorFix: 'none',
      input: path.join(INPUTS_DIR, `input-${NATIVE}.f32`), noise: path.join(INPUTS_DIR, `noise-${NATIVE}.f32`), output: engineOut,
    });
    if (cases.engineNative.fallback) log(cases.engineNative.fallback);
    log(`reference (PyTorch) 256x256, ${o.repeats} run(s) of ${o.steps} steps`);
    cases.referenceNative = await referenceCase(o, referenceOut);
    log(`engine 512x512 (tiled), ${o.repeats} run(s) of ${o.steps} steps`);
    cases.engine512 = await engineCase({ ...base, width: 512, height: 512, colorFix: 'wavelet' });
    if (!o.noLarge) {
      const { width, height } = o.large;
      log(`engine ${width}x${height} (tiled, reduced-step run: ${o.largeSteps} steps, 1 run); this takes minutes`);
      cases.engineLarge = await engineCase({ ...base, width, height, steps: o.largeSteps, repeats: 1, warmup: 0, colorFix: 'wavelet' });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    fail(err instanceof Error ? err.message : String(err));
  }
  const diff = absDiff(readF32(engineOut), readF32(referenceOut));
  fs.rmSync(tmp, { recursive: true, force: true });

  const ratio = ratios(cases.engineNative, cases.referenceNative);
  const loadNote = (c) => `load ${c.load.mean.toFixed(1)}`;
  const rows = [
    tableRow({ label: 'engine, native', result: cases.engineNative, note: `untiled; same input+noise as reference; ${loadNote(cases.engineNative)}` }),
    tableRow({ label: 'reference, native', result: cases.referenceNative, note: `spire.sampler.sample; ${loadNote(cases.referenceNative)}` }),
    tableRow({ label: 'engine, 512', result: cases.engine512, note: `tiled (above native 256), wavelet colour fix; ${loadNote(cases.engine512)}` }),
  ];
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

  const cpu = os.cpus();
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`, node: process.version, onnxruntimeNode: ortVersion(),
    loadAverageAtStart: loadAtStart,
  };
  const fmtRatio = (x) => `${x.toFixed(2)}x`;
  const lines = [
    `SPIRE bench ${started.toISOString()} on ${machine.cpu} (${machine.cores} cores), load average at start ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`,
    `pack: config "${info.config}" (${(info.parametersTotal / 1e6).toFixed(1)} M parameters, native ${info.nativeResolution} px, f${info.downsamplingFactor}), ${info.weights}: timings only, the images mean nothing`,
    `runs: ${o.warmup} untimed warm-up run(s), then ${o.repeats} timed (medians quoted), each case in its own process; large case: 1 run, no warm-up`,
    `prompts: semantic "${PROMPTS.semanticPrompt}", restoration "${PROMPTS.restorationPrompt}"; guidance ${o.guidance}, seed ${o.seed}, DDIM eta 0; engine on ${cases.engineNative.provider} (asked: ${o.ep})`,
    ...(cases.engineNative.fallback ? [`execution provider fallback: ${cases.engineNative.fallback}`] : []),
    '',
    formatTable(rows),
    '',
    `engine / reference at ${NATIVE}x${NATIVE}, same run: end to end ${fmtRatio(ratio.endToEnd)}, per step ${fmtRatio(ratio.step)} (below 1: the engine is faster)`,
    `same pack, input and initial noise: engine vs reference output max |diff| ${diff.max.toExponential(2)}, mean ${diff.mean.toExponential(2)} (RGB in [0, 1])`,
    'end to end = restore() / sample() from the input image to the output image (pack loading apart); s/step = adaptor + UNet (all tiles) + guidance + scheduler step; peak RSS = the process high-water mark (own process per case).',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const report = {
    format: 'spire-bench',
    formatVersion: 1,
    date: started.toISOString(),
    commit: gitCommit(),
    options: o,
    machine,
    pack: { dir: path.relative(repoRoot, PACK_DIR), ...info },
    prompts: PROMPTS,
    cases,
    ratioEngineOverReference: { size: [NATIVE, NATIVE], ...ratio },
    outputDifference: diff,
    largeEstimateS: largeEstimate,
    table: rows,
  };
  let file = path.join(RESULTS_DIR, `bench-${fileStamp(started)}.json`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(RESULTS_DIR, `bench-${fileStamp(started)}-${i}.json`);
  writeAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
