/**
 * Region masks on their way to the model: every mask is resized at most once (area, to the output
 * size), feathered once (Gaussian) and averaged once to latent resolution, all here.
 *
 *   RegionPrompt (types.ts)   mask [H, W] in image pixels, drawn on the input or on the output
 *     fitRegionMasks          the job's boundary: a mask of any other size (a CLI mask image) ->
 *                             output size, area (the pipeline itself refuses other sizes)
 *     regionToLatent          input size -> output size (area); feathered (Gaussian, `featherPx`
 *                             output pixels, default f = one latent cell); reflect-padded like the
 *                             image and area-averaged to the latent (imageOps/masks.ts)
 *   LatentRegion (sample.ts)  mask [h * w] at latent resolution, with its prompt
 *   Region (../guidance.ts)   mask [th * tw] of one tile (the guider crops), no prompt
 */
import { featherMask, maskToLatent } from '../imageOps/masks';
import { resizeMask } from '../imageOps/resize';
import type { LatentRegion } from './sample';
import type { RegionPrompt } from './types';

/** The output size for an input of `height` x `width` and an `Upsample to Kx` factor (1 without one). */
export function outputSize(height: number, width: number, factor: number): [number, number] {
  return [Math.round(height * factor), Math.round(width * factor)];
}

/**
 * Masks at the input's or the output's size are kept as drawn; any other size is resized (area)
 * to the output size, so restore() resizes no mask twice.
 */
export function fitRegionMasks(regions: readonly RegionPrompt[], inSize: [number, number], factor: number): RegionPrompt[] {
  const [outH, outW] = outputSize(inSize[0], inSize[1], factor);
  const fits = (h: number, w: number): boolean => (h === inSize[0] && w === inSize[1]) || (h === outH && w === outW);
  return regions.map((r) => (fits(r.mask.height, r.mask.width) ? r : { ...r, mask: resizeMask(r.mask, outH, outW, 'area') }));
}

/**
 * A region with its mask at the input's or the output's size -> the latent region sample() takes:
 * at output size (area), feathered, to latent resolution [h, w] = latent.
 */
export function regionToLatent(region: RegionPrompt, index: number, inSize: [number, number], outSize: [number, number], latent: [number, number], f: number): LatentRegion {
  const { mask } = region;
  const [outH, outW] = outSize;
  const atOutput = mask.height === outH && mask.width === outW;
  if (!(atOutput || (mask.height === inSize[0] && mask.width === inSize[1])) || mask.data.length !== mask.width * mask.height) {
    throw new Error(`Region ${index + 1} mask is ${mask.width} x ${mask.height}; draw it on the image (${inSize[1]} x ${inSize[0]}).`);
  }
  const full = atOutput ? mask : resizeMask(mask, outH, outW, 'area');
  const feathered = featherMask(full, region.featherPx ?? f);
  return {
    mask: maskToLatent(feathered, latent[0], latent[1], f).data,
    prompt: region.prompt,
    ...(region.guidanceScale !== undefined ? { guidanceScale: region.guidanceScale } : {}),
  };
}
