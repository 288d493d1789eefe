/**
 * Build steps the harness needs:
 *   - the app itself (electron-vite -> out/), reused when it is newer than the sources;
 *   - the REAL preload (preload/index.ts) bundled for the page with `electron`
 *     aliased to electronShim.ts, as one IIFE script for page.addInitScript.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Rollup } from 'vite';

export const REPO = resolve(import.meta.dirname, '../../..');
export const OUT = join(REPO, 'out');

const OUTPUTS = ['main/index.js', 'main/worker.js', 'preload/index.cjs', 'renderer/index.html'].map((p) => join(OUT, p));
const SOURCES = ['main', 'preload', 'renderer', 'electron.config.ts'].map((p) => join(REPO, p));

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Runs `electron-vite build` unless out/ is already newer than every source.
 * SPIRE_E2E_REBUILD=1 forces a build; SPIRE_E2E_SKIP_BUILD=1 trusts out/ as it is (CI, after `npm run build`).
 */
export function ensureAppBuilt(): void {
  const present = OUTPUTS.every((p) => existsSync(p));
  if (process.env.SPIRE_E2E_SKIP_BUILD === '1' && present) return;
  const fresh = present && Math.min(...OUTPUTS.map(newestMtime)) >= Math.max(...SOURCES.map(newestMtime));
  if (fresh && process.env.SPIRE_E2E_REBUILD !== '1') return;
  const cli = join(REPO, 'node_modules/electron-vite/bin/electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build', '--config', 'electron.config.ts'], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`electron-vite build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  const missing = OUTPUTS.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`electron-vite build did not produce ${missing.join(', ')}`);
}

/** The real preload, with `electron` replaced by the shim, as one script. */
export async function buildPreloadForPage(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    root: REPO,
    resolve: { alias: { electron: join(REPO, 'test/e2e/harness/electronShim.ts') } },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: join(REPO, 'preload/index.ts'), formats: ['iife'], name: 'spirePreload', fileName: () => 'preload.js' },
      rollupOptions: { output: { codeSplitting: false } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((o): o is Rollup.OutputChunk => o.type === 'chunk');
  if (!chunk) throw new Error('Building the preload for the e2e harness produced no script.');
  return chunk.code;
}
