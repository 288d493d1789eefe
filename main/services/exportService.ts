/**
 * Export: the restored image, a labelled before/after side by side, a wipe
 * split, or a sweep's grid as one sheet.
 *
 * Recipe: find what to export (results kept by RestoreService, the source image
 * held by the image service) -> suggest a name and show the save dialog (which
 * asks before replacing a file; null = cancelled) -> compose with sharp
 * (labels are an SVG overlay) -> writeImage (main/engine/image): atomic
 * (temporary file + rename), with the prompts, seed and model as metadata; a restored image also
 * with the photo's camera EXIF, XMP, IPTC, DPI (GPS unless `stripLocation`) and, with `colour:
 * 'keep-profile'`, its own colour profile at 16 bits where the format allows.
 *
 * Overwriting: a path the dialog returned was confirmed by the user there, so it
 * may replace the file. If the name lacks the format's extension, the extension
 * is added, and that new name is never replaced (the user was not asked about
 * it): it fails with `output-exists` instead.
 *
 * Composites are 8-bit sRGB, at most MAX_COMPOSITE_PIXELS (scaled down beyond).
 * No Electron import.
 */
import { basename, extname } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { ExportFormat, ExportRequest } from '../../preload/contract/channels';
import { SpireError, isSpireError } from '../../common/errors';
import { KEEP_AS_IS } from '../../common/regions';
import { decodeImage, formatFromPath, readImage, writeImage } from '../engine/image';
import type { RgbImage } from '../engine/pipeline/types';
import { EXPORT_EXTENSIONS, type DialogPort } from './dialogPort';
import type { ImageSources, KeptResult } from './restoreService';

/** Largest composite written (pixels); bigger layouts are scaled down to this. */
export const MAX_COMPOSITE_PIXELS = 64_000_000;
const BACKGROUND = { r: 30, g: 31, b: 34 };
const BACKGROUND_HEX = '#1e1f22';
const LABEL_COLOR = '#f2f2f2';
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";

export interface ExportServiceOptions {
  results: { result(resultId: string): KeptResult | undefined };
  images: ImageSources;
  dialog: Pick<DialogPort, 'chooseSaveFile'>;
}

/** 8-bit RGB pixels, row-major. */
interface Rgb8 {
  data: Buffer;
  width: number;
  height: number;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One label: text centred on (x, y) (y = the text's middle). */
interface Label {
  text: string;
  x: number;
  y: number;
  size: number;
  /** Draw a dark box behind the text (over image content). */
  boxed?: boolean;
}

/** An SVG of the labels, for sharp to rasterise over the sheet. */
export function labelsSvg(width: number, height: number, labels: readonly Label[]): Buffer {
  const parts = labels.map((l) => {
    const text = `<text x="${l.x.toFixed(1)}" y="${(l.y + l.size * 0.36).toFixed(1)}" font-family="${xmlEscape(FONT)}" font-size="${l.size}" fill="${LABEL_COLOR}" text-anchor="middle">${xmlEscape(l.text)}</text>`;
    if (!l.boxed) return text;
    const w = l.size * (0.62 * l.text.length + 1);
    const h = l.size * 1.6;
    return `<rect x="${(l.x - w / 2).toFixed(1)}" y="${(l.y - h / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" rx="${(l.size * 0.3).toFixed(1)}" fill="${BACKGROUND_HEX}" fill-opacity="0.7"/>${text}`;
  });
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`);
}

/**
 * Limits for images main already holds: photos opened under the app's limits (imageService) and
 * results the engine made from them (an upsampled result may exceed the limits an opened file meets).
 * Their size was checked when they came in, so an export never refuses them.
 */
const HELD_IMAGE_LIMITS = { maxPixels: Number.MAX_SAFE_INTEGER, maxDecodeBytes: Number.MAX_SAFE_INTEGER, maxFileBytes: Number.MAX_SAFE_INTEGER };

/** Decodes an encoded image (upright) to 8-bit RGB at `width` x `height` (alpha flattened onto the sheet's background). */
async function layer(bytes: Uint8Array, name: string, width: number, height: number, fit: 'fill' | 'contain' = 'fill'): Promise<Rgb8> {
  const d = await decodeImage(bytes, HELD_IMAGE_LIMITS, name);
  let samples: Uint8Array;
  if (d.samples instanceof Uint16Array) {
    samples = new Uint8Array(d.samples.length);
    for (let i = 0; i < samples.length; i++) samples[i] = (d.samples[i] ?? 0) >> 8;
  } else {
    samples = d.samples;
  }
  let pipeline = sharp(samples, { raw: { width: d.width, height: d.height, channels: d.channels } });
  if (d.channels === 2 || d.channels === 4) pipeline = pipeline.flatten({ background: BACKGROUND });
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .resize(width, height, { fit, background: BACKGROUND, kernel: 'lanczos3' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Float RGB for writeImage. */
function toRgbImage(img: Rgb8): RgbImage {
  const data = new Float32Array(img.width * img.height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (img.data[i] ?? 0) / 255;
  return { width: img.width, height: img.height, data };
}

/** Scale that keeps `width * height` within the composite limit. */
function fitScale(width: number, height: number): number {
  return Math.min(1, Math.sqrt(MAX_COMPOSITE_PIXELS / (width * height)));
}

const rawInput = (img: Rgb8, left: number, top: number): OverlayOptions => ({
  input: img.data,
  raw: { width: img.width, height: img.height, channels: 3 },
  left,
  top,
});

async function sheet(width: number, height: number, overlays: OverlayOptions[]): Promise<Rgb8> {
  const { data, info } = await sharp({ create: { width, height, channels: 3, background: BACKGROUND } })
    .composite(overlays)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The two sides' words on a sheet: the photo and a result, or two results compared (A and B, as the editor's panes name them). */
export function sideLabels(twoResults: boolean): { before: string; after: string } {
  return twoResults ? { before: 'A', after: 'B' } : { before: 'Before', after: 'After' };
}

/** Before | After, the original resized to the result's size, labels in a band on top. */
export async function composeSideBySide(
  before: { bytes: Uint8Array; name: string },
  after: { bytes: Uint8Array; width: number; height: number },
  words = sideLabels(false),
): Promise<Rgb8> {
  const probeBand = Math.min(200, Math.max(20, Math.round(after.height * 0.06)));
  const probeGap = Math.max(2, Math.round(after.width * 0.01));
  const s = fitScale(2 * after.width + probeGap, after.height + probeBand);
  const w = Math.max(1, Math.round(after.width * s));
  const h = Math.max(1, Math.round(after.height * s));
  const band = Math.min(200, Math.max(20, Math.round(h * 0.06)));
  const gap = Math.max(2, Math.round(w * 0.01));
  const [b, a] = await Promise.all([layer(before.bytes, before.name, w, h), layer(after.bytes, 'result.png', w, h)]);
  const total = 2 * w + gap;
  const size = Math.round(band * 0.55);
  const svg = labelsSvg(total, band, [
    { text: words.before, x: w / 2, y: band / 2, size },
    { text: words.after, x: w + gap + w / 2, y: band / 2, size },
  ]);
  return sheet(total, h + band, [rawInput(b, 0, band), rawInput(a, w + gap, band), { input: svg, left: 0, top: 0 }]);
}

/** The original left of `position` (0-1 of the width), the result right of it, a line at the split, small labels. */
export async function composeWipe(
  before: { bytes: Uint8Array; name: string },
  after: { bytes: Uint8Array; width: number; height: number },
  position: number,
  words = sideLabels(false),
): Promise<Rgb8> {
  const s = fitScale(after.width, after.height);
  const w = Math.max(1, Math.round(after.width * s));
  const h = Math.max(1, Math.round(after.height * s));
  const [b, a] = await Promise.all([layer(before.bytes, before.name, w, h), layer(after.bytes, 'result.png', w, h)]);
  const x = Math.min(w, Math.max(0, Math.round(position * w)));
  const overlays: OverlayOptions[] = [rawInput(b, 0, 0)];
  if (x < w) {
    const right = await sharp(a.data, { raw: { width: w, height: h, channels: 3 } }).extract({ left: x, top: 0, width: w - x, height: h }).raw().toBuffer();
    overlays.push({ input: right, raw: { width: w - x, height: h, channels: 3 }, left: x, top: 0 });
  }
  const line = Math.max(2, Math.round(w / 400));
  const size = Math.min(48, Math.max(10, Math.round(h * 0.035)));
  const labels: Label[] = [];
  if (x > size * 5) labels.push({ text: words.before, x: size * 3, y: size * 1.4, size, boxed: true });
  if (w - x > size * 5) labels.push({ text: words.after, x: w - size * 3, y: size * 1.4, size, boxed: true });
  const lineLeft = Math.min(w - line, Math.max(0, x - Math.floor(line / 2)));
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="${lineLeft}" y="0" width="${line}" height="${h}" fill="${LABEL_COLOR}"/></svg>`,
  );
  overlays.push({ input: svg, left: 0, top: 0 });
  if (labels.length > 0) overlays.push({ input: labelsSvg(w, h, labels), left: 0, top: 0 });
  return sheet(w, h, overlays);
}

/** Cells row-major, each result fitted into the first one's size, its label underneath. */
export async function composeGrid(cells: readonly { bytes: Uint8Array; width: number; height: number; label: string }[], columns: number): Promise<Rgb8> {
  const first = cells[0];
  if (!first) throw new SpireError('export-failed', 'A sweep grid needs at least one result.');
  const cols = Math.max(1, Math.min(columns, cells.length));
  const rows = Math.ceil(cells.length / cols);
  const bandOf = (h: number): number => Math.min(120, Math.max(18, Math.round(h * 0.08)));
  const gapOf = (w: number): number => Math.max(4, Math.round(w * 0.02));
  const layout = (w: number, h: number): { width: number; height: number } => ({
    width: cols * w + (cols + 1) * gapOf(w),
    height: rows * (h + bandOf(h)) + (rows + 1) * gapOf(w),
  });
  const full = layout(first.width, first.height);
  const s = fitScale(full.width, full.height);
  const cw = Math.max(1, Math.round(first.width * s));
  const ch = Math.max(1, Math.round(first.height * s));
  const band = bandOf(ch);
  const gap = gapOf(cw);
  const { width, height } = layout(cw, ch);
  const overlays: OverlayOptions[] = [];
  const labels: Label[] = [];
  const size = Math.round(band * 0.5);
  for (const [i, cell] of cells.entries()) {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const left = gap + col * (cw + gap);
    const top = gap + row * (ch + band + gap);
    overlays.push(rawInput(await layer(cell.bytes, 'result.png', cw, ch, 'contain'), left, top));
    labels.push({ text: cell.label, x: left + cw / 2, y: top + ch + band / 2, size });
  }
  overlays.push({ input: labelsSvg(width, height, labels), left: 0, top: 0 });
  return sheet(width, height, overlays);
}

/** "photo.jpg" -> "photo-restored.png". */
export function suggestedName(sourceName: string, suffix: string, format: ExportFormat): string {
  const base = basename(sourceName, extname(sourceName)) || 'image';
  return `${base}-${suffix}.${EXPORT_EXTENSIONS[format][0] ?? format}`;
}

/** The path to write: the dialog's, or with the format's extension added (then never replacing a file). */
export function outputPath(chosen: string, format: ExportFormat): { path: string; overwrite: boolean } {
  if (formatFromPath(chosen) === format) return { path: chosen, overwrite: true };
  return { path: `${chosen}.${EXPORT_EXTENSIONS[format][0] ?? format}`, overwrite: false };
}

/**
 * The regions' prompts of a run, for an export's metadata: per region (in the order sent: the later
 * wins where they overlap) its semantic prompt and its own restoration prompt (`keep` for Keep as
 * is; absent: it followed the run's). Undefined for a run without regions.
 */
export function regionPromptsMetadata(regions: KeptResult['image']['params']['regions'] | undefined): { prompt: string; restoration?: string }[] | undefined {
  if (!regions || regions.length === 0) return undefined;
  return regions.map((r) => ({
    prompt: r.prompt,
    ...(r.restoration ? { restoration: r.restoration.kind === 'keep' ? KEEP_AS_IS : r.restoration.restorationPrompt } : {}),
  }));
}

/** `{ regions }` for a sweep cell's metadata entry when its run had regions, else nothing. */
function withRegions(kept: KeptResult): { regions?: { prompt: string; restoration?: string }[] } {
  const regions = regionPromptsMetadata(kept.image.params.regions);
  return regions ? { regions } : {};
}

const KIND_SUFFIX: Record<ExportRequest['kind'], string> = { result: 'restored', 'side-by-side': 'before-after', wipe: 'wipe', 'sweep-grid': 'sweep' };
const KIND_TITLE: Record<ExportRequest['kind'], string> = {
  result: 'Export the restored image',
  'side-by-side': 'Export before and after',
  wipe: 'Export the wipe comparison',
  'sweep-grid': 'Export the sweep grid',
};

export class ExportService {
  constructor(private readonly options: ExportServiceOptions) {}

  private kept(resultId: string): KeptResult {
    const kept = this.options.results.result(resultId);
    if (!kept) throw new SpireError('result-gone', 'That result is no longer kept (it was deleted or pushed out of the history). Run the restoration again, then export.');
    return kept;
  }

  private source(imageId: string): { bytes: Uint8Array; name: string } {
    const src = this.options.images.get(imageId);
    if (!src) throw new SpireError('image-not-open', 'The original image is no longer open. Open it again, then export the comparison.');
    return src;
  }

  /**
   * The photo a result was restored from, for its metadata and profile: the opened original, or when
   * it has been closed the held result (it carries the camera EXIF and XMP the engine wrote into it).
   */
  private photoSource(kept: KeptResult): Uint8Array {
    return this.options.images.get(kept.image.imageId)?.bytes ?? kept.image.bytes;
  }

  /** Shows the save dialog and writes the export; null when the user cancelled. */
  async save(request: ExportRequest): Promise<{ path: string } | null> {
    // 1. what to export (fail before the dialog when something is gone)
    const cells = request.kind === 'sweep-grid' ? (request.cells ?? []).map((c) => ({ kept: this.kept(c.resultId), label: c.label })) : [];
    const main = request.kind === 'sweep-grid' ? cells[0]?.kept : request.resultId ? this.kept(request.resultId) : undefined;
    if (!main) throw new SpireError('result-gone', 'Nothing to export: choose a result first.');
    const compared = request.kind === 'side-by-side' || request.kind === 'wipe';
    // Two results compared: the other result on the before side; else the photo.
    const beforeKept = compared && request.beforeResultId ? this.kept(request.beforeResultId) : null;
    const before = !compared ? null : beforeKept ? { bytes: beforeKept.image.bytes, name: 'before.png' } : this.source(request.imageId ?? main.image.imageId);

    // 2. where
    const chosen = await this.options.dialog.chooseSaveFile({
      title: KIND_TITLE[request.kind],
      defaultName: suggestedName(main.sourceName, KIND_SUFFIX[request.kind], request.format),
      format: request.format,
    });
    if (chosen === null) return null;
    const { path, overwrite } = outputPath(chosen, request.format);

    // 3. compose, with the metadata
    const metadata: Record<string, string> = { ...main.metadata, 'spire:export': request.kind };
    const regionPrompts = regionPromptsMetadata(main.image.params.regions);
    if (regionPrompts) metadata['spire:region-prompts'] = JSON.stringify(regionPrompts);
    if (beforeKept) {
      metadata['spire:before-restoration-prompt'] = beforeKept.image.restorationPrompt;
      metadata['spire:before-seed'] = String(beforeKept.image.seed);
    }
    let rgb: RgbImage;
    let alpha: Awaited<ReturnType<typeof readImage>>['alpha'] = null;
    let bitDepth: 8 | 16 = 8;
    switch (request.kind) {
      case 'result': {
        const decoded = await readImage(main.image.bytes, HELD_IMAGE_LIMITS, 'result.png');
        rgb = decoded.rgb;
        alpha = decoded.alpha;
        bitDepth = decoded.bitDepth;
        break;
      }
      case 'side-by-side':
        rgb = toRgbImage(await composeSideBySide(before!, main.image, sideLabels(beforeKept !== null)));
        break;
      case 'wipe':
        rgb = toRgbImage(await composeWipe(before!, main.image, request.wipePosition ?? 0.5, sideLabels(beforeKept !== null)));
        metadata['spire:wipe-position'] = String(request.wipePosition ?? 0.5);
        break;
      case 'sweep-grid': {
        const columns = request.columns ?? Math.ceil(Math.sqrt(cells.length));
        rgb = toRgbImage(await composeGrid(cells.map((c) => ({ ...c.kept.image, label: c.label })), columns));
        // Per cell: the prompts it used (and whether that was the estimate, and its regions'); the sheet keeps what all share.
        for (const key of ['spire:seed', 'spire:restoration-prompt', 'spire:requested-prompt', 'spire:estimate', 'spire:region-prompts']) delete metadata[key];
        const estimate = cells.map((c) => c.kept.metadata['spire:estimate']).find((text) => text !== undefined);
        if (estimate !== undefined) metadata['spire:estimate'] = estimate;
        metadata['spire:cells'] = JSON.stringify(
          cells.map((c) => ({
            label: c.label,
            seed: c.kept.image.seed,
            restorationPrompt: c.kept.image.restorationPrompt,
            ...(c.kept.image.estimate ? { estimated: true } : {}),
            strength: c.kept.image.params.strength,
            ...withRegions(c.kept),
          })),
        );
        break;
      }
    }

    // 4. write atomically; a result carries the photo's camera metadata (and, when asked, its profile)
    const photo = request.kind === 'result' ? this.photoSource(main) : null;
    try {
      await writeImage(path, rgb, alpha, {
        format: request.format,
        ...(request.quality !== undefined ? { quality: request.quality } : {}),
        bitDepth,
        metadata,
        overwrite,
        ...(photo ? { source: photo, colour: request.colour ?? 'srgb', stripLocation: request.stripLocation ?? false } : {}),
      });
    } catch (err) {
      if (isSpireError(err, 'output-exists'))
        throw new SpireError('output-exists', `“${path}” already exists and was left as it is. Export again and choose another name.`);
      throw err;
    }
    return { path };
  }
}
