/**
 * The bridge to the Python importer (models/spire/import_sd.py) for what needs PyTorch and
 * diffusers: a diffusers folder or a single .safetensors / .ckpt checkpoint.
 *
 *   <python> -m spire.import_sd <source> -o <dir> [--fp16] [--restorer-from <pack>] --progress json   (cwd: models/)
 *   stdout  one JSON object per line: {"stage", "fraction", "message"}          -> onProgress
 *   exit 0  the pack is in <dir>
 *   exit 2  refused: stderr says `import-unsupported: <message>` (or `import-usage:`) -> SpireError import-unsupported
 *   exit 1  failed: stderr says why                                             -> SpireError import-failed
 * Python is $SPIRE_PYTHON, else /usr/bin/python3 (options.python first). An abort kills the process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpireError } from '../../common/errors';
import type { ImportProgress } from './importModel';

export const DEFAULT_PYTHON = '/usr/bin/python3';

export interface PythonImportOptions {
  source: string;
  outDir: string;
  fp16: boolean;
  /** A SPIRE pack whose restorer and estimator the importer copies (models/README.md, spire.import_sd). */
  restorerFrom: string | null;
  python: string;
  /** The folder holding the `spire` Python package (the repository's models/). */
  modelsDir: string;
  onProgress?(p: ImportProgress): void;
  signal?: AbortSignal;
}

/** The repository's models/ folder: SPIRE_MODELS_DIR, else the first models/spire/ found above this module. */
export function findModelsDir(env: Record<string, string | undefined> = process.env): string | null {
  if (env.SPIRE_MODELS_DIR) return resolve(env.SPIRE_MODELS_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'models', 'spire', '__init__.py'))) return join(dir, 'models');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** A progress line from Python, or null for anything else (a stray print is ignored, not fatal). */
export function parseProgressLine(line: string): ImportProgress | null {
  try {
    const p = JSON.parse(line) as Record<string, unknown>;
    if (typeof p.stage !== 'string' || typeof p.fraction !== 'number') return null;
    return { stage: p.stage, fraction: Math.min(1, Math.max(0, p.fraction)), message: typeof p.message === 'string' ? p.message : '' };
  } catch {
    return null;
  }
}

/** The last meaningful stderr line, without its `import-unsupported:` / `import-failed:` / `import-usage:` prefix. */
function lastMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const tagged = lines.filter((l) => /^import-(unsupported|failed|usage):/.test(l)).pop();
  const line = tagged ?? lines.pop() ?? '';
  return line.replace(/^import-(unsupported|failed|usage):\s*/, '');
}

export async function runPythonImporter(options: PythonImportOptions): Promise<void> {
  const args = ['-m', 'spire.import_sd', options.source, '-o', options.outDir, ...(options.fp16 ? ['--fp16'] : []), ...(options.restorerFrom ? ['--restorer-from', options.restorerFrom] : []), '--progress', 'json'];
  if (options.signal?.aborted) throw new SpireError('cancelled', 'Import cancelled; nothing was written.');
  const child = spawn(options.python, args, { cwd: options.modelsDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const progress = parseProgressLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (progress) options.onProgress?.(progress);
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16384);
  });
  const onAbort = (): void => {
    child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolveExit({ code, signal }));
    }).catch((err: NodeJS.ErrnoException) => {
      throw new SpireError(
        'import-failed',
        `Could not start the Python importer (${options.python}: ${err.code ?? err.message}); install Python 3 with PyTorch and diffusers (models/README.md) or set SPIRE_PYTHON.`,
      );
    });
    if (options.signal?.aborted) throw new SpireError('cancelled', 'Import cancelled; nothing was written.');
    if (exit.code === 0) return;
    const message = lastMessage(stderr);
    if (exit.code === 2) throw new SpireError('import-unsupported', message || 'The Python importer refused this model.');
    const how = exit.code === null ? `was stopped by ${exit.signal}` : `failed (exit ${exit.code})`;
    throw new SpireError('import-failed', `The Python importer ${how}: ${message || 'no message'}.`.replace(/\.\.$/, '.'));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
