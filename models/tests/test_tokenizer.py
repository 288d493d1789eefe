"""BPE tokenizer: CLIP golden ids, pre-tokenization table, batching, HF layout, training."""
import json
from pathlib import Path

import numpy as np
import pytest

from spire import tokenizer as T
from spire.tokenizer import BPETokenizer

VOCAB_DIR = Path(__file__).resolve().parents[1] / "vocab"


@pytest.fixture(scope="module")
def clip(clip_reference):
    return BPETokenizer.from_clip_gz(clip_reference / "bpe_simple_vocab_16e6.txt.gz")


@pytest.fixture(scope="module")
def golden(clip_reference):
    return json.loads((clip_reference / "clip_tokenizer_golden.json").read_text(encoding="utf-8"))


def test_clip_vocabulary_layout(clip, golden):
    assert clip.vocab_size == 49408
    assert clip.bos_token_id == golden["sot"] == 49406
    assert clip.eos_token_id == golden["eot"] == 49407
    assert clip.decoder[0] == "!" and clip.decoder[256] == "!</w>"


def test_golden_every_case(clip, golden):
    assert len(golden["cases"]) >= 19
    for case in golden["cases"]:
        ids = clip.encode(case["text"], add_special_tokens=False)
        assert ids == case["ids"], case["text"]
        assert clip.decode(ids) == case["decoded"], case["text"]
        assert clip.encode(case["text"]) == [49406] + case["ids"] + [49407]


# text -> pieces (the CLIP regex, applied after cleaning)
PRE_TOKENIZE = [
    ("hello world", ["hello", "world"]),
    ("don't", ["don", "'t"]),
    ("we'll'd", ["we", "'ll", "'d"]),
    ("!'s", ["!'", "s"]),
    ("3.14", ["3", ".", "1", "4"]),
    ("x2 2x", ["x", "2", "2", "x"]),
    ("café!!?", ["café", "!!?"]),
    ("a<|endoftext|>b", ["a", "<|endoftext|>", "b"]),
    ("!<|endoftext|>", ["!<|", "endoftext", "|>"]),
    ("東京タワー", ["東京タワー"]),
    ("½ ²", ["½", "²"]),
]


@pytest.mark.parametrize("text,pieces", PRE_TOKENIZE)
def test_pre_tokenize_table(text, pieces):
    assert T.pre_tokenize(text) == pieces


@pytest.mark.parametrize(
    "raw,clean",
    [("  A\u00a0B\t\nC  ", "a b c"), ("Fish &amp;amp; Chips", "fish & chips"), ("&lt;b&gt;", "<b>"), ("ÉCOLE", "école")],
)
def test_clean_text_table(raw, clean):
    assert T.clean_text(raw) == clean


def test_bytes_to_unicode_is_a_printable_bijection():
    table = T.bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert all(not c.isspace() and c.isprintable() for c in table.values())
    assert table[ord("a")] == "a" and table[ord(" ")] == chr(256 + 32)


def test_batch_padding_and_truncation(clip):
    ids = clip(["a photo of a cat", ""], max_length=10)
    assert ids.dtype == np.int64 and ids.shape == (2, 10)
    cat = clip.encode("a photo of a cat")
    assert ids[0, : len(cat)].tolist() == cat
    assert (ids[0, len(cat) :] == clip.pad_token_id).all()
    assert ids[1, :2].tolist() == [49406, 49407]
    long = clip(["long " * 100])
    assert long.shape == (1, 77)
    assert long[0, 0] == 49406 and long[0, -1] == 49407 and (long[0, 1:-1] == 1538).all()
    with pytest.raises(TypeError, match="list of texts"):
        clip("a cat")


def test_pad_token_is_configurable(clip_reference):
    tok = BPETokenizer.from_clip_gz(clip_reference / "bpe_simple_vocab_16e6.txt.gz", pad_token="!")
    out = tok(["cat"], max_length=6)
    assert out[0].tolist() == [49406, 2368, 49407, 0, 0, 0]


def test_save_and_load_hf_layout_round_trip(clip, tmp_path):
    clip.save(tmp_path)
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
        assert (tmp_path / name).exists()
    assert (tmp_path / "merges.txt").read_text(encoding="utf-8").startswith("#version: 0.2\ni n\n")
    again = BPETokenizer.from_dir(tmp_path)
    assert again.vocab_size == clip.vocab_size and again.pad_token_id == clip.pad_token_id
    text = "Deblur with sigma 0.3; a snow leopard's face, close-up"
    assert again.encode(text) == clip.encode(text)
    with pytest.raises(FileNotFoundError, match="vocab.json"):
        BPETokenizer.from_dir(tmp_path / "missing")


CORPUS = ["the cat sat on the mat", "the cat ate the rat", "a hat on the cat", "that cat, that hat"] * 5


def test_training_learns_frequent_merges_first():
    tok = T.train_bpe(CORPUS, vocab_size=600)
    # "the</w>"... pieces: most frequent pair is ('a', 't</w>') from cat/sat/mat/rat/hat/that (count 45)
    assert tok.merges[0] == ("a", "t</w>")
    assert tok.vocab_size <= 600
    assert tok.tokenize("the cat") == ["the</w>", "cat</w>"]
    # unseen words still encode (byte fallback), and decode back
    assert tok.decode(tok.encode("zebra!")) == "zebra ! "


def test_training_is_deterministic_and_respects_size():
    a = T.train_bpe(CORPUS, vocab_size=520)
    b = T.train_bpe(list(CORPUS), vocab_size=520)
    assert a.merges == b.merges and a.encoder == b.encoder
    assert a.vocab_size == 520
    small = T.train_bpe(CORPUS, vocab_size=10_000, min_frequency=2)
    assert small.vocab_size < 10_000  # ran out of pairs seen twice
    with pytest.raises(ValueError, match="at least 514"):
        T.train_bpe(CORPUS, vocab_size=100)


def test_trained_tokenizer_round_trips_through_hf_layout(tmp_path):
    tok = T.train_bpe(CORPUS + ["Denoise with sigma 0.05;"], vocab_size=560)
    tok.save(tmp_path)
    again = BPETokenizer.from_dir(tmp_path)
    for text in CORPUS[:4] + ["Denoise with sigma 0.05;", "unseen words here"]:
        assert again.encode(text) == tok.encode(text)
    assert again(["cat"], max_length=5).tolist() == tok(["cat"], max_length=5).tolist()


def test_project_vocabulary_is_committed_and_small():
    # Committed with the repository: missing, the test fails (never skips).
    assert (VOCAB_DIR / "vocab.json").exists(), "Missing models/vocab/vocab.json: rebuild it with cd models && /usr/bin/python3 tools/build_vocab.py --force"
    tok = BPETokenizer.from_dir(VOCAB_DIR)
    assert 1000 <= tok.vocab_size <= 8192
    size = sum(p.stat().st_size for p in VOCAB_DIR.iterdir())
    assert size < 1_000_000
    assert tok.model_max_length == 77
    ids = tok.encode("Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;")
    assert tok.decode(ids) == "deblur with sigma 2 . 0 ; upsample to 4 . 0 x ; denoise with sigma 0 . 0 5 ; dejpeg with quality 4 0 ; "
    # grammar words are single tokens in the project's vocabulary
    for word in ("deblur", "upsample", "denoise", "dejpeg", "sigma", "quality", "remove", "degradation"):
        assert tok.tokenize(word) == [word + "</w>"], word
