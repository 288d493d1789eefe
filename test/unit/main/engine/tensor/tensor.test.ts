import { describe, expect, it } from 'vitest';
import { Generator } from '../../../../../main/engine/tensor/random';
import { cat, chunk, clamp_, cropPlane, mul, numel, randn, repeat, tensor, zeros } from '../../../../../main/engine/tensor/tensor';

const range = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

describe('tensor helpers', () => {
  it('numel and tensor check sizes', () => {
    expect(numel([2, 3, 4])).toBe(24);
    expect(numel([])).toBe(1);
    expect(() => tensor(range(5), [2, 3])).toThrow(/need 6/);
    expect(zeros([2, 2]).data.length).toBe(4);
  });

  it('cat along dim 0 stacks batches', () => {
    const a = tensor(range(4), [1, 2, 2]);
    const b = tensor(range(4).map((v) => v + 10), [1, 2, 2]);
    const c = cat([a, b]);
    expect(c.dims).toEqual([2, 2, 2]);
    expect([...c.data]).toEqual([0, 1, 2, 3, 10, 11, 12, 13]);
  });

  it('cat along an inner dim interleaves rows', () => {
    // a = [[0, 1], [2, 3]], b = [[10], [11]] along dim 1 -> [[0, 1, 10], [2, 3, 11]]
    const c = cat([tensor(range(4), [2, 2]), tensor(Float32Array.from([10, 11]), [2, 1])], -1);
    expect(c.dims).toEqual([2, 3]);
    expect([...c.data]).toEqual([0, 1, 10, 2, 3, 11]);
  });

  it('cat rejects mismatched shapes', () => {
    expect(() => cat([tensor(range(4), [2, 2]), tensor(range(3), [1, 3])])).toThrow(/differ outside/);
  });

  it('chunk undoes cat (dim 0 and inner dims), with torch sizes for uneven splits', () => {
    const x = tensor(range(24), [2, 3, 4]);
    const [u, c] = chunk(x, 2);
    expect(u!.dims).toEqual([1, 3, 4]);
    expect([...cat([u!, c!]).data]).toEqual([...x.data]);
    const pieces = chunk(x, 2, 1); // size 3 in 2 chunks -> 2 + 1
    expect(pieces.map((p) => p.dims)).toEqual([
      [2, 2, 4],
      [2, 1, 4],
    ]);
    expect([...pieces[1]!.data]).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect([...cat(pieces, 1).data]).toEqual([...x.data]);
    expect(chunk(tensor(range(2), [2]), 5).length).toBe(2); // fewer pieces than asked, as torch.chunk
  });

  it('randn fills dims from the generator', () => {
    const t = randn([1, 4, 2, 2], new Generator(5));
    expect(t.dims).toEqual([1, 4, 2, 2]);
    expect([...t.data]).toEqual([...new Generator(5).randn(16)]);
  });

  it('repeat stacks k copies along dim 0 (k = 1: the tensor itself)', () => {
    const a = tensor(range(4), [1, 2, 2]);
    expect(repeat(a, 1)).toBe(a);
    const r = repeat(a, 3);
    expect(r.dims).toEqual([3, 2, 2]);
    expect([...r.data]).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(() => repeat(a, 0)).toThrow(/positive integer/);
  });

  it('mul scales into a new tensor; clamp_ clips in place and keeps NaN', () => {
    const a = tensor(Float32Array.from([-2, 0.5, 3]), [3]);
    const m = mul(a, 2);
    expect([...m.data]).toEqual([-4, 1, 6]);
    expect([...a.data]).toEqual([-2, 0.5, 3]);
    const c = tensor(Float32Array.from([-2, 0.5, 3, Number.NaN]), [4]);
    expect(clamp_(c, -1, 1)).toBe(c);
    expect([...c.data]).toEqual([-1, 0.5, 1, Number.NaN]);
  });

  it('cropPlane takes one window of a row-major [H, W] plane', () => {
    const plane = range(12); // [3, 4]
    expect([...cropPlane(plane, 4, { y: 1, x: 1, height: 2, width: 2 })]).toEqual([5, 6, 9, 10]);
    expect([...cropPlane(plane, 4, { y: 0, x: 0, height: 3, width: 4 })]).toEqual([...plane]);
  });
});
