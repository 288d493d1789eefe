/**
 * `spire restore` step 2: which file goes where, settled before the engine starts.
 *
 *   inputs   files, or the images in a folder (sorted by name; dot files left out)
 *   outputs  one file (-o with an image extension), or a folder (several inputs, a folder
 *            input, -o ending in / or naming a folder): `<name>.<format>` inside it, created
 *   refused  an existing output without --force (exit 5, nothing written), two inputs with
 *            the same output name or an output that is its input (exit 2), an output folder
 *            that cannot be created or written to (exit 5: a probe file is created and removed)
 *   skipped  files in an input folder that are not PNG, JPEG, WebP or TIFF: one line says which
 *
 *   shard    with `--shard i/n` the inputs (the folders' images and the files, all of them) are
 *            sorted by absolute path and input k (0-based) goes to share (k mod n) + 1, so the n
 *            shares are disjoint, cover every input, differ in size by at most one, and do not
 *            depend on the order the inputs were given in; folder mode and the output names are
 *            settled on the whole list, so every share writes where a run of all of them would
 *
 * The naming, the writable check and the folder listing are main/services/outputNames.ts, shared with
 * the app's batch.
 *
 * Then, still before the engine: each input's header is probed (format, size limits); one
 * unreadable input is exit 3, in a batch it is reported and the others go on.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SpireError, isSpireError } from '../../common/errors';
import { formatFromPath, probeImage } from '../engine/image';
import type { OutputFormat } from '../engine/protocol';
import { checkWritable, existingFiles, folderImages, isItsOwnInput, outputsInFolder, skippedFilesLine } from '../services/outputNames';
import { EXIT, type ExitCode } from './exitCodes';
import type { RestoreReport } from './report';

/** One image to restore: absolute input and output paths, and the output's format. */
export interface RestoreTarget {
  input: string;
  output: string;
  format: OutputFormat;
  /** Input megapixels from the header (probeTargets); absent before the probe. */
  megapixels?: number;
}

export interface TargetOptions {
  inputs: string[];
  output: string;
  folderFormat: OutputFormat;
  force: boolean;
  /** `--shard i/n` (i from 1): only this share of the sorted inputs; absent: all. */
  shard?: { index: number; count: number } | undefined;
}

/**
 * Share `index` (1 to `count`) of `files`: sorted (code-unit order), then every `count`-th from
 * position `index - 1`. Pure, so any scheduler's n tasks split the same list the same way.
 */
export function shardOf<T extends string>(files: readonly T[], index: number, count: number): T[] {
  return [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).filter((_, k) => k % count === index - 1);
}

/** Where planTargets says what it left out (a line on stderr). */
export type TargetNote = (line: string) => void;

/** The targets of a run; throws SpireError before anything is written when one cannot be. */
export async function planTargets(options: TargetOptions, cwd: string, note: TargetNote = () => {}): Promise<RestoreTarget[]> {
  const { files, sawFolder } = await listInputs(options.inputs, cwd, note);
  const outArg = options.output;
  const outAbs = resolve(cwd, outArg);
  const folderMode = files.length > 1 || sawFolder || /[\\/]$/.test(outArg) || (await isDirectory(outAbs));
  const all = folderMode ? await folderTargets(files, outArg, outAbs, options.folderFormat) : await fileTarget(files[0] ?? '', outArg, outAbs);
  let targets = all;
  if (options.shard) {
    const { index, count } = options.shard;
    const mine = new Set(shardOf(all.map((t) => t.input), index, count));
    targets = all.filter((t) => mine.has(t.input)).sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
    note(`shard ${index}/${count}: ${targets.length} of ${all.length} ${all.length === 1 ? 'input' : 'inputs'}${targets.length === 0 ? ', nothing to do in this share' : ''}.`);
    if (targets.length === 0) return targets;
  }
  if (!options.force) await refuseExisting(targets);
  for (const t of targets) if (isItsOwnInput(t.input, t.output)) throw new SpireError('usage', `The output “${t.output}” is the input itself. Choose another output name.`);
  await checkWritable(folderMode ? outAbs : dirname(outAbs), folderMode ? outArg : dirname(outArg) || '.');
  return targets;
}

/**
 * The targets whose input reads (header, format, size limits), and the exit code so far.
 * A single target that does not read is an error (exit 3); in a batch it is reported and left out.
 */
export async function probeTargets(targets: RestoreTarget[], report: RestoreReport, maxMegapixels?: number): Promise<{ runnable: RestoreTarget[]; worst: ExitCode }> {
  let worst: ExitCode = EXIT.ok;
  const runnable: RestoreTarget[] = [];
  for (const target of targets) {
    try {
      const probe = await probeImage(target.input, maxMegapixels !== undefined ? { maxMegapixels } : {});
      runnable.push({ ...target, megapixels: (probe.width * probe.height) / 1e6 });
    } catch (err) {
      if (!isSpireError(err) || !err.code.startsWith('image-')) throw err;
      if (targets.length === 1) throw err;
      report.failed(target.input, err.code, err.message);
      worst = EXIT.badInput;
    }
  }
  return { runnable, worst };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listInputs(paths: string[], cwd: string, note: TargetNote): Promise<{ files: string[]; sawFolder: boolean }> {
  const files: string[] = [];
  let sawFolder = false;
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new SpireError('image-missing', `“${p}” does not exist. Check the path.`);
    }
    if (info.isDirectory()) {
      sawFolder = true;
      const { images, others } = await folderImages(abs);
      if (others.length > 0) note(skippedFilesLine(p, others));
      if (images.length === 0) throw new SpireError('image-missing', `The folder “${p}” has no PNG, JPEG, WebP or TIFF images.`);
      files.push(...images);
    } else if (info.isFile()) files.push(abs);
    else throw new SpireError('image-unreadable', `“${p}” is not a file or folder.`);
  }
  return { files, sawFolder };
}

/** Folder mode: the folder is created, each input becomes `<name>.<format>` inside it. */
async function folderTargets(files: string[], outArg: string, outAbs: string, format: OutputFormat): Promise<RestoreTarget[]> {
  try {
    await mkdir(outAbs, { recursive: true });
  } catch (err) {
    throw new SpireError('output-failed', `The output folder “${outArg}” cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)}). Choose a folder you can write to.`);
  }
  const outputs = outputsInFolder(files, outAbs, format);
  return files.map((input, k) => ({ input, output: outputs[k]!, format }));
}

/** File mode: -o names the output; its extension gives the format and its folder must exist. */
async function fileTarget(input: string, outArg: string, outAbs: string): Promise<RestoreTarget[]> {
  const format = formatFromPath(outAbs);
  if (!format) throw new SpireError('usage', `“${outArg}” has no image extension. End the name with .png, .jpg, .webp or .tif, or end it with / for a folder.`);
  if (!(await isDirectory(resolve(outAbs, '..')))) throw new SpireError('output-no-folder', `The folder of “${outArg}” does not exist. Create it first.`);
  return [{ input, output: outAbs, format }];
}

/** Without --force, any existing output refuses the whole run: nothing is written. */
async function refuseExisting(targets: RestoreTarget[]): Promise<void> {
  const existing = await existingFiles(targets.map((t) => t.output));
  if (existing.length > 0)
    throw new SpireError('output-exists', `${existing.length === 1 ? `“${existing[0]}” already exists` : `${existing.length} outputs already exist (first: “${existing[0]}”)`}; nothing was written. Use --force to replace, or choose another output.`);
}
