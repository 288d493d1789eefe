/**
 * importModel(): a Stable Diffusion 1.x-family model -> a SPIRE pack (manifest.json, no adaptor),
 * for `spire import` (main/cli/importCommand.ts) and the editor's "Import Stable Diffusion model...".
 *
 *   1. check        the output (exists: refused without force), the source's kind and family
 *                   (sourceKind.ts: SDXL, SD 3, Flux refused), the ONNX export's graphs
 *                   (onnxExport.ts), the --restorer-from pack (restorerFrom.ts): all before any write
 *   2. write        into a temporary folder beside the output (<parent>/.<name>.import-XXXX/pack):
 *                   an ONNX export by copying its graphs, tokenizer and scheduler (hashing them), a
 *                   diffusers folder or checkpoint by the Python importer (pythonImporter.ts)
 *   3. restorer     --restorer-from: the donor's restorer, estimator and restoration text encoder
 *                   (for an ONNX export here, restorerFrom.ts; the Python importer copies them itself)
 *   4. validate     main/engine/packs.ts readManifest (schema, cross-checks, files) and every graph's
 *                   inputs/outputs against its manifest entry (read from the files, no session)
 *   5. rename       the temporary pack to the output (force: the old output is moved aside first and
 *                   removed after); an abort or a failure at any step removes the temporary folder
 *
 * Throws SpireError: import-unsupported (refused, nothing written), import-failed, output-exists,
 * cancelled.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpireError } from '../../common/errors';
import { checkSessionAgainstManifest } from '../engine/packLoader';
import { readManifest } from '../engine/packs';
import { planOnnxExport, type PackFile } from './onnxExport';
import { readGraphInfo } from './onnxGraphInfo';
import { DEFAULT_PYTHON, findModelsDir, runPythonImporter } from './pythonImporter';
import { planRestorerFrom } from './restorerFrom';
import { sourceKind } from './sourceKind';

export interface ImportOptions {
  source: string;
  outDir: string;
  fp16?: boolean;
  restorerFrom?: string | null;
  force?: boolean;
  python?: string;
}

export interface ImportProgress {
  stage: string;
  fraction: number;
  message: string;
}

const cancelled = (): SpireError => new SpireError('cancelled', 'Import cancelled; nothing was written.');

/** A file, or a folder with something in it (an empty folder may take the pack). */
async function occupied(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return !info.isDirectory() || (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

const inside = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`));
};

/** Copies `files` into `dir`, hashing each (sha256), reporting the bytes done; stops on abort. */
async function copyFiles(
  files: readonly PackFile[],
  dir: string,
  report: (fraction: number, message: string) => void,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.from)).size));
  const total = Math.max(1, sizes.reduce((a, b) => a + b, 0));
  const hashes = new Map<string, string>();
  let done = 0;
  for (const [i, file] of files.entries()) {
    if (signal?.aborted) throw cancelled();
    const to = join(dir, file.to);
    await mkdir(dirname(to), { recursive: true });
    const hash = createHash('sha256');
    let lastReport = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        done += chunk.length;
        if (done - lastReport > 64 * 1024 * 1024) {
          lastReport = done;
          report(done / total, `copying ${file.to}`);
        }
        callback(null, chunk);
      },
    });
    report(done / total, `copying ${file.to}`);
    await pipeline(createReadStream(file.from), meter, createWriteStream(to, { flags: 'wx' }), { signal });
    hashes.set(file.to, hash.digest('hex'));
    done = sizes.slice(0, i + 1).reduce((a, b) => a + b, 0);
  }
  report(1, `copied ${files.length} files`);
  return hashes;
}

function modelCard(name: string, source: string, kind: string, hashes: Map<string, string>, restorerFrom: string | null): string {
  const lines = [...hashes].map(([file, hash]) => `| \`${file}\` | \`${hash}\` |`);
  return `# ${name}

Imported with \`spire import\` on ${new Date().toISOString().slice(0, 10)}.

- Source: \`${source}\` (${kind})
- Prior: Stable Diffusion 1.x-family weights as the source gives them; no SPIRE adaptor (the pack runs
  as semantic refinement over the restorer, or over the bicubic-resized input without one).
- Restorer and estimator: ${restorerFrom ? `copied from the pack \`${restorerFrom}\`` : 'none'}
- Licence: the source model's (see where it came from); this card does not change it.

| file | sha256 |
| --- | --- |
${lines.join('\n')}
`;
}

/** Every graph's inputs and outputs against its manifest entry, read from the files (no session). */
async function validatePack(dir: string): Promise<string> {
  const manifest = await readManifest(dir);
  if (!manifest.spire) throw new SpireError('import-failed', `${join(dir, 'manifest.json')} has no formatVersion; the importer wrote an incomplete pack.`);
  for (const [name, spec] of Object.entries(manifest.spire.components)) {
    const path = join(dir, spec.file);
    const info = await readGraphInfo(path);
    checkSessionAgainstManifest(path, name, info, spec);
  }
  return manifest.name;
}

/** Moves the finished pack into place; with force, the old output goes aside first and is removed after. */
async function finalize(packDir: string, outDir: string, temp: string, force: boolean): Promise<void> {
  if (await occupied(outDir)) {
    if (!force) throw new SpireError('output-exists', `${outDir} already exists; choose another folder or use --force to replace it.`);
    const aside = join(temp, 'replaced');
    await rename(outDir, aside);
    try {
      await rename(packDir, outDir);
    } catch (err) {
      await rename(aside, outDir);
      throw err;
    }
    return;
  }
  await rm(outDir, { recursive: true, force: true }); // an empty folder, or nothing
  await rename(packDir, outDir);
}

export async function importModel(
  options: ImportOptions,
  hooks: { onProgress?(p: ImportProgress): void; signal?: AbortSignal } = {},
): Promise<{ packDir: string; name: string }> {
  const { signal } = hooks;
  const report = (stage: string, fraction: number, message: string): void => hooks.onProgress?.({ stage, fraction, message });
  const source = resolve(options.source);
  const outDir = resolve(options.outDir);
  const force = options.force === true;
  const name = basename(outDir);
  if (signal?.aborted) throw cancelled();

  // 1. Check, before any write.
  report('check', 0, `reading ${source}`);
  if (inside(source, outDir) || inside(outDir, source)) {
    throw new SpireError('import-unsupported', `The output ${outDir} and the source ${source} overlap; write the pack to a folder of its own.`);
  }
  if (!force && (await occupied(outDir))) throw new SpireError('output-exists', `${outDir} already exists; choose another folder or use --force to replace it.`);
  const kind = await sourceKind(source);
  const plan = kind === 'onnx-export' ? await planOnnxExport(source, name) : null;
  if (plan && options.fp16) {
    throw new SpireError(
      'import-unsupported',
      'An ONNX export is imported as it is; --fp16 converts only diffusers folders and checkpoints. Drop --fp16, or convert the imported pack with `python -m spire.fp16` (models/README.md).',
    );
  }
  const donor = options.restorerFrom ? await planRestorerFrom(resolve(options.restorerFrom)) : null;
  const modelsDir = kind === 'onnx-export' ? null : findModelsDir();
  if (kind !== 'onnx-export' && !modelsDir) {
    throw new SpireError('import-failed', 'Importing a diffusers folder or a checkpoint needs the Python model tooling (models/ in the SPIRE Studio source); set SPIRE_MODELS_DIR to it.');
  }
  if (signal?.aborted) throw cancelled();
  report('check', 1, `${kind === 'onnx-export' ? 'ONNX export' : kind === 'diffusers' ? 'diffusers folder' : 'checkpoint'} accepted`);

  // 2-5 write into a temporary folder beside the output; anything that goes wrong removes it.
  await mkdir(dirname(outDir), { recursive: true });
  const temp = await mkdtemp(join(dirname(outDir), `.${name}.import-`));
  const packDir = join(temp, name); // the Python importer names the pack after its folder
  try {
    let hashes = new Map<string, string>();
    if (plan) {
      await mkdir(packDir);
      hashes = await copyFiles(plan.files, packDir, (f, m) => report('copy', f, m), signal);
      await writeFile(join(packDir, 'manifest.json'), `${JSON.stringify(plan.manifest, null, 2)}\n`);
    } else {
      await runPythonImporter({
        source,
        outDir: packDir,
        fp16: options.fp16 === true,
        restorerFrom: options.restorerFrom ? resolve(options.restorerFrom) : null, // the importer copies it (its own format, the same manifest sections)
        python: options.python ?? process.env.SPIRE_PYTHON ?? DEFAULT_PYTHON,
        modelsDir: modelsDir as string,
        onProgress: hooks.onProgress,
        signal,
      });
    }
    if (signal?.aborted) throw cancelled();
    if (donor && plan) {
      report('restorer', 0, `copying the restorer from ${options.restorerFrom}`);
      const copied = await copyFiles(donor.files, packDir, (f, m) => report('restorer', f, m), signal);
      for (const [file, hash] of copied) hashes.set(file, hash);
      const manifestPath = join(packDir, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
      donor.apply(manifest);
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    if (plan) await writeFile(join(packDir, 'MODEL_CARD.md'), modelCard(name, source, 'ONNX export, diffusers/optimum layout', hashes, options.restorerFrom ?? null));
    report('validate', 0, 'checking the pack');
    let packName: string;
    try {
      packName = await validatePack(packDir);
    } catch (err) {
      if (err instanceof SpireError && err.code === 'import-failed') throw err;
      throw new SpireError('import-failed', `The imported pack does not validate: ${(err as Error).message}`, { cause: err });
    }
    if (signal?.aborted) throw cancelled();
    await finalize(packDir, outDir, temp, force);
    report('done', 1, `pack written to ${outDir}`);
    return { packDir: outDir, name: packName };
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    if (err instanceof SpireError) throw err;
    throw new SpireError('import-failed', `Import failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

