import { describe, expect, it } from 'vitest';
import { applyView, averageOverViews, undoView, viewsOf } from '../../../../../main/engine/imageOps/dihedral';
import type { Tensor } from '../../../../../main/engine/tensor/tensor';

/** [1, 2, H, W] with distinct values: channel c, row i, column j -> 100c + 10i + j. */
function grid(H: number, W: number, C = 2): Tensor {
  const data = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) data[(c * H + i) * W + j] = 100 * c + 10 * i + j;
  return { data, dims: [1, C, H, W] };
}

const rows = (t: Tensor, c = 0): number[][] => {
  const [H, W] = t.dims.slice(-2) as [number, number];
  return Array.from({ length: H }, (_, i) => Array.from(t.data.subarray(c * H * W + i * W, c * H * W + (i + 1) * W)));
};

describe('dihedral views (the restorer self-ensemble)', () => {
  it('view 1 is one counter-clockwise quarter turn (numpy rot90), view 4 a mirror along W', () => {
    const x = grid(2, 3);
    // [[0 1 2], [10 11 12]] turned counter-clockwise: the last column becomes the first row.
    expect(applyView(x, 1).dims).toEqual([1, 2, 3, 2]);
    expect(rows(applyView(x, 1))).toEqual([
      [2, 12],
      [1, 11],
      [0, 10],
    ]);
    expect(rows(applyView(x, 2))).toEqual([
      [12, 11, 10],
      [2, 1, 0],
    ]);
    expect(rows(applyView(x, 4))).toEqual([
      [2, 1, 0],
      [12, 11, 10],
    ]);
    expect(rows(applyView(x, 4), 1)).toEqual([
      [102, 101, 100],
      [112, 111, 110],
    ]);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])('undoView(applyView(x, %i)) is x, and the eight views differ', (v) => {
    const x = grid(3, 5);
    const back = undoView(applyView(x, v), v);
    expect(back.dims).toEqual(x.dims);
    expect(Array.from(back.data)).toEqual(Array.from(x.data));
    const others = [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== v).map((w) => applyView(x, w));
    const mine = applyView(x, v);
    for (const o of others) expect(o.dims.join() === mine.dims.join() && Array.from(o.data).join() === Array.from(mine.data).join()).toBe(false);
  });

  it('picks 1, 2, 4 or 8 views; 2 and 4 keep H and W; refuses other counts', () => {
    expect(viewsOf(1)).toEqual([0]);
    expect(viewsOf(8)).toHaveLength(8);
    for (const v of [...viewsOf(2), ...viewsOf(4)]) expect(applyView(grid(2, 3), v).dims).toEqual([1, 2, 2, 3]);
    expect(() => viewsOf(3 as never)).toThrow(/1, 2, 4 or 8/);
  });

  it('averages a model over views: an equivariant model is unchanged, a direction-dependent one is averaged', async () => {
    const x = grid(4, 6);
    // Pointwise: the same answer for every view.
    const double = async (t: Tensor): Promise<Tensor> => ({ data: t.data.map((v) => 2 * v), dims: t.dims });
    expect(Array.from((await averageOverViews(x, viewsOf(8), double)).data)).toEqual(Array.from(x.data.map((v) => 2 * v)));
    // Adds the column index: with the mirror, the average adds (W - 1) / 2 everywhere.
    const addColumn = async (t: Tensor): Promise<Tensor> => {
      const W = t.dims[3] as number;
      return { data: t.data.map((v, i) => v + (i % W)), dims: t.dims };
    };
    const two = await averageOverViews(x, viewsOf(2), addColumn);
    two.data.forEach((v, i) => expect(v).toBeCloseTo((x.data[i] as number) + 2.5, 5));
    // One view runs the model once on the image itself.
    let calls = 0;
    const counted = async (t: Tensor): Promise<Tensor> => {
      calls++;
      return t;
    };
    expect(await averageOverViews(x, viewsOf(1), counted)).toBe(x);
    await averageOverViews(x, viewsOf(4), counted);
    expect(calls).toBe(5);
  });
});
