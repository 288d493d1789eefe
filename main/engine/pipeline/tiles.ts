/**
 * Tiling for the pipeline: when a padded image is larger than the tile size, every model runs
 * tile by tile (imageOps/tiling.ts does the geometry and the blending). Tiles are counted in
 * latent cells (one cell = f image pixels) on the UNet's grid (sizeMultiple / f cells).
 *
 *   tilingFor(H, W, tileSize, tileOverlap, cfg)   the tiling restore() asks sample() for, or null
 *   perTile(tiling, hooks)(input, cell, scale, run) run() on the whole input or per tile, blended
 *                                                  (restorer, VAE encoder and decoder)
 *   latentTilePlan(h, w, tiling, cfg)             the denoiser's tiles, or null for one pass
 *                                                  (the guided output is blended per step)
 *   vaeTiling(H, W, tileSizePx, cfg)              the VAE's own tiles (encoder and decoder), or null
 *
 * The VAE does not share the denoiser's tiles. The denoiser needs tiles at the pack's native size
 * and wide overlaps (its outputs differ at every step); the VAE is convolutional, costs the same
 * per pixel at any tile above ~320 px (measured, ../../../docs/large-photos.md), and needs only
 * enough overlap to blend away the tiles' own normalisation statistics. So it gets tiles of at
 * least VAE_MIN_TILE_PX, fitted to the image (imageOps/tiling.ts `fit`), overlapping by
 * VAE_OVERLAP_CELLS latent cells, the outermost VAE_MARGIN_CELLS of each shared edge unweighted.
 */
import { planTiles, tiledMap, type TilePlan } from '../imageOps/tiling';
import type { Tensor } from '../tensor/tensor';
import type { PipelineConfig } from './models';
import { checkCancelled, type RestoreHooks } from './types';

/**
 * Tile side and overlap in latent cells; null = one pass over the whole latent. `fit`: tiles
 * shortened per axis to what covers the image (planTiles' `fit`; the VAE's tiles).
 */
export type Tiling = { tile: number; overlap: number; fit?: boolean; margin?: number } | null;

/** The VAE's least tile side in pixels (packs with a larger native resolution tile at that). */
export const VAE_MIN_TILE_PX = 768;
/** Overlap of neighbouring VAE tiles in latent cells (48 px of image at f = 8). */
export const VAE_OVERLAP_CELLS = 6;
/** Latent cells at each shared VAE tile edge that get no weight (the decoder's zero padding shows there). */
export const VAE_MARGIN_CELLS = 1;

/**
 * Tiles above the pack's native resolution (or `tileSizePx` when > 0), in latent cells on the
 * UNet's grid; null when the padded H x W image fits in one tile.
 */
export function tilingFor(H: number, W: number, tileSizePx: number, tileOverlapPx: number, cfg: PipelineConfig): Tiling {
  const f = cfg.latent.downsamplingFactor;
  const sizePx = tileSizePx > 0 ? tileSizePx : cfg.nativeResolution;
  const cell = cfg.sizeMultiple / f;
  const tile = Math.max(cell, Math.floor(sizePx / cfg.sizeMultiple) * cell);
  const overlap = Math.min(tile - cell, Math.max(0, Math.round(tileOverlapPx / f)));
  return Math.max(H, W) / f > tile ? { tile, overlap } : null;
}

/** run(x, tiles) on one input, or on each tile of it; `tiles` is how many tiles there are. */
export type TileRun = (input: Tensor, cell: number, scale: number, run: (x: Tensor, tiles: number) => Promise<Tensor>) => Promise<Tensor>;

/**
 * A TileRun for `tiling`: run() on the whole input, or tile by tile (blended) when tiling. The
 * tiling is given in latent cells: `cell` is one cell's size in the input's units (f for images,
 * 1 for latents), `scale` the output/input size ratio. Checks cancellation before every model call.
 */
export function perTile(tiling: Tiling, hooks: RestoreHooks): TileRun {
  return (input, cell, scale, run) => {
    checkCancelled(hooks);
    if (!tiling) return run(input, 1);
    const options = { tile: tiling.tile * cell, overlap: tiling.overlap * cell, scale, fit: tiling.fit ?? false, margin: (tiling.margin ?? 0) * cell };
    return tiledMap(input, options, (tile, _rect, tiles) => {
      checkCancelled(hooks);
      return run(tile, tiles);
    });
  };
}

/** The denoiser's tiles of an h x w latent; null when there is only one (no tiling, or a small latent). */
export function latentTilePlan(h: number, w: number, tiling: Tiling, cfg: PipelineConfig): TilePlan | null {
  if (!tiling) return null;
  const plan = planTiles(h, w, tiling.tile, tiling.overlap, cfg.sizeMultiple / cfg.latent.downsamplingFactor);
  return plan.tiles.length > 1 ? plan : null;
}


/**
 * The VAE's tiling of a padded H x W image: tiles of at most max(tileSizePx or the native size,
 * VAE_MIN_TILE_PX) pixels, fitted, overlapping by VAE_OVERLAP_CELLS; null when one tile holds it.
 */
export function vaeTiling(H: number, W: number, tileSizePx: number, cfg: PipelineConfig): Tiling {
  const f = cfg.latent.downsamplingFactor;
  const tile = Math.floor(Math.max(tileSizePx > 0 ? tileSizePx : cfg.nativeResolution, VAE_MIN_TILE_PX) / f);
  return Math.max(H, W) / f > tile ? { tile, overlap: Math.min(VAE_OVERLAP_CELLS, tile - 1), fit: true, margin: VAE_MARGIN_CELLS } : null;
}
