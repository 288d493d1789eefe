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
 */
import { planTiles, tiledMap, type TilePlan } from '../imageOps/tiling';
import type { Tensor } from '../tensor/tensor';
import type { PipelineConfig } from './models';
import { checkCancelled, type RestoreHooks } from './types';

/** Tile side and overlap in latent cells; null = one pass over the whole latent. */
export type Tiling = { tile: number; overlap: number } | null;

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
    return tiledMap(input, { tile: tiling.tile * cell, overlap: tiling.overlap * cell, scale }, (tile, _rect, tiles) => {
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
