// The TypeScript tokenizer against the project's Python tokenizer (models/spire/tokenizer.py),
// on restoration prompts, captions and edge cases, for CLIP's vocabulary and the project's
// own (models/vocab/). Goldens: test/fixtures/tokenizer/parity.json, made by generate.py there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIPTokenizer } from '../../../../../main/engine/tokenizer/CLIPTokenizer';
import { cleanText, htmlUnescape } from '../../../../../main/engine/tokenizer/textCleanup';
import { REGENERATE, requireGolden } from '../../../../fixtures/goldenFiles';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const parity = JSON.parse(readFileSync(requireGolden(path.join(repoRoot, 'test/fixtures/tokenizer/parity.json'), REGENERATE.tokenizer), 'utf8')) as {
  cases: Record<string, { text: string; cleaned: string; pieces: string[]; ids: number[]; row: number[]; decoded: string }[]>;
  htmlUnescape: { text: string; unescaped: string }[];
};
const clipGz = path.resolve(repoRoot, '../shared/reference/clip-tokenizer/bpe_simple_vocab_16e6.txt.gz');
// Committed with the repository: missing, the test fails, naming the file and how to rebuild it.
const projectVocab = path.dirname(requireGolden(path.join(repoRoot, 'models/vocab/vocab.json'), REGENERATE.projectVocab));

// CLIP's vocabulary is not in the repository (../shared/reference beside the checkout): without it its rows skip.
const loaders: Record<string, { available: boolean; load: () => Promise<CLIPTokenizer> }> = {
  clip: { available: existsSync(clipGz), load: () => CLIPTokenizer.fromClipBpeGzip(clipGz) },
  project: { available: true, load: () => CLIPTokenizer.fromPretrained(projectVocab) },
};

for (const [name, rows] of Object.entries(parity.cases)) {
  const loader = loaders[name]!;
  if (!loader.available) console.warn(`Skipping tokenizer parity for the ${name} vocabulary: its files are missing.`);
  describe.skipIf(!loader.available)(`tokenizer parity with Python, ${name} vocabulary`, () => {
    let tok: CLIPTokenizer;
    beforeAll(async () => {
      tok = await loader.load();
    });
    it.each(rows.map((r) => [JSON.stringify(r.text).slice(0, 70), r] as const))('%s', (_label, r) => {
      expect(cleanText(r.text)).toBe(r.cleaned);
      expect(tok.preTokenize(r.text)).toEqual(r.pieces);
      expect(tok.encode(r.text)).toEqual(r.ids);
      expect(tok.batchEncode([r.text]).inputIds[0]).toEqual(r.row);
      expect(tok.decode(r.ids)).toBe(r.decoded);
    });
  });
}

describe('htmlUnescape matches Python html.unescape', () => {
  it.each(parity.htmlUnescape.map((c) => [JSON.stringify(c.text), c] as const))('%s', (_label, c) => {
    expect(htmlUnescape(c.text)).toBe(c.unescaped);
  });
});
