import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEGRADATION_VECTOR_SIZE,
  degradationVector,
  RESTORATION_GRAMMAR,
  RestorationPromptError,
  canonicalRestorationPrompt,
  formatRestorationPrompt,
  parseRestorationPrompt,
  resolveAutoPrompt,
  restorationPromptOf,
  upsampleFactor,
} from '../../../common/restorationPrompt';

type Ops = [string, number | null][] | 'BLIND';
const [B, D, N, J] = ['blur', 'downsample', 'noise', 'jpeg'];

// Ported from models/tests/test_prompts.py: (input text, operations, canonical text).
const GOOD: [string, Ops, string][] = [
  ['', [], ''],
  ['   ', [], ''],
  ['Remove all degradation', 'BLIND', 'Remove all degradation'],
  ['  remove   ALL degradation ; ', 'BLIND', 'Remove all degradation'],
  ['Deblur with sigma 2.0;', [[B, 2.0]], 'Deblur with sigma 2.0;'],
  ['deblur with sigma 2', [[B, 2.0]], 'Deblur with sigma 2.0;'],
  ['DEBLUR   WITH\tSIGMA   0.2 ;', [[B, 0.2]], 'Deblur with sigma 0.2;'],
  ['Deblur with sigma 3.00;', [[B, 3.0]], 'Deblur with sigma 3.0;'],
  ['Upsample to 4.0x;', [[D, 4.0]], 'Upsample to 4.0x;'],
  ['upsample to 4 X', [[D, 4.0]], 'Upsample to 4.0x;'],
  ['Upsample to 1x', [[D, 1.0]], 'Upsample to 1.0x;'],
  ['Upsample to 6.5 x;', [[D, 6.5]], 'Upsample to 6.5x;'],
  ['Denoise with sigma 0.05;', [[N, 0.05]], 'Denoise with sigma 0.05;'],
  ['Denoise with sigma .1', [[N, 0.1]], 'Denoise with sigma 0.10;'],
  ['Denoise with sigma 0', [[N, 0.0]], 'Denoise with sigma 0.00;'],
  ['Dejpeg with quality 40;', [[J, 40.0]], 'Dejpeg with quality 40;'],
  ['dejpeg with quality 92.0', [[J, 92.0]], 'Dejpeg with quality 92;'],
  ['Deblur;', [[B, null]], 'Deblur;'],
  ['deblur', [[B, null]], 'Deblur;'],
  ['Upsample; dejpeg', [[D, null], [J, null]], 'Upsample; Dejpeg;'],
  [
    'Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;',
    [[B, 2.0], [D, 4.0], [N, 0.05], [J, 40.0]],
    'Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;',
  ],
  [
    'Dejpeg with quality 40;Deblur with sigma 1.5;;Denoise',
    [[B, 1.5], [N, null], [J, 40.0]],
    'Deblur with sigma 1.5; Denoise; Dejpeg with quality 40;',
  ],
  ['Denoise with sigma 0.12; Upsample to 7.0x', [[D, 7.0], [N, 0.12]], 'Upsample to 7.0x; Denoise with sigma 0.12;'],
];

// (bad text, fragments that must all appear in the error message)
const BAD: [string, string[]][] = [
  ['Desharpen with sigma 2.0;', ["unknown operation 'Desharpen'", 'Deblur, Upsample, Denoise, Dejpeg', 'Remove all degradation']],
  ['Deblur with sigma 2.0; Colorize;', ["unknown operation 'Colorize'"]],
  ['42', ["unknown operation '42'"]],
  ['Deblur with sigma 3.5;', ['Deblur sigma 3.5 is out of range', '0.2 to 3.0']],
  ['Deblur with sigma 0.1', ['out of range', '0.2 to 3.0']],
  ['Upsample to 8x', ['Upsample factor 8 is out of range', '1.0 to 7.0']],
  ['Upsample to 0.5x', ['out of range', '1.0 to 7.0']],
  ['Denoise with sigma 0.2', ['Denoise sigma 0.2 is out of range', '0.00 to 0.12']],
  ['Denoise with sigma -0.01', ['out of range', '0.00 to 0.12']],
  ['Dejpeg with quality 95', ['Dejpeg quality 95 is out of range', '30 to 92']],
  ['Dejpeg with quality 29', ['out of range', '30 to 92']],
  ['Dejpeg with quality 40.5', ['whole number', '40.5']],
  ['Deblur with sigma 1.25', ['at most 1 decimal', '1.25']],
  ['Denoise with sigma 0.055', ['at most 2 decimals']],
  ['Deblur with sigma 1.0; deblur with sigma 2.0', ['Deblur is given twice']],
  ['Deblur; Deblur with sigma 2.0', ['given twice']],
  ['Deblur with sigma', ["malformed clause 'Deblur with sigma'", 'Deblur with sigma <sigma>', '0.2 to 3.0', "'Deblur;'"]],
  ['Deblur sigma 2.0', ['malformed clause', 'Deblur with sigma <sigma>']],
  ['Upsample by 4x', ["malformed clause 'Upsample by 4x'", 'Upsample to <factor>x']],
  ['Dejpeg with quality forty', ['malformed clause', '30 to 92']],
  ['Remove all degradation; Deblur;', ['cannot be combined']],
];

function opsOf(text: string): Ops {
  const p = parseRestorationPrompt(text);
  return p.blind ? 'BLIND' : p.operations.map((o) => [o.key, o.value]);
}

function errorOf(text: string): RestorationPromptError {
  try {
    parseRestorationPrompt(text);
  } catch (err) {
    if (err instanceof RestorationPromptError) return err;
    throw err;
  }
  throw new Error(`expected "${text}" to be refused`);
}

describe('parseRestorationPrompt / formatRestorationPrompt', () => {
  it.each(GOOD)('%j parses and formats canonically', (text, ops, canonical) => {
    expect(opsOf(text)).toEqual(ops);
    const p = parseRestorationPrompt(text);
    expect(p.text).toBe(canonical);
    expect(formatRestorationPrompt(p)).toBe(canonical);
    // canonical text is a fixed point
    expect(parseRestorationPrompt(canonical)).toEqual(p);
  });

  it.each(BAD)('%j is refused with a message naming the problem', (text, fragments) => {
    const err = errorOf(text);
    for (const fragment of fragments) expect(err.message).toContain(fragment);
  });

  it('names the offending clause', () => {
    expect(errorOf('Deblur with sigma 1.0; Denoise with sigma 0.5; Dejpeg;').part).toBe('Denoise with sigma 0.5');
  });

  it('builds from values like RestorationPrompt.of (rounded to the grid, validated)', () => {
    const p = restorationPromptOf({ jpeg: 40.4, blur: 1.26, noise: null });
    expect(p.text).toBe('Deblur with sigma 1.3; Denoise; Dejpeg with quality 40;');
    expect(() => restorationPromptOf({ downsample: 9 })).toThrow(/out of range/);
    expect(() => restorationPromptOf({ sharpen: 1 })).toThrow(/unknown operation key/);
    expect(() => restorationPromptOf({ blur: 1 }, true)).toThrow(/cannot be combined/);
  });

  it('reads the grammar file (keys, names, ranges, blind prompt)', () => {
    const g = RESTORATION_GRAMMAR;
    expect(g.operations.map((o) => [o.key, o.name, o.param, o.min, o.max, o.decimals])).toEqual([
      ['blur', 'Deblur', 'sigma', 0.2, 3.0, 1],
      ['downsample', 'Upsample', 'factor', 1.0, 7.0, 1],
      ['noise', 'Denoise', 'sigma', 0.0, 0.12, 2],
      ['jpeg', 'Dejpeg', 'quality', 30, 92, 0],
    ]);
    expect(g.blindPrompt).toBe('Remove all degradation');
  });

  it('round-trips every grid value', () => {
    for (const spec of RESTORATION_GRAMMAR.operations) {
      const step = 10 ** -spec.decimals;
      const n = Math.round((spec.max - spec.min) / step);
      for (let i = 0; i <= n; i++) {
        const v = Number((spec.min + i * step).toFixed(spec.decimals));
        const text = restorationPromptOf({ [spec.key]: v }).text;
        expect(parseRestorationPrompt(text).operations[0]?.value, text).toBe(v);
      }
    }
  });

  it('upsampleFactor is the Upsample number, 1 when absent or unnumbered', () => {
    expect(upsampleFactor(parseRestorationPrompt('Deblur; Upsample to 4x'))).toBe(4);
    expect(upsampleFactor(parseRestorationPrompt('Upsample'))).toBe(1);
    expect(upsampleFactor(parseRestorationPrompt('Remove all degradation'))).toBe(1);
    expect(upsampleFactor(parseRestorationPrompt(''))).toBe(1);
    expect(canonicalRestorationPrompt('upsample to 2.5 X')).toBe('Upsample to 2.5x;');
  });
});

interface GoldenCase {
  text: string;
  ok: boolean;
  canonical?: string;
  blind?: boolean;
  auto?: boolean;
  resolved?: string;
  operations?: { key: string; value: number | null }[];
  degradation?: number[];
  error?: string;
  part?: string;
}

describe('agrees with models/spire/prompts.py', () => {
  const golden = JSON.parse(readFileSync(join(__dirname, '../../fixtures/prompts/restoration-prompt-golden.json'), 'utf8')) as {
    cases: GoldenCase[];
    autoEstimate: string;
  };

  it('has a golden with valid and invalid prompts', () => {
    expect(golden.cases.filter((c) => c.ok).length).toBeGreaterThan(50);
    expect(golden.cases.filter((c) => c.ok && c.auto).length).toBeGreaterThan(4);
    expect(golden.cases.filter((c) => !c.ok).length).toBeGreaterThan(50);
  });

  it.each(golden.cases.map((c) => [c.text, c] as const))('%j', (text, c) => {
    if (c.ok) {
      const p = parseRestorationPrompt(text);
      expect(p.text).toBe(c.canonical);
      expect(p.blind).toBe(c.blind);
      expect(p.auto).toBe(c.auto);
      expect(p.operations).toEqual(c.operations);
      if (p.auto) {
        expect(() => degradationVector(p)).toThrow(RestorationPromptError);
        expect(resolveAutoPrompt(p, parseRestorationPrompt(golden.autoEstimate)).text).toBe(c.resolved);
        return;
      }
      const vector = degradationVector(p);
      expect(vector).toHaveLength(DEGRADATION_VECTOR_SIZE);
      expect(vector.length).toBe(c.degradation?.length);
      vector.forEach((v, i) => expect(v).toBeCloseTo(c.degradation![i] as number, 12));
    } else {
      const err = errorOf(text);
      expect(err.message).toBe(c.error);
      expect(err.part).toBe(c.part);
    }
  });
});
