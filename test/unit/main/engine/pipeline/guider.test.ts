// The guider: which guidance runs, how big the UNet batch is, and that its combine is the pure
// maths of guidance.ts (on a tile, with the region masks cropped to the tile).
import { describe, expect, it } from 'vitest';
import { classifierFreeGuidance, regionalGuidance } from '../../../../../main/engine/guidance';
import { Guider } from '../../../../../main/engine/pipeline/guider';
import type { TileRect } from '../../../../../main/engine/imageOps/tiling';
import { cropPlane, type Tensor } from '../../../../../main/engine/tensor/tensor';

const L = 2;
const D = 3;
const latent = { channels: 2, height: 4, width: 6 };
const context = (rows: number): Tensor => ({ data: Float32Array.from({ length: rows * L * D }, (_, i) => i), dims: [rows, L, D] });
const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed));
const guider = (over: Partial<ConstructorParameters<typeof Guider>[0]> = {}): Guider =>
  new Guider({ context: context(2), regions: [], guidanceScale: 3, sameNegativeAndSemantic: false, latent, ...over });

describe('Guider', () => {
  it('chooses conditional-only when guidance cannot change c (u == c or g == 1), else classifier-free or regional', () => {
    expect([guider().mode, guider().batchSize]).toEqual(['classifier-free', 2]);
    expect([guider({ sameNegativeAndSemantic: true }).mode, guider({ guidanceScale: 1 }).batchSize]).toEqual(['conditional', 1]);
    const mask = new Float32Array(24).fill(0.5);
    const regional = guider({ context: context(4), regions: [{ mask }, { mask }], sameNegativeAndSemantic: true });
    expect([regional.mode, regional.batchSize]).toEqual(['regional', 4]);
    expect(() => guider({ context: context(3) })).toThrow(/needs 2/);
  });

  it('builds K rows of everything; conditional-only feeds the semantic row alone', () => {
    const input: Tensor = { data: values(2 * 4 * 6, 1), dims: [1, 2, 4, 6] };
    const fused: Tensor = { data: values(5, 2), dims: [1, 5] };
    const cfg = guider().batch(input, 981, [fused]);
    expect([cfg.sample.dims, cfg.timesteps, cfg.context.dims, cfg.fused[0]!.dims]).toEqual([[2, 2, 4, 6], [981, 981], [2, L, D], [2, 5]]);
    const cond = guider({ guidanceScale: 1 }).batch(input, 981, [fused]);
    expect(cond.sample).toBe(input);
    expect([...cond.context.data]).toEqual([...context(2).data.subarray(L * D)]);
  });

  it('combines with guidance.ts: CFG, and regional guidance with the masks cropped to the tile', () => {
    const out: Tensor = { data: values(2 * 2 * 4 * 6, 3), dims: [2, 2, 4, 6] };
    expect([...guider().combine(out, null)]).toEqual([...classifierFreeGuidance(out.data, 3)]);
    expect(guider({ guidanceScale: 1 }).combine(out, null)).toBe(out.data);
    const mask = Float32Array.from({ length: 24 }, (_, i) => (i % 6) / 5);
    const regional = guider({ context: context(3), regions: [{ mask, guidanceScale: 5 }] });
    const tile = { y: 1, x: 2, height: 2, width: 3 } as TileRect;
    const tileOut: Tensor = { data: values(3 * 2 * 2 * 3, 4), dims: [3, 2, 2, 3] };
    const expected = regionalGuidance(tileOut.data, [{ mask: cropPlane(mask, 6, tile), guidanceScale: 5 }], 3, { batch: 1, channels: 2, height: 2, width: 3 });
    expect([...regional.combine(tileOut, tile)]).toEqual([...expected]);
  });
});
