// Single-view time of exported restorer candidates in onnxruntime-node (the engine's runtime), side by side.
//
//   cd models && /usr/bin/python3 tools/restorer_candidates.py --onnx /tmp/cands   (exports every candidate)
//   node tools/time_restorers.mjs /tmp/cands [--size 512] [--repeats 5] [--threads 2]
//
// Every round runs each candidate once in turn (so a change in the machine's load hits all alike); reports the
// median time and the median of per-round ratios to the first folder in name order starting with "today".
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), '..', 'package.json'));
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const dir = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const size = opt('size', 512);
const repeats = opt('repeats', 5);
const threads = opt('threads', 2);

const names = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'model.onnx')));
names.sort((a, b) => (a.startsWith('today') ? -1 : b.startsWith('today') ? 1 : a.localeCompare(b)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sessions = {};
for (const n of names) {
  sessions[n] = await ort.InferenceSession.create(join(dir, n, 'model.onnx'), {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
}
const feeds = (s) => {
  const f = {};
  const image = new Float32Array(3 * size * size).map(() => Math.random() * 2 - 1);
  f.image = new ort.Tensor('float32', image, [1, 3, size, size]);
  f.encoder_hidden_states = new ort.Tensor('float32', new Float32Array(32 * 128).map(() => Math.random()), [1, 32, 128]);
  if (s.inputNames.includes('degradation')) f.degradation = new ort.Tensor('float32', new Float32Array(13).fill(0.5), [1, 13]);
  return f;
};
const times = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) await sessions[n].run(feeds(sessions[n])); // warm-up
for (let r = 0; r < repeats; r++) {
  for (const n of names) {
    const f = feeds(sessions[n]);
    const t0 = performance.now();
    await sessions[n].run(f);
    times[n].push((performance.now() - t0) / 1000);
  }
}
const base = names[0];
console.log(`| candidate | onnxruntime-node CPU ${threads} threads, ${size}x${size}, median of ${repeats} (s) | / ${base} |`);
console.log('| --- | ---: | ---: |');
for (const n of names) {
  const ratios = times[n].map((t, i) => t / times[base][i]);
  const label = JSON.parse(readFileSync(join(dir, n, 'candidate.json'), 'utf8')).name;
  console.log(`| ${label} | ${median(times[n]).toFixed(3)} | ${median(ratios).toFixed(2)} |`);
}
