#!/usr/bin/env node
// `npm test`: every check the project has, in order, with one summary at the end.
//   typecheck, lint, build  -> must succeed (not counted as tests)
//   unit     vitest project `unit`    (main, preload, renderer and engine logic)
//   models   pytest models/tests + vitest project `models` (ONNX parity in onnxruntime-node)
//   e2e      vitest project `e2e`     (the built renderer in Debian's Chromium, real services behind it)
//   electron test/electron/smoke.mjs  (skips, saying why, where no Electron binary is installed)
// The last line reads `total: N passed, N failed, N skipped`.
import fs from 'node:fs';
import path from 'node:path';
import { modelPython, readJUnitCounts, readVitestCounts, repoRoot, runStep } from './lib/run.mjs';

const results = path.join(repoRoot, 'test-results');
fs.mkdirSync(results, { recursive: true });
const node = process.execPath;
const vitest = 'node_modules/vitest/vitest.mjs';
const only = process.argv.slice(2); // e.g. `npm test -- unit models` runs just those suites

const gates = [
  ['typecheck', () => runStep('npm', ['run', '--silent', 'typecheck'])],
  ['lint', () => runStep('npm', ['run', '--silent', 'lint'])],
  ['build', () => runStep('npm', ['run', '--silent', 'build'])],
];

function vitestSuite(project) {
  const report = path.join(results, `${project}.json`);
  fs.rmSync(report, { force: true });
  const step = runStep(node, [vitest, 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  return { ...step, counts: readVitestCounts(report) };
}

const suites = [
  ['unit', () => vitestSuite('unit')],
  [
    'models',
    () => {
      const report = path.join(results, 'pytest.xml');
      fs.rmSync(report, { force: true });
      const py = runStep(modelPython(), ['-m', 'pytest', '-q', `--junitxml=${report}`, 'tests'], { cwd: path.join(repoRoot, 'models') });
      const pyCounts = readJUnitCounts(report);
      const parity = vitestSuite('models');
      const counts = [pyCounts, parity.counts].reduce(
        (acc, c) => (c ? { passed: acc.passed + c.passed, failed: acc.failed + c.failed, skipped: acc.skipped + c.skipped } : acc),
        { passed: 0, failed: 0, skipped: 0 },
      );
      return { status: py.status || parity.status, seconds: py.seconds + parity.seconds, counts: pyCounts && parity.counts ? counts : null };
    },
  ],
  ['e2e', () => vitestSuite('e2e')],
  [
    'electron',
    () => {
      const report = path.join(results, 'electron.json');
      fs.rmSync(report, { force: true });
      const step = runStep(node, ['test/electron/smoke.mjs'], { env: { SPIRE_SMOKE_REPORT: report } });
      const counts = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : null;
      return { ...step, counts };
    },
  ],
];

const summary = [];
let failedGate = false;
for (const [name, run] of gates) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const r = run();
  summary.push({ name, ok: r.status === 0, seconds: r.seconds });
  if (r.status !== 0) failedGate = true;
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const r = run();
  // A suite that exits non-zero without a report (crash, no tests found) counts as one failure.
  const counts = r.counts ?? { passed: 0, failed: r.status === 0 ? 0 : 1, skipped: 0 };
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  summary.push({ name, ok: r.status === 0, seconds: r.seconds, counts });
}

console.log('\n=== summary ===');
for (const s of summary) {
  const c = s.counts ? `  ${s.counts.passed} passed, ${s.counts.failed} failed, ${s.counts.skipped} skipped` : '';
  console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(10)} ${s.seconds.toFixed(1).padStart(7)} s${c}`);
}
if (failedGate) total.failed += summary.filter((s) => !s.ok && !s.counts).length;
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || failedGate ? 1 : 0);
