/**
 * Plain words for the restoration prompt: everyday phrasing (`sharpen a little`, `remove grain`,
 * `upscale 2x`) turned into the grammar's canonical text BEFORE the strict parser, which stays as
 * it is (common/restorationPrompt.ts, the Python twin and their goldens know nothing of this).
 *
 *   text --strict parse--> canonical                        (grammar text: unchanged behaviour)
 *   text --split on "and" , ; --> parts --PLAIN_WORDS--> clauses --strict parse--> canonical
 *
 * Where it is read: the editor's "What to fix" field (it shows "Understood as: …") and the CLI's
 * `--restore` (one stderr line). IPC and the engine take canonical text only: the renderer and the
 * CLI convert first. The table below is the one place the phrasings live; docs/plain-words.md
 * holds it as a table, checked against PLAIN_WORDS by test/unit/common/plainWords.test.ts.
 */
import { RESTORATION_GRAMMAR, RestorationPromptError, parseRestorationPrompt, type RestorationPrompt } from './restorationPrompt';

/** One row: the phrasings (lower case, one space; `{n}` = a number) and the clause they mean. */
export interface PlainPhrase {
  phrases: readonly string[];
  /** Grammar clause without `;`; `{n}` is the phrase's number. */
  clause: string;
}

/** Every phrasing the prompt understands, data first; the first phrase of each row is its example. */
export const PLAIN_WORDS: readonly PlainPhrase[] = [
  { phrases: ['sharpen a little', 'a little sharper', 'slightly sharper', 'unblur a little'], clause: 'Deblur with sigma 0.8' },
  { phrases: ['sharpen a lot', 'much sharper', 'unblur a lot'], clause: 'Deblur with sigma 2.0' },
  { phrases: ['sharpen', 'sharper', 'make it sharper', 'unblur', 'remove blur', 'fix blur', 'deblur'], clause: 'Deblur' },
  { phrases: ['upscale {n}x', 'upscale x{n}', 'upscale {n} times', 'enlarge {n}x', 'enlarge {n} times', 'make it {n}x bigger', 'make it {n} times bigger'], clause: 'Upsample to {n}x' },
  { phrases: ['denoise a little', 'remove a little grain', 'remove a little noise'], clause: 'Denoise with sigma 0.03' },
  { phrases: ['denoise a lot', 'remove a lot of grain', 'remove a lot of noise'], clause: 'Denoise with sigma 0.08' },
  { phrases: ['remove grain', 'remove noise', 'denoise', 'reduce noise', 'reduce grain'], clause: 'Denoise' },
  {
    phrases: ['fix compression artefacts', 'fix compression artifacts', 'remove compression artefacts', 'remove compression artifacts', 'fix jpeg', 'fix jpeg artefacts', 'fix jpeg artifacts', 'remove jpeg artefacts', 'remove jpeg artifacts'],
    clause: 'Dejpeg',
  },
  { phrases: ['fix everything', 'fix it all'], clause: RESTORATION_GRAMMAR.blindPrompt },
  { phrases: ['guess', 'estimate', 'read it from the photo'], clause: RESTORATION_GRAMMAR.autoPrompt },
];

/** A prompt as understood: the parsed prompt, and whether plain words were translated to get it. */
export interface UnderstoodPrompt {
  prompt: RestorationPrompt;
  /** True when the text was not grammar text as it stands: `prompt.text` is what it was read as. */
  plainWords: boolean;
}

const NUMBER = '([0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)';
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
/** Lower case, one space between words, no trailing full stop or exclamation mark. */
const normalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[.!]+\s*$/u, '')
    .split(/\s+/u)
    .filter(Boolean)
    .join(' ');

/** A phrase as a regex on normalised text: `{n}x` also takes `2 x` and `2×`, `x{n}` also `×2`. */
function phraseRegex(phrase: string): RegExp {
  const body = phrase
    .split('{n}')
    .map(escapeRegex)
    .join(NUMBER)
    .replace(`${NUMBER}x`, `${NUMBER} ?[x×]`)
    .replace(`x${NUMBER}`, `[x×] ?${NUMBER}`);
  return new RegExp(`^${body}$`, 'u');
}

const MATCHERS = PLAIN_WORDS.flatMap((row) => row.phrases.map((phrase) => ({ regex: phraseRegex(phrase), clause: row.clause })));

/** The clause one normalised part of the text means, or null when no phrasing matches it. */
function plainClause(part: string): string | null {
  for (const m of MATCHERS) {
    const hit = m.regex.exec(part);
    if (hit) return m.clause.replace('{n}', hit[1] ?? '');
  }
  return null;
}

/** The text split where plain phrasing joins its parts: `;`, `,`, `&`, `+` and the word `and`. */
function splitParts(text: string): string[] {
  return text
    .split(/[;,&+]|\band\b/iu)
    .map(normalise)
    .filter(Boolean);
}

const STOP_WORDS = new Set(['a', 'an', 'it', 'the', 'make', 'of', 'little', 'lot', 'x', 'times']);

/**
 * Up to three phrasings to suggest for a part nobody understood: those sharing a word with it,
 * else the first phrase of the first rows.
 */
export function suggestPlainWords(part: string): string[] {
  const words = new Set(normalise(part).split(' ').filter((w) => !STOP_WORDS.has(w)));
  const shares = (phrase: string): boolean => phrase.split(' ').some((w) => words.has(w));
  const close = PLAIN_WORDS.flatMap((row) => row.phrases.filter(shares).slice(0, 1));
  const chosen = close.length > 0 ? close : PLAIN_WORDS.map((row) => row.phrases[0] as string);
  return chosen.slice(0, 3).map((p) => p.replace('{n}', '2'));
}

/** Whether a part starts like grammar text (an operation's name, `auto`, the blind prompt). */
function looksLikeGrammar(part: string): boolean {
  const g = RESTORATION_GRAMMAR;
  const first = /^[a-z]+/u.exec(part)?.[0] ?? '';
  return g.operations.some((op) => op.name.toLowerCase() === first) || part === g.autoPrompt || part === g.blindPrompt.toLowerCase();
}

function withSuggestions(err: RestorationPromptError, part: string): RestorationPromptError {
  if (looksLikeGrammar(part)) return err;
  const tries = suggestPlainWords(part)
    .map((p) => `'${p}'`)
    .join(', ');
  return new RestorationPromptError(`${err.message}; or in plain words, e.g. ${tries} (docs/plain-words.md)`, err.part);
}

/**
 * Reads a restoration prompt, grammar text or plain words. Grammar text is parsed as it stands;
 * otherwise each part (split on `and`, `,`, `;`) is a phrasing from PLAIN_WORDS or a grammar clause,
 * and the clauses are parsed together, so a clash (`sharpen and sharpen a lot`) or a number out of
 * range (`upscale 9x`) gets the grammar's own reason. Throws RestorationPromptError, with plain-word
 * suggestions when a part is neither.
 */
export function understandRestorationPrompt(text: string): UnderstoodPrompt {
  let strictError: RestorationPromptError;
  try {
    return { prompt: parseRestorationPrompt(text), plainWords: false };
  } catch (err) {
    if (!(err instanceof RestorationPromptError)) throw err;
    strictError = err;
  }
  if (typeof text !== 'string' || text.length > RESTORATION_GRAMMAR.maxChars) throw strictError;
  const parts = splitParts(text);
  const clauses: string[] = [];
  let plain = false;
  for (const part of parts) {
    const clause = plainClause(part);
    if (clause !== null) {
      plain = true;
      clauses.push(clause);
      continue;
    }
    try {
      clauses.push(parseRestorationPrompt(part).text.replace(/;$/u, ''));
    } catch (err) {
      if (!(err instanceof RestorationPromptError)) throw err;
      throw withSuggestions(plain ? err : strictError, part);
    }
  }
  if (!plain) throw strictError;
  return { prompt: parseRestorationPrompt(clauses.map((c) => `${c};`).join(' ')), plainWords: true };
}

/** The phrase table as docs/plain-words.md holds it (Markdown), generated from PLAIN_WORDS. */
export function plainWordsTable(): string {
  const rows = PLAIN_WORDS.map((row) => {
    const example = (row.phrases[0] as string).replace('{n}', '2');
    const understood = parseRestorationPrompt(row.clause.replace('{n}', '2')).text;
    return `| ${row.phrases.map((p) => `\`${p}\``).join(', ')} | \`${row.clause.includes('{n}') ? `${row.clause};` : understood}\` | \`${example}\` -> \`${understood}\` |`;
  });
  return ['| you may write | means | e.g. |', '| --- | --- | --- |', ...rows].join('\n');
}
