/**
 * Tiled processing of large images and latents: plan overlapping tiles, run a model on one
 * tile at a time, blend the outputs with smooth weights.
 *
 * 1. `planTiles(height, width, tile, overlap, multiple)` lays a grid of tiles (row-major):
 *    per axis, the fewest evenly spread starts such that neighbours overlap by >= `overlap`,
 *    every start a multiple of `multiple`, the first tile at 0 and the last flush with the
 *    far edge. An axis no longer than `tile` gets one tile of the full size. With `fit`, each
 *    axis's tiles are first shortened to the least length that needs no more of them
 *    (`fitTileLength`): evenly spread full-size tiles can overlap far more than asked (a 752-
 *    cell side in 64-cell tiles at overlap 8: 14 tiles overlapping by 8-9 cells, but 13 tiles
 *    of 62 at overlap 4), and every overlapping sample is computed twice.
 * 2. `blendWeights(rect, margin)` gives each tile separable weights w(y, x) = wy[y] * wx[x].
 *    Along an edge shared with a neighbour that overlaps it by o pixels the weight is 0 for
 *    the first `margin` pixels, then rises as a raised cosine
 *        w(d) = 0.5 - 0.5 cos(pi (d - margin + 0.5) / (o - 2 margin)),   d = distance from the edge,
 *    to 1 at o - margin; at the image border it is 1 all the way. For two neighbours the
 *    weights over their overlap sum to exactly 1 (cos(pi (1 - t)) = -cos(pi t)). With margin 0
 *    the edge weight is sin^2(pi / 4o), a small epsilon; with margin >= a model's receptive
 *    radius, pixels whose tile output saw the tile border get weight 0, so a tiled linear
 *    convolution reproduces the untiled one exactly.
 * 3. `TileBlender` accumulates weighted tiles into [P, H, W] (P planes: N * C) and divides by
 *    the weight sum. The grid makes the sum separable: sum = Sy[y] * Sx[x], so no [H, W]
 *    weight buffer is kept. `accumulateTiles` and `tiledMap` run the per-tile function
 *    strictly one tile at a time (each call is awaited before the next starts), so only one
 *    tile's input and output are alive besides the full output.
 *
 * `tiledMap` handles models whose output is `scale` times the input size: the VAE decoder
 * (latent -> pixels, scale = f) and encoder (pixels -> latent, scale = 1/f; tiles then start
 * on multiples of f so they map to whole latent pixels). Tile size, overlap and margin are in
 * input units.
 */
import type { Tensor } from '../tensor/tensor';

export interface TileRect {
  /** Position in the plan's row-major order. */
  index: number;
  row: number;
  col: number;
  y: number;
  x: number;
  height: number;
  width: number;
  /** Overlap with the neighbour on each side, 0 at the image border. */
  overlapTop: number;
  overlapBottom: number;
  overlapLeft: number;
  overlapRight: number;
}

export interface TilePlan {
  height: number;
  width: number;
  /** Starts and lengths of the tile rows and columns. */
  rowStarts: number[];
  colStarts: number[];
  tileHeight: number;
  tileWidth: number;
  tiles: TileRect[];
}

/** Separable blend weights of one tile: w(y, x) = y[y] * x[x]. */
export interface TileWeights {
  y: Float32Array; // [tileHeight]
  x: Float32Array; // [tileWidth]
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`Tiling: ${name} must be an integer >= ${min}, got ${v}.`);
}

/**
 * Tile starts along one axis of `size` samples (see the file comment). `size`, `tile` must
 * be multiples of `multiple`; `tile - overlap` at least `multiple`.
 */
export function tileStarts(size: number, tile: number, overlap: number, multiple = 1): number[] {
  checkInt('size', size, 1);
  checkInt('tile', tile, 1);
  checkInt('overlap', overlap, 0);
  checkInt('multiple', multiple, 1);
  if (tile % multiple !== 0) throw new Error(`Tiling: tile size ${tile} must be a multiple of ${multiple}.`);
  if (size % multiple !== 0) {
    throw new Error(`Tiling: image side ${size} is not a multiple of ${multiple}; pad it first (imageOps/convert.ts padToMultiple).`);
  }
  if (size <= tile) return [0];
  if (tile - overlap < multiple) {
    throw new Error(`Tiling: overlap ${overlap} leaves tiles of ${tile} no room to advance by ${multiple}; use an overlap <= ${tile - multiple}.`);
  }
  const span = size - tile; // a multiple of `multiple`
  for (let n = Math.max(2, Math.ceil((size - overlap) / (tile - overlap))); ; n++) {
    const starts: number[] = [];
    for (let i = 0; i < n; i++) starts.push(Math.round((i * span) / (n - 1) / multiple) * multiple);
    let ok = true;
    for (let i = 1; i < n && ok; i++) {
      const gap = starts[i]! - starts[i - 1]!;
      ok = gap > 0 && gap <= tile - overlap;
    }
    if (ok) return starts;
  }
}

/**
 * The shortest tile length (a multiple of `multiple`, at most `tile`) that covers `size` with as
 * many tiles as `tile` itself needs: neighbours then overlap by about `overlap`, not by whatever
 * the last tile has left over. A side no longer than `tile` is one tile of the full side.
 */
export function fitTileLength(size: number, tile: number, overlap: number, multiple = 1): number {
  const n = tileStarts(size, tile, overlap, multiple).length;
  if (n === 1) return Math.min(tile, size);
  // n tiles of length L with overlaps of `overlap` cover n L - (n - 1) overlap samples.
  const least = Math.ceil((size + (n - 1) * overlap) / n / multiple) * multiple;
  for (let length = Math.max(least, overlap + multiple); length < tile; length += multiple) {
    if (tileStarts(size, length, overlap, multiple).length === n) return length;
  }
  return tile;
}

/**
 * A grid of overlapping tiles covering height x width (row-major). `fit`: each axis gets the
 * shortest tile length that needs no more tiles than `tile` does (fitTileLength), so the tiles
 * repeat only the overlap that blending needs; tiles may then be shorter than `tile` and not square.
 */
export function planTiles(height: number, width: number, tile: number, overlap: number, multiple = 1, fit = false): TilePlan {
  const tileHeight = fit ? fitTileLength(height, tile, overlap, multiple) : Math.min(tile, height);
  const tileWidth = fit ? fitTileLength(width, tile, overlap, multiple) : Math.min(tile, width);
  const rowStarts = tileStarts(height, fit ? tileHeight : tile, overlap, multiple);
  const colStarts = tileStarts(width, fit ? tileWidth : tile, overlap, multiple);
  const tiles: TileRect[] = [];
  rowStarts.forEach((y, row) => {
    colStarts.forEach((x, col) => {
      tiles.push({
        index: tiles.length,
        row,
        col,
        y,
        x,
        height: tileHeight,
        width: tileWidth,
        overlapTop: row > 0 ? rowStarts[row - 1]! + tileHeight - y : 0,
        overlapBottom: row < rowStarts.length - 1 ? y + tileHeight - rowStarts[row + 1]! : 0,
        overlapLeft: col > 0 ? colStarts[col - 1]! + tileWidth - x : 0,
        overlapRight: col < colStarts.length - 1 ? x + tileWidth - colStarts[col + 1]! : 0,
      });
    });
  });
  return { height, width, rowStarts, colStarts, tileHeight, tileWidth, tiles };
}

/** Weight at distance d from an edge shared over `o` pixels (1 if the edge is the image border). */
function ramp(d: number, o: number, margin: number): number {
  if (o === 0) return 1;
  const m = Math.min(margin, Math.floor((o - 1) / 2));
  if (d < m) return 0;
  if (d >= o - m) return 1;
  return 0.5 - 0.5 * Math.cos((Math.PI * (d - m + 0.5)) / (o - 2 * m));
}

function axisWeights(length: number, before: number, after: number, margin: number): Float32Array {
  const w = new Float32Array(length);
  for (let i = 0; i < length; i++) w[i] = ramp(i, before, margin) * ramp(length - 1 - i, after, margin);
  return w;
}

/**
 * Blend weights of a tile: raised-cosine ramps over each overlap shared with a neighbour,
 * 1 inside and along the image border; 0 in the first `margin` pixels of a shared edge
 * (margin is limited to (overlap - 1) / 2 so every pixel keeps some weight).
 */
export function blendWeights(rect: TileRect, margin = 0): TileWeights {
  checkInt('margin', margin, 0);
  return {
    y: axisWeights(rect.height, rect.overlapTop, rect.overlapBottom, margin),
    x: axisWeights(rect.width, rect.overlapLeft, rect.overlapRight, margin),
  };
}

/** The plan with every coordinate multiplied by `scale` (must give integers): input tiles -> output tiles. */
export function scalePlan(plan: TilePlan, scale: number): TilePlan {
  const s = (v: number, what: string): number => {
    const r = v * scale;
    const k = Math.round(r);
    if (Math.abs(r - k) > 1e-9) throw new Error(`Tiling: ${what} ${v} times scale ${scale} is not a whole number of output pixels.`);
    return k;
  };
  if (scale === 1) return plan;
  return {
    height: s(plan.height, 'height'),
    width: s(plan.width, 'width'),
    rowStarts: plan.rowStarts.map((v) => s(v, 'tile row start')),
    colStarts: plan.colStarts.map((v) => s(v, 'tile column start')),
    tileHeight: s(plan.tileHeight, 'tile height'),
    tileWidth: s(plan.tileWidth, 'tile width'),
    tiles: plan.tiles.map((t) => ({
      ...t,
      y: s(t.y, 'tile y'),
      x: s(t.x, 'tile x'),
      height: s(t.height, 'tile height'),
      width: s(t.width, 'tile width'),
      overlapTop: s(t.overlapTop, 'overlap'),
      overlapBottom: s(t.overlapBottom, 'overlap'),
      overlapLeft: s(t.overlapLeft, 'overlap'),
      overlapRight: s(t.overlapRight, 'overlap'),
    })),
  };
}

/**
 * Accumulates weighted tiles of a plan into [planes, H, W] and normalises by the weight sum.
 * Add each tile once (any order), then call `finish()`.
 */
export class TileBlender {
  readonly output: Float32Array; // [planes, H, W]
  private readonly weights: TileWeights[];
  private readonly invSumY: Float64Array; // [H]
  private readonly invSumX: Float64Array; // [W]
  private readonly seen: Uint8Array;
  private added = 0;

  constructor(
    readonly plan: TilePlan,
    readonly planes: number,
    readonly margin = 0,
  ) {
    checkInt('planes', planes, 1);
    this.output = new Float32Array(planes * plan.height * plan.width);
    this.weights = plan.tiles.map((t) => blendWeights(t, margin));
    this.seen = new Uint8Array(plan.tiles.length);
    // The grid makes the weight sum separable: sum_tiles wy * wx = (sum_rows wy) (sum_cols wx).
    this.invSumY = this.axisSum(plan.height, plan.rowStarts, (t) => t.col === 0, 'y');
    this.invSumX = this.axisSum(plan.width, plan.colStarts, (t) => t.row === 0, 'x');
  }

  private axisSum(size: number, starts: number[], pick: (t: TileRect) => boolean, axis: 'y' | 'x'): Float64Array {
    const sum = new Float64Array(size);
    for (const t of this.plan.tiles) {
      if (!pick(t)) continue;
      const w = this.weights[t.index]![axis];
      const start = axis === 'y' ? t.y : t.x;
      for (let i = 0; i < w.length; i++) sum[start + i]! += w[i]!;
    }
    for (let i = 0; i < size; i++) {
      if (!(sum[i]! > 0)) throw new Error(`Tiling: ${axis} = ${i} is not covered by any tile (starts ${starts.join(', ')}).`);
      sum[i] = 1 / sum[i]!;
    }
    return sum;
  }

  /** Adds tile `index`'s output, [planes, tileHeight, tileWidth]. */
  add(index: number, tile: Float32Array): void {
    const rect = this.plan.tiles[index];
    if (!rect) throw new Error(`Tiling: no tile ${index} in a plan of ${this.plan.tiles.length}.`);
    if (this.seen[index]) throw new Error(`Tiling: tile ${index} was added twice.`);
    const { height: th, width: tw, y: y0, x: x0 } = rect;
    if (tile.length !== this.planes * th * tw) {
      throw new Error(`Tiling: tile ${index} output has ${tile.length} values; expected [${this.planes}, ${th}, ${tw}] = ${this.planes * th * tw}.`);
    }
    const { y: wy, x: wx } = this.weights[index]!;
    const H = this.plan.height;
    const W = this.plan.width;
    const out = this.output;
    for (let p = 0; p < this.planes; p++) {
      for (let yy = 0; yy < th; yy++) {
        const a = wy[yy]!;
        if (a === 0) continue;
        const s = (p * th + yy) * tw;
        const d = (p * H + y0 + yy) * W + x0;
        for (let xx = 0; xx < tw; xx++) out[d + xx]! += a * wx[xx]! * tile[s + xx]!;
      }
    }
    this.seen[index] = 1;
    this.added++;
  }

  /** Divides by the weight sum and returns the blended [planes, H, W]. */
  finish(): Float32Array {
    if (this.added < this.plan.tiles.length) {
      throw new Error(`Tiling: only ${this.added} of ${this.plan.tiles.length} tiles were added before finish().`);
    }
    const H = this.plan.height;
    const W = this.plan.width;
    const out = this.output;
    const sx = this.invSumX;
    for (let p = 0; p < this.planes; p++) {
      for (let y = 0; y < H; y++) {
        const sy = this.invSumY[y]!;
        const d = (p * H + y) * W;
        for (let x = 0; x < W; x++) out[d + x] = out[d + x]! * sy * sx[x]!;
      }
    }
    return out;
  }
}

/**
 * Runs `fn` on every tile of `plan`, one at a time (each call awaited before the next), and
 * blends the [planes, tileHeight, tileWidth] outputs into [planes, H, W].
 */
export async function accumulateTiles(
  plan: TilePlan,
  planes: number,
  fn: (rect: TileRect) => Promise<Float32Array> | Float32Array,
  margin = 0,
): Promise<Float32Array> {
  const blender = new TileBlender(plan, planes, margin);
  for (const rect of plan.tiles) blender.add(rect.index, await fn(rect));
  return blender.finish();
}

/** Copies the [N, C, h, w] window at rect out of an [N, C, H, W] tensor. */
export function cropTile(input: Tensor, rect: { y: number; x: number; height: number; width: number }): Tensor {
  const [n, c, H, W] = input.dims as [number, number, number, number];
  const { y, x, height, width } = rect;
  const data = new Float32Array(n * c * height * width);
  for (let p = 0; p < n * c; p++) {
    for (let yy = 0; yy < height; yy++) {
      const s = (p * H + y + yy) * W + x;
      data.set(input.data.subarray(s, s + width), (p * height + yy) * width);
    }
  }
  return { data, dims: [n, c, height, width] };
}

export interface TiledMapOptions {
  /** Tile side in input pixels. */
  tile: number;
  /** Minimum overlap between neighbouring tiles, in input pixels. */
  overlap: number;
  /** Output size / input size (decoder: f, encoder: 1 / f). */
  scale: number;
  /** Tile starts and size are multiples of this (input pixels); raised to 1 / scale when scale < 1. */
  multiple?: number;
  /** Input pixels at each shared tile edge that get zero weight (>= the model's receptive radius for exact results). */
  margin?: number;
  /** Shrink the tiles per axis to the shortest that need no more of them (planTiles' `fit`). */
  fit?: boolean;
}

/**
 * Runs an async model `fn` on overlapping tiles of `input` [N, C, H, W], strictly one tile at
 * a time, and blends the outputs [N, C', h * scale, w * scale] into [N, C', H * scale, W * scale].
 * `fn` also gets the number of tiles (for progress).
 */
export async function tiledMap(
  input: Tensor,
  options: TiledMapOptions,
  fn: (tile: Tensor, rect: TileRect, tiles: number) => Promise<Tensor> | Tensor,
): Promise<Tensor> {
  if (input.dims.length !== 4) throw new Error(`tiledMap needs an [N, C, H, W] tensor, got [${input.dims.join(', ')}].`);
  const [n, , H, W] = input.dims as [number, number, number, number];
  const { tile, overlap, scale } = options;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`tiledMap: scale must be a positive number, got ${scale}.`);
  let multiple = options.multiple ?? 1;
  if (scale < 1) {
    const inv = Math.round(1 / scale);
    if (Math.abs(inv * scale - 1) > 1e-9) throw new Error(`tiledMap: a scale below 1 must be 1 / integer, got ${scale}.`);
    multiple = lcm(multiple, inv);
  }
  const plan = planTiles(H, W, tile, overlap, multiple, options.fit ?? false);
  const outPlan = scalePlan(plan, scale);
  let blender: TileBlender | undefined;
  let outChannels = 0;
  for (const rect of plan.tiles) {
    const out = await fn(cropTile(input, rect), rect, plan.tiles.length);
    const o = outPlan.tiles[rect.index]!;
    if (!blender) {
      outChannels = out.dims[1] ?? 0;
      blender = new TileBlender(outPlan, n * outChannels, Math.round((options.margin ?? 0) * scale));
    }
    const want = [n, outChannels, o.height, o.width];
    if (out.dims.length !== 4 || out.dims.some((d, i) => d !== want[i])) {
      throw new Error(`tiledMap: tile ${rect.index} output has dims [${out.dims.join(', ')}]; expected [${want.join(', ')}] (input tile x scale ${scale}).`);
    }
    blender.add(rect.index, out.data);
  }
  return { data: blender!.finish(), dims: [n, outChannels, outPlan.height, outPlan.width] };
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}
