/**
 * CLIP's text cleanup (openai/CLIP simple_tokenizer: basic_clean, whitespace_clean, lower):
 *
 *   1. ftfy.fix_text(text)          NOT reproduced: ftfy repairs mojibake ("cafÃ©" -> "café"),
 *                                   curly quotes and the like. Clean UTF-8 text is unaffected;
 *                                   the golden tables were made with fix_text as the identity.
 *   2. html.unescape twice          htmlUnescape below, Python's algorithm and the full
 *                                   HTML5 entity table (htmlEntities.json).
 *   3. strip; collapse whitespace   with Python's str.isspace set (not JavaScript's \s, which
 *                                   differs: it has U+FEFF and lacks U+001C-U+001F, U+0085).
 *   4. lowercase                    String.prototype.toLowerCase (full Unicode, like str.lower).
 */
import HTML5_ENTITIES from './htmlEntities.json';
import { PY_WHITESPACE_CLASS } from '../../../common/pythonText';

const entities = HTML5_ENTITIES as Record<string, string>;

export { PY_WHITESPACE_CLASS };

const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'g');
const EDGE_WHITESPACE = new RegExp(`^[${PY_WHITESPACE_CLASS}]+|[${PY_WHITESPACE_CLASS}]+$`, 'g');

/** Numeric references the HTML standard remaps (NUL, CR and the Windows-1252 range 0x80-0x9F). */
const INVALID_CHARREFS: Record<number, string> = {
  0x00: '\ufffd', 0x0d: '\r', 0x80: '\u20ac', 0x81: '\x81', 0x82: '\u201a', 0x83: '\u0192',
  0x84: '\u201e', 0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x88: '\u02c6', 0x89: '\u2030',
  0x8a: '\u0160', 0x8b: '\u2039', 0x8c: '\u0152', 0x8d: '\x8d', 0x8e: '\u017d', 0x8f: '\x8f',
  0x90: '\x90', 0x91: '\u2018', 0x92: '\u2019', 0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022',
  0x96: '\u2013', 0x97: '\u2014', 0x98: '\u02dc', 0x99: '\u2122', 0x9a: '\u0161', 0x9b: '\u203a',
  0x9c: '\u0153', 0x9d: '\x9d', 0x9e: '\u017e', 0x9f: '\u0178',
};

/** Code points a numeric reference may not produce (they unescape to nothing). */
function isInvalidCodepoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe // U+xxFFFE and U+xxFFFF in every plane
  );
}

function numericReference(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  const cp = parseInt(digits, hex ? 16 : 10);
  const remapped = INVALID_CHARREFS[cp];
  if (remapped !== undefined) return remapped;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  if (isInvalidCodepoint(cp)) return '';
  return String.fromCodePoint(cp);
}

function namedReference(body: string): string {
  const exact = entities[body];
  if (exact !== undefined) return exact;
  // The longest prefix that is a legacy entity name (allowed without ';'), rest kept as text.
  for (let end = body.length - 1; end > 1; end--) {
    const hit = entities[body.slice(0, end)];
    if (hit !== undefined) return hit + body.slice(end);
  }
  return `&${body}`;
}

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/** Python's html.unescape: named (HTML5) and numeric character references to text. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_match, body: string) => (body[0] === '#' ? numericReference(body) : namedReference(body)));
}

/** CLIP's basic_clean without ftfy: unescape HTML twice (for "&amp;amp;"), then trim. */
export function basicClean(text: string): string {
  return htmlUnescape(htmlUnescape(text)).replace(EDGE_WHITESPACE, '');
}

/** CLIP's whitespace_clean: every whitespace run becomes one space; trimmed. */
export function whitespaceClean(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').replace(EDGE_WHITESPACE, '');
}

/** The whole cleanup CLIP applies before pre-tokenizing. */
export function cleanText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}
