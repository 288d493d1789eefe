// `npm run bench:quality`: the quality of a SPIRE model pack THROUGH THE TYPESCRIPT ENGINE, against
// the degraded input and classical baselines (`--help` lists the options).
//
//   1. prepare   models/tools/quality_bench.py prepare: the test images (../shared/datasets, never
//                copied into the repo), the project's degradations at fixed seeds, classical
//                baselines with the known parameters, cases.json           (Python, models/tools/quality/)
//   2. build     scripts/bench/qualityCase.ts -> out/bench/qualityCase.js (vite, scripts/bench/vite.config.ts)
//   3. engine    node out/bench/qualityCase.js <run>: the pack loaded once, restore() for every case
//                and setting, 8-bit PNGs, engine.json
//   4. score     models/tools/quality_bench.py score: PSNR / SSIM (one place: quality/metrics.py),
//                tables, target checks, controllability, sheet.png; report.md printed
//
// Everything lands in test-results/bench-quality/<date>/ (gitignored).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { modelPython, repoRoot } from '../lib/run.mjs';
import { QualityArgError, USAGE, parseQualityArgs, runStamp } from './qualityArgs.mjs';

const TOOL = path.join(repoRoot, 'models', 'tools', 'quality_bench.py');
const ENGINE_JS = path.join(repoRoot, 'out', 'bench', 'qualityCase.js');
const RESULTS_DIR = path.join(repoRoot, 'test-results', 'bench-quality');

function log(line) {
  process.stderr.write(`bench:quality: ${line}\n`);
}

function fail(message) {
  process.stderr.write(`bench:quality: ${message}\n`);
  process.exit(1);
}

/** Runs a child with stdout/stderr passed through; resolves with its wall seconds, rejects on a non-zero exit. */
function step(command, args, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new Error(`could not run ${command} (${err.message}) for ${what}`)));
    child.on('close', (code) => (code === 0 ? resolve((Date.now() - t0) / 1000) : reject(new Error(`${what} failed (exit ${code}); its errors are above.`))));
  });
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function main() {
  let o;
  try {
    o = parseQualityArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof QualityArgError) fail(err.message);
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const started = Date.now();
  const run = path.resolve(o.resume ?? o.out ?? path.join(RESULTS_DIR, runStamp(new Date())));
  const timings = {};
  const python = modelPython();

  // 1. Prepare (kept when resuming).
  if (o.resume) {
    if (!fs.existsSync(path.join(run, 'cases.json'))) fail(`--resume ${o.resume}: no cases.json there; start a new run instead.`);
    log(`resuming ${path.relative(repoRoot, run)}`);
  } else {
    if (fs.existsSync(run) && fs.readdirSync(run).length > 0) fail(`${run} is not empty; choose another --out (or --resume it).`);
    const args = [TOOL, 'prepare', '--out', run, '--per-set', o.perSet, '--auto-per-set', o.autoPerSet, '--gen-per-set', String(o.genPerSet === 'all' ? 1_000_000 : o.genPerSet), '--crop', String(o.crop)];
    if (o.sets) args.push('--sets', o.sets.join(','));
    if (o.families) args.push('--families', o.families.join(','));
    log(`preparing cases in ${path.relative(repoRoot, run)} (${python})`);
    try {
      timings.prepareS = await step(python, args, 'preparing the cases');
    } catch (err) {
      fail(`${err.message} Is ${python} the Python with numpy, scipy, scikit-image, OpenCV and Pillow? (set SPIRE_PYTHON)`);
    }
  }
  // A resumed run keeps the options it started with (qualityArgs refuses new ones with --resume).
  const savedOptions = path.join(run, 'run.json');
  const runOptions = o.resume && fs.existsSync(savedOptions) ? JSON.parse(fs.readFileSync(savedOptions, 'utf8')) : {
    pack: o.model ? path.resolve(o.model) : null,
    packRoots: [path.join(repoRoot, 'models', 'packs')],
    settings: o.settings,
    steps: o.steps,
    guidanceScale: o.guidance,
    seed: o.seed,
    colorFix: o.colorFix,
    ep: o.ep,
    controlSettings: o.controlSettings,
  };
  writeAtomic(savedOptions, `${JSON.stringify(runOptions, null, 1)}\n`);

  // 2. Build the engine runner.
  log('building out/bench/qualityCase.js (vite)');
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const t0 = Date.now();
  const built = spawnSync(process.execPath, [vite, 'build', '--config', path.join('scripts', 'bench', 'vite.config.ts')], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) fail('building the engine runner failed; its errors are above (run `npm install` if vite is missing).');
  timings.buildS = (Date.now() - t0) / 1000;

  // 3. Engine, 4. score.
  try {
    timings.engineWallS = await step(process.execPath, [ENGINE_JS, run], 'the engine run');
    timings.totalBeforeScoreS = (Date.now() - started) / 1000;
    await step(python, [TOOL, 'score', '--run', run, '--timings', JSON.stringify(timings)], 'scoring');
  } catch (err) {
    fail(`${err.message} The run folder ${path.relative(repoRoot, run)} keeps what was done: rerun with --resume ${path.relative(repoRoot, run)}.`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(repoRoot, run)}/{report.md,results.json,sheet.png,controllability/}`);
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
