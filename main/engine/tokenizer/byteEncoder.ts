/**
 * GPT-2/CLIP's reversible map from bytes to printable characters, so BPE can
 * work on strings without whitespace or control characters in them.
 *
 * Bytes that are printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ', 188 of them)
 * map to the same code point; the other 68 bytes map, in increasing byte
 * order, to U+0100, U+0101, ... . The order "printable bytes first, then the
 * rest" is also the order of the first 256 ids of CLIP's vocabulary.
 */

function buildTable(): { order: number[]; byteToChar: string[] } {
  const printable: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) printable.push(b);
  const byteToChar = new Array<string>(256);
  for (const b of printable) byteToChar[b] = String.fromCharCode(b);
  const order = [...printable];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (byteToChar[b] === undefined) {
      byteToChar[b] = String.fromCharCode(256 + extra++);
      order.push(b);
    }
  }
  return { order, byteToChar };
}

const TABLE = buildTable();

/** BYTE_ENCODER[b] is the character for byte b. */
export const BYTE_ENCODER: readonly string[] = TABLE.byteToChar;

/** Character -> byte. */
export const BYTE_DECODER: ReadonlyMap<string, number> = new Map(TABLE.byteToChar.map((c, b) => [c, b]));

/** The 256 byte characters in CLIP's vocabulary order (printable bytes first). */
export function bytesToUnicode(): string[] {
  return TABLE.order.map((b) => TABLE.byteToChar[b]!);
}

const utf8 = new TextEncoder();

/** A text piece as its UTF-8 bytes, each byte as its printable character. */
export function byteEncode(piece: string): string {
  let out = '';
  for (const b of utf8.encode(piece)) out += BYTE_ENCODER[b];
  return out;
}
