// The pure mask rasteriser: brush coverage with hardness, eraser, rectangle, lasso,
// flood fill, invert, feather and the undo patches, checked pixel by pixel.
import { describe, expect, it } from 'vitest';
import type { Mask } from '../../../../../renderer/src/canvas/raster';
import {
  brushCoverage,
  createMask,
  drawStroke,
  featherMask,
  fillPolygon,
  fillRect,
  floodFill,
  invertMask,
  isEmptyMask,
  maskSizeFor,
  readRect,
  writeRect,
} from '../../../../../renderer/src/canvas/raster';

const at = (m: Mask, x: number, y: number) => m.data[y * m.width + x]!;
const count = (m: Mask, pred: (v: number) => boolean) => m.data.reduce((n, v) => n + (pred(v) ? 1 : 0), 0);

describe('brushCoverage', () => {
  it.each([
    // d, radius, hardness, expected
    [0, 10, 1, 1],
    [9, 10, 1, 1],
    [10.5, 10, 1, 0],
    [0, 10, 0, 1],
    [5, 10, 0.5, 1],
    [10, 10, 0.5, 0],
  ])('d=%d r=%d hardness=%d -> %d', (d, r, h, want) => {
    expect(brushCoverage(d, r, h)).toBeCloseTo(want, 6);
  });

  it('falls off monotonically between the hard core and the rim', () => {
    const values = [5, 6, 7, 8, 9, 9.9].map((d) => brushCoverage(d, 10, 0.5));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
    expect(values[0]!).toBeLessThanOrEqual(1);
    expect(values[values.length - 1]!).toBeGreaterThan(0);
  });
});

describe('drawStroke', () => {
  it('a hard dab covers a disc of the brush radius', () => {
    const m = createMask(40, 40);
    const dirty = drawStroke(m, { points: [{ x: 20, y: 20 }], radius: 8, hardness: 1, mode: 'paint' });
    expect(at(m, 20, 20)).toBe(255);
    expect(at(m, 26, 20)).toBe(255); // centre 26.5 is 6.5 from 20
    expect(at(m, 29, 20)).toBe(0); // 9.5 away
    expect(at(m, 20, 2)).toBe(0);
    // Area of a radius-8 disc is about 201 px.
    expect(count(m, (v) => v >= 128)).toBeGreaterThan(185);
    expect(count(m, (v) => v >= 128)).toBeLessThan(215);
    expect(dirty).not.toBeNull();
    // Nothing outside the dirty rect changed.
    const { x, y, width, height } = dirty!;
    for (let yy = 0; yy < 40; yy++) for (let xx = 0; xx < 40; xx++) if (xx < x || xx >= x + width || yy < y || yy >= y + height) expect(at(m, xx, yy)).toBe(0);
  });

  it('a soft brush leaves partial coverage at the edge, a hard one does not', () => {
    const soft = createMask(40, 40);
    const hard = createMask(40, 40);
    drawStroke(soft, { points: [{ x: 20, y: 20 }], radius: 10, hardness: 0, mode: 'paint' });
    drawStroke(hard, { points: [{ x: 20, y: 20 }], radius: 10, hardness: 1, mode: 'paint' });
    const partial = (v: number) => v > 0 && v < 255;
    expect(count(soft, partial)).toBeGreaterThan(count(hard, partial) * 3);
    expect(at(soft, 25, 20)).toBeLessThan(255);
    expect(at(soft, 25, 20)).toBeGreaterThan(0);
  });

  it('a segment covers the band between its ends, with no darker joints', () => {
    const m = createMask(60, 20);
    drawStroke(m, { points: [{ x: 10, y: 10 }, { x: 30, y: 10 }, { x: 50, y: 10 }], radius: 3, hardness: 1, mode: 'paint' });
    for (let x = 10; x < 50; x++) expect(at(m, x, 10)).toBe(255);
    expect(at(m, 30, 1)).toBe(0);
    // Same coverage at the joint as mid-segment, one row off the centre line.
    expect(at(m, 30, 12)).toBe(at(m, 20, 12));
  });

  it('the eraser lowers coverage by the brush coverage', () => {
    const m = createMask(30, 30);
    m.data.fill(255);
    drawStroke(m, { points: [{ x: 15, y: 15 }], radius: 5, hardness: 1, mode: 'erase' });
    expect(at(m, 15, 15)).toBe(0);
    expect(at(m, 2, 2)).toBe(255);
  });

  it('returns null for a stroke entirely outside the mask', () => {
    const m = createMask(10, 10);
    expect(drawStroke(m, { points: [{ x: -50, y: -50 }], radius: 3, hardness: 1, mode: 'paint' })).toBeNull();
    expect(isEmptyMask(m)).toBe(true);
  });
});

describe('shapes', () => {
  it('fillRect fills the pixels between the corners, in any corner order', () => {
    const m = createMask(20, 20);
    const dirty = fillRect(m, { x: 15, y: 12 }, { x: 5, y: 2 }, 'paint');
    expect(dirty).toEqual({ x: 5, y: 2, width: 10, height: 10 });
    expect(count(m, (v) => v === 255)).toBe(100);
    expect(at(m, 4, 5)).toBe(0);
    expect(at(m, 14, 11)).toBe(255);
    fillRect(m, { x: 5, y: 2 }, { x: 10, y: 12 }, 'erase');
    expect(count(m, (v) => v === 255)).toBe(50);
  });

  it('fillPolygon fills a triangle to about its area, with its centre in and far corner out', () => {
    const m = createMask(100, 100);
    fillPolygon(m, [{ x: 10, y: 10 }, { x: 90, y: 10 }, { x: 10, y: 90 }], 'paint');
    const area = count(m, (v) => v === 255);
    expect(Math.abs(area - 3200)).toBeLessThan(100);
    expect(at(m, 20, 20)).toBe(255);
    expect(at(m, 80, 80)).toBe(0);
  });

  it('fillPolygon uses even-odd: a pentagram leaves its centre empty and fills its points', () => {
    const m = createMask(100, 100);
    const star = [0, 2, 4, 1, 3].map((k) => {
      const a = -Math.PI / 2 + (k * 2 * Math.PI) / 5;
      return { x: 50 + 45 * Math.cos(a), y: 50 + 45 * Math.sin(a) };
    });
    fillPolygon(m, star, 'paint');
    expect(at(m, 50, 50)).toBe(0); // wound twice: even
    expect(at(m, 50, 12)).toBe(255); // the top point, wound once
    expect(at(m, 2, 2)).toBe(0);
  });

  it('fewer than three points fill nothing', () => {
    const m = createMask(10, 10);
    expect(fillPolygon(m, [{ x: 1, y: 1 }, { x: 8, y: 8 }], 'paint')).toBeNull();
  });
});

describe('floodFill', () => {
  it('fills the inside of a closed outline and nothing outside', () => {
    const m = createMask(30, 30);
    // A hollow square outline from (5,5) to (24,24).
    fillRect(m, { x: 5, y: 5 }, { x: 25, y: 25 }, 'paint');
    fillRect(m, { x: 7, y: 7 }, { x: 23, y: 23 }, 'erase');
    const dirty = floodFill(m, { x: 15, y: 15 }, 'paint');
    expect(dirty).toEqual({ x: 7, y: 7, width: 16, height: 16 });
    expect(at(m, 15, 15)).toBe(255);
    expect(at(m, 2, 2)).toBe(0);
  });

  it('on an empty mask fills everything; erase clears one painted blob only', () => {
    const m = createMask(20, 10);
    floodFill(m, { x: 3, y: 3 }, 'paint');
    expect(count(m, (v) => v === 255)).toBe(200);
    const two = createMask(20, 10);
    fillRect(two, { x: 0, y: 0 }, { x: 5, y: 10 }, 'paint');
    fillRect(two, { x: 10, y: 0 }, { x: 15, y: 10 }, 'paint');
    floodFill(two, { x: 2, y: 2 }, 'erase');
    expect(at(two, 2, 2)).toBe(0);
    expect(at(two, 12, 2)).toBe(255);
  });

  it('matches a plain 4-connected breadth-first fill on random masks', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 20; trial++) {
      const m = createMask(37, 23);
      for (let i = 0; i < m.data.length; i++) m.data[i] = rand() < 0.45 ? 255 : Math.floor(rand() * 128);
      const sx = Math.floor(rand() * 37);
      const sy = Math.floor(rand() * 23);
      const mode = m.data[sy * 37 + sx]! >= 128 ? 'erase' : 'paint';
      // Reference: BFS over pixels on the seed's side of half.
      const want = m.data.slice();
      const side = (v: number) => v >= 128;
      const target = side(want[sy * 37 + sx]!);
      const queue = [sy * 37 + sx];
      const seen = new Set(queue);
      while (queue.length > 0) {
        const i = queue.shift()!;
        want[i] = mode === 'paint' ? 255 : 0;
        const x = i % 37;
        for (const j of [x > 0 ? i - 1 : -1, x < 36 ? i + 1 : -1, i - 37, i + 37]) {
          if (j < 0 || j >= want.length || seen.has(j) || side(m.data[j]!) !== target) continue;
          seen.add(j);
          queue.push(j);
        }
      }
      floodFill(m, { x: sx + 0.5, y: sy + 0.5 }, mode);
      expect([...m.data]).toEqual([...want]);
    }
  });

  it('does nothing when the seed is already on the target side or off the mask', () => {
    const m = createMask(10, 10);
    expect(floodFill(m, { x: 5, y: 5 }, 'erase')).toBeNull();
    expect(floodFill(m, { x: -1, y: 5 }, 'paint')).toBeNull();
  });
});

describe('invert and feather', () => {
  it('invert maps v to 255 - v', () => {
    const m = createMask(2, 2);
    m.data.set([0, 10, 200, 255]);
    invertMask(m);
    expect([...m.data]).toEqual([255, 245, 55, 0]);
  });

  it('feather ramps a hard edge over about twice the radius and keeps the total coverage', () => {
    const m = createMask(100, 10);
    fillRect(m, { x: 50, y: 0 }, { x: 100, y: 10 }, 'paint');
    const f = featherMask(m, 8);
    expect(f).not.toBe(m);
    expect(at(f, 5, 5)).toBe(0);
    expect(at(f, 95, 5)).toBe(255);
    expect(at(f, 50, 5)).toBeGreaterThan(100);
    expect(at(f, 50, 5)).toBeLessThan(155);
    expect(at(f, 44, 5)).toBeGreaterThan(0);
    expect(at(f, 56, 5)).toBeLessThan(255);
    const sum = (x: Mask) => x.data.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum(f) - sum(m)) / sum(m)).toBeLessThan(0.01);
    expect(featherMask(m, 0)).toBe(m);
  });
});

describe('patches and mask size', () => {
  it('readRect/writeRect round-trip a rectangle', () => {
    const m = createMask(8, 6);
    for (let i = 0; i < m.data.length; i++) m.data[i] = i;
    const rect = { x: 2, y: 1, width: 3, height: 2 };
    const bytes = readRect(m, rect);
    expect([...bytes]).toEqual([10, 11, 12, 18, 19, 20]);
    const other = createMask(8, 6);
    writeRect(other, rect, bytes);
    expect(at(other, 3, 2)).toBe(19);
    expect(at(other, 1, 1)).toBe(0);
    expect(() => writeRect(other, rect, new Uint8Array(5))).toThrow(/needs 6 bytes/);
  });

  it('keeps small images at full size and scales 24 MP photos to a 2048 px long side', () => {
    expect(maskSizeFor({ width: 481, height: 321 })).toEqual({ width: 481, height: 321, scale: 1 });
    const big = maskSizeFor({ width: 6000, height: 4000 });
    expect(big.width).toBe(2048);
    expect(big.height).toBe(1365);
    expect(() => createMask(0, 5)).toThrow(/positive whole-pixel size/);
  });
});
