/**
 * Byte-pair encoding of one pre-tokenized, byte-encoded word (Sennrich et al.
 * 2016, as GPT-2 and CLIP apply it):
 *
 *   symbols = the word's characters, the last one suffixed with "</w>"
 *   repeat: take the adjacent pair with the lowest merge rank (its line in the
 *           merges file); stop when no pair is ranked; merge every occurrence
 *           of that pair left to right, without overlap.
 *
 * Results are cached per word: prompts repeat words, and a word's merges never change.
 */

export const END_OF_WORD = '</w>';

/** Upper bound on cached words; the cache is cleared when it is reached (bounded memory on odd input). */
const CACHE_LIMIT = 100_000;

export class BytePairEncoder {
  /** "left right" -> rank. A space never occurs inside a byte-encoded symbol, so it is a safe separator. */
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, readonly string[]>();

  constructor(merges: readonly (readonly [string, string])[]) {
    merges.forEach(([left, right], rank) => {
      const key = `${left} ${right}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
  }

  get size(): number {
    return this.ranks.size;
  }

  /** BPE symbols of one byte-encoded word; the last ends with "</w>". */
  encodeWord(word: string): readonly string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    if (word.length === 0) return [];

    // 1. Initial symbols: characters, "</w>" glued to the last.
    let symbols = [...word.slice(0, -1), word.slice(-1) + END_OF_WORD];

    while (symbols.length > 1) {
      // 2. The lowest-ranked adjacent pair.
      let bestRank = Infinity;
      let bestLeft = '';
      let bestRight = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestLeft = symbols[i]!;
          bestRight = symbols[i + 1]!;
        }
      }
      // 3. None ranked: done.
      if (bestRank === Infinity) break;
      // 4. Merge every occurrence, left to right.
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === bestLeft && symbols[i + 1] === bestRight) {
          merged.push(bestLeft + bestRight);
          i++;
        } else {
          merged.push(symbols[i]!);
        }
      }
      symbols = merged;
    }

    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, symbols);
    return symbols;
  }
}
