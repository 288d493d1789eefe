// CLIP tokenizer against OpenAI CLIP's own output: every entry of
// shared/reference/clip-tokenizer/clip_tokenizer_golden.json (text -> ids -> decoded text),
// plus padding, truncation and the Hugging Face folder layout.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIPTokenizer, CLIP_NUM_MERGES } from '../../../../../main/engine/tokenizer/CLIPTokenizer';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const referenceDir = path.resolve(repoRoot, '../shared/reference/clip-tokenizer');
const gzPath = path.join(referenceDir, 'bpe_simple_vocab_16e6.txt.gz');
const goldenPath = path.join(referenceDir, 'clip_tokenizer_golden.json');
const haveReference = existsSync(gzPath) && existsSync(goldenPath);
if (!haveReference) console.warn(`Skipping CLIP golden tests: ${referenceDir} has no bpe_simple_vocab_16e6.txt.gz / clip_tokenizer_golden.json.`);

// Loaded once for both describe blocks (parsing 48894 merges takes a few hundred ms).
let clipTokenizer: Promise<CLIPTokenizer> | undefined;
const loadClip = (): Promise<CLIPTokenizer> => (clipTokenizer ??= CLIPTokenizer.fromClipBpeGzip(gzPath));

interface Golden {
  source: string;
  sot: number;
  eot: number;
  cases: { text: string; ids: number[]; decoded: string }[];
}

describe.skipIf(!haveReference)('CLIPTokenizer on CLIP vocabulary', () => {
  const golden = haveReference ? (JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden) : { cases: [], sot: 0, eot: 0, source: '' };
  let tok: CLIPTokenizer;
  beforeAll(async () => {
    tok = await loadClip();
  });

  it('builds the vocabulary as CLIP does: 512 byte tokens + 48894 merges + 2 specials', () => {
    expect(tok.vocabSize).toBe(512 + CLIP_NUM_MERGES + 2);
    expect(tok.bosTokenId).toBe(golden.sot);
    expect(tok.eosTokenId).toBe(golden.eot);
    expect(tok.padTokenId).toBe(golden.eot); // Hugging Face / SD 1.x default; the golden has no padding
  });

  it.each(golden.cases.map((c) => [JSON.stringify(c.text).slice(0, 60), c] as const))('%s', (_label, c) => {
    const ids = tok.encode(c.text, { addSpecialTokens: false });
    expect(ids).toEqual(c.ids);
    expect(tok.decode(ids)).toBe(c.decoded);
    expect(tok.encode(c.text)).toEqual([golden.sot, ...c.ids, golden.eot]);
  });

  it('pads to 77 with the pad id and masks the padding', () => {
    const { inputIds, attentionMask } = tok.batchEncode(['Remove all degradation', '']);
    expect(inputIds[0]!.slice(0, 5)).toEqual([49406, 9709, 615, 44468, 49407]);
    expect(inputIds[0]!.length).toBe(77);
    expect(inputIds[0]!.slice(5).every((id) => id === tok.padTokenId)).toBe(true);
    expect(attentionMask[0]!.reduce((a, b) => a + b, 0)).toBe(5);
    expect(inputIds[1]!.slice(0, 3)).toEqual([49406, 49407, tok.padTokenId]);
  });

  it('truncates to maxLength keeping eos last', () => {
    const longCase = golden.cases.find((c) => c.ids.length >= 100)!;
    const { inputIds, attentionMask } = tok.batchEncode([longCase.text]);
    expect(inputIds[0]!.length).toBe(77);
    expect(inputIds[0]!.slice(0, 76)).toEqual([golden.sot, ...longCase.ids.slice(0, 75)]);
    expect(inputIds[0]![76]).toBe(golden.eot);
    expect(attentionMask[0]!.every((m) => m === 1)).toBe(true);
    const ragged = tok.batchEncode([longCase.text], { truncation: false, padding: false });
    expect(ragged.inputIds[0]!.length).toBe(longCase.ids.length + 2);
  });

  it('honours a pad token setting (SD 2.x packs pad with "!", id 0)', async () => {
    const sd2 = await CLIPTokenizer.fromClipBpeGzip(gzPath, { padToken: '!' });
    expect(sd2.batchEncode(['a'], { maxLength: 4 }).inputIds).toEqual([[49406, 320, 49407, 0]]);
  });

  it('maps special-token text to the special ids, as CLIP does', () => {
    expect(tok.encode('a <|endoftext|> b', { addSpecialTokens: false })).toEqual([320, 49407, 321]); // ids as models/spire/tokenizer.py gives them
  });

  it('unescapes HTML entities before tokenizing (twice, like CLIP)', () => {
    expect(tok.encode('salt &amp; pepper')).toEqual(tok.encode('salt & pepper'));
    expect(tok.encode('salt &amp;amp; pepper')).toEqual(tok.encode('salt & pepper'));
  });

  it('rejects an unknown id when decoding', () => {
    expect(() => tok.decode([49408])).toThrow(/not in the vocabulary/);
  });
});

describe.skipIf(!haveReference)('CLIPTokenizer Hugging Face layout', () => {
  let dir: string;
  let fromGz: CLIPTokenizer;
  beforeAll(async () => {
    fromGz = await loadClip();
    // Write CLIP's vocabulary in the Hugging Face layout, then load it back.
    dir = mkdtempSync(path.join(os.tmpdir(), 'spire-tok-'));
    const vocab: Record<string, number> = {};
    for (let id = 0; id < fromGz.vocabSize; id++) {
      const token = fromGz.decodeToken(id);
      vocab[token] = id;
    }
    const lines = (await import('node:zlib')).gunzipSync(readFileSync(gzPath)).toString('utf8').split('\n');
    writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
    writeFileSync(path.join(dir, 'merges.txt'), ['#version: 0.2', ...lines.slice(1, CLIP_NUM_MERGES + 1)].join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'tokenizer_config.json'),
      JSON.stringify({ model_max_length: 16, pad_token: { content: '!', lstrip: false }, bos_token: '<|startoftext|>' }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same ids, with model_max_length and pad token from tokenizer_config.json', async () => {
    const hf = await CLIPTokenizer.fromPretrained(dir);
    expect(hf.modelMaxLength).toBe(16);
    expect(hf.padTokenId).toBe(0);
    const text = 'A blue, white and red fire hydrant sitting on a sidewalk.';
    expect(hf.encode(text)).toEqual(fromGz.encode(text));
    expect(hf.batchEncode([text]).inputIds[0]!.length).toBe(16);
  });

  it('says which file is missing', async () => {
    await expect(CLIPTokenizer.fromPretrained(path.join(dir, 'nope'))).rejects.toThrow(/vocab\.json/);
  });
});
