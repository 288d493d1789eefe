#!/usr/bin/env node
// The `spire` command: runs the built CLI (out/main/cli.js). When it is missing, or older than
// the sources under main/, it says so: with SPIRE_AUTO_BUILD=1 it runs `npm run build` itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'out', 'main', 'cli.js');
const worker = join(repo, 'out', 'main', 'worker.js');

/** Newest modification time of the TypeScript sources the CLI is built from (0 when they are not there, e.g. installed). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(repo, 'main', 'engine'));
  walk(join(repo, 'main', 'cli'));
  return newest;
}

function build() {
  process.stderr.write('spire: building (npm run build)...\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('spire: the build failed; run `npm run build` in ' + repo + ' and read its errors.\n');
    process.exit(4);
  }
}

const missing = !existsSync(cli) || !existsSync(worker);
const stale = !missing && newestSource() > Math.min(statSync(cli).mtimeMs, statSync(worker).mtimeMs);
if (missing || stale) {
  if (process.env.SPIRE_AUTO_BUILD === '1') build();
  else if (missing) {
    process.stderr.write(`spire: the CLI is not built yet. Run \`npm run build\` in ${repo} (or set SPIRE_AUTO_BUILD=1 to build it now).\n`);
    process.exit(4);
  } else {
    process.stderr.write(`spire: note: out/ is older than the sources; run \`npm run build\` to use your changes (SPIRE_AUTO_BUILD=1 builds automatically).\n`);
  }
}

await import(pathToFileURL(cli).href);
