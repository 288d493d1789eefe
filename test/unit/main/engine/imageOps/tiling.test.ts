// Tiling: plans cover every pixel with the requested overlap and alignment; blend weights
// normalise; tiled identity / convolution / resampling functions reproduce the untiled result;
// per-tile offsets blend without seams; tiles run one at a time.
import { describe, expect, it } from 'vitest';
import type { TileRect } from '../../../../../main/engine/imageOps/tiling';
import { accumulateTiles, blendWeights, cropTile, fitTileLength, planTiles, tiledMap, tileStarts } from '../../../../../main/engine/imageOps/tiling';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';

/** Smooth test field [P, H, W]. */
function field(planes: number, h: number, w: number): Float32Array {
  const d = new Float32Array(planes * h * w);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[(p * h + y) * w + x] = Math.sin(x / 9 + p) * Math.cos(y / 7) + 0.01 * x;
  return d;
}

/** 5x5 convolution with fixed weights and zero padding (radius 2), [P, H, W] -> [P, H, W]. */
function conv5(data: Float32Array, planes: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            acc += (0.05 + 0.01 * (dy + 2) - 0.007 * (dx + 2) * dy) * data[(p * h + yy) * w + xx]!;
          }
        out[(p * h + y) * w + x] = acc;
      }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const crop2d = (data: Float32Array, planes: number, h: number, w: number, r: TileRect): Float32Array =>
  cropTile({ data, dims: [1, planes, h, w] }, r).data;

describe('tileStarts / planTiles', () => {
  it('hand-checked layouts', () => {
    expect(tileStarts(100, 64, 16)).toEqual([0, 36]); // 2 tiles, actual overlap 28
    expect(tileStarts(512, 128, 32, 8)).toEqual([0, 96, 192, 288, 384]); // stride exactly 128 - 32
    expect(tileStarts(40, 64, 16)).toEqual([0]); // smaller than a tile: one tile of the full side
    expect(tileStarts(64, 64, 16)).toEqual([0]);
    expect(tileStarts(72, 32, 8, 8)).toEqual([0, 24, 40]); // 72 - 32 = 40 split in 2 gaps of 20 -> 24, 40 on the grid of 8
  });

  it('covers every pixel, overlaps >= requested, aligned starts, last tile flush (sweep)', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const multiple of [1, 2, 8])
      for (const tile of [8, 16, 24, 64])
        for (const overlap of [0, 1, 4, 7, 15])
          for (const size of [8, 16, 17 * 8, 200, 256, 376]) {
            if (tile % multiple || size % multiple || tile - overlap < multiple) continue;
            const starts = tileStarts(size, tile, overlap, multiple);
            const len = Math.min(tile, size);
            const bad: string[] = [];
            if (starts[0] !== 0 || starts[starts.length - 1]! + len !== size) bad.push('ends');
            if (starts.some((s) => s % multiple !== 0)) bad.push('alignment');
            for (let i = 1; i < starts.length; i++) {
              if (!(starts[i]! > starts[i - 1]!)) bad.push(`order at ${i}`);
              if (starts[i - 1]! + len - starts[i]! < overlap) bad.push(`overlap at ${i}`);
            }
            // Minimal: one tile fewer could not reach the requested overlap.
            if (multiple === 1 && starts.length > 1 && (starts.length - 2) * (tile - overlap) + tile >= size) bad.push('not minimal');
            checked++;
            if (bad.length) failures.push(`size ${size} tile ${tile} overlap ${overlap} multiple ${multiple}: ${bad.join(', ')} in [${starts.join(', ')}]`);
          }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it('fills the overlaps of the rects from the neighbours', () => {
    const plan = planTiles(100, 70, 64, 16);
    expect(plan.tiles.map((t) => [t.row, t.col, t.y, t.x])).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 6],
      [1, 0, 36, 0],
      [1, 1, 36, 6],
    ]);
    const t = plan.tiles[3]!;
    expect([t.overlapTop, t.overlapBottom, t.overlapLeft, t.overlapRight]).toEqual([28, 0, 58, 0]);
  });

  it('explains bad arguments', () => {
    expect(() => tileStarts(100, 64, 16, 8)).toThrow(/not a multiple of 8; pad it first/);
    expect(() => tileStarts(128, 60, 16, 8)).toThrow(/tile size 60 must be a multiple of 8/);
    expect(() => tileStarts(128, 64, 60, 8)).toThrow(/overlap <= 56/);
    expect(() => tileStarts(128, 0, 0)).toThrow(/tile must be an integer >= 1/);
  });
});

describe('fitted tiles (planTiles fit)', () => {
  it('hand-checked: a 752-cell side in tiles of at most 64 overlapping by 4 takes 13 tiles of 62, not 14 of 64', () => {
    expect(tileStarts(752, 64, 8)).toHaveLength(14);
    expect(fitTileLength(752, 64, 4)).toBe(62);
    expect(tileStarts(752, 62, 4)).toHaveLength(13);
    expect(fitTileLength(504, 64, 4, 8)).toBe(64); // on a grid of 8 nothing shorter keeps 9 tiles
    expect(fitTileLength(40, 64, 4)).toBe(40); // one tile: the whole side
  });

  it('covers every sample with no more tiles than unfitted, each at most the tile size, weights summing to 1 (sweep)', () => {
    const failures: string[] = [];
    let checked = 0;
    let saved = 0;
    for (const multiple of [1, 8])
      for (const tile of [16, 64, 96])
        for (const overlap of [0, 4, 8])
          for (const [H, W] of [[200, 376], [376, 248], [64, 400], [40, 88]] as const) {
            if (tile % multiple || H % multiple || W % multiple || tile - overlap < multiple) continue;
            const plain = planTiles(H, W, tile, overlap, multiple);
            const plan = planTiles(H, W, tile, overlap, multiple, true);
            const bad: string[] = [];
            if (plan.tiles.length > plain.tiles.length) bad.push(`${plan.tiles.length} tiles > ${plain.tiles.length}`);
            if (plan.tileHeight > Math.min(tile, H) || plan.tileWidth > Math.min(tile, W)) bad.push('longer than the tile');
            if (plan.tileHeight % multiple || plan.tileWidth % multiple) bad.push('not on the grid');
            for (const t of plan.tiles) if (t.y + t.height > H || t.x + t.width > W) bad.push(`tile ${t.index} outside`);
            for (const [starts, len, size] of [[plan.rowStarts, plan.tileHeight, H], [plan.colStarts, plan.tileWidth, W]] as const) {
              if (starts[0] !== 0 || starts[starts.length - 1]! + len !== size) bad.push('ends');
              for (let i = 1; i < starts.length; i++) if (starts[i - 1]! + len - starts[i]! < overlap) bad.push(`overlap at ${i}`);
            }
            // Every pixel's blend weights over the tiles that hold it sum to 1.
            const sum = new Float64Array(H * W);
            for (const t of plan.tiles) {
              const w = blendWeights(t, 1);
              for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) sum[(t.y + y) * W + t.x + x]! += w.y[y]! * w.x[x]!;
            }
            let worst = 0;
            for (const v of sum) worst = Math.max(worst, Math.abs(v - 1));
            if (worst > 1e-5) bad.push(`weights sum off by ${worst}`);
            saved += plain.tileHeight * plain.tileWidth * plain.tiles.length - plan.tileHeight * plan.tileWidth * plan.tiles.length;
            checked++;
            if (bad.length) failures.push(`${H}x${W} tile ${tile} overlap ${overlap} multiple ${multiple}: ${bad.join(', ')}`);
          }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(40);
    expect(saved).toBeGreaterThan(0); // fitting really shortens tiles somewhere
  });

  it('a tiled toy decoder over fitted tiles equals the untiled one (margin >= its radius)', async () => {
    const [P, H, W] = [2, 53, 91];
    const image = field(P, H, W);
    const plan = planTiles(H, W, 32, 8, 1, true);
    expect(plan.tileWidth).toBeLessThan(32);
    const out = await accumulateTiles(plan, P, (r) => conv5(crop2d(image, P, H, W, r), P, r.height, r.width), 2);
    expect(maxAbsDiff(out, conv5(image, P, H, W))).toBeLessThan(1e-6);
  });
});

describe('blendWeights', () => {
  it('is 1 along the image border and inside, small at shared edges, 0 in the margin', () => {
    const plan = planTiles(64, 112, 64, 16); // one row, two columns: x = 0 and 48, overlap 16
    const [a, b] = plan.tiles as [TileRect, TileRect];
    const wa = blendWeights(a);
    expect([...wa.y].every((v) => v === 1)).toBe(true); // top/bottom are image borders
    expect(wa.x[0]).toBe(1); // left image border
    expect(wa.x[63]).toBeCloseTo(Math.sin(Math.PI / 64) ** 2, 6); // epsilon at the shared edge
    expect(wa.x[47]).toBe(1); // before the overlap
    // Over the overlap the two tiles' weights sum to exactly 1.
    const wb = blendWeights(b);
    for (let i = 0; i < 16; i++) expect(wa.x[48 + i]! + wb.x[i]!).toBeCloseTo(1, 6);
    const wm = blendWeights(b, 3);
    expect([...wm.x.subarray(0, 4)].map((v) => Number(v.toFixed(4)))).toEqual([0, 0, 0, Number((0.5 - 0.5 * Math.cos(Math.PI * 0.5 / 10)).toFixed(4))]);
    expect(wm.x[13]).toBe(1);
  });
});

describe('accumulateTiles', () => {
  const [P, H, W] = [2, 75, 93];
  const image = field(P, H, W);
  const plan = planTiles(H, W, 32, 8);

  it('weights normalise: constant tiles give exactly the constant', async () => {
    const out = await accumulateTiles(plan, P, (r) => new Float32Array(P * r.height * r.width).fill(0.7));
    expect(maxAbsDiff(out, new Float32Array(out.length).fill(0.7))).toBeLessThan(1e-6);
  });

  it('a tiled identity reproduces the image everywhere', async () => {
    const out = await accumulateTiles(plan, P, (r) => crop2d(image, P, H, W, r));
    expect(maxAbsDiff(out, image)).toBeLessThan(1e-6);
  });

  it('a tiled 5x5 convolution equals the untiled one everywhere with margin >= its radius (and not without)', async () => {
    const full = conv5(image, P, H, W);
    const perTile = (r: TileRect): Float32Array => conv5(crop2d(image, P, H, W, r), P, r.height, r.width);
    expect(maxAbsDiff(await accumulateTiles(plan, P, perTile, 2), full)).toBeLessThan(1e-6);
    expect(maxAbsDiff(await accumulateTiles(plan, P, perTile, 0), full)).toBeGreaterThan(1e-3);
  });

  it('leaves no seams: per-tile offsets blend with a gradient of at most |offset step| * pi / (2 overlap)', async () => {
    // Output = image + a per-tile constant; a hard paste would jump by the full offset step (0.3).
    const offset = (r: TileRect): number => 0.1 * r.row + 0.2 * r.col;
    const out = await accumulateTiles(plan, P, (r) => crop2d(image, P, H, W, r).map((v) => v + offset(r)));
    const minOverlap = Math.min(...plan.tiles.flatMap((t) => [t.overlapRight, t.overlapBottom].filter((o) => o > 0)));
    const bound = (0.2 * Math.PI) / (2 * minOverlap);
    let maxGrad = 0;
    for (let p = 0; p < P; p++)
      for (let y = 0; y < H; y++)
        for (let x = 1; x < W; x++) {
          const i = (p * H + y) * W + x;
          maxGrad = Math.max(maxGrad, Math.abs(out[i]! - image[i]! - (out[i - 1]! - image[i - 1]!)));
        }
    expect(maxGrad).toBeGreaterThan(0.2 / (4 * minOverlap)); // the offsets are really there
    expect(maxGrad).toBeLessThanOrEqual(bound * 1.001);
  });

  it('runs the tile function strictly one tile at a time', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: number[] = [];
    await accumulateTiles(plan, P, async (r) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(r.index);
      active--;
      return crop2d(image, P, H, W, r);
    });
    expect(maxActive).toBe(1);
    expect(seen).toEqual(plan.tiles.map((t) => t.index));
  });

  it('rejects wrong tile outputs', async () => {
    await expect(accumulateTiles(plan, P, () => new Float32Array(3))).rejects.toThrow(/expected \[2, 32, 32\]/);
  });
});

describe('tiledMap', () => {
  const [N, C, H, W] = [1, 3, 40, 56];
  const input: Tensor = { data: field(N * C, H, W), dims: [N, C, H, W] };

  /** Nearest 2x upsampling followed by a 5x5 conv (a toy decoder): [N, C, h, w] -> [N, C, 2h, 2w]. */
  const decoder = (t: Tensor): Tensor => {
    const [n, c, h, w] = t.dims as [number, number, number, number];
    const up = new Float32Array(n * c * 4 * h * w);
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < 2 * h; y++) for (let x = 0; x < 2 * w; x++) up[(p * 2 * h + y) * 2 * w + x] = t.data[(p * h + (y >> 1)) * w + (x >> 1)]!;
    return { data: conv5(up, n * c, 2 * h, 2 * w), dims: [n, c, 2 * h, 2 * w] };
  };

  /** 2x2 average pooling into 2 channels (a toy encoder): [N, 3, h, w] -> [N, 2, h/2, w/2]. */
  const encoder = (t: Tensor): Tensor => {
    const [n, c, h, w] = t.dims as [number, number, number, number];
    const out = new Float32Array(n * 2 * (h / 2) * (w / 2));
    for (let b = 0; b < n; b++)
      for (let k = 0; k < 2; k++)
        for (let y = 0; y < h / 2; y++)
          for (let x = 0; x < w / 2; x++) {
            let acc = 0;
            for (let ch = 0; ch < c; ch++)
              for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) acc += (ch + k + 1) * t.data[((b * c + ch) * h + 2 * y + dy) * w + 2 * x + dx]!;
            out[((b * 2 + k) * (h / 2) + y) * (w / 2) + x] = acc / 4;
          }
    return { data: out, dims: [n, 2, h / 2, w / 2] };
  };

  it('decoder-like scale 2: tiled equals untiled (margin 2 latent pixels covers the 5x5 conv)', async () => {
    const full = decoder(input);
    const tiled = await tiledMap(input, { tile: 16, overlap: 6, scale: 2, margin: 2 }, decoder);
    expect(tiled.dims).toEqual([N, C, 2 * H, 2 * W]);
    expect(maxAbsDiff(tiled.data, full.data)).toBeLessThan(1e-6);
  });

  it('encoder-like scale 1/2: tiles start on even pixels and the result equals the untiled one', async () => {
    const starts: number[] = [];
    const full = encoder(input);
    const tiled = await tiledMap(input, { tile: 16, overlap: 5, scale: 0.5 }, (t, r) => {
      starts.push(r.y, r.x);
      return encoder(t);
    });
    expect(tiled.dims).toEqual([N, 2, H / 2, W / 2]);
    expect(starts.every((s) => s % 2 === 0)).toBe(true);
    expect(maxAbsDiff(tiled.data, full.data)).toBeLessThan(1e-6);
  });

  it('checks shapes', async () => {
    await expect(tiledMap(input, { tile: 16, overlap: 4, scale: 2 }, (t) => t)).rejects.toThrow(/expected \[1, 3, 32, 32\]/);
    await expect(tiledMap(input, { tile: 16, overlap: 4, scale: 0.3 }, (t) => t)).rejects.toThrow(/1 \/ integer/);
    await expect(tiledMap({ data: new Float32Array(4), dims: [2, 2] }, { tile: 16, overlap: 4, scale: 1 }, (t) => t)).rejects.toThrow(/\[N, C, H, W\]/);
  });
});
