"""Train the project's own small BPE vocabulary (HF CLIPTokenizer layout) into models/vocab/.

Corpus: restoration prompts generated with the grammar (the parameterized sampler, plus
the blind prompt) and the COCO training captions (``COCO_captioned/captions.json``,
``train2017`` entries only: the val2017 captions stay unseen for evaluation).

    cd models && /usr/bin/python3 tools/build_vocab.py            # writes models/vocab/
    /usr/bin/python3 tools/build_vocab.py --out /tmp/v --vocab-size 1024 --force

The result is deterministic for a given corpus, seed and size.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

MODELS_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS_DIR))

from spire import prompts  # noqa: E402
from spire.degradations import sample_parameterized  # noqa: E402
from spire.tokenizer import BPETokenizer, train_bpe  # noqa: E402

DEFAULT_DATASETS = MODELS_DIR.parents[1] / "shared" / "datasets"


def generated_prompts(count: int, seed: int) -> list:
    """``count`` restoration prompts: 1 in 8 the blind prompt, the rest from the sampler."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.125:
            out.append(prompts.grammar().blind_prompt)
            continue
        _, prompt = sample_parameterized(rng)
        if prompt.operations:
            out.append(prompt.text)
    return out


def coco_train_captions(datasets_root: Path) -> list:
    path = datasets_root / "COCO_captioned" / "captions.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --datasets pointing at the shared datasets folder")
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [c for e in entries if e["file"].startswith("train2017/") for c in e["captions"]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="shared datasets folder")
    ap.add_argument("--out", type=Path, default=MODELS_DIR / "vocab", help="output folder")
    ap.add_argument("--vocab-size", type=int, default=2048, help="total tokens incl. 512 byte tokens and bos/eos")
    ap.add_argument("--min-frequency", type=int, default=2, help="stop when the best pair occurs fewer times")
    ap.add_argument("--prompts", type=int, default=4000, help="generated restoration prompts in the corpus")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="replace an existing vocabulary in --out")
    args = ap.parse_args(argv)

    if (args.out / "vocab.json").exists() and not args.force:
        print(f"{args.out / 'vocab.json'} exists; pass --force to replace it", file=sys.stderr)
        return 2
    captions = coco_train_captions(args.datasets)
    corpus = generated_prompts(args.prompts, args.seed) + captions
    tok = train_bpe(corpus, vocab_size=args.vocab_size, min_frequency=args.min_frequency)
    tok.save(args.out)
    check = BPETokenizer.from_dir(args.out)
    n_tokens = sum(len(check.encode(t)) - 2 for t in corpus)
    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(
        f"{args.out}: vocab {check.vocab_size} tokens ({len(check.merges)} merges), {size} bytes; "
        f"corpus {len(corpus)} texts ({len(captions)} captions), {n_tokens} tokens"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
