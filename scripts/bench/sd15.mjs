// The `sd15` bench group's preparation (scripts/bench/run.mjs): the random-weight model with
// Stable Diffusion 1.5's exact configuration and its packs, all under models/runs/sd15-random/
// (gitignored, about 4.3 GB + 4.3 GB + 2.2 GB):
//
//   model/        diffusers folder, models/tools/make_sd15_random.py (seeded; about 2 minutes)
//   pack-fp32/    `spire import model -o pack-fp32`           } timed here; each import's wall time and
//   pack-fp16/    `spire import model -o pack-fp16 --fp16`    } peak RSS go to import-<variant>.json
//
// Both need a Python with PyTorch and diffusers: SPIRE_PYTHON (models/README.md, "Importing a
// Stable Diffusion 1.5 model"). Built once; --rebuild builds and imports again.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/run.mjs';

export const SD15_DIR = path.join(repoRoot, 'models', 'runs', 'sd15-random');
export const SD15_MODEL = path.join(SD15_DIR, 'model');
const MAKE_PY = path.join(repoRoot, 'models', 'tools', 'make_sd15_random.py');
const SPIRE = path.join(repoRoot, 'bin', 'spire.mjs');

export const SD15_HOW =
  'needs a Python with PyTorch and diffusers in SPIRE_PYTHON (pip install diffusers==0.27.2 transformers==4.38.2 safetensors==0.4.2), ' +
  'or build the model yourself: `cd models && $SPIRE_PYTHON tools/make_sd15_random.py --out runs/sd15-random/model`';

export function sd15PackDir(variant) {
  return path.join(SD15_DIR, `pack-${variant}`);
}

/** Bytes of every file under dir. */
export function folderBytes(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

function sdPython() {
  return process.env.SPIRE_PYTHON || null;
}

/** Runs a command under /usr/bin/time (when there) for its wall time and peak RSS (the largest process of its tree). */
function timed(command, args, env, log) {
  const useTime = fs.existsSync('/usr/bin/time');
  const timeFile = path.join(SD15_DIR, `.time-${process.pid}`);
  const [cmd, argv] = useTime ? ['/usr/bin/time', ['-f', '%e %M', '-o', timeFile, command, ...args]] : [command, args];
  const start = performance.now();
  const r = spawnSync(cmd, argv, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  let peakRssMiB = null;
  if (useTime && fs.existsSync(timeFile)) {
    const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    peakRssMiB = Number(last.split(' ')[1]) / 1024 || null;
    fs.rmSync(timeFile, { force: true });
  }
  if (r.status !== 0) {
    log(`${path.basename(command)} ${args.slice(0, 2).join(' ')} failed (exit ${r.status}):\n${(r.stderr ?? '').trim().split('\n').slice(-20).join('\n')}`);
    return null;
  }
  return { seconds, peakRssMiB, stdout: r.stdout };
}

/** The model folder, built when missing (or rebuild); throws with what to do when it cannot be. */
export function ensureSd15Model(rebuild, log) {
  if (fs.existsSync(path.join(SD15_MODEL, 'model_index.json')) && !rebuild) return JSON.parse(fs.readFileSync(path.join(SD15_MODEL, 'params.json'), 'utf8'));
  const py = sdPython();
  if (!py) throw new Error(`sd15: no model in ${path.relative(repoRoot, SD15_MODEL)}; ${SD15_HOW}`);
  fs.mkdirSync(SD15_DIR, { recursive: true });
  log(`sd15: building the random-weight SD 1.5 model in ${path.relative(repoRoot, SD15_MODEL)} (about 2 minutes, 4.3 GB)`);
  const r = timed(py, [MAKE_PY, '--out', SD15_MODEL, '--force'], {}, log);
  if (!r) throw new Error(`sd15: building the model failed; ${SD15_HOW}`);
  return JSON.parse(fs.readFileSync(path.join(SD15_MODEL, 'params.json'), 'utf8'));
}

/** The pack of one variant, imported (timed) when missing or rebuild; its import record. */
export function ensureSd15Pack(variant, rebuild, log) {
  const pack = sd15PackDir(variant);
  const record = path.join(SD15_DIR, `import-${variant}.json`);
  if (fs.existsSync(path.join(pack, 'manifest.json')) && fs.existsSync(record) && !rebuild) return { ...JSON.parse(fs.readFileSync(record, 'utf8')), reused: true };
  const py = sdPython();
  if (!py) throw new Error(`sd15: no ${variant} pack in ${path.relative(repoRoot, pack)}; importing ${SD15_HOW}`);
  log(`sd15: spire import ${path.relative(repoRoot, SD15_MODEL)} -o ${path.relative(repoRoot, pack)}${variant === 'fp16' ? ' --fp16' : ''} (minutes)`);
  const args = [SPIRE, 'import', SD15_MODEL, '-o', pack, '--force', '--json', ...(variant === 'fp16' ? ['--fp16'] : [])];
  const r = timed(process.execPath, args, { SPIRE_PYTHON: py, SPIRE_AUTO_BUILD: '1' }, log);
  if (!r) throw new Error(`sd15: importing the ${variant} pack failed; the importer's errors are above`);
  const out = {
    variant, date: new Date().toISOString(), importS: r.seconds, importPeakRssMiB: r.peakRssMiB, packBytes: folderBytes(pack),
    files: Object.fromEntries(fs.readdirSync(pack, { recursive: true }).filter((f) => fs.statSync(path.join(pack, f)).isFile())
      .map((f) => [f, fs.statSync(path.join(pack, f)).size]).filter(([, n]) => n > 1 << 20)),
  };
  fs.writeFileSync(record, `${JSON.stringify(out, null, 2)}\n`);
  log(`sd15: ${variant} import ${out.importS.toFixed(0)} s, pack ${(out.packBytes / 1e9).toFixed(2)} GB, peak RSS ${out.importPeakRssMiB?.toFixed(0)} MiB`);
  return out;
}
