"""CLIP-style byte-level BPE tokenizer, written from the CLIP paper's description.

It reproduces OpenAI CLIP's ``simple_tokenizer`` (with ``ftfy.fix_text`` taken as the
identity) on CLIP's own vocabulary, reads and writes the Hugging Face ``CLIPTokenizer``
layout (``vocab.json`` + ``merges.txt`` + ``tokenizer_config.json``) and can train a
small vocabulary of its own. Every rule a port must follow is in ``models/DATA.md``.

Pipeline for one text::

    clean      html-unescape twice, strip, collapse whitespace runs to one space, lowercase
    pre-split  special tokens | 's 't 're 've 'm 'll 'd | letter runs | ONE digit | runs of other symbols
    bytes      each piece as UTF-8 bytes, each byte mapped to a printable unicode character
    bpe        last symbol gets '</w>'; merge the lowest-ranked adjacent pair until none is ranked
    ids        [bos] + vocab ids + [eos]; batches are truncated (eos kept last) and padded
"""
from __future__ import annotations

import gzip
import heapq
import html
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .atomic import write_text_atomic

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
END_OF_WORD = "</w>"
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")
CLIP_NUM_MERGES = 49152 - 256 - 2  # CLIP keeps the first 48894 merges of its file


def bytes_to_unicode() -> Dict[int, str]:
    """Map each byte 0-255 to a printable character.

    Bytes that are printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves;
    the other 68 map, in byte order, to chr(256), chr(257), ... The dict's insertion order
    (printable bytes first, then the rest) is the order of CLIP's first 256 vocabulary ids.
    """
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def clean_text(text: str) -> str:
    """CLIP's basic_clean + whitespace_clean + lower (ftfy.fix_text is the identity here)."""
    text = html.unescape(html.unescape(text)).strip()
    text = " ".join(text.split())  # str.split() splits on every str.isspace() character
    return text.lower()


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L"


def _is_number(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "N"


def pre_tokenize(text: str) -> List[str]:
    """Split cleaned text into pieces exactly like CLIP's regex
    ``<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+``
    (leftmost match, alternatives tried in that order, whitespace skipped)."""
    out: List[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        special = next((s for s in (BOS, EOS) if text.startswith(s, i)), None)
        if special is not None:
            out.append(special)
            i += len(special)
            continue
        contraction = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        if contraction is not None:
            out.append(contraction)
            i += len(contraction)
            continue
        if _is_letter(ch):
            j = i + 1
            while j < n and _is_letter(text[j]):
                j += 1
            out.append(text[i:j])
            i = j
        elif _is_number(ch):
            out.append(ch)
            i += 1
        elif ch.isspace():
            i += 1
        else:
            j = i + 1
            while j < n and not (text[j].isspace() or _is_letter(text[j]) or _is_number(text[j])):
                j += 1
            out.append(text[i:j])
            i = j
    return out


def _byte_encode(piece: str) -> str:
    return "".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))


def _word_symbols(token: str) -> List[str]:
    """Byte-encoded piece -> initial BPE symbols, '</w>' glued to the last one."""
    return list(token[:-1]) + [token[-1] + END_OF_WORD]


def _merge_pair(symbols: List[str], pair: Tuple[str, str]) -> List[str]:
    """Merge every non-overlapping occurrence of ``pair``, scanning left to right."""
    first, second = pair
    out: List[str] = []
    i = 0
    while i < len(symbols):
        if i < len(symbols) - 1 and symbols[i] == first and symbols[i + 1] == second:
            out.append(first + second)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def base_vocabulary() -> List[str]:
    """The 512 single-byte tokens in CLIP's order: 256 bare, then 256 with '</w>'."""
    chars = list(BYTE_ENCODER.values())
    return chars + [c + END_OF_WORD for c in chars]


class BPETokenizer:
    """Byte-level BPE with CLIP's text cleaning, pre-tokenization and special tokens."""

    def __init__(
        self,
        vocab: Dict[str, int],
        merges: Sequence[Tuple[str, str]],
        model_max_length: int = 77,
        pad_token: str = EOS,
        bos_token: str = BOS,
        eos_token: str = EOS,
        unk_token: str = EOS,
    ):
        self.encoder: Dict[str, int] = dict(vocab)
        self.decoder: Dict[int, str] = {i: t for t, i in self.encoder.items()}
        self.merges: List[Tuple[str, str]] = [tuple(m) for m in merges]
        self.bpe_ranks: Dict[Tuple[str, str], int] = {}
        for rank, m in enumerate(self.merges):
            self.bpe_ranks.setdefault(m, rank)
        self.model_max_length = int(model_max_length)
        for name, tok in (("bos", bos_token), ("eos", eos_token), ("pad", pad_token), ("unk", unk_token)):
            if tok not in self.encoder:
                raise ValueError(f"{name} token {tok!r} is not in the vocabulary")
        self.bos_token, self.eos_token, self.pad_token, self.unk_token = bos_token, eos_token, pad_token, unk_token
        self.bos_token_id = self.encoder[bos_token]
        self.eos_token_id = self.encoder[eos_token]
        self.pad_token_id = self.encoder[pad_token]
        self.unk_token_id = self.encoder[unk_token]
        self._cache: Dict[str, List[str]] = {BOS: [BOS], EOS: [EOS]}

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_clip_gz(cls, path, model_max_length: int = 77, pad_token: str = EOS) -> "BPETokenizer":
        """Load OpenAI CLIP's ``bpe_simple_vocab_16e6.txt.gz`` (first line is a header;
        the next 48894 lines are merges). Vocabulary: 512 byte tokens, one token per merge,
        then ``<|startoftext|>`` (49406) and ``<|endoftext|>`` (49407)."""
        lines = gzip.open(path, "rt", encoding="utf-8").read().split("\n")
        merges = [tuple(line.split()) for line in lines[1 : CLIP_NUM_MERGES + 1]]
        tokens = base_vocabulary() + ["".join(m) for m in merges] + [BOS, EOS]
        vocab = {t: i for i, t in enumerate(tokens)}
        return cls(vocab, merges, model_max_length=model_max_length, pad_token=pad_token)

    @classmethod
    def from_dir(cls, directory) -> "BPETokenizer":
        """Load the Hugging Face CLIPTokenizer layout: vocab.json, merges.txt and
        (optional) tokenizer_config.json with model_max_length and the special tokens."""
        d = Path(directory)
        for name in ("vocab.json", "merges.txt"):
            if not (d / name).exists():
                raise FileNotFoundError(f"{d / name} is missing: a tokenizer directory needs vocab.json and merges.txt")
        vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
        merges = []
        for line in (d / "merges.txt").read_text(encoding="utf-8").split("\n"):
            if not line.strip() or line.startswith("#version"):
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError(f"{d / 'merges.txt'}: bad merge line {line!r} (expected two symbols)")
            merges.append((parts[0], parts[1]))
        cfg = {}
        if (d / "tokenizer_config.json").exists():
            cfg = json.loads((d / "tokenizer_config.json").read_text(encoding="utf-8"))

        def tok(key: str, default: str) -> str:
            v = cfg.get(key, default)
            return v["content"] if isinstance(v, dict) else v

        return cls(
            vocab, merges,
            model_max_length=int(cfg.get("model_max_length", 77)),
            pad_token=tok("pad_token", EOS), bos_token=tok("bos_token", BOS),
            eos_token=tok("eos_token", EOS), unk_token=tok("unk_token", EOS),
        )

    def save(self, directory) -> None:
        """Write vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json
        (each atomically: temp file + rename)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        config = {
            "tokenizer_class": "CLIPTokenizer",
            "model_max_length": self.model_max_length,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
            "pad_token": self.pad_token,
            "unk_token": self.unk_token,
            "do_lower_case": True,
        }
        special = {k: config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token")}
        vocab_sorted = dict(sorted(self.encoder.items(), key=lambda kv: kv[1]))
        write_text_atomic(d / "vocab.json", json.dumps(vocab_sorted, ensure_ascii=False) + "\n")
        write_text_atomic(d / "merges.txt", "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in self.merges))
        write_text_atomic(d / "tokenizer_config.json", json.dumps(config, indent=2) + "\n")
        write_text_atomic(d / "special_tokens_map.json", json.dumps(special, indent=2) + "\n")

    # ---- encoding -----------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    def bpe(self, token: str) -> List[str]:
        """BPE on one byte-encoded piece; returns its sub-tokens (the last ends in '</w>')."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        symbols = _word_symbols(token)
        while len(symbols) > 1:
            best = None
            best_rank = None
            for pair in zip(symbols, symbols[1:]):
                rank = self.bpe_ranks.get(pair)
                if rank is not None and (best_rank is None or rank < best_rank):
                    best, best_rank = pair, rank
            if best is None:
                break
            symbols = _merge_pair(symbols, best)
        self._cache[token] = symbols
        return symbols

    def tokenize(self, text: str) -> List[str]:
        """Text -> BPE token strings (no bos/eos)."""
        out: List[str] = []
        for piece in pre_tokenize(clean_text(text)):
            if piece in (BOS, EOS):
                out.append(piece)
            else:
                out.extend(self.bpe(_byte_encode(piece)))
        return out

    def encode(self, text: str, add_special_tokens: bool = True) -> List[int]:
        """Text -> ids, ``[bos, ..., eos]`` unless ``add_special_tokens`` is False. No truncation."""
        ids = [self.encoder.get(t, self.unk_token_id) for t in self.tokenize(text)]
        return [self.bos_token_id] + ids + [self.eos_token_id] if add_special_tokens else ids

    def __call__(self, texts: Sequence[str], max_length: Optional[int] = None) -> np.ndarray:
        """Batch -> int64 array [B, L], L = max_length or model_max_length.

        Longer sequences are cut to L with eos kept as the last id; shorter ones are
        right-padded with ``pad_token_id``."""
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, e.g. tokenizer([text])")
        length = int(max_length or self.model_max_length)
        if length < 2:
            raise ValueError(f"max_length must be at least 2 (bos + eos), got {length}")
        out = np.full((len(texts), length), self.pad_token_id, dtype=np.int64)
        for row, text in enumerate(texts):
            ids = self.encode(text)
            if len(ids) > length:
                ids = ids[: length - 1] + [self.eos_token_id]
            out[row, : len(ids)] = ids
        return out

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        """Ids -> text as CLIP decodes it: '</w>' becomes a space (so words end in ' ')."""
        specials = {self.bos_token_id, self.eos_token_id, self.pad_token_id}
        toks = [self.decoder[int(i)] for i in ids if not (skip_special_tokens and int(i) in specials)]
        text = "".join(toks)
        data = bytearray()
        pieces: List[str] = []
        for ch in text.replace(END_OF_WORD, " "):
            if ch in BYTE_DECODER:
                data.append(BYTE_DECODER[ch])
            else:  # a special token's or separator's plain character (e.g. the space from '</w>')
                pieces.append(data.decode("utf-8", errors="replace"))
                data = bytearray()
                pieces.append(ch)
        pieces.append(data.decode("utf-8", errors="replace"))
        return "".join(pieces)


def train_bpe(
    texts: Iterable[str],
    vocab_size: int,
    min_frequency: int = 2,
    model_max_length: int = 77,
) -> BPETokenizer:
    """Learn BPE merges from a corpus, CLIP style.

    Words are the pre-tokenized pieces of the cleaned texts (special tokens dropped),
    byte-encoded, with '</w>' on the last symbol. Each step merges the adjacent pair with
    the highest total count; ties go to the smallest pair in code-point order
    (first symbol, then second). Stops at ``vocab_size`` tokens (512 byte tokens +
    merged tokens + bos + eos) or when the best count is below ``min_frequency``.
    """
    base = base_vocabulary()
    if vocab_size < len(base) + 2:
        raise ValueError(f"vocab_size must be at least {len(base) + 2} (byte tokens + bos + eos), got {vocab_size}")
    counts: Counter = Counter()
    for text in texts:
        for piece in pre_tokenize(clean_text(text)):
            if piece not in (BOS, EOS):
                counts[_byte_encode(piece)] += 1

    words = [_word_symbols(w) for w in counts]
    freqs = [counts[w] for w in counts]
    pair_counts: Counter = Counter()
    where: Dict[Tuple[str, str], set] = {}
    for idx, (syms, f) in enumerate(zip(words, freqs)):
        for pair in zip(syms, syms[1:]):
            pair_counts[pair] += f
            where.setdefault(pair, set()).add(idx)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    tokens = list(base)
    known = set(tokens)
    merges: List[Tuple[str, str]] = []
    target = vocab_size - 2
    while len(tokens) < target and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg or -neg <= 0:
            continue  # stale heap entry
        if -neg < min_frequency:
            break
        merges.append(pair)
        merged = pair[0] + pair[1]
        if merged not in known:
            known.add(merged)
            tokens.append(merged)
        changed = set()
        for idx in list(where.get(pair, ())):
            syms = words[idx]
            f = freqs[idx]
            new = _merge_pair(syms, pair)
            if new == syms:
                continue
            for p in zip(syms, syms[1:]):
                pair_counts[p] -= f
                changed.add(p)
            for p in zip(new, new[1:]):
                pair_counts[p] += f
                where.setdefault(p, set()).add(idx)
                changed.add(p)
            words[idx] = new
        for p in changed:
            c = pair_counts[p]
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                del pair_counts[p]
    vocab = {t: i for i, t in enumerate(tokens + [BOS, EOS])}
    return BPETokenizer(vocab, merges, model_max_length=model_max_length)
