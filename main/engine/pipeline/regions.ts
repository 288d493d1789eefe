/**
 * Region masks on their way to the model: every mask is resized at most once (area, to the output
 * size), feathered once (Gaussian) and averaged once to latent resolution, all here.
 *
 *   RegionPrompt (types.ts)   mask [H, W] in image pixels, drawn on the input or on the output
 *     fitRegionMasks          the job's boundary: a mask of any other size (a CLI mask image) ->
 *                             output size, area (the pipeline itself refuses other sizes)
 *     featheredRegionMask     input size -> output size (area); feathered (Gaussian, `featherPx`
 *                             output pixels, default f = one latent cell): once per mask
 *     latentRegionOf          reflect-padded like the image and area-averaged to the latent
 *                             (imageOps/masks.ts); regionToLatent = both
 *     restorationLayers       (regionRestore.ts) the feathered masks of regions with their own
 *                             restoration, stacked, as per-pixel weights of each restoration
 *   LatentRegion (sample.ts)  mask [h * w] at latent resolution, with its prompt
 *   Region (../guidance.ts)   mask [th * tw] of one tile (the guider crops), no prompt
 */
import { featherMask, maskToLatent } from '../imageOps/masks';
import { resizeMask } from '../imageOps/resize';
import type { LatentRegion } from './sample';
import type { Mask, RegionPrompt } from './types';

/** What the mask path reads of a region (RegionPrompt or PipelineRegion). */
export type RegionShape = Pick<RegionPrompt, 'mask' | 'prompt' | 'guidanceScale' | 'featherPx'>;

/** The output size for an input of `height` x `width` and an `Upsample to Kx` factor (1 without one). */
export function outputSize(height: number, width: number, factor: number): [number, number] {
  return [Math.round(height * factor), Math.round(width * factor)];
}

/**
 * Masks at the input's or the output's size are kept as drawn; any other size is resized (area)
 * to the output size, so restore() resizes no mask twice.
 */
export function fitRegionMasks<R extends { mask: Mask }>(regions: readonly R[], inSize: [number, number], factor: number): R[] {
  const [outH, outW] = outputSize(inSize[0], inSize[1], factor);
  const fits = (h: number, w: number): boolean => (h === inSize[0] && w === inSize[1]) || (h === outH && w === outW);
  return regions.map((r) => (fits(r.mask.height, r.mask.width) ? r : { ...r, mask: resizeMask(r.mask, outH, outW, 'area') }));
}

/**
 * A region's mask at the output size, feathered (Gaussian, `featherPx` output pixels, default f):
 * the one resize and the one feather. The latent region (regionToLatent) and the restoration layers
 * (regionRestore.ts) both start from it.
 */
export function featheredRegionMask(region: RegionShape, index: number, inSize: [number, number], outSize: [number, number], f: number): Mask {
  const { mask } = region;
  const [outH, outW] = outSize;
  const atOutput = mask.height === outH && mask.width === outW;
  if (!(atOutput || (mask.height === inSize[0] && mask.width === inSize[1])) || mask.data.length !== mask.width * mask.height) {
    throw new Error(`Region ${index + 1} mask is ${mask.width} x ${mask.height}; draw it on the image (${inSize[1]} x ${inSize[0]}).`);
  }
  const full = atOutput ? mask : resizeMask(mask, outH, outW, 'area');
  return featherMask(full, region.featherPx ?? f);
}

/** A region and its feathered mask (featheredRegionMask) -> the latent region sample() takes [h, w] = latent. */
export function latentRegionOf(region: RegionShape, feathered: Mask, latent: [number, number], f: number): LatentRegion {
  return {
    mask: maskToLatent(feathered, latent[0], latent[1], f).data,
    prompt: region.prompt,
    ...(region.guidanceScale !== undefined ? { guidanceScale: region.guidanceScale } : {}),
  };
}

/**
 * A region with its mask at the input's or the output's size -> the latent region sample() takes:
 * at output size (area), feathered, to latent resolution [h, w] = latent.
 */
export function regionToLatent(region: RegionShape, index: number, inSize: [number, number], outSize: [number, number], latent: [number, number], f: number): LatentRegion {
  return latentRegionOf(region, featheredRegionMask(region, index, inSize, outSize, f), latent, f);
}
