// The batch dialog's state machine (state/batch.ts).
import { describe, expect, it } from 'vitest';
import type { BatchPhoto, BatchProgressEvent } from '../../../../../preload/contract/channels';
import { batchProgress, batchReducer, initialBatchState, isBatchRunning, type BatchAction, type BatchState } from '../../../../../renderer/src/state/batch';

const reduce = (actions: BatchAction[], from: BatchState = initialBatchState) => actions.reduce(batchReducer, from);
const photos: BatchPhoto[] = [
  { id: 'p1', name: 'a.png', source: 'file' },
  { id: 'p2', name: 'b.jpg', source: 'dropped' },
];
const progress = (batchId: string, photoId: string, state: BatchProgressEvent['state'], fraction = 0, message: string | null = null): BatchAction => ({
  type: 'batch/progress',
  event: { batchId, photoId, state, fraction, message, output: `${photoId}.png` },
});
const counts = { queued: 0, running: 0, done: 1, failed: 1, skipped: 0, cancelled: 0 };

describe('batchReducer', () => {
  it('adds photos once, in order, ready until a batch takes them', () => {
    const s = reduce([
      { type: 'batch/added', photos, note: null },
      { type: 'batch/added', photos: [photos[0]!], note: 'skipped 1 file' },
    ]);
    expect(s.photos.map((p) => [p.name, p.state])).toEqual([
      ['a.png', null],
      ['b.jpg', null],
    ]);
    expect(s.note).toBe('skipped 1 file');
  });

  it('runs: starting -> running with per-photo states and fractions -> idle with the counts', () => {
    let s = reduce([{ type: 'batch/added', photos, note: null }, { type: 'batch/output', folder: '/out' }, { type: 'batch/starting', batchId: 'b1' }]);
    expect(s.status).toBe('starting');
    expect(s.photos.map((p) => p.state)).toEqual(['queued', 'queued']);
    s = reduce([progress('b1', 'p1', 'running', 0.4)], s);
    expect(s.status).toBe('running');
    expect(s.photos[0]).toMatchObject({ state: 'running', fraction: 0.4, output: 'p1.png' });
    expect(batchProgress(s)).toEqual({ finished: 0, total: 2 });
    s = reduce([progress('b1', 'p1', 'done', 1, 'Written'), progress('b1', 'p2', 'failed', 0, 'damaged'), { type: 'batch/started', batchId: 'b1' }], s);
    expect(batchProgress(s)).toEqual({ finished: 2, total: 2 });
    expect(s.photos[1]).toMatchObject({ state: 'failed', message: 'damaged' });
    s = reduce([{ type: 'batch/done', event: { batchId: 'b1', counts } }], s);
    expect(s).toMatchObject({ status: 'idle', summary: counts });
    expect(isBatchRunning(s)).toBe(false);
  });

  it('ignores another batch’s events, and fixes the list and options while one runs', () => {
    const running = reduce([{ type: 'batch/added', photos, note: null }, { type: 'batch/starting', batchId: 'b1' }]);
    const after = reduce(
      [
        progress('b9', 'p1', 'done', 1),
        { type: 'batch/done', event: { batchId: 'b9', counts } },
        { type: 'batch/added', photos: [{ id: 'p3', name: 'c.png', source: 'file' }], note: null },
        { type: 'batch/removed', ids: [] },
        { type: 'batch/options', patch: { overwrite: true } },
        { type: 'batch/starting', batchId: 'b2' },
      ],
      running,
    );
    expect(after).toBe(running);
  });

  it('a refused start goes back to idle with main’s words; cancelling waits for the end', () => {
    const base = reduce([{ type: 'batch/added', photos, note: null }]);
    const refused = reduce([{ type: 'batch/starting', batchId: 'b1' }, { type: 'batch/notStarted', batchId: 'b1', message: 'Cannot write to the folder' }], base);
    expect(refused).toMatchObject({ status: 'idle', error: 'Cannot write to the folder' });
    expect(refused.photos.map((p) => p.state)).toEqual([null, null]);
    const cancelling = reduce([{ type: 'batch/starting', batchId: 'b2' }, { type: 'batch/started', batchId: 'b2' }, { type: 'batch/cancelling', batchId: 'b2' }, progress('b2', 'p1', 'cancelled')], base);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.photos[0]!.state).toBe('cancelled');
  });

  it('removes one photo, or all', () => {
    const s = reduce([{ type: 'batch/added', photos, note: null }, { type: 'batch/removed', ids: ['p1'] }]);
    expect(s.photos.map((p) => p.id)).toEqual(['p2']);
    expect(reduce([{ type: 'batch/removed', ids: [] }], s).photos).toEqual([]);
  });
});
