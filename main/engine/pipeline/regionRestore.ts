/**
 * Regions that restore their own way (common/regions.ts: a region's own restoration prompt, or
 * Keep as is): each DISTINCT restoration is run over the bounding box of the pixels that use it,
 * not over the whole photo, and the results are blended by the regions' feathered masks, later
 * regions over earlier ones. Restorer passes and crops: ./README.md, "Regions that restore their
 * own way".
 *
 *   restorationPlan(regions, feathered, run prompt, [H, W], cfg)       (restore() step 2; no model call)
 *     layers        the run's prompt everywhere, then each region with a restoration over it, in
 *                   order: w_i = m_i * prod_{j > i} (1 - m_j), w_run = prod_j (1 - m_j), m_j the
 *                   region's feathered mask at the padded size (1 - 1e-4 snaps to 1, 1e-4 to 0)
 *     groups        one per distinct restoration: the run's (and regions asking for the same text),
 *                   each other prompt text, each region's `auto` or estimated blind prompt (read from
 *                   its own crop), Keep as is; weight [H * W] = the sum of its layers' w, and the
 *                   bounding box of weight > 0 (which holds the feather: the masks were feathered)
 *   restoreRegions(models, ..., plan)                                  (restore() step 3)
 *     per group     resolve (auto / blind: the estimator on the region's box of the input), then
 *                   sample() at strength 0 (the restorer only) on the box plus the restorer's margin,
 *                   aligned to sizeMultiple; the run's prompt over the whole photo, as a run without
 *                   regions, when some pixel takes it alone (so those pixels are that run's, bit for
 *                   bit); the input's pixels for Keep as is and, at strength 0, for a prompt that
 *                   names nothing
 *     blend         R = sum_g weight_g * R_g  [1, 3, H, W];  per group the adaptor's condition
 *                   (c_rest text, y = R with the group's own crop, weight) for sample() step 6
 *   keepInputPixels(image, input, keepWeight, blend)                   (restore() step 4)
 *                   where the input groups' weight is 1 the input's pixels, exactly; in the
 *                   feather (diffusion only: the blend above already holds it at strength 0)
 *                   out * (1 - w) + input * w
 */
import { estimateDegradation, contractEstimate, type EngineEstimate } from './estimate';
import { cropTensor, reflectIndex } from '../imageOps/convert';
import type { Tensor } from '../tensor/tensor';
import {
  blindDegradationVector,
  resolveAutoPrompt,
  restorationPromptOf,
  type RestorationPrompt,
} from '../../../common/restorationPrompt';
import type { PipelineConfig, SpireModels } from './models';
import { sample, type RegionalRestoration } from './sample';
import { tilingFor } from './tiles';
import type { Mask, PipelineParams, PipelineRegion, RegionRestorationUsed, RestoreHooks, RgbImage } from './types';

/** Weights this close to 0 or 1 are taken as 0 or 1 (float32 feathering leaves 0.99999994 inside a mask). */
const SNAP = 1e-4;

/** A window of the padded image, in pixels. */
export interface Box {
  y: number;
  x: number;
  height: number;
  width: number;
}

/** One distinct restoration and where it applies. */
export interface RestorationGroup {
  /** 'run': the run's prompt; 'prompt': a region's own prompt; 'keep': the input's pixels. */
  kind: 'run' | 'prompt' | 'keep';
  /** The prompt as requested (`auto` and the blind prompt are resolved per group); null for Keep as is. */
  requested: RestorationPrompt | null;
  /** The regions (0-based) that ask for it (none for the run's own layer). */
  regions: number[];
  /** Its weight per pixel of the padded image [H * W]; the groups' weights sum to 1. */
  weight: Float32Array;
  /** The bounding box of weight > 0; null when no pixel uses it. */
  box: Box | null;
  /** Some pixel takes it alone (weight 1). */
  alone: boolean;
}

export interface RestorationPlan {
  height: number;
  width: number;
  groups: RestorationGroup[];
}


/** A mask at the output size, reflect-padded to H x W like the image (convert.ts padToMultiple), snapped. */
function paddedWeights(mask: Mask, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const row = reflectIndex(y, mask.height) * mask.width;
    for (let x = 0; x < W; x++) {
      const v = mask.data[row + reflectIndex(x, mask.width)]!;
      out[y * W + x] = v >= 1 - SNAP ? 1 : v <= SNAP ? 0 : v;
    }
  }
  return out;
}

function boxOf(weight: Float32Array, H: number, W: number): Box | null {
  let y0 = H;
  let y1 = -1;
  let x0 = W;
  let x1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (weight[y * W + x]! > 0) {
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  return y1 < 0 ? null : { y: y0, x: x0, height: y1 - y0 + 1, width: x1 - x0 + 1 };
}

/** Whether a region's prompt is read from its own pixels (so it is a group of its own). */
function readsItsPixels(prompt: RestorationPrompt, params: Pick<PipelineParams, 'useRestorer'>, cfg: PipelineConfig): boolean {
  return prompt.auto || (prompt.blind && params.useRestorer && Boolean(cfg.estimator));
}

/**
 * The restoration layers and their groups (see the file comment), or null when no region restores
 * its own way (the run is then exactly a run without this step). `feathered[i]` is region i's mask
 * at the output size, feathered (regions.ts featheredRegionMask); H x W the padded size.
 */
export function restorationPlan(
  regions: readonly PipelineRegion[],
  feathered: readonly Mask[],
  runPrompt: RestorationPrompt,
  padded: [number, number],
  params: Pick<PipelineParams, 'useRestorer'>,
  cfg: PipelineConfig,
): RestorationPlan | null {
  if (!regions.some((r) => r.restoration)) return null;
  const [H, W] = padded;
  const groups: RestorationGroup[] = [];
  const byKey = new Map<string, RestorationGroup>();
  const groupFor = (key: string, make: () => Omit<RestorationGroup, 'weight' | 'box' | 'alone' | 'regions'>): RestorationGroup => {
    let g = byKey.get(key);
    if (!g) {
      g = { ...make(), regions: [], weight: new Float32Array(H * W), box: null, alone: false };
      byKey.set(key, g);
      groups.push(g);
    }
    return g;
  };
  const run = groupFor('run', () => ({ kind: 'run', requested: runPrompt }));
  // Layers from the last region down: w_i = m_i * remaining, then remaining *= 1 - m_i; what remains is the run's.
  const remaining = new Float32Array(H * W).fill(1);
  for (let i = regions.length - 1; i >= 0; i--) {
    const restoration = regions[i]!.restoration;
    if (!restoration) continue; // a region without its own restoration steers the semantics only
    let group: RestorationGroup;
    if (restoration.kind === 'keep') group = groupFor('keep', () => ({ kind: 'keep', requested: null }));
    else {
      const prompt = restoration.restorationPrompt;
      const own = readsItsPixels(prompt, params, cfg);
      if (!own && !readsItsPixels(runPrompt, params, cfg) && prompt.text === runPrompt.text) group = run;
      else group = groupFor(own ? `region ${i}` : `prompt ${prompt.text}`, () => ({ kind: 'prompt', requested: prompt }));
    }
    group.regions.unshift(i);
    const m = paddedWeights(feathered[i]!, H, W);
    const w = group.weight;
    for (let p = 0; p < m.length; p++) {
      const mp = m[p]!;
      if (mp === 0) continue;
      w[p] = w[p]! + mp * remaining[p]!;
      remaining[p] = remaining[p]! * (1 - mp);
    }
  }
  for (let p = 0; p < remaining.length; p++) run.weight[p] = run.weight[p]! + remaining[p]!;
  for (const g of groups) {
    g.box = boxOf(g.weight, H, W);
    g.alone = g.weight.some((v) => v === 1);
  }
  // Regions are listed in order; keep the groups in the order of their first region (the run's first).
  return { height: H, width: W, groups: [run, ...groups.filter((g) => g !== run).sort((a, b) => a.regions[0]! - b.regions[0]!)] };
}

/**
 * The window a group's restorer pass reads: its box grown by the restorer's margin (one sizeMultiple:
 * the crop's own borders then lie outside what is kept), snapped outwards to the sizeMultiple grid
 * (the restorer's pixel-unshuffle and the views line up with the whole photo's), inside the image.
 */
export function restorerWindow(box: Box, H: number, W: number, cfg: PipelineConfig): Box {
  const s = cfg.sizeMultiple;
  const margin = s;
  const y0 = Math.max(0, Math.floor((box.y - margin) / s) * s);
  const x0 = Math.max(0, Math.floor((box.x - margin) / s) * s);
  const y1 = Math.min(H, Math.ceil((box.y + box.height + margin) / s) * s);
  const x1 = Math.min(W, Math.ceil((box.x + box.width + margin) / s) * s);
  return { y: y0, x: x0, height: y1 - y0, width: x1 - x0 };
}

/** The run's own layer, resolved by restore() step 1 (the estimate of the whole photo). */
export interface ResolvedRun {
  prompt: RestorationPrompt;
  /** The blind prompt's estimate-steered degradation input, when the run has one. */
  degradation?: readonly number[];
}

export interface RegionRestoreInput {
  /** The input at its own size (the estimator reads a region's box of it). */
  input: RgbImage;
  /** The condition image at output size, padded [1, 3, H, W] in [-1, 1]. */
  image: Tensor;
  /** Output / input size ratio. */
  factor: number;
  run: ResolvedRun;
  jpegQualityFromFile: number | null;
}

export interface RegionRestoreResult {
  /** What sample() takes: R blended (null without the restorer) and the adaptor's condition per group. */
  regional: RegionalRestoration;
  /** The weight of the input's own pixels (Keep as is, and prompts naming nothing at strength 0) [H * W]; null when none. */
  keepWeight: Float32Array | null;
  /** Per region, what its restoration used. */
  used: RegionRestorationUsed[];
  /** Restorer passes (one per group that ran it), text encoder included. */
  restorerMs: number;
}

/** A group's prompt with the run's output size (a region's prompt may leave the Upsample clause out). */
function withRunSize(prompt: RestorationPrompt, run: RestorationPrompt): RestorationPrompt {
  const size = run.operations.find((o) => o.key === 'downsample');
  if (!size || prompt.blind || prompt.operations.some((o) => o.key === 'downsample')) return prompt;
  return restorationPromptOf({ ...Object.fromEntries(prompt.operations.map((o) => [o.key, o.value])), downsample: size.value }, false);
}

/** The input's pixels under a box of the padded output (clipped to the output, divided by the factor). */
function inputUnder(input: RgbImage, box: Box, factor: number): RgbImage {
  const x0 = Math.min(input.width - 1, Math.floor(box.x / factor));
  const y0 = Math.min(input.height - 1, Math.floor(box.y / factor));
  const x1 = Math.max(x0 + 1, Math.min(input.width, Math.ceil((box.x + box.width) / factor)));
  const y1 = Math.max(y0 + 1, Math.min(input.height, Math.ceil((box.y + box.height) / factor)));
  const width = x1 - x0;
  const height = y1 - y0;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(input.data.subarray(((y0 + y) * input.width + x0) * 3, ((y0 + y) * input.width + x1) * 3), y * width * 3);
  return { width, height, data };
}

/** `src` [1, 3, h, w] written into `dst` [1, 3, H, W] at (box.y, box.x). */
function paste(dst: Tensor, src: Tensor, box: Box): void {
  const [, , H, W] = dst.dims as [number, number, number, number];
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < box.height; y++) {
      const s = (c * box.height + y) * box.width;
      dst.data.set(src.data.subarray(s, s + box.width), (c * H + box.y + y) * W + box.x);
    }
  }
}

/**
 * Step 3 with regions that restore their own way (the file comment): every group restored over its
 * window, blended into R; the adaptor's condition per group. Strength 0 ends with R.
 */
export async function restoreRegions(
  models: SpireModels,
  source: RegionRestoreInput,
  plan: RestorationPlan,
  params: PipelineParams,
  regions: readonly PipelineRegion[],
  hooks: RestoreHooks,
): Promise<RegionRestoreResult> {
  const cfg = models.config;
  const { height: H, width: W } = plan;
  const { image, run } = source;
  const restorerOnly = params.strength === 0;
  const used: RegionRestorationUsed[] = regions.map((r) => (r.restoration?.kind === 'keep' ? { kind: 'keep' } : null));
  const keepWeight = new Float32Array(H * W);
  let anyKeep = false;
  let restorerMs = 0;
  let passes = 0; // restorer passes before this group's, so progress counts on across groups
  const restored: Tensor | null = params.useRestorer ? { data: new Float32Array(3 * H * W), dims: [1, 3, H, W] } : null;
  const layers: { group: RestorationGroup; window: Box; R: Tensor; text: string }[] = [];

  for (const group of plan.groups) {
    if (!group.box) continue;
    // 1. Resolve: the run's prompt as step 1 resolved it; a region's auto / blind from its own box of the input.
    let prompt: RestorationPrompt | null = null;
    let degradation: readonly number[] | undefined;
    if (group.kind === 'run') {
      prompt = run.prompt;
      degradation = run.degradation;
    } else if (group.kind === 'prompt') {
      const requested = group.requested!;
      let estimate: EngineEstimate | null = null;
      if (readsItsPixels(requested, params, cfg)) {
        estimate = await estimateDegradation(models, inputUnder(source.input, group.box, source.factor), { jpegQualityFromFile: source.jpegQualityFromFile });
      }
      prompt = withRunSize(estimate ? resolveAutoPrompt(requested, estimate.prompt) : requested, run.prompt);
      if (prompt.blind && estimate) degradation = blindDegradationVector(estimate.prompt);
      for (const i of group.regions) used[i] = { kind: 'prompt', requested: requested.text, restorationPrompt: prompt.text, estimate: estimate ? contractEstimate(estimate) : null };
    }
    // 2. Restore over its window (the whole photo for the run's prompt where some pixel takes it alone).
    const input = prompt === null || (restorerOnly && !prompt.blind && prompt.operations.length === 0);
    const window = group.kind === 'run' && group.alone ? { y: 0, x: 0, height: H, width: W } : restorerWindow(group.box, H, W, cfg);
    const crop = cropTensor(image, window.height, window.width, window.y, window.x);
    let R = crop;
    if (!input && params.useRestorer) {
      const offset = passes;
      const out = await sample(
        models,
        crop,
        {
          semanticPrompt: '',
          negativePrompt: '',
          restorationPrompt: prompt!,
          ...(degradation ? { degradation } : {}),
          regions: [],
          steps: params.steps,
          guidanceScale: params.guidanceScale,
          eta: params.eta,
          seed: params.seed,
          strength: 0,
          scheduler: params.scheduler,
          useRestorer: true,
          restorerViews: params.restorerViews,
          tiling: tilingFor(window.height, window.width, params.tileSize, params.tileOverlap, cfg),
        },
        {
          ...hooks,
          onRestorer: (p) => {
            passes = offset + p.pass;
            hooks.onRestorer?.({ ...p, pass: offset + p.pass, totalPasses: offset + p.totalPasses });
          },
        },
      );
      R = out.image;
      restorerMs += out.timings.encodeMs + out.timings.restorerMs;
    }
    if (input) {
      anyKeep = true;
      for (let p = 0; p < keepWeight.length; p++) keepWeight[p] = keepWeight[p]! + group.weight[p]!;
    }
    layers.push({ group, window, R, text: input ? '' : prompt!.text });
    // 3. Blend: R += weight * R_g over the window (0 + 1 * v = v: a pixel one group takes alone is that group's, exactly).
    if (restored) {
      const w = group.weight;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < window.height; y++) {
          for (let x = 0; x < window.width; x++) {
            const p = (window.y + y) * W + window.x + x;
            const wp = w[p]!;
            if (wp === 0) continue;
            const i = c * H * W + p;
            restored.data[i] = restored.data[i]! + wp * R.data[(c * window.height + y) * window.width + x]!;
          }
        }
      }
    }
  }

  // The adaptor's condition per group: y = R (or the condition image) with the group's own restoration in its window.
  const base = restored ?? image;
  const conditions = layers.map(({ group, window, R, text }) => {
    const y: Tensor = { data: base.data.slice(), dims: base.dims };
    paste(y, R, window);
    return { restorationText: text, y, weight: group.weight };
  });
  return { regional: { restored, conditions }, keepWeight: anyKeep ? keepWeight : null, used, restorerMs };
}

/**
 * Keep as is (and a prompt that names nothing at strength 0) gives the input's pixels: where their
 * weight is 1, exactly (no [-1, 1] round trip); in the feathered edge, when diffusion ran (`blend`),
 * out * (1 - w) + input * w. `keepWeight` is at the padded size [H * W]; images at the output size.
 */
export function keepInputPixels(image: RgbImage, input: RgbImage, keepWeight: Float32Array, paddedWidth: number, blend: boolean): RgbImage {
  const out = image.data;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const w = keepWeight[y * paddedWidth + x]!;
      if (w === 0 || (w < 1 && !blend)) continue;
      const i = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++) out[i + c] = w === 1 ? input.data[i + c]! : out[i + c]! * (1 - w) + input.data[i + c]! * w;
    }
  }
  return image;
}
