// The pure parts of the overlay: colour parsing and the half-coverage outline test.
import { describe, expect, it } from 'vitest';
import { isEdge, parseHexColour } from '../../../../../renderer/src/canvas/maskOverlay';

describe('parseHexColour', () => {
  it('reads #rrggbb and rejects anything else with the expected form in the message', () => {
    expect(parseHexColour('#ff5a5a')).toEqual([255, 90, 90]);
    expect(parseHexColour('#4CC9F0')).toEqual([76, 201, 240]);
    expect(() => parseHexColour('red')).toThrow(/#rrggbb/);
  });
});

describe('isEdge', () => {
  // 5 x 4 mask: a 3 x 2 covered block at x 1..3, y 1..2.
  const w = 5;
  const h = 4;
  const data = new Uint8Array(w * h);
  for (const [x, y] of [[1, 1], [2, 1], [3, 1], [1, 2], [2, 2], [3, 2]] as const) data[y * w + x] = 255;

  it('marks covered pixels next to uncovered ones; the mask border alone is not an edge', () => {
    const edges = [...data.keys()].filter((i) => data[i]! >= 128 && isEdge(data, i, w, h));
    // Every pixel of a 3 x 2 block touches the outside.
    expect(edges).toHaveLength(6);
    const full = new Uint8Array(w * h).fill(255);
    expect([...full.keys()].some((i) => isEdge(full, i, w, h))).toBe(false);
    // A hole in the middle of a full mask makes its four neighbours edges.
    full[2 * w + 2] = 0;
    expect([...full.keys()].filter((i) => full[i]! >= 128 && isEdge(full, i, w, h)).sort((a, b) => a - b)).toEqual([7, 11, 13, 17]);
  });
});
