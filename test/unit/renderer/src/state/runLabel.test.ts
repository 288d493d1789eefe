import { describe, expect, it } from 'vitest';
import type { RunLabelInput } from '../../../../../renderer/src/state/runLabel';
import { entryTitle, formatDuration, operationsInWords, restorationInWords, runLabel, seedMattered } from '../../../../../renderer/src/state/runLabel';

const run = (over: Partial<RunLabelInput>): RunLabelInput => ({
  restorationPrompt: '',
  estimatedPrompt: null,
  semanticPrompt: '',
  regionPrompts: [],
  steps: 0,
  ...over,
});

describe('runLabel: a run in words, from the parameters it used', () => {
  const table: [string, Partial<RunLabelInput>, string][] = [
    ['restorer only', { restorationPrompt: 'Denoise with sigma 0.08;', strength: 0 }, 'Denoise 0.08 · restorer only'],
    ['diffusion with a semantic prompt', { restorationPrompt: 'Deblur with sigma 2.0;', steps: 6, strength: 0.3, semanticPrompt: 'a red barn' }, 'Deblur 2.0 · strength 0.3 · “a red barn”'],
    [
      'auto: the engine read the photo',
      { restorationPrompt: 'Denoise with sigma 0.06;', estimatedPrompt: 'Denoise with sigma 0.06;', requestedPrompt: 'auto' },
      'auto → Denoise 0.06 · restorer only',
    ],
    [
      'auto with an output size',
      { restorationPrompt: 'Upsample to 2.0x; Denoise with sigma 0.06;', estimatedPrompt: 'Denoise with sigma 0.06;', requestedPrompt: 'auto; Upsample to 2.0x;' },
      'auto → Upsample 2.0x + Denoise 0.06 · restorer only',
    ],
    [
      'the estimate run unchanged',
      { restorationPrompt: 'Denoise with sigma 0.04;', estimatedPrompt: 'Denoise with sigma 0.04;', requestedPrompt: 'Denoise with sigma 0.04;' },
      'estimate → Denoise 0.04 · restorer only',
    ],
    ['a photo the estimator found clean', { restorationPrompt: '', estimatedPrompt: '', requestedPrompt: 'auto' }, 'auto → clean · restorer only'],
    ['nothing to fix, written by the user', { restorationPrompt: '', steps: 4, strength: 1 }, 'no restoration · strength 1'],
    ['the blind prompt', { restorationPrompt: 'Remove all degradation', steps: 20, strength: 0.45 }, 'Remove all degradation · strength 0.45'],
    [
      'every operation, a type without a number',
      { restorationPrompt: 'Deblur; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;' },
      'Deblur + Upsample 4.0x + Denoise 0.05 + Dejpeg 40 · restorer only',
    ],
    ['regions', { restorationPrompt: 'Dejpeg with quality 50;', steps: 3, strength: 0.5, regionPrompts: ['sky', 'roof'] }, 'Dejpeg 50 · strength 0.5 · +2 regions'],
    ['one region', { restorationPrompt: 'Dejpeg with quality 50;', regionPrompts: [''] }, 'Dejpeg 50 · restorer only · +1 region'],
    ['semantic prompt at strength 0 changes nothing: left out', { restorationPrompt: 'Denoise with sigma 0.08;', semanticPrompt: 'a barn' }, 'Denoise 0.08 · restorer only'],
    ['an older entry without its strength: the steps', { restorationPrompt: 'Denoise with sigma 0.08;', steps: 1 }, 'Denoise 0.08 · 1 step'],
    [
      'a long semantic prompt is cut',
      { restorationPrompt: '', steps: 2, strength: 0.8, semanticPrompt: 'two zebras on a road under a heavy grey sky at dusk' },
      'no restoration · strength 0.8 · “two zebras on a road under a he…”',
    ],
  ];
  for (const [what, input, words] of table) {
    it(what, () => expect(runLabel(run(input))).toBe(words));
  }

  it('two runs with different prompts read differently', () => {
    const a = runLabel(run({ restorationPrompt: 'Denoise with sigma 0.08;' }));
    const b = runLabel(run({ restorationPrompt: 'Denoise with sigma 0.04;' }));
    expect(a).not.toBe(b);
  });

  it('operationsInWords keeps text it cannot parse as it is', () => {
    expect(operationsInWords('not a prompt')).toBe('not a prompt');
    expect(operationsInWords('auto')).toBe('auto');
    expect(restorationInWords(run({ restorationPrompt: 'Remove all degradation', estimatedPrompt: 'Denoise with sigma 0.04;' }))).toBe('Remove all degradation');
  });
});

describe('entryTitle, formatDuration, seedMattered', () => {
  it("the user's name wins over the words; blank falls back", () => {
    const e = run({ restorationPrompt: 'Denoise with sigma 0.08;' });
    expect(entryTitle({ ...e, name: 'keeper' })).toBe('keeper');
    expect(entryTitle({ ...e, name: '  ' })).toBe('Denoise 0.08 · restorer only');
    expect(entryTitle(e)).toBe('Denoise 0.08 · restorer only');
  });

  it('durations', () => {
    expect(formatDuration(380)).toBe('0.4 s');
    expect(formatDuration(9_949)).toBe('9.9 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('the seed matters only when diffusion ran', () => {
    expect(seedMattered({ steps: 0 })).toBe(false);
    expect(seedMattered({ steps: 3 })).toBe(true);
  });
});
