// The run controller's exports (app/exportRequests.ts) and history deletion (app/resultHistory.ts), against a fake window.spire.
import { describe, expect, it } from 'vitest';
import { flush, harness } from './runHarness';

describe('run controller: export and history', () => {
  it('exports the current result with the wipe position; deleting frees it in main and here', async () => {
    const h = harness();
    await h.run.run();
    h.emitDone(h.result('job1', 1));
    await flush();
    h.store.dispatch({ type: 'compare/wipe', at: 0.25 });
    await h.run.exportImage({ kind: 'wipe', format: 'png', quality: 90 });
    expect(h.exports[0]).toEqual({ kind: 'wipe', format: 'png', resultId: 'r-job1', imageId: 'img1', wipePosition: 0.25 });
    // Another result picked as the compare's A side: the comparison exports the same two.
    await h.run.run();
    h.emitDone(h.result('job2', 2));
    await flush();
    h.store.dispatch({ type: 'compare/base', id: 'r-job1' });
    await h.run.exportImage({ kind: 'side-by-side', format: 'png', quality: 90 });
    expect(h.exports[1]).toEqual({ kind: 'side-by-side', format: 'png', resultId: 'r-job2', imageId: 'img1', beforeResultId: 'r-job1' });
    await h.run.exportImage({ kind: 'result', format: 'png', quality: 90 });
    expect(h.exports[2]).not.toHaveProperty('beforeResultId');
    // Compare off: the photo is the before side again.
    h.store.dispatch({ type: 'compare/show', on: false });
    await h.run.exportImage({ kind: 'wipe', format: 'png', quality: 90 });
    expect(h.exports[3]).not.toHaveProperty('beforeResultId');
    await h.run.deleteResult('r-job2');
    await h.run.deleteResult('r-job1');
    expect(h.discards).toEqual(['r-job2', 'r-job1']);
    expect(h.released).toEqual(['key:r-job2', 'key:r-job1']);
    expect(h.revoked).toContain('thumb:key:r-job1');
    expect(h.studio().compare.on).toBe(false);
    expect(await h.run.exportImage({ kind: 'result', format: 'png', quality: 90 })).toBeNull();
    expect(h.store.getState().error?.message).toMatch(/no result to export yet/);
  });


  it("sends the colour and strip-location choices with a result export only (composites are new sRGB sheets)", async () => {
    const h = harness();
    await h.run.run();
    h.emitDone(h.result('job1', 1));
    await flush();
    await h.run.exportImage({ kind: 'result', format: 'tiff', quality: 90, colour: 'keep-profile', stripLocation: true });
    await h.run.exportImage({ kind: 'side-by-side', format: 'png', quality: 90, colour: 'keep-profile', stripLocation: true });
    await h.run.exportImage({ kind: 'result', format: 'png', quality: 90, colour: 'srgb', stripLocation: false });
    expect(h.exports).toEqual([
      { kind: 'result', format: 'tiff', resultId: 'r-job1', imageId: 'img1', colour: 'keep-profile', stripLocation: true },
      { kind: 'side-by-side', format: 'png', resultId: 'r-job1', imageId: 'img1' },
      { kind: 'result', format: 'png', resultId: 'r-job1', imageId: 'img1' },
    ]);
  });
});
