/**
 * The degradation estimator's recipe: read what is wrong with a photo and write it as a restoration
 * prompt (models/spire/estimator.py is the reference; its names in brackets).
 *
 *   estimateDegradation(models, image, { jpegQualityFromFile })
 *     1. patches      patchGrid [patch_grid]: up to `maxPatches` squares of side `patch` spread evenly
 *                     over the photo at its own resolution (never resized: that would hide noise and
 *                     JPEG blocks), each corner on the photo's 8x8 grid, where a JPEG's blocks lie;
 *                     RGB [0, 1] -> [N, 3, S, S] in [-1, 1]
 *     2. estimator    one batch: logits, values, log_scales [N, K], K = the pack's estimator.operations
 *     3. aggregate    [aggregate] per operation: probability = sigmoid(mean of the logits); value = the
 *                     patches' values weighted by softmax(-log_scale) (a patch that cannot tell, such as
 *                     flat sky for blur, learned a large scale), in grammar units; blur over the sharper
 *                     half of the patches only (SHARPER_SHARE)
 *     4. prompt       [estimate_prompt] each operation whose probability reaches the pack's threshold,
 *                     its value on the grammar's grid; a JPEG quality read from the file's quantisation
 *                     tables (image/jpegQuality.ts) replaces the JPEG estimate when it is within the
 *                     grammar's range (<= 92): above that the file's own compression is too mild to name
 *                     and the pixels' reading stands (it may see an earlier, harsher compression)
 *
 * A clean photo gives the empty prompt "" (the pipeline then leaves it alone). The cost does not grow
 * with the photo: at most maxPatches x patch^2 pixels are read.
 */
import type { EstimatedOperation, DegradationEstimate } from '../../../common/estimate';
import { RESTORATION_GRAMMAR, restorationPromptOf, type RestorationPrompt } from '../../../common/restorationPrompt';
import { SpireError } from '../../../common/errors';
import type { RgbImage } from './types';
import type { SpireModels } from './models';

/** How a pack's estimator reads a photo (manifest `estimator`). */
export interface EstimatorConfig {
  /** Operation keys in the order of the outputs' columns. */
  operations: readonly EstimatedOperation['key'][];
  patch: number;
  maxPatches: number;
  presenceThreshold: number;
}

/** What the estimator graph returns for N patches: [N, K] each. */
export interface EstimatorOutput {
  logits: Float32Array;
  values: Float32Array;
  logScales: Float32Array;
}

/** A patch: top-left corner and side, in pixels. */
export interface PatchRect {
  y: number;
  x: number;
  side: number;
}

/**
 * Up to `maxPatches` patches spread evenly over a height x width photo, corners on its 8x8 grid
 * (estimator.py patch_grid, whole-number arithmetic on both sides). The side is `patch`, or the
 * photo's shorter side floored to a multiple of 8 when it is smaller; rows x cols is the most even
 * grid with at most maxPatches patches and no more per side than fit without overlapping.
 */
export function patchGrid(height: number, width: number, patch: number, maxPatches: number): PatchRect[] {
  const side = Math.min(patch, height - (height % 8), width - (width % 8));
  if (side < 8) throw new Error(`A ${width} x ${height} image is too small to estimate its degradation: it needs at least 8 x 8 pixels.`);
  const fitR = Math.max(1, Math.floor(height / side));
  const fitC = Math.max(1, Math.floor(width / side));
  let rows = Math.max(1, Math.min(fitR, Math.floor(Math.sqrt((maxPatches * height) / width))));
  const cols = Math.max(1, Math.min(fitC, Math.floor(maxPatches / rows)));
  rows = Math.max(1, Math.min(fitR, Math.floor(maxPatches / cols)));
  const starts = (n: number, length: number): number[] =>
    n === 1
      ? [Math.floor(Math.floor((length - side) / 2) / 8) * 8]
      : Array.from({ length: n }, (_, i) => Math.floor(Math.floor((i * (length - side)) / (n - 1)) / 8) * 8);
  const out: PatchRect[] = [];
  for (const y of starts(rows, height)) for (const x of starts(cols, width)) out.push({ y, x, side });
  return out;
}

/** The patches of an RgbImage as one batch [N, 3, S, S] in [-1, 1]. */
export function patchesOf(image: RgbImage, rects: readonly PatchRect[]): { data: Float32Array; dims: number[] } {
  const S = (rects[0] as PatchRect).side;
  const plane = S * S;
  const data = new Float32Array(rects.length * 3 * plane);
  rects.forEach((r, n) => {
    const base = n * 3 * plane;
    for (let yy = 0; yy < S; yy++) {
      let src = ((r.y + yy) * image.width + r.x) * 3;
      const row = yy * S;
      for (let xx = 0; xx < S; xx++, src += 3) {
        data[base + row + xx] = (image.data[src] as number) * 2 - 1;
        data[base + plane + row + xx] = (image.data[src + 1] as number) * 2 - 1;
        data[base + 2 * plane + row + xx] = (image.data[src + 2] as number) * 2 - 1;
      }
    }
  });
  return { data, dims: [rects.length, 3, S, S] };
}

const LOG_SCALE_RANGE = [-7, 3] as const; // estimator.py: the training loss clamps log b to this range

/**
 * estimator.py SHARPER_SHARE: blur is read from the sharper half of the patches (the lowest blur logits), since a
 * blur of the whole photo shows in its sharpest parts too and a photo's own defocus does not.
 */
const SHARPER_SHARE: Readonly<Record<string, number>> = { blur: 0.5 };

function specOf(key: string) {
  const spec = RESTORATION_GRAMMAR.operations.find((o) => o.key === key);
  if (!spec) throw new Error(`The estimator reads "${key}", which the restoration grammar does not know.`);
  return spec;
}

/** Per operation: probability and value in grammar units (not yet on the grid), from N patches' outputs. */
export function aggregateEstimate(config: EstimatorConfig, out: EstimatorOutput, patches: number): { key: EstimatedOperation['key']; probability: number; value: number }[] {
  const K = config.operations.length;
  const clampedLogScale = (n: number, k: number): number => Math.min(LOG_SCALE_RANGE[1], Math.max(LOG_SCALE_RANGE[0], out.logScales[n * K + k] as number));
  return config.operations.map((key, k) => {
    // The patches this operation is read from: all, or the sharper share (lowest logits first, a stable order).
    let rows = Array.from({ length: patches }, (_, n) => n);
    const share = SHARPER_SHARE[key];
    if (share !== undefined) {
      rows = rows.sort((a, b) => (out.logits[a * K + k] as number) - (out.logits[b * K + k] as number) || a - b).slice(0, Math.max(1, Math.ceil(patches * share)));
    }
    let logit = 0;
    let maxW = -Infinity;
    for (const n of rows) {
      logit += out.logits[n * K + k] as number;
      maxW = Math.max(maxW, -clampedLogScale(n, k));
    }
    let sw = 0;
    let sv = 0;
    for (const n of rows) {
      const w = Math.exp(-clampedLogScale(n, k) - maxW);
      sw += w;
      sv += w * (out.values[n * K + k] as number);
    }
    const spec = specOf(key);
    return { key, probability: 1 / (1 + Math.exp(-logit / rows.length)), value: spec.min + (sv / sw) * (spec.max - spec.min) };
  });
}

/** The rounding of the grammar's grid, as prompts.py's quantize (round to `decimals`). */
function onGrid(key: string, value: number): number {
  const spec = specOf(key);
  return Number(Math.min(spec.max, Math.max(spec.min, value)).toFixed(spec.decimals));
}

/** Per-operation answers -> the estimate (operations, prompt), with a JPEG file's own quality when it overrides. */
export function estimateFromOperations(
  config: EstimatorConfig,
  ops: readonly { key: EstimatedOperation['key']; probability: number; value: number }[],
  jpegQualityFromFile: number | null,
): { operations: EstimatedOperation[]; prompt: RestorationPrompt; jpegQualityFromFile: number | null } {
  const jpeg = specOf('jpeg');
  const fileOverrides = jpegQualityFromFile !== null && jpegQualityFromFile <= jpeg.max && config.operations.includes('jpeg');
  const operations: EstimatedOperation[] = ops.map((o) => {
    if (o.key === 'jpeg' && fileOverrides) {
      return { key: o.key, probability: 1, value: onGrid('jpeg', jpegQualityFromFile as number), present: true, source: 'file' };
    }
    return { key: o.key, probability: o.probability, value: onGrid(o.key, o.value), present: o.probability >= config.presenceThreshold, source: 'pixels' };
  });
  const values: Record<string, number> = {};
  for (const o of operations) if (o.present) values[o.key] = o.value;
  return { operations, prompt: restorationPromptOf(values), jpegQualityFromFile: fileOverrides ? (jpegQualityFromFile as number) : null };
}

export interface EstimateOptions {
  /** The quality a JPEG file's quantisation tables give (image/jpegQuality.ts), or null. */
  jpegQualityFromFile?: number | null;
}

/** The estimate with its parsed prompt (the contract's DegradationEstimate carries the text). */
export interface EngineEstimate extends DegradationEstimate {
  prompt: RestorationPrompt;
}

/** The estimate as the contract carries it (without the parsed prompt). */
export function contractEstimate(e: EngineEstimate): DegradationEstimate {
  return { restorationPrompt: e.restorationPrompt, operations: e.operations, jpegQualityFromFile: e.jpegQualityFromFile, patches: e.patches, ms: e.ms };
}

/** Steps 1-4: reads one photo. Throws when the pack has no estimator. */
export async function estimateDegradation(models: SpireModels, image: RgbImage, options: EstimateOptions = {}): Promise<EngineEstimate> {
  const config = models.config.estimator;
  if (!config || !models.estimator) {
    throw new Error('This model pack has no degradation estimator, so it cannot read what is wrong with the photo: type the restoration prompt (e.g. "Denoise with sigma 0.05;").');
  }
  const start = performance.now();
  // 1. Patches.
  const rects = patchGrid(image.height, image.width, config.patch, config.maxPatches);
  const batch = patchesOf(image, rects); // [N, 3, S, S]
  // 2. Estimator.
  const out = await models.estimator(batch);
  for (const [name, t] of Object.entries(out)) {
    if (t.length !== rects.length * config.operations.length) throw new Error(`The estimator returned ${t.length} ${name}; ${rects.length} patches x ${config.operations.length} operations were expected.`);
    for (const v of t) if (!Number.isFinite(v)) throw new SpireError('bad-output', `The estimator produced ${String(v)}; the model pack or execution provider is not numerically sound. Try the cpu provider.`);
  }
  // 3. Aggregate; 4. prompt.
  const est = estimateFromOperations(config, aggregateEstimate(config, out, rects.length), options.jpegQualityFromFile ?? null);
  return { ...est, restorationPrompt: est.prompt.text, patches: rects.length, ms: performance.now() - start };
}
