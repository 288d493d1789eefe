// The import's state machine (state/packImport.ts) and what the prompt panel says a pack can do (state/packAbilities.ts).
import { describe, expect, it } from 'vitest';
import type { PackImportDoneEvent } from '../../../../../preload/contract/channels';
import { initialPackImportState, isImporting, packImportReducer, type PackImportAction, type PackImportState } from '../../../../../renderer/src/state/packImport';
import { packAbilities } from '../../../../../renderer/src/state/packAbilities';

const reduce = (actions: PackImportAction[], from: PackImportState = initialPackImportState) => actions.reduce(packImportReducer, from);
const progress = (jobId: string, fraction: number): PackImportAction => ({ type: 'packImport/progress', event: { jobId, stage: 'convert', fraction, message: `at ${fraction}` } });
const done = (jobId: string, result: PackImportDoneEvent['result']): PackImportAction => ({ type: 'packImport/done', event: { jobId, result } });
const PACK = { name: 'v1-5', dir: '/data/packs/v1-5', loaded: false };

describe('packImportReducer', () => {
  it('idle -> choosing -> running -> done, the pack list version bumped once', () => {
    const path: string[] = [];
    let s = initialPackImportState;
    for (const a of [
      { type: 'packImport/choosing', jobId: 'a' },
      { type: 'packImport/started', jobId: 'a', sourceName: 'v1-5.safetensors' },
      progress('a', 0.5),
      done('a', { ok: true, value: PACK }),
    ] as PackImportAction[]) {
      s = packImportReducer(s, a);
      path.push(s.status);
    }
    expect(path).toEqual(['choosing', 'running', 'running', 'done']);
    expect(s).toMatchObject({ sourceName: 'v1-5.safetensors', fraction: 1, pack: PACK, packsVersion: 1 });
    expect(isImporting(s)).toBe(false);
  });

  it('ignores events of another id, and a second choosing while one runs', () => {
    const running = reduce([{ type: 'packImport/choosing', jobId: 'a' }, progress('a', 0.25)]);
    expect(reduce([progress('b', 0.9), done('b', { ok: true, value: PACK }), { type: 'packImport/choosing', jobId: 'b' }, { type: 'packImport/dismiss' }], running)).toBe(running);
  });

  it('keeps the fraction in 0..1 and stays cancelling while late progress arrives', () => {
    const s = reduce([{ type: 'packImport/choosing', jobId: 'a' }, progress('a', 3), { type: 'packImport/cancelling', jobId: 'a' }, progress('a', -1)]);
    expect(s).toMatchObject({ status: 'cancelling', fraction: 0 });
    expect(reduce([progress('a', 3)], reduce([{ type: 'packImport/choosing', jobId: 'a' }])).fraction).toBe(1);
  });

  it('ends cancelled (kept until dismissed), or back to idle on an error (the banner has it)', () => {
    const running = reduce([{ type: 'packImport/choosing', jobId: 'a' }, progress('a', 0.3)]);
    expect(reduce([done('a', { ok: false, error: { code: 'cancelled', message: 'Cancelled.' } })], running)).toMatchObject({ status: 'cancelled', message: 'Cancelled.', packsVersion: 0 });
    expect(reduce([done('a', { ok: false, error: { code: 'import-failed', message: 'Failed.' } })], running)).toEqual(initialPackImportState);
    expect(reduce([done('a', { ok: false, error: { code: 'cancelled', message: 'Cancelled.' } }), { type: 'packImport/dismiss' }], running)).toEqual(initialPackImportState);
  });

  it('a dialog closed without a choice goes back to idle; a late `started` after the end changes nothing', () => {
    expect(reduce([{ type: 'packImport/choosing', jobId: 'a' }, { type: 'packImport/dialogClosed', jobId: 'a' }])).toEqual(initialPackImportState);
    const ended = reduce([{ type: 'packImport/choosing', jobId: 'a' }, done('a', { ok: true, value: PACK })]);
    expect(reduce([{ type: 'packImport/started', jobId: 'a', sourceName: 'x' }, { type: 'packImport/dialogClosed', jobId: 'a' }], ended)).toBe(ended);
  });

  it('keeps the pack list version across imports', () => {
    const first = reduce([{ type: 'packImport/choosing', jobId: 'a' }, done('a', { ok: true, value: PACK }), { type: 'packImport/dismiss' }]);
    const second = reduce([{ type: 'packImport/choosing', jobId: 'b' }, done('b', { ok: true, value: PACK })], first);
    expect(second.packsVersion).toBe(2);
  });
});

describe('packAbilities', () => {
  it.each([
    [{ name: 'v1-5', hasAdaptor: false }, '“v1-5” is a Stable Diffusion model: the semantic prompt and the regions’ “what is here” steer the result above strength 0 (more strength, more change).'],
    [{ name: 'compact', hasAdaptor: true }, '“compact”: the restoration prompt does the work; the semantic prompt changes little (this pack’s prior is small).'],
    [{ name: 'loose' }, null],
    [null, null],
  ])('%o', (pack, text) => {
    expect(packAbilities(pack)).toBe(text);
  });
});
