import { describe, expect, it } from 'vitest';
import { SpireError } from '../../../../../common/errors';
import { DEFAULT_RESTORE_PARAMS, validateRestoreParams } from '../../../../../main/engine/jobs/restoreParams';
import type { RestoreParams } from '../../../../../main/engine/pipeline/types';

const params = (over: Partial<RestoreParams>): RestoreParams => ({ ...DEFAULT_RESTORE_PARAMS, ...over });

/** The SpireError (bad-params / bad-prompt) `validateRestoreParams` throws for `p` (fails the test when none). */
function refusal(p: RestoreParams): SpireError {
  try {
    validateRestoreParams(p);
  } catch (err) {
    if (err instanceof SpireError && (err.code === 'bad-params' || err.code === 'bad-prompt')) return err;
    throw err;
  }
  throw new Error('validateRestoreParams accepted the params');
}

describe('validateRestoreParams: strength', () => {
  it('takes any strength from 0 to 1 in faithful mode, 0 included (the restorer alone)', () => {
    for (const strength of [0, 0.005, 0.3, 1]) expect(validateRestoreParams(params({ strength, useRestorer: true })).strength).toBe(strength);
  });

  it('takes strength in (0, 1] without the faithful mode', () => {
    for (const strength of [0.005, 0.6, 1]) expect(validateRestoreParams(params({ strength, useRestorer: false })).strength).toBe(strength);
  });

  it('refuses strength 0 without the faithful mode and says what to do', () => {
    const err = refusal(params({ strength: 0, useRestorer: false }));
    expect(err.field).toBe('strength');
    expect(err.code).toBe('bad-params');
    expect(err.message).toBe('strength 0 runs no diffusion: it needs the faithful mode (restorer); raise the strength or turn on faithful mode.');
  });

  it('refuses a strength outside 0..1 or not a number, naming the range', () => {
    for (const strength of [-0.1, 1.01, Number.NaN, '0.5' as unknown as number]) {
      const err = refusal(params({ strength, useRestorer: true }));
      expect(err.field).toBe('strength');
      expect(err.message).toMatch(/^strength must be a number from 0 to 1, got /);
    }
  });
});

describe('validateRestoreParams: colorFixLevels', () => {
  it('takes whole numbers 1 to 8, or none (5)', () => {
    for (const colorFixLevels of [1, 3, 8]) expect(validateRestoreParams(params({ colorFixLevels })).colorFixLevels).toBe(colorFixLevels);
    expect(validateRestoreParams(params({ colorFixLevels: undefined })).colorFixLevels).toBeUndefined();
  });

  it('refuses anything else, naming the range', () => {
    for (const colorFixLevels of [0, 9, 2.5, Number.NaN]) {
      const err = refusal(params({ colorFixLevels }));
      expect(err.field).toBe('colorFixLevels');
      expect(err.message).toBe(`colorFixLevels must be a whole number from 1 to 8, got ${colorFixLevels}.`);
    }
  });
});

describe('validateRestoreParams: restorerViews', () => {
  it('takes 1, 2, 4 or 8 views, or none (1)', () => {
    for (const restorerViews of [1, 2, 4, 8] as const) expect(validateRestoreParams(params({ restorerViews, useRestorer: true })).restorerViews).toBe(restorerViews);
    expect(validateRestoreParams(params({ restorerViews: undefined })).restorerViews).toBeUndefined();
  });

  it('refuses any other count, naming the allowed ones', () => {
    for (const restorerViews of [0, 3, 16, 2.5]) {
      const err = refusal(params({ restorerViews: restorerViews as never }));
      expect(err.field).toBe('restorerViews');
      expect(err.message).toBe(`restorerViews must be one of 1, 2, 4, 8, got ${restorerViews}.`);
    }
  });
});

describe('validateRestoreParams: a region\'s own restoration', () => {
  const mask = { width: 2, height: 2, data: new Float32Array(4).fill(1) };
  it('parses its prompt once (canonical, passed inward parsed) and keeps Keep as is', () => {
    const v = validateRestoreParams(params({ regions: [{ mask, prompt: '', restoration: { kind: 'prompt', restorationPrompt: 'deblur with sigma 2' } }, { mask, prompt: 'sky', restoration: { kind: 'keep' } }] }));
    expect(v.regions[0]!.restoration).toMatchObject({ kind: 'prompt', restorationPrompt: { text: 'Deblur with sigma 2.0;', auto: false } });
    expect(v.regions[1]!.restoration).toEqual({ kind: 'keep' });
  });

  it('refuses a malformed prompt and another output size, naming the region', () => {
    const bad = refusal(params({ regions: [{ mask, prompt: '', restoration: { kind: 'prompt', restorationPrompt: 'Deblurr' } }] }));
    expect([bad.code, bad.field]).toEqual(['bad-prompt', 'regions[0].restoration']);
    expect(bad.message).toMatch(/^Region 1's restoration prompt: /);
    const size = refusal(params({ restorationPrompt: 'Upsample to 2.0x', regions: [{ mask, prompt: '', restoration: { kind: 'prompt', restorationPrompt: 'Upsample to 4.0x' } }] }));
    expect(size.message).toMatch(/output 4x the input, the run's for 2x/);
  });
});
