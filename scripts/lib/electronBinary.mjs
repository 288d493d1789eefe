// Finds the Electron executable without triggering a download.
// (node_modules/electron's own index.js starts a download from GitHub when the
// binary is missing, which hangs or fails on an offline machine.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const PLATFORM_EXE = {
  linux: 'electron',
  win32: 'electron.exe',
  darwin: 'Electron.app/Contents/MacOS/Electron',
};

/**
 * @returns {{ ok: true, executable: string, distDir: string } | { ok: false, reason: string, fix: string }}
 */
export function findElectronBinary() {
  const pkgDir = path.join(repoRoot, 'node_modules', 'electron');
  const exeName = PLATFORM_EXE[process.platform] ?? 'electron';
  const exePath = process.env.ELECTRON_PATH;
  if (exePath) {
    if (fs.existsSync(exePath)) return { ok: true, executable: exePath, distDir: path.dirname(exePath) };
    return { ok: false, reason: `ELECTRON_PATH is set to ${exePath}, which does not exist.`, fix: 'Point ELECTRON_PATH at an Electron executable, or unset it.' };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidates = [];
  if (override) candidates.push(path.resolve(override));
  candidates.push(path.join(pkgDir, 'dist'));
  for (const distDir of candidates) {
    const executable = path.join(distDir, exeName);
    if (fs.existsSync(executable)) return { ok: true, executable, distDir };
  }
  if (!fs.existsSync(pkgDir)) {
    return { ok: false, reason: 'the electron package is not installed (node_modules/electron is missing).', fix: 'Run `npm install`.' };
  }
  return {
    ok: false,
    reason:
      `Electron's binary is not installed (looked in ${candidates.join(' and ')}). ` +
      'npm skips its download when ELECTRON_SKIP_BINARY_DOWNLOAD=1 is set or when the machine is offline.',
    fix:
      'On a machine with internet: `node node_modules/electron/install.js` (or `npm rebuild electron`). ' +
      'Offline: unpack an Electron release for your platform into a folder and set ELECTRON_OVERRIDE_DIST_PATH to that folder ' +
      '(or ELECTRON_PATH to its executable).',
  };
}
