"""Degradation estimator: reads what is wrong with a photo and writes it as the restoration prompt's numbers.

It looks at N patches of one photo at the photo's own resolution (never resized: resizing hides noise and
JPEG blocks), each patch's corner on the photo's 8x8 grid, where a JPEG's blocks lie::

    x (N, 3, P, P) in [-1, 1], P a multiple of 8
      pixel branch  pixel-unshuffle 2 -> conv 12 -> c0 -> conv          (N, c0, P/2, P/2)   noise, fine edges
                    stride-2 conv c0 -> c1 -> conv                      (N, c1, P/4, P/4)
                    stride-2 conv c1 -> c2 -> conv                      (N, c2, P/8, P/8)   edge profiles (blur)
      block branch  pixel-unshuffle 8 -> 1x1 conv 192 -> cb             (N, cb, P/8, P/8)   one position per 8x8
                                                                        block: a learned block transform, where
                                                                        JPEG's quantised coefficients show
      trunk         concat -> conv (c2 + cb) -> ct -> conv              (N, ct, P/8, P/8)
      pool          mean and log mean square over the positions        (N, 2 ct)
      head          MLP 2 ct -> ct -> 3 K                               (N, 3 K), K = len(OPERATIONS)

    per operation k (blur, noise, jpeg):  logit[:, k]      presence (sigmoid: the probability it was applied)
                                          value[:, k]      sigmoid: (v - min) / (max - min) over the grammar range
                                          log_scale[:, k]  log b of a Laplace error model of that value

One photo's answer (:func:`aggregate`): the mean of the patches' logits, and the values averaged with weights
softmax(-log_scale) over the patches (patches that cannot tell, such as flat sky for blur, learn a large
scale and count less); blur only over the sharper half of the patches (SHARPER_SHARE). :func:`estimate_prompt` turns that into a restoration prompt; the TypeScript engine
(main/engine/pipeline/estimate.ts) does the same on the ONNX graph's outputs.

Training (``spire.train --stage estimator``): crops of the training splits through
:func:`degradations.make_estimator_sample` (blur, noise, JPEG, each with probability 0.5, values over the
grammar ranges), loss = BCE(presence) + Laplace NLL of the values of the applied operations.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import prompts

OPERATIONS = ("blur", "noise", "jpeg")  # what the estimator reads; the output size (Upsample) stays the user's choice
PRESENCE_THRESHOLD = 0.5  # an operation goes into the prompt when its probability reaches this
# Blur is read from the sharper half of the patches (those with the lowest blur logits): a blur of the whole photo
# shows in its sharpest parts too, while a photo's own defocus (a soft background, bokeh) does not. On whole
# evaluation photos (Kodak24, CBSD68, McMaster, Set14; COCO val at half size) it cut the clean photos read as
# blurred from 8 to 3 of 306 and the blur MAE from 0.18 to 0.15; noise and JPEG, alike everywhere, use every patch.
SHARPER_SHARE = {"blur": 0.5}


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    # BatchNorm, not GroupNorm: it applies one affine map to every sample (folded into the conv when exported),
    # so a patch's absolute noise level and contrast stay readable; per-sample norms would divide them out.
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout))


class Estimator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        e = cfg.estimator
        c0, c1, c2 = e.channels
        cb, ct = e.block_channels, e.trunk_channels
        k = len(OPERATIONS)
        self.pixel = nn.ModuleList([
            _conv(12, c0), _conv(c0, c0),
            _conv(c0, c1, 2), _conv(c1, c1),
            _conv(c1, c2, 2), _conv(c2, c2),
        ])
        self.block = nn.Sequential(nn.Conv2d(3 * 64, cb, 1), nn.BatchNorm2d(cb))
        self.trunk = nn.ModuleList([_conv(c2 + cb, ct), _conv(ct, ct)])
        self.head = nn.Sequential(nn.Linear(2 * ct, ct), nn.SiLU(), nn.Linear(ct, 3 * k))
        # He-normal convs (PyTorch's default init shrinks activations layer by layer).
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, image):
        # image: (N, 3, P, P) in [-1, 1], P a multiple of 8 -> logits, values, log_scales: (N, K) each
        h = F.pixel_unshuffle(image, 2)  # (N, 12, P/2, P/2)
        for conv in self.pixel:
            h = F.silu(conv(h))  # -> (N, c2, P/8, P/8)
        b = F.silu(self.block(F.pixel_unshuffle(image, 8)))  # (N, cb, P/8, P/8)
        h = torch.cat([h, b], dim=1)
        for conv in self.trunk:
            h = F.silu(conv(h))  # (N, ct, P/8, P/8)
        flat = h.flatten(2)  # (N, ct, P^2/64)
        mean = flat.mean(dim=2)
        log_energy = flat.pow(2).mean(dim=2).add(1e-4).log()  # energies compare as ratios: noise adds, blur removes
        out = self.head(torch.cat([mean, log_energy], dim=1))  # (N, 3K)
        logits, values, log_scales = out.chunk(3, dim=1)
        return logits, torch.sigmoid(values), log_scales


# ---------------------------------------------------------------------------------------
# Targets and loss
# ---------------------------------------------------------------------------------------
def normalise(key: str, value: float) -> float:
    spec = prompts.grammar().spec(key)
    return (float(value) - spec.min) / (spec.max - spec.min)


def denormalise(key: str, unit: float) -> float:
    spec = prompts.grammar().spec(key)
    return spec.min + float(unit) * (spec.max - spec.min)


def targets(stages: Sequence[Dict[str, float]]):
    """Per sample {key: value} of the applied stages -> presence (B, K) 0/1 and values (B, K) in [0, 1]."""
    present = torch.tensor([[1.0 if k in s else 0.0 for k in OPERATIONS] for s in stages])
    values = torch.tensor([[normalise(k, s[k]) if k in s else 0.0 for k in OPERATIONS] for s in stages])
    return present, values


def loss(logits, values, log_scales, present, target_values):
    """BCE on presence + Laplace NLL (|v - t| / b + log b) of the values of the applied operations."""
    bce = F.binary_cross_entropy_with_logits(logits, present)
    log_scales = log_scales.clamp(-7.0, 3.0)
    nll = (values - target_values).abs() * torch.exp(-log_scales) + log_scales
    n = present.sum().clamp(min=1.0)
    value_loss = (nll * present).sum() / n
    l1 = ((values - target_values).abs() * present).sum() / n
    return bce + 0.2 * value_loss, {"bce": float(bce), "value_l1": float(l1)}


# ---------------------------------------------------------------------------------------
# Patches and one photo's answer
# ---------------------------------------------------------------------------------------
def patch_grid(height: int, width: int, patch: int, max_patches: int) -> List[tuple]:
    """Top-left corners (y, x) of up to ``max_patches`` patches spread evenly over the photo, on its 8x8 grid.

    The patch side is ``patch``, or the photo's shorter side floored to a multiple of 8 when the photo is
    smaller (at least 8). Rows x cols is the most even grid with rows * cols <= max_patches and at most
    as many patches per side as fit without overlap (one when the photo is no bigger than a patch).
    The TypeScript engine computes the same grid (estimate.ts patchGrid)."""
    side = min(patch, height - height % 8, width - width % 8)
    if side < 8:
        raise ValueError(f"a {width}x{height} image is too small to estimate: it needs at least 8x8 pixels")
    fit_r, fit_c = max(1, height // side), max(1, width // side)
    rows = max(1, min(fit_r, int(math.floor(math.sqrt(max_patches * height / width)))))
    cols = max(1, min(fit_c, max_patches // rows))
    rows = max(1, min(fit_r, max_patches // cols))

    def starts(n: int, length: int) -> List[int]:  # whole-number arithmetic only: TypeScript gets the same grid
        if n == 1:
            return [(length - side) // 2 // 8 * 8]
        return [i * (length - side) // (n - 1) // 8 * 8 for i in range(n)]

    return [(y, x, side) for y in starts(rows, height) for x in starts(cols, width)]


def patches_of(image: np.ndarray, patch: int, max_patches: int) -> np.ndarray:
    """(H, W, 3) float in [0, 1] -> (N, 3, S, S) float32 in [-1, 1]."""
    h, w = image.shape[:2]
    out = [image[y:y + s, x:x + s] for y, x, s in patch_grid(h, w, patch, max_patches)]
    return (np.stack(out).transpose(0, 3, 1, 2).astype(np.float32) * 2.0 - 1.0)


def aggregate(logits: np.ndarray, values: np.ndarray, log_scales: np.ndarray) -> Dict[str, dict]:
    """The patches' outputs (N, K) each -> per operation {probability, value (grammar units)}: over the patches it
    reads from (all, or for blur the SHARPER_SHARE with the lowest logits, at least one), the mean logit and the
    values weighted by softmax(-log_scale)."""
    out = {}
    n = logits.shape[0]
    for k, key in enumerate(OPERATIONS):
        share = SHARPER_SHARE.get(key)
        rows = np.argsort(logits[:, k], kind="stable")[:max(1, math.ceil(n * share))] if share else np.arange(n)
        logit = float(np.mean(logits[rows, k]))
        w = -np.clip(log_scales[rows, k].astype(np.float64), -7.0, 3.0)
        w = np.exp(w - w.max())
        unit = float(np.sum(w * values[rows, k]) / np.sum(w))
        out[key] = {"probability": 1.0 / (1.0 + math.exp(-logit)), "value": denormalise(key, unit)}
    return out


@dataclass(frozen=True)
class Estimate:
    """One photo's reading: per operation its probability and value, and the prompt they make."""

    operations: Dict[str, dict]  # key -> {"probability": p, "value": v (grammar units, quantised)}
    prompt: prompts.RestorationPrompt
    jpeg_from_file: Optional[int] = None  # the quality the file's quantisation tables gave, when it overrode

    @property
    def text(self) -> str:
        return self.prompt.text


def estimate_prompt(ops: Dict[str, dict], jpeg_quality_from_file: Optional[int] = None) -> Estimate:
    """Per-operation answers (aggregate's) -> the restoration prompt: each operation whose probability
    reaches PRESENCE_THRESHOLD with its value quantised to the grammar grid and clamped to its range.
    A JPEG quality read from the file's quantisation tables overrides the estimate when it is within the
    grammar's range (at most 92): present with probability 1; above it the file's own compression is too
    mild to name, and the pixels' estimate stands (it may see an earlier, harsher compression)."""
    g = prompts.grammar()
    ops = {k: dict(v) for k, v in ops.items()}
    jpeg_file = None
    if jpeg_quality_from_file is not None and jpeg_quality_from_file <= g.spec("jpeg").max and "jpeg" in ops:
        jpeg_file = int(jpeg_quality_from_file)
        ops["jpeg"] = {"probability": 1.0, "value": float(max(g.spec("jpeg").min, jpeg_file))}
    shown = {}
    for key, o in ops.items():
        spec = g.spec(key)
        o["value"] = spec.quantize(min(spec.max, max(spec.min, o["value"])))
        if o["probability"] >= PRESENCE_THRESHOLD:
            shown[key] = o["value"]
    return Estimate(ops, prompts.RestorationPrompt.of(shown), jpeg_file)


@torch.no_grad()
def estimate_image(model: Estimator, image: np.ndarray, patch: int, max_patches: int,
                   jpeg_quality_from_file: Optional[int] = None) -> Estimate:
    """(H, W, 3) float in [0, 1] -> its Estimate, in PyTorch (the reference for the engine's path)."""
    x = torch.from_numpy(patches_of(image, patch, max_patches))
    logits, values, log_scales = (t.numpy() for t in model(x))
    return estimate_prompt(aggregate(logits, values, log_scales), jpeg_quality_from_file)


__all__ = ["OPERATIONS", "PRESENCE_THRESHOLD", "Estimator", "targets", "loss", "patch_grid", "patches_of",
           "aggregate", "Estimate", "estimate_prompt", "estimate_image", "normalise", "denormalise"]
