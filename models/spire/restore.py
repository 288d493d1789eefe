"""Restore one image file with a trained run folder (the reference sampler, from the command line).

    cd models && /usr/bin/python3 -m spire.restore --run runs/tiny --image in.png --out out.png \\
        --restoration "Denoise with sigma 0.05;" [--prompt "a photo of a cat"] [--steps 20] [--guidance 3] \\
        [--strength 1.0] [--faithful] [--seed 0] [--device cpu] [--force]

The recipe the engine follows around the sampler: parse the restoration prompt (grammar errors are
reported as such); with `Upsample to Nx` resize the input by N (bicubic) first, since the model
restores at the output size; pad (reflect) to a multiple of the pack's size multiple; sample; crop back.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import prompts
from .imageio import load_rgb, save_rgb
from .sampler import SpireModels, load_tokenizer, sample


def prepare(img: np.ndarray, restoration: str, multiple: int):
    """(H, W, 3) [0, 1] -> ((1, 3, H', W') in [-1, 1] padded, (h, w) to crop back to, canonical prompt)."""
    p = prompts.parse(restoration)
    x = torch.from_numpy(img).permute(2, 0, 1)[None] * 2 - 1  # (1, 3, H, W)
    up = p.get("downsample")
    if up is not None and up.value:
        x = F.interpolate(x, scale_factor=float(up.value), mode="bicubic", align_corners=False).clamp(-1, 1)
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")
    return x, (h, w), p.text


def main(argv=None):
    a = argparse.ArgumentParser(description="Restore an image with a trained SPIRE run.")
    a.add_argument("--run", required=True)
    a.add_argument("--image", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--restoration", default="Remove all degradation", help="restoration prompt (grammar: models/DATA.md)")
    a.add_argument("--prompt", default="", help="semantic prompt: what the photo shows")
    a.add_argument("--negative", default="")
    a.add_argument("--steps", type=int, default=20)
    a.add_argument("--guidance", type=float, default=3.0)
    a.add_argument("--strength", type=float, default=1.0)
    a.add_argument("--eta", type=float, default=0.0)
    a.add_argument("--faithful", action="store_true", help="run the pixel-space restorer first")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--device", default="cpu")
    a.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = a.parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        raise SystemExit(f"error: {args.out} exists: choose another --out or pass --force to overwrite it")
    try:
        run(args)
    except (prompts.PromptError, FileNotFoundError, ValueError) as e:
        raise SystemExit(f"error: {e}")


def run(args):
    torch.set_num_threads(os.cpu_count() or 1)
    models = SpireModels.load(args.run, args.device).eval()
    tok = load_tokenizer(models.cfg)
    x, (h, w), text = prepare(load_rgb(args.image), args.restoration, models.size_multiple)
    r = sample(models, tok, x, args.prompt, text, args.negative, args.steps, args.guidance, args.eta, args.seed,
               strength=args.strength, use_restorer=args.faithful)
    out = ((r.image[0, :, :h, :w].permute(1, 2, 0).cpu().numpy() + 1) / 2).clip(0, 1).astype(np.float32)
    save_rgb(args.out, out, overwrite=args.force)
    print(f"wrote {args.out} ({w}x{h}), restoration prompt {text!r}")


if __name__ == "__main__":
    main()
