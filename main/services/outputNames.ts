/**
 * Where restored photos go, and when an output may be written: the naming and overwrite rules the
 * CLI (`spire restore photos/ -o out/`, main/cli/restoreTargets.ts) and the app's batch
 * (batchService.ts) share, so both write the same names into a folder.
 *
 *   inputs    the images of a folder: PNG, JPEG, WebP or TIFF by extension, sorted by name,
 *             dot files left out; other files are named in one line and skipped
 *   name      `<input name without its extension>.<format's extension>` inside the output folder
 *             (png -> .png, jpeg -> .jpg, webp -> .webp, tiff -> .tif)
 *   refused   two inputs with the same output name; an output that is its input
 *   writable  a probe file is created in the output folder and removed, before any work
 *   existing  an existing output is never replaced unless the caller was told to (the CLI's
 *             --force, the batch dialog's "Replace existing outputs"); the write itself is atomic
 *             and refuses a file that appeared meanwhile (main/engine/image writeFileAtomic)
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { SpireError } from '../../common/errors';
import type { OutputFormat } from '../engine/protocol';

/** Extensions of the images a folder input gives (lower case, with the dot). */
export const RESTORABLE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff']);

/** The extension each output format's files get. */
export const OUTPUT_EXTENSION: Readonly<Record<OutputFormat, string>> = { png: '.png', jpeg: '.jpg', webp: '.webp', tiff: '.tif' };

/** Whether a file name is an image a folder input restores (by extension). */
export function isRestorableName(name: string): boolean {
  return RESTORABLE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** The output file name of an input (a path or a bare name): its name without the extension, plus the format's. */
export function outputNameFor(input: string, format: OutputFormat): string {
  const name = basename(input);
  return `${basename(name, extname(name))}${OUTPUT_EXTENSION[format]}`;
}

/**
 * The output path of each input inside `folder` (absolute), in the inputs' order. Throws SpireError
 * `usage` when two inputs would be written to the same file; `what` words it for the caller
 * (the CLI: "Restore them separately."; the batch: "Remove one from the batch.").
 */
export function outputsInFolder(inputs: readonly string[], folder: string, format: OutputFormat, what = 'Restore them separately.'): string[] {
  const seen = new Map<string, string>();
  return inputs.map((input) => {
    const output = join(folder, outputNameFor(input, format));
    const earlier = seen.get(output);
    if (earlier !== undefined) throw new SpireError('usage', `Two inputs (“${basename(earlier)}” and “${basename(input)}”) would both be written to “${output}”. ${what}`);
    seen.set(output, input);
    return output;
  });
}

/** Whether `output` names the input file itself (same absolute path). */
export function isItsOwnInput(input: string, output: string): boolean {
  return resolve(input) === resolve(output);
}

/** The files among `paths` that exist now. */
export async function existingFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) if (await stat(p).then(() => true, () => false)) found.push(p);
  return found;
}

/** The images of a folder (absolute paths, sorted by name) and the names of the other files in it. */
export async function folderImages(folder: string): Promise<{ images: string[]; others: string[] }> {
  const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const images = entries.filter((e) => isRestorableName(e.name)).map((e) => e.name).sort();
  const others = entries.filter((e) => e.isFile() && !isRestorableName(e.name)).map((e) => e.name).sort();
  return { images: images.map((n) => join(folder, n)), others };
}

/** One line for the files of a folder that are not images it restores (the first 10 named). */
export function skippedFilesLine(folder: string, names: readonly string[]): string {
  const shown = names.slice(0, 10).join(', ');
  const more = names.length > 10 ? ` and ${names.length - 10} more` : '';
  return `${folder}: skipped ${names.length} ${names.length === 1 ? 'file' : 'files'} that ${names.length === 1 ? 'is' : 'are'} not PNG, JPEG, WebP or TIFF: ${shown}${more}.`;
}

/**
 * The output folder takes a file: a probe file is created there and removed, before any work, so an
 * unwritable folder (permissions, a read-only disk, gone) is refused now and not after the restore.
 * Throws SpireError `output-read-only`, its message naming the folder as `shown`.
 */
export async function checkWritable(folder: string, shown: string): Promise<void> {
  const probe = join(folder, `.spire-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SpireError('output-read-only', `Cannot write to the folder “${shown}” (${code}); nothing was run. Choose a folder you can write to.`);
  }
  await unlink(probe).catch(() => {});
}
