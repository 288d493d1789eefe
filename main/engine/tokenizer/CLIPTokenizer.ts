/**
 * CLIP's byte-level BPE tokenizer (Radford et al. 2021; openai/CLIP
 * simple_tokenizer.py, and transformers' CLIPTokenizer layout), for the
 * semantic prompt and the restoration prompt.
 *
 *   text --cleanText--> "a tree - lined street"        (textCleanup.ts)
 *        --preTokenize--> ["a", "tree", "-", "lined", "street"]
 *        --byteEncode + BPE--> ["a</w>", "tree</w>", "-</w>", "lined</w>", "street</w>"]
 *        --vocab--> [bos, 320, 2677, 268, 11842, 2012, eos] --truncate/pad--> length 77
 *
 * Pre-tokenizing is CLIP's regex
 *   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * (case-insensitive): special tokens, English contractions, letter runs, ONE
 * digit at a time, runs of other symbols; whitespace separates. After cleanup
 * the only whitespace left is a single space.
 *
 * Vocabularies: CLIP's bpe_simple_vocab_16e6.txt.gz (fromClipBpeGzip) or a
 * Hugging Face tokenizer folder: vocab.json, merges.txt, tokenizer_config.json
 * (fromPretrained). Differences from Python, all outside the restoration
 * prompts and captions this app uses: ftfy is not reproduced (see
 * textCleanup.ts), and \p{L}/\p{N} follow Node's Unicode version.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BYTE_DECODER, byteEncode, bytesToUnicode } from './byteEncoder';
import { BytePairEncoder, END_OF_WORD } from './bpe';
import { PY_WHITESPACE_CLASS, cleanText } from './textCleanup';

export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
/** CLIP keeps the first 49152 - 256 - 2 = 48894 merges of its file. */
export const CLIP_NUM_MERGES = 49152 - 256 - 2;

export interface TokenizerSettings {
  /** Sequence length of the text encoder (77 for CLIP). */
  modelMaxLength: number;
  bosToken: string;
  eosToken: string;
  /** Padding token: "<|endoftext|>" for Hugging Face / Stable Diffusion 1.x; SD 2.x packs use "!". */
  padToken: string;
  /** Stand-in for tokens missing from the vocabulary (cannot happen with a full byte base vocabulary). */
  unkToken: string;
}

export const CLIP_DEFAULTS: Readonly<TokenizerSettings> = {
  modelMaxLength: 77,
  bosToken: BOS_TOKEN,
  eosToken: EOS_TOKEN,
  padToken: EOS_TOKEN,
  unkToken: EOS_TOKEN,
};

export interface BatchEncodeOptions {
  /** Sequence length; default modelMaxLength. */
  maxLength?: number;
  /** 'max_length' pads every row to maxLength (default); false returns ragged rows. */
  padding?: 'max_length' | false;
  /** Cut rows longer than maxLength, keeping eos as the last id (default true). */
  truncation?: boolean;
}

export interface BatchEncoding {
  /** [B][L] token ids. */
  inputIds: number[][];
  /** [B][L] 1 for real tokens (bos, text, eos), 0 for padding. */
  attentionMask: number[][];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class CLIPTokenizer {
  readonly settings: Readonly<TokenizerSettings>;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly unkTokenId: number;
  private readonly encoder: Map<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly bpe: BytePairEncoder;
  private readonly pattern: RegExp;
  private readonly specialTokens: Set<string>;

  /**
   * @param vocab token -> id
   * @param merges merge rules in rank order ("left", "right")
   */
  constructor(
    vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
    merges: readonly (readonly [string, string])[],
    settings: Partial<TokenizerSettings> = {},
  ) {
    this.settings = Object.freeze({ ...CLIP_DEFAULTS, ...settings });
    if (!Number.isInteger(this.settings.modelMaxLength) || this.settings.modelMaxLength < 2) {
      throw new Error(`Tokenizer model_max_length must be an integer >= 2 (bos + eos), got ${this.settings.modelMaxLength}.`);
    }
    this.encoder = vocab instanceof Map ? new Map(vocab) : new Map(Object.entries(vocab));
    this.decoder = new Map([...this.encoder].map(([token, id]) => [id, token]));
    this.bpe = new BytePairEncoder(merges);
    const idOf = (name: string, token: string): number => {
      const id = this.encoder.get(token);
      if (id === undefined) throw new Error(`Tokenizer ${name} token ${JSON.stringify(token)} is not in the vocabulary; check tokenizer_config.json.`);
      return id;
    };
    const s = this.settings;
    this.bosTokenId = idOf('bos', s.bosToken);
    this.eosTokenId = idOf('eos', s.eosToken);
    this.padTokenId = idOf('pad', s.padToken);
    this.unkTokenId = idOf('unk', s.unkToken);
    this.specialTokens = new Set([s.bosToken, s.eosToken]);
    const specials = [s.bosToken, s.eosToken].map(escapeRegex).join('|');
    // \s is Python's whitespace set: JavaScript's \s would also swallow U+FEFF, which Python keeps as a symbol.
    this.pattern = new RegExp(`${specials}|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${PY_WHITESPACE_CLASS}\\p{L}\\p{N}]+`, 'giu');
  }

  /** CLIP's own vocabulary from the text of bpe_simple_vocab_16e6.txt (header line, then merges). */
  static fromClipMergesText(text: string, settings: Partial<TokenizerSettings> = {}): CLIPTokenizer {
    const lines = text.split('\n');
    const merges = parseMergeLines(lines.slice(1, CLIP_NUM_MERGES + 1), 'bpe_simple_vocab_16e6.txt', 2);
    if (merges.length !== CLIP_NUM_MERGES) {
      throw new Error(`CLIP merges file has ${merges.length} merges, expected ${CLIP_NUM_MERGES}: is it bpe_simple_vocab_16e6.txt?`);
    }
    // Vocabulary as CLIP builds it: 256 byte characters, the same with </w>, one token per merge, the two specials.
    const bytes = bytesToUnicode();
    const tokens = [...bytes, ...bytes.map((c) => c + END_OF_WORD), ...merges.map(([a, b]) => a + b), BOS_TOKEN, EOS_TOKEN];
    const vocab = new Map(tokens.map((t, i) => [t, i]));
    return new CLIPTokenizer(vocab, merges, settings);
  }

  /** CLIP's gzipped merges file (bpe_simple_vocab_16e6.txt.gz). */
  static async fromClipBpeGzip(file: string, settings: Partial<TokenizerSettings> = {}): Promise<CLIPTokenizer> {
    const compressed = await readFile(file).catch((e: unknown) => {
      throw new Error(`Cannot read CLIP vocabulary ${file}: ${(e as Error).message}`, { cause: e });
    });
    return CLIPTokenizer.fromClipMergesText(gunzipSync(compressed).toString('utf8'), settings);
  }

  /** A Hugging Face CLIPTokenizer layout given as file contents (tokenizerConfig and specialTokensMap optional). */
  static fromHuggingFaceFiles(files: {
    vocabJson: string;
    mergesTxt: string;
    tokenizerConfigJson?: string;
    specialTokensMapJson?: string;
  }): CLIPTokenizer {
    const vocab = parseJsonObject(files.vocabJson, 'vocab.json');
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id)) throw new Error(`vocab.json: id of ${JSON.stringify(token)} is ${JSON.stringify(id)}, not an integer.`);
    }
    const lines = files.mergesTxt.split('\n');
    const body = lines[0]?.startsWith('#version') ? lines.slice(1) : lines;
    const merges = parseMergeLines(body, 'merges.txt', lines.length - body.length + 1);
    const config = files.tokenizerConfigJson ? parseJsonObject(files.tokenizerConfigJson, 'tokenizer_config.json') : {};
    const specialMap = files.specialTokensMapJson ? parseJsonObject(files.specialTokensMapJson, 'special_tokens_map.json') : {};
    const token = (key: string, fallback: string): string => {
      const v = config[key] ?? specialMap[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v === 'string') return v;
      if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
      throw new Error(`tokenizer_config.json: "${key}" must be a string or {"content": string}, got ${JSON.stringify(v)}.`);
    };
    const maxLength = config.model_max_length;
    return new CLIPTokenizer(vocab as Record<string, number>, merges, {
      // transformers writes a huge sentinel (1e30) when the length is unknown; CLIP's is 77.
      modelMaxLength: typeof maxLength === 'number' && maxLength <= 1e6 ? maxLength : CLIP_DEFAULTS.modelMaxLength,
      bosToken: token('bos_token', BOS_TOKEN),
      eosToken: token('eos_token', EOS_TOKEN),
      padToken: token('pad_token', EOS_TOKEN),
      unkToken: token('unk_token', EOS_TOKEN),
    });
  }

  /** A Hugging Face tokenizer folder: vocab.json + merges.txt (+ tokenizer_config.json, special_tokens_map.json). */
  static async fromPretrained(dir: string): Promise<CLIPTokenizer> {
    const read = async (name: string, required: boolean): Promise<string | undefined> => {
      try {
        return await readFile(path.join(dir, name), 'utf8');
      } catch (e) {
        if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`Tokenizer folder ${dir}: cannot read ${name} (${(e as Error).message}). It needs vocab.json and merges.txt.`, { cause: e });
      }
    };
    const [vocabJson, mergesTxt, tokenizerConfigJson, specialTokensMapJson] = await Promise.all([
      read('vocab.json', true),
      read('merges.txt', true),
      read('tokenizer_config.json', false),
      read('special_tokens_map.json', false),
    ]);
    return CLIPTokenizer.fromHuggingFaceFiles({ vocabJson: vocabJson!, mergesTxt: mergesTxt!, tokenizerConfigJson, specialTokensMapJson });
  }

  get vocabSize(): number {
    return this.encoder.size;
  }

  get modelMaxLength(): number {
    return this.settings.modelMaxLength;
  }

  /** The vocabulary string of one id (e.g. "street</w>"). */
  decodeToken(id: number): string {
    const token = this.decoder.get(id);
    if (token === undefined) throw new Error(`Token id ${id} is not in the vocabulary (size ${this.vocabSize}).`);
    return token;
  }

  /** Cleaned text split into CLIP's pre-tokens. */
  preTokenize(text: string): string[] {
    return cleanText(text).match(this.pattern) ?? [];
  }

  /** Text -> BPE token strings, without bos/eos. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of this.preTokenize(text)) {
      if (this.specialTokens.has(piece)) out.push(piece);
      else out.push(...this.bpe.encodeWord(byteEncode(piece)));
    }
    return out;
  }

  /** Text -> ids: [bos, ..., eos] (or without them), never truncated or padded. */
  encode(text: string, { addSpecialTokens = true }: { addSpecialTokens?: boolean } = {}): number[] {
    const ids = this.tokenize(text).map((t) => this.encoder.get(t) ?? this.unkTokenId);
    return addSpecialTokens ? [this.bosTokenId, ...ids, this.eosTokenId] : ids;
  }

  /**
   * Texts -> [B][L] ids and attention mask, like transformers'
   * tokenizer(texts, padding="max_length", truncation=True): rows longer than L
   * keep their first L - 1 ids and end with eos; shorter rows are right-padded with pad.
   */
  batchEncode(texts: readonly string[], options: BatchEncodeOptions = {}): BatchEncoding {
    if (typeof texts === 'string') throw new Error('batchEncode takes an array of texts, e.g. batchEncode([prompt]).');
    const maxLength = options.maxLength ?? this.modelMaxLength;
    const padding = options.padding ?? 'max_length';
    const truncation = options.truncation ?? true;
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`maxLength must be an integer >= 2 (bos + eos), got ${maxLength}.`);
    const inputIds: number[][] = [];
    const attentionMask: number[][] = [];
    for (const text of texts) {
      let ids = this.encode(text);
      if (truncation && ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), this.eosTokenId];
      const mask = ids.map(() => 1);
      if (padding === 'max_length') {
        while (ids.length < maxLength) {
          ids.push(this.padTokenId);
          mask.push(0);
        }
      }
      inputIds.push(ids);
      attentionMask.push(mask);
    }
    return { inputIds, attentionMask };
  }

  /** Ids -> text as CLIP decodes it: "</w>" becomes a space, so each word ends with one. */
  decode(ids: readonly number[], { skipSpecialTokens = true }: { skipSpecialTokens?: boolean } = {}): string {
    const specials = new Set([this.bosTokenId, this.eosTokenId, this.padTokenId]);
    let text = '';
    for (const id of ids) {
      if (skipSpecialTokens && specials.has(id)) continue;
      text += this.decodeToken(id);
    }
    text = text.split(END_OF_WORD).join(' ');
    // Byte characters back to bytes, UTF-8 decoded (invalid sequences become U+FFFD); other characters kept.
    const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }); // ignoreBOM: keep a U+FEFF as text
    let out = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length) out += decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const ch of text) {
      const b = BYTE_DECODER.get(ch);
      if (b === undefined) {
        flush();
        out += ch;
      } else {
        bytes.push(b);
      }
    }
    flush();
    return out;
  }
}

function parseMergeLines(lines: readonly string[], fileName: string, firstLineNumber: number): [string, string][] {
  const merges: [string, string][] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) {
      throw new Error(`${fileName} line ${firstLineNumber + i}: expected two symbols separated by a space, got ${JSON.stringify(line)}.`);
    }
    merges.push([parts[0]!, parts[1]!]);
  });
  return merges;
}

function parseJsonObject(text: string, fileName: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message quotes the text itself; name the file only.
    throw new Error(`${fileName} is not valid JSON; rebuild or reinstall the pack.`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${fileName} must hold a JSON object.`);
  return value as Record<string, unknown>;
}
