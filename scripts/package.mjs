#!/usr/bin/env node
// `npm run package -- [target...]`: build, then package with electron-builder.
//   npm run package -- dir       an unpacked app in release/<platform>-unpacked
//   npm run package -- tar.gz    release/*.tar.gz (Linux)
//   npm run package -- AppImage deb | nsis | dmg   (each needs its own tools; see README)
// With no target, the platform's defaults from electron-builder.yml are built.
// Offline (no Electron download possible): set SPIRE_ELECTRON_DIST to a local Electron
// folder (the one holding the `electron` executable); it becomes electron-builder's electronDist.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, runStep } from './lib/run.mjs';

const targets = process.argv.slice(2);
const env = {};
const extra = [];
const dist = process.env.SPIRE_ELECTRON_DIST;
if (dist) {
  if (!fs.existsSync(dist)) {
    console.error(`SPIRE_ELECTRON_DIST points at ${dist}, which does not exist.`);
    process.exit(2);
  }
  extra.push(`--config.electronDist=${path.resolve(dist)}`);
  const electronPkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8'));
  extra.push(`--config.electronVersion=${electronPkg.version}`);
}
if (!process.env.ELECTRON_BUILDER_7ZIP_PATH && fs.existsSync('/usr/bin/7za')) env.ELECTRON_BUILDER_7ZIP_PATH = '/usr/bin/7za';

const build = runStep('npm', ['run', '--silent', 'build']);
if (build.status !== 0) process.exit(build.status);

const platformFlag = { linux: '--linux', win32: '--win', darwin: '--mac' }[process.platform] ?? '--linux';
const args = ['node_modules/electron-builder/cli.js', platformFlag, ...targets, '--publish', 'never', ...extra];
const pack = runStep(process.execPath, args, { env });
process.exit(pack.status);
