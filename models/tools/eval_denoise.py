"""One-view denoising PSNR of run folders' restorers on CBSD68 (evaluation only: never trained or tuned on).

    cd models && /usr/bin/python3 tools/eval_denoise.py RUN [RUN ...] [--sigma 25] [--prompt "Denoise with sigma 0.1;"]
        [--limit N] [--threads 1] [--json OUT]

Each clean image gets Gaussian noise of sigma/255 (seeded per image, clipped to [0, 1], rounded to 8 bits as a
PNG file would be), is reflect-padded to a multiple of 32 (as the engine pads to the pack's sizeMultiple), goes
through the restorer once (one view) with the restoration prompt and its degradation vector, is cropped back,
clamped and rounded to 8 bits. PSNR on RGB, 8-bit, averaged over images. A run folder needs config.json,
restorer.pt and text_encoder.pt (runs/compact-shipped from spire.from_pack holds today's restorer).
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from spire.config import SpireConfig  # noqa: E402
from spire.restorer import Restorer  # noqa: E402
from spire.text_encoder import TextEncoder  # noqa: E402
from spire.sampler import load_tokenizer  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


def load_restorer(run: Path):
    cfg = SpireConfig.load(run / "config.json")
    r = Restorer(cfg).eval()
    r.load_state_dict(torch.load(run / "restorer.pt", map_location="cpu"))
    te = TextEncoder(cfg.text_encoder).eval()
    te.load_state_dict(torch.load(run / "text_encoder.pt", map_location="cpu"))
    return cfg, r, te


@torch.no_grad()
def evaluate(run: Path, images: list, sigma: float, prompt: str, multiple: int = 32) -> dict:
    cfg, r, te = load_restorer(run)
    ids = torch.from_numpy(load_tokenizer(cfg)([prompt], max_length=cfg.text_encoder.max_length))
    e = te(ids)  # (1, L, D)
    d = r.degradation_of([prompt], "cpu")
    psnrs, inputs = [], []
    for i, path in enumerate(images):
        clean = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0  # (H, W, 3)
        rng = np.random.default_rng([2024, i])
        noisy = np.round(np.clip(clean + rng.standard_normal(clean.shape, dtype=np.float32) * sigma, 0, 1) * 255) / 255
        x = torch.from_numpy(noisy).permute(2, 0, 1)[None] * 2 - 1  # (1, 3, H, W) in [-1, 1]
        h, w = x.shape[2:]
        ph, pw = (-h) % multiple, (-w) % multiple
        y = r(F.pad(x, (0, pw, 0, ph), mode="reflect"), e, d)[:, :, :h, :w]
        out = np.round(((y[0].permute(1, 2, 0).numpy() + 1) / 2).clip(0, 1) * 255) / 255
        psnrs.append(10 * math.log10(1 / float(np.mean((out - clean) ** 2))))
        inputs.append(10 * math.log10(1 / float(np.mean((noisy - clean) ** 2))))
    return {"run": str(run), "psnr": float(np.mean(psnrs)), "input_psnr": float(np.mean(inputs)), "images": len(images),
            "sigma_255": sigma * 255, "prompt": prompt}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--sigma", type=float, default=25.0, help="noise sigma on the 0-255 scale")
    ap.add_argument("--prompt", default="Denoise with sigma 0.1;")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=0, help="only the first N images (0: all 68)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", type=Path, help="append one JSON line per run here")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    images = sorted((a.data / "CBSD68").glob("*.png"))
    if a.limit:
        images = images[: a.limit]
    if not images:
        raise SystemExit(f"no CBSD68 images under {a.data}")
    for run in a.runs:
        res = evaluate(run, images, a.sigma / 255, a.prompt)
        print(json.dumps(res), flush=True)
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
