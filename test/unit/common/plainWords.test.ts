// Plain words -> canonical grammar text (common/plainWords.ts): a table of phrase -> canonical, the
// rejections with their suggestions, and docs/plain-words.md's table against the code's.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAIN_WORDS, plainWordsTable, suggestPlainWords, understandRestorationPrompt } from '../../../common/plainWords';
import { RestorationPromptError } from '../../../common/restorationPrompt';

const canonical = (text: string) => understandRestorationPrompt(text);

describe('understandRestorationPrompt: plain words', () => {
  it.each([
    ['sharpen a little', 'Deblur with sigma 0.8;'],
    ['Sharpen a little.', 'Deblur with sigma 0.8;'],
    ['sharpen', 'Deblur;'],
    ['make it sharper', 'Deblur;'],
    ['sharpen a lot', 'Deblur with sigma 2.0;'],
    ['remove grain', 'Denoise;'],
    ['remove noise', 'Denoise;'],
    ['denoise a little', 'Denoise with sigma 0.03;'],
    ['denoise a lot', 'Denoise with sigma 0.08;'],
    ['upscale 2x', 'Upsample to 2.0x;'],
    ['upscale 2 x', 'Upsample to 2.0x;'],
    ['Upscale ×3', 'Upsample to 3.0x;'],
    ['upscale 2.5x', 'Upsample to 2.5x;'],
    ['enlarge 4x', 'Upsample to 4.0x;'],
    ['make it 2x bigger', 'Upsample to 2.0x;'],
    ['make it 3 times bigger', 'Upsample to 3.0x;'],
    ['fix compression artefacts', 'Dejpeg;'],
    ['fix compression artifacts', 'Dejpeg;'],
    ['fix jpeg', 'Dejpeg;'],
    ['fix everything', 'Remove all degradation'],
    ['guess and upscale 2x', 'auto; Upsample to 2.0x;'],
    // combinations, in any order: canonical order out
    ['upscale 2x and sharpen a little', 'Deblur with sigma 0.8; Upsample to 2.0x;'],
    ['remove grain, fix jpeg and sharpen', 'Deblur; Denoise; Dejpeg;'],
    ['sharpen a little & remove grain', 'Deblur with sigma 0.8; Denoise;'],
    // plain words beside grammar clauses
    ['Dejpeg with quality 40 and sharpen a little', 'Deblur with sigma 0.8; Dejpeg with quality 40;'],
  ])('%j -> %j', (text, expected) => {
    const u = canonical(text);
    expect(u.prompt.text).toBe(expected);
    expect(u.plainWords).toBe(true);
  });

  it.each([
    ['Deblur with sigma 0.8;', 'Deblur with sigma 0.8;'],
    ['  denoise ; deblur with sigma 2 ', 'Deblur with sigma 2.0; Denoise;'],
    ['auto', 'auto'],
    ['', ''],
    ['Remove all degradation', 'Remove all degradation'],
  ])('grammar text %j is read as it stands -> %j (no plain words)', (text, expected) => {
    const u = canonical(text);
    expect(u.prompt.text).toBe(expected);
    expect(u.plainWords).toBe(false);
  });
});

describe('understandRestorationPrompt: rejections', () => {
  const reason = (text: string): string => {
    try {
      understandRestorationPrompt(text);
    } catch (err) {
      expect(err).toBeInstanceOf(RestorationPromptError);
      return (err as Error).message;
    }
    throw new Error(`"${text}" was accepted`);
  };

  it.each([
    ['make it pretty', /unknown operation 'make'.*or in plain words, e\.g\. /],
    ['sharpen and make it pretty', /unknown operation 'make' in 'make it pretty'.*or in plain words/],
    ['clean it up', /or in plain words, e\.g\. 'sharpen a little', 'sharpen a lot', 'sharpen'/],
    ['remove scratches', /or in plain words, e\.g\. 'remove blur', 'remove a little grain'/],
    ['upscale 9x', /Upsample factor 9 is out of range: allowed 1\.0 to 7\.0/],
    ['sharpen and sharpen a lot', /Deblur is given twice/],
    ['fix everything and sharpen', /cannot be combined with other operations/],
  ])('%j is refused: %s', (text, message) => {
    expect(reason(text)).toMatch(message);
  });

  it('grammar errors stay as the grammar writes them (no plain-word suggestions)', () => {
    expect(reason('Deblur with sigma 9')).toBe("'Deblur with sigma 9': Deblur sigma 9 is out of range: allowed 0.2 to 3.0");
    expect(reason('Deblur 2')).not.toMatch(/plain words/);
  });

  it('suggests phrasings that share a word, else the first of each row', () => {
    expect(suggestPlainWords('remove scratches')).toEqual(['remove blur', 'remove a little grain', 'remove a lot of grain']);
    expect(suggestPlainWords('whatever')).toEqual(['sharpen a little', 'sharpen a lot', 'sharpen']);
  });

  it('every phrasing in the table reads as its row clause', () => {
    for (const row of PLAIN_WORDS) {
      for (const phrase of row.phrases) {
        const u = understandRestorationPrompt(phrase.replace('{n}', '2'));
        expect(u.prompt.text, phrase).toBe(understandRestorationPrompt(`${row.clause.replace('{n}', '2')};`).prompt.text);
      }
    }
  });
});

describe('docs/plain-words.md', () => {
  const doc = resolve(__dirname, '../../../docs/plain-words.md');
  const BEGIN = '<!-- plain-words table: generated from common/plainWords.ts; SPIRE_UPDATE_DOCS=1 rewrites it -->';
  const END = '<!-- end of plain-words table -->';

  it("holds the code's table, exactly", () => {
    const text = readFileSync(doc, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, 'the table markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${BEGIN}\n${plainWordsTable()}\n${END}`;
    if (process.env.SPIRE_UPDATE_DOCS === '1') writeFileSync(doc, text.slice(0, start) + expected + text.slice(end + END.length));
    else expect(text.slice(start, end + END.length)).toBe(expected);
  });
});
