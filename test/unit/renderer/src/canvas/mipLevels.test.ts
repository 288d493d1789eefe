import { describe, expect, it } from 'vitest';
import { MIN_LEVEL_SIDE, levelSizes, pickLevel } from '../../../../../renderer/src/canvas/mipLevels';

describe('levelSizes', () => {
  it('halves a 24 MP photo down to about MIN_LEVEL_SIDE', () => {
    const sizes = levelSizes({ width: 6000, height: 4000 });
    expect(sizes.map((s) => s.width)).toEqual([6000, 3000, 1500, 750]);
    expect(sizes.map((s) => s.height)).toEqual([4000, 2000, 1000, 500]);
    const last = sizes[sizes.length - 1]!;
    expect(Math.max(last.width, last.height)).toBeLessThanOrEqual(MIN_LEVEL_SIDE * 2);
  });

  it('rounds odd sizes up so no level loses a row', () => {
    expect(levelSizes({ width: 4001, height: 3001 })[1]).toEqual({ width: 2001, height: 1501 });
  });

  it('makes no levels for a photo that is already small', () => {
    expect(levelSizes({ width: 768, height: 512 })).toEqual([{ width: 768, height: 512 }]);
  });
});

describe('pickLevel', () => {
  const widths = [6000, 3000, 1500, 750];

  it.each([
    [1, 0],
    [2, 0],
    [0.6, 0],
    [0.5, 1],
    [0.3, 1],
    [0.25, 2],
    [0.175, 2],
    [0.125, 3],
    [0.02, 3],
  ])('at %s device px per image px draws level %s', (scale, level) => {
    expect(pickLevel(widths, scale)).toBe(level);
  });

  it('uses the photo itself when there are no levels', () => {
    expect(pickLevel([768], 0.1)).toBe(0);
    expect(pickLevel([], 0.1)).toBe(0);
  });
});
