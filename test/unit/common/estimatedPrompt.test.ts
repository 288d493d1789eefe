// The estimate's restoration prompt at the output size the user chose (what `auto; Upsample to Kx;` runs with),
// and whether a text is that estimate unchanged: a table of estimate x text.
import { describe, expect, it } from 'vitest';
import { estimatedPromptAt, isEstimatedPrompt, outputSizeOf } from '../../../common/estimatedPrompt';
import { parseRestorationPrompt } from '../../../common/restorationPrompt';

const est = (restorationPrompt: string) => ({ restorationPrompt });
const size = (value: number | null) => ({ key: 'downsample', value });

describe('estimatedPromptAt', () => {
  it.each([
    ['Deblur with sigma 1.4; Denoise with sigma 0.04;', null, 'Deblur with sigma 1.4; Denoise with sigma 0.04;'],
    ['Deblur with sigma 1.4; Denoise with sigma 0.04;', size(2), 'Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;'],
    ['Deblur with sigma 1.4;', size(4), 'Deblur with sigma 3.0; Upsample to 4.0x;'], // clamped to the grammar's range
    ['Dejpeg with quality 87;', size(2), 'Upsample to 2.0x; Dejpeg with quality 87;'],
    ['Deblur with sigma 1.4;', size(null), 'Deblur with sigma 1.4; Upsample;'],
    ['', null, ''],
    ['', size(2), 'Upsample to 2.0x;'],
  ])('%j at %o -> %j', (estimate, at, text) => {
    expect(estimatedPromptAt(est(estimate), at).text).toBe(text);
  });
});

describe('isEstimatedPrompt', () => {
  const estimate = est('Deblur with sigma 1.4; Denoise with sigma 0.04;');
  it.each([
    ['Deblur with sigma 1.4; Denoise with sigma 0.04;', true],
    ['  denoise with sigma 0.04; deblur with sigma 1.4 ', true], // same prompt, typed another way
    ['Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;', true],
    ['Deblur with sigma 1.4; Upsample to 2.0x; Denoise with sigma 0.04;', false], // at 2x the blur doubles
    ['Deblur with sigma 1.5; Denoise with sigma 0.04;', false],
    ['Denoise with sigma 0.04;', false],
    ['auto', false],
    ['Remove all degradation', false],
    ['Deblur with sigma 9.0;', false],
    ['', false],
  ])('%j -> %s', (text, expected) => {
    expect(isEstimatedPrompt(text, estimate)).toBe(expected);
  });

  it('a clean estimate is the empty prompt, at any output size', () => {
    expect(isEstimatedPrompt('', est(''))).toBe(true);
    expect(isEstimatedPrompt('Upsample to 4.0x;', est(''))).toBe(true);
    expect(isEstimatedPrompt('Denoise with sigma 0.01;', est(''))).toBe(false);
  });

  it('outputSizeOf finds the Upsample clause', () => {
    expect(outputSizeOf(parseRestorationPrompt('auto; Upsample to 2.0x;'))).toEqual(size(2));
    expect(outputSizeOf(parseRestorationPrompt('Deblur;'))).toBeNull();
  });
});
