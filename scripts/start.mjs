#!/usr/bin/env node
// `npm start`: build main, preload and renderer, then launch the Electron app.
// Where Electron's binary is missing, say so and how to fix it (no stack trace).
import { spawn, spawnSync } from 'node:child_process';
import { findElectronBinary, repoRoot } from './lib/electronBinary.mjs';

const electron = findElectronBinary();
if (!electron.ok) {
  console.error(`\nSPIRE Studio cannot start: ${electron.reason}\n\nHow to fix: ${electron.fix}\n`);
  process.exit(1);
}

if (!process.argv.includes('--no-build')) {
  const build = spawnSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--config', 'electron.config.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error('\nThe build failed (see above); the app was not started.');
    process.exit(build.status ?? 1);
  }
}

const passThrough = process.argv.slice(2).filter((a) => a !== '--no-build');
const child = spawn(electron.executable, ['.', ...passThrough], { cwd: repoRoot, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
