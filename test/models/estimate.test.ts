// The degradation estimator end to end against PyTorch (models/spire/estimator.py, goldens written by
// `cd models && python -m spire.fixtures --estimator-only`): the same patch grid and patches, the ONNX
// graph's outputs within the golden tolerance, the same aggregate and the same prompt, with and without a
// JPEG quality read from the file.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateEstimate, estimateDegradation, patchGrid, patchesOf } from '../../main/engine/pipeline/estimate';
import { openPack, packsDir, readFloat, readGolden, releasePack, type EstimateGolden, type OpenPack } from './goldens';

const packDir = path.join(packsDir, 'tiny-random');
const goldenDir = path.join(packDir, 'golden');
const index = readGolden(goldenDir);
const tol = index.tolerance.float32;

function golden(): EstimateGolden {
  if (!index.estimate) throw new Error(`${goldenDir}/index.json has no "estimate" golden: run \`cd models && python -m spire.fixtures --estimator-only\`.`);
  return index.estimate;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('degradation estimator (tiny-random) against PyTorch', () => {
  let open: OpenPack;
  beforeAll(async () => {
    open = await openPack(packDir);
  });
  afterAll(async () => {
    if (open) await releasePack(open.pack);
  });

  it('reads the pack\'s estimator section', () => {
    const g = golden();
    expect(open.models.config.estimator).toEqual({ operations: ['blur', 'noise', 'jpeg'], patch: g.patch, maxPatches: g.maxPatches, presenceThreshold: 0.5 });
  });

  it('cuts the same patches on the 8x8 grid', () => {
    const g = golden();
    const img = readFloat(goldenDir, g.image);
    const [H, W] = img.dims as [number, number, number];
    const rects = patchGrid(H, W, g.patch, g.maxPatches);
    expect(rects.map((r) => [r.y, r.x, r.side])).toEqual(g.grid);
    for (const r of rects) expect(r.y % 8 + (r.x % 8)).toBe(0);
    const patches = patchesOf({ width: W, height: H, data: img.data }, rects);
    const want = readFloat(goldenDir, g.patches);
    expect(patches.dims).toEqual(want.dims);
    expect(maxAbs(patches.data, want.data)).toBeLessThan(1e-6);
  });

  it('runs the graph to the PyTorch outputs and aggregates them the same way', async () => {
    const g = golden();
    const out = await open.models.estimator(readFloat(goldenDir, g.patches));
    expect(maxAbs(out.logits, readFloat(goldenDir, g.logits).data)).toBeLessThan(tol);
    expect(maxAbs(out.values, readFloat(goldenDir, g.values).data)).toBeLessThan(tol);
    expect(maxAbs(out.logScales, readFloat(goldenDir, g.logScales).data)).toBeLessThan(tol);
    const config = open.models.config.estimator!;
    const agg = aggregateEstimate(config, out, g.grid.length);
    for (const a of agg) {
      expect(a.probability).toBeCloseTo(g.aggregate[a.key]!.probability, 4);
      expect(a.value).toBeCloseTo(g.aggregate[a.key]!.value, 3);
    }
  });

  it('writes the same prompt, and takes a JPEG file\'s quality only within the grammar\'s range', async () => {
    const g = golden();
    const img = readFloat(goldenDir, g.image);
    const [H, W] = img.dims as [number, number, number];
    const photo = { width: W, height: H, data: img.data };
    const e = await estimateDegradation(open.models, photo);
    expect(e.restorationPrompt).toBe(g.prompt);
    expect(e.patches).toBe(g.grid.length);
    expect(e.operations.map((o) => o.key)).toEqual(['blur', 'noise', 'jpeg']);
    for (const o of e.operations) expect(o.present).toBe(g.aggregate[o.key]!.probability >= 0.5);
    for (const [q, prompt] of Object.entries(g.withJpegFile)) {
      const withFile = await estimateDegradation(open.models, photo, { jpegQualityFromFile: Number(q) });
      expect(withFile.restorationPrompt).toBe(prompt);
      const jpeg = withFile.operations.find((o) => o.key === 'jpeg')!;
      expect(jpeg.source).toBe(Number(q) <= 92 ? 'file' : 'pixels');
      expect(withFile.jpegQualityFromFile).toBe(Number(q) <= 92 ? Number(q) : null);
    }
  });
});
