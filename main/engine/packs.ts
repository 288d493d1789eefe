/**
 * Model pack discovery and manifest reading.
 *
 * A pack is a folder with a `manifest.json` (format "spire-pack", see
 * models/README.md) that lists components, each with a `file` relative to the
 * pack. The manifest format is still settling, so the reader is tolerant: it
 * accepts components as an object keyed by name or as an array of
 * `{ name, file }`, and keeps every other field as-is for later stages.
 *
 * Where the default pack comes from, first match wins:
 *   1. SPIRE_MODEL_PACK (a pack folder or its manifest.json)
 *   2. each pack root in order (packaged: <resources>/models/packs; from the
 *      repo: models/packs), first sub-folder with a manifest.json, by name.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const PACK_FORMAT = 'spire-pack';

export interface PackComponent {
  name: string;
  /** As written in the manifest, relative to the pack folder. */
  file: string;
  /** Absolute path, checked to stay inside the pack folder. */
  path: string;
  /** The component's manifest entry, untouched (dtype, io names, ... as the format defines them). */
  raw: Record<string, unknown>;
}

export interface PackManifest {
  dir: string;
  name: string;
  version: string | null;
  format: string | null;
  components: PackComponent[];
  raw: Record<string, unknown>;
}

/** A pack that cannot be used: which file and why, in words a user can act on. */
export class PackError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'PackError';
  }
}

export type PackDiscovery = { dir: string; message: null } | { dir: null; message: string };

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Finds the default pack folder, or says in words where it looked. */
export async function discoverPack(options: { override: string | null; roots: readonly string[] }): Promise<PackDiscovery> {
  if (options.override) {
    const target = resolve(options.override);
    if (await isDirectory(target)) return { dir: target, message: null };
    if (basename(target) === MANIFEST_FILE && (await isFile(target))) return { dir: dirname(target), message: null };
    return {
      dir: null,
      message: `SPIRE_MODEL_PACK is set to ${options.override}, which is not a pack folder; point it at a folder that holds a ${MANIFEST_FILE}, or unset it.`,
    };
  }
  for (const root of options.roots) {
    let entries: string[];
    try {
      entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    entries.sort();
    for (const name of entries) {
      if (await isFile(join(root, name, MANIFEST_FILE))) return { dir: join(root, name), message: null };
    }
  }
  const where = options.roots.length > 0 ? options.roots.join(' or ') : '(no pack folders configured)';
  return { dir: null, message: `No model pack found in ${where}; see README (Model packs) to build or install one.` };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function componentFrom(dir: string, manifestPath: string, name: string, entry: unknown): PackComponent {
  const raw: Record<string, unknown> = isRecord(entry) ? entry : { file: entry };
  const file = raw.file ?? raw.path;
  if (typeof file !== 'string' || file.length === 0) {
    throw new PackError(manifestPath, `component "${name}" has no "file"; each component needs a file path relative to the pack.`);
  }
  if (isAbsolute(file)) {
    throw new PackError(manifestPath, `component "${name}" names an absolute path (${file}); use a path relative to the pack folder.`);
  }
  const path = resolve(dir, normalize(file));
  const rel = relative(dir, path);
  if (rel.startsWith('..') || rel.split(sep).includes('..')) {
    throw new PackError(manifestPath, `component "${name}" points outside the pack folder (${file}).`);
  }
  return { name, file, path, raw };
}

/** Reads and checks `<dir>/manifest.json`. Throws PackError naming the file and the problem. */
export async function readManifest(dir: string): Promise<PackManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PackError(manifestPath, code === 'ENOENT' ? 'the pack has no manifest.json.' : `could not be read (${code ?? String(err)}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PackError(manifestPath, `is not valid JSON (${(err as Error).message}).`);
  }
  if (!isRecord(json)) throw new PackError(manifestPath, 'must hold a JSON object.');

  const format = typeof json.format === 'string' ? json.format : null;
  if (format !== null && format !== PACK_FORMAT) {
    throw new PackError(manifestPath, `has format "${format}"; SPIRE Studio reads "${PACK_FORMAT}" packs.`);
  }
  const components: PackComponent[] = [];
  const list = json.components;
  if (Array.isArray(list)) {
    list.forEach((entry, i) => {
      const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : `component ${i}`;
      components.push(componentFrom(dir, manifestPath, name, entry));
    });
  } else if (isRecord(list)) {
    for (const [name, entry] of Object.entries(list)) components.push(componentFrom(dir, manifestPath, name, entry));
  } else if (list !== undefined) {
    throw new PackError(manifestPath, '"components" must be an object keyed by component name or an array.');
  }
  const name = typeof json.name === 'string' && json.name.length > 0 ? json.name : basename(dir);
  const version = typeof json.version === 'string' || typeof json.version === 'number' ? String(json.version) : null;
  return { dir, name, version, format, components, raw: json };
}

/** Components that are ONNX graphs (opened as sessions); others (vocabularies, configs) are read by their users. */
export function onnxComponents(manifest: PackManifest): PackComponent[] {
  return manifest.components.filter((c) => c.file.toLowerCase().endsWith('.onnx'));
}
