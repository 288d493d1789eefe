/**
 * Tiles over the latent for images larger than the pack's native resolution, and the
 * weights that blend overlapping tiles without seams.
 *
 * Along one axis of `size` with tiles of `tile` and at least `overlap` shared cells, tile
 * starts are spread evenly from 0 to size - tile (both ends always covered). Each tile's
 * weight is 1 in its interior and ramps linearly to a small floor across the overlap on the
 * sides that face another tile (never on a side at the image border), so the normalised
 * blend sum_k w_k x_k / sum_k w_k is a partition of unity that fades each tile out where its
 * neighbour fades in. `step` keeps starts on a grid (the UNet's size multiple in latent cells).
 */

export interface Tile {
  /** Top-left corner and size, in latent cells. */
  top: number;
  left: number;
  height: number;
  width: number;
}

export interface TilePlan {
  height: number;
  width: number;
  tiles: Tile[];
}

function axisStarts(size: number, tile: number, overlap: number, step: number): number[] {
  if (size <= tile) return [0];
  const stride = tile - overlap;
  const count = Math.ceil((size - tile) / stride) + 1;
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    const ideal = ((size - tile) * i) / (count - 1);
    starts.push(Math.min(size - tile, Math.round(ideal / step) * step));
  }
  return [...new Set(starts)];
}

/**
 * Plans tiles of at most tile x tile latent cells over a height x width latent. `step` (the
 * UNet's size multiple in latent cells) divides tile, size and every start.
 */
export function planLatentTiles(height: number, width: number, tile: number, overlap: number, step = 1): TilePlan {
  if (!(tile >= step && tile % step === 0)) throw new Error(`Tile size ${tile} must be a positive multiple of ${step} latent cells.`);
  if (!(overlap >= 0 && overlap < tile)) throw new Error(`Tile overlap ${overlap} must be at least 0 and smaller than the tile (${tile}).`);
  const ys = axisStarts(height, tile, overlap, step);
  const xs = axisStarts(width, tile, overlap, step);
  const tiles: Tile[] = [];
  for (const top of ys) {
    for (const left of xs) tiles.push({ top, left, height: Math.min(tile, height), width: Math.min(tile, width) });
  }
  return { height, width, tiles };
}

function axisRamp(start: number, length: number, size: number, ramp: number): Float32Array {
  const w = new Float32Array(length);
  const floor = 1e-3;
  for (let i = 0; i < length; i++) {
    let v = 1;
    if (start > 0 && ramp > 0) v = Math.min(v, (i + 0.5) / ramp);
    if (start + length < size && ramp > 0) v = Math.min(v, (length - i - 0.5) / ramp);
    w[i] = Math.max(floor, v);
  }
  return w;
}

/** [height * width] blend weight of one tile (1 inside, ramps across the overlap towards neighbours). */
export function tileWeights(plan: TilePlan, tile: Tile, overlap: number): Float32Array {
  const wy = axisRamp(tile.top, tile.height, plan.height, overlap);
  const wx = axisRamp(tile.left, tile.width, plan.width, overlap);
  const out = new Float32Array(tile.height * tile.width);
  for (let y = 0; y < tile.height; y++) for (let x = 0; x < tile.width; x++) out[y * tile.width + x] = (wy[y] as number) * (wx[x] as number);
  return out;
}
