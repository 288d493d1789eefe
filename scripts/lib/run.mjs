// Small helpers shared by the test scripts: run a step, read runners' result files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { repoRoot } from './electronBinary.mjs';

export { repoRoot };

/** Runs a command with inherited stdio (from the repo root unless `cwd` says); returns its exit status and seconds taken. */
export function runStep(command, args, { env = {}, cwd = repoRoot } = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  const status = result.status ?? (result.error ? 127 : 1);
  if (result.error) console.error(`Could not run ${command}: ${result.error.message}`);
  return { status, seconds: (Date.now() - started) / 1000 };
}

/** Counts from a vitest JSON report, or null if the report is missing. */
export function readVitestCounts(file) {
  if (!fs.existsSync(file)) return null;
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) };
}

/** Counts from a pytest JUnit XML report, or null if the report is missing. */
export function readJUnitCounts(file) {
  if (!fs.existsSync(file)) return null;
  const xml = fs.readFileSync(file, 'utf8');
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const total = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: total - failed - skipped, failed, skipped };
}

/** The Python that has the model tooling's packages (Debian's python3-torch lives under /usr/bin/python3). */
export function modelPython() {
  if (process.env.SPIRE_PYTHON) return process.env.SPIRE_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}
