"""Restorer: a fast pixel-space restoration net for the faithful mode (DiffBIR-style stage 1).

    prompt vector p (B, D):  prompt_pool "mean":      p = mean_L(restoration embedding)
                             prompt_pool "attention": p = MLP(softmax(q . K^T) V) over the L tokens (learned query q)
                             degradation_input:       p += MLP(d), d (B, K) = prompts.degradation_vector (the parsed
                                                      prompt's numbers; the MLP's last layer starts at zero)
    x (B, 3, H, W) --pixel-unshuffle(u)--> (B, 3u^2, H/u, W/u) --conv_in--> (B, C, H/u, W/u)
      --blocks x [conv-SiLU-conv, FiLM(p): (1 + s) * h + b]--> --conv_out (zero-initialised)--> (B, 3u^2, H/u, W/u)
      --pixel-shuffle(u)--> residual (B, 3, H, W); output = x + residual

u = restorer.unshuffle (1 = full resolution; 2 works on four half-resolution sub-images, FFDNet-style: 4x fewer
positions per conv and twice the receptive field). Works at any size whose sides are multiples of u
(fully convolutional), images in [-1, 1].

Options (candidates for a one-view restorer; the defaults are the shipped one):
    restorer.block "film":   h = silu(h); h + (1 + s) * conv2(silu(conv1(h))) + b                       (today's)
    restorer.block "gated":  NAFNet-style (Chen et al. 2022), with the prompt's FiLM after each channel LayerNorm:
        h = h + beta  * conv1x1(SimpleGate(dwconv3x3(conv1x1_C->2C(FiLM(LN(h))))))
        h = h + gamma * conv1x1(SimpleGate(conv1x1_C->2C(FiLM(LN(h)))))          SimpleGate(a | b) = a * b
      beta, gamma (1, C, 1, 1) start at 0. NAFNet's simplified channel attention pools over the whole image; it
      is left out: the engine runs the restorer on tiles and region windows, where an image-wide statistic would
      change with the window (seams). The prompt's FiLM gives the per-channel scale instead. LayerNorm over
      channels is written with plain ops (1x1 Conv for the means, Sub, Mul, Sqrt, Div).
    restorer.levels L > 0:   U-shaped (on the unshuffled grid, width C_i = C * 2^i):
        conv_in -> [level_blocks blocks, push skip, 3x3 stride-2 conv C_i -> C_i+1] x L -> blocks at C_L
        -> [1x1 conv C_i+1 -> 4 C_i, pixel-shuffle 2, crop to the skip, + skip, level_blocks blocks] x L -> conv_out
      Stride-2 convs round up (ceil(h / 2)) and the way up crops, so any size that is a multiple of u works,
      odd grids included.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import SpireConfig
from .layers import zero_module
from .prompts import degradation_vector, degradation_vector_size


class FiLMBlock(nn.Module):
    def __init__(self, channels: int, context_dim: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.film = zero_module(nn.Linear(context_dim, 2 * channels))

    def forward(self, x, p):
        # x: (B, C, H, W); p: (B, D)
        h = self.conv2(F.silu(self.conv1(x)))
        scale, shift = self.film(p)[:, :, None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        return x + (1 + scale) * h + shift


class ChannelNorm(nn.Module):
    """LayerNorm over the channels of each position, from plain ops. The channel means are 1x1 convolutions with
    weights 1/C: with ReduceMean over axis 1 instead, a gated U-net took 1.93x today's restorer's time in
    onnxruntime-node (1 thread, 512 px) against 1.43x this way, and 1.12x with no norm at all."""

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("average", torch.full((1, channels, 1, 1), 1.0 / channels), persistent=False)
        self.eps = eps

    def forward(self, x):
        # x: (B, C, H, W) -> (B, C, H, W)
        d = x - F.conv2d(x, self.average)  # minus the mean over channels (B, 1, H, W)
        var = F.conv2d(d * d, self.average)  # (B, 1, H, W)
        return self.weight * (d / torch.sqrt(var + self.eps)) + self.bias


class GatedBlock(nn.Module):
    """NAFNet-style block (see the module docstring), FiLM-modulated after each LayerNorm; the identity at init."""

    def __init__(self, channels: int, context_dim: int):
        super().__init__()
        c = channels
        self.norm1 = ChannelNorm(c)
        self.expand = nn.Conv2d(c, 2 * c, 1)
        self.depthwise = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.project = nn.Conv2d(c, c, 1)
        self.norm2 = ChannelNorm(c)
        self.ffn_expand = nn.Conv2d(c, 2 * c, 1)
        self.ffn_project = nn.Conv2d(c, c, 1)
        self.film = zero_module(nn.Linear(context_dim, 4 * c))  # (scale, shift) for each of the two halves
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x, p):
        # x: (B, C, H, W); p: (B, D)
        s1, b1, s2, b2 = self.film(p)[:, :, None, None].chunk(4, dim=1)  # (B, C, 1, 1) each
        a, g = self.depthwise(self.expand((1 + s1) * self.norm1(x) + b1)).chunk(2, dim=1)  # (B, C, H, W) each
        x = x + self.beta * self.project(a * g)
        a, g = self.ffn_expand((1 + s2) * self.norm2(x) + b2).chunk(2, dim=1)
        return x + self.gamma * self.ffn_project(a * g)


BLOCKS = {"film": FiLMBlock, "gated": GatedBlock}


class AttentionPool(nn.Module):
    """(B, L, D) -> (B, D): one learned query attends over the tokens, then a 2-layer MLP (residual)."""

    def __init__(self, dim: int):
        super().__init__()
        self.query = nn.Parameter(torch.randn(dim) / math.sqrt(dim))
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, e):
        k, v = self.key(e), self.value(e)  # (B, L, D)
        w = torch.softmax((k @ self.query) / math.sqrt(e.shape[-1]), dim=1)  # (B, L)
        pooled = (w.unsqueeze(-1) * v).sum(dim=1)  # (B, D)
        return pooled + self.mlp(pooled)


class Restorer(nn.Module):
    def __init__(self, cfg: SpireConfig):
        super().__init__()
        r = cfg.restorer
        if r.prompt_pool not in ("mean", "attention"):
            raise ValueError(f"restorer.prompt_pool must be 'mean' or 'attention', got {r.prompt_pool!r}")
        if r.unshuffle < 1:
            raise ValueError(f"restorer.unshuffle must be >= 1, got {r.unshuffle}")
        if r.block not in BLOCKS:
            raise ValueError(f"restorer.block must be one of {sorted(BLOCKS)}, got {r.block!r}")
        if r.levels < 0 or r.level_blocks < 1:
            raise ValueError(f"restorer.levels must be >= 0 and restorer.level_blocks >= 1, got {r.levels} and {r.level_blocks}")
        c, u = r.channels, r.unshuffle
        self.unshuffle = u
        self.preact = r.block == "film"  # today's blocks take silu(h) and conv_out sees silu(h)
        Block = BLOCKS[r.block]
        self.pool = AttentionPool(cfg.context_dim) if r.prompt_pool == "attention" else None
        d = cfg.context_dim
        self.degradation = (nn.Sequential(nn.Linear(degradation_vector_size(), d), nn.SiLU(), zero_module(nn.Linear(d, d)))
                            if r.degradation_input else None)
        self.conv_in = nn.Conv2d(3 * u * u, c, 3, padding=1)
        widths = [c * 2 ** i for i in range(r.levels + 1)]
        self.encoder = nn.ModuleList([nn.ModuleList([Block(w, d) for _ in range(r.level_blocks)]) for w in widths[:-1]])
        self.down = nn.ModuleList([nn.Conv2d(w, 2 * w, 3, stride=2, padding=1) for w in widths[:-1]])
        self.blocks = nn.ModuleList([Block(widths[-1], d) for _ in range(r.blocks)])  # at the bottom (the only level at L=0)
        self.up = nn.ModuleList([nn.Conv2d(2 * w, 4 * w, 1) for w in widths[:-1]])
        self.decoder = nn.ModuleList([nn.ModuleList([Block(w, d) for _ in range(r.level_blocks)]) for w in widths[:-1]])
        self.conv_out = zero_module(nn.Conv2d(c, 3 * u * u, 3, padding=1))
        if r.init == "kaiming":
            # PyTorch's default conv init shrinks activations layer by layer, so the zero-initialised output
            # conv sees tiny features and the net stays the identity for hundreds of steps (measured: no gain
            # after 200 steps). He-normal keeps the feature scale; residual branches start at 0.2x for stability.
            for name, module in self.named_modules():
                if isinstance(module, nn.Conv2d) and module is not self.conv_out:
                    nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                    nn.init.zeros_(module.bias)
                    if name.endswith("conv2"):
                        module.weight.data.mul_(0.2)
        elif r.init != "default":
            raise ValueError(f"restorer.init must be 'default' or 'kaiming', got {r.init!r}")

    def run_blocks(self, blocks, h, p):
        for block in blocks:
            h = block(F.silu(h) if self.preact else h, p)
        return h

    def degradation_of(self, prompts: list, device, dtype=torch.float32):
        """The ``degradation`` input for these restoration prompts: (B, K), or None when this restorer takes none."""
        if self.degradation is None:
            return None
        return torch.tensor([degradation_vector(t) for t in prompts], device=device, dtype=dtype)

    def forward(self, image, encoder_hidden_states, degradation=None):
        # image: (B, 3, H, W) in [-1, 1]; encoder_hidden_states: restoration prompt (B, L, D);
        # degradation: (B, K), required iff restorer.degradation_input -> (B, 3, H, W)
        e = encoder_hidden_states
        p = self.pool(e) if self.pool is not None else e.mean(dim=1)  # (B, D)
        if self.degradation is not None:
            if degradation is None:
                raise ValueError("this restorer takes the degradation vector (restorer.degradation_input): pass it")
            p = p + self.degradation(degradation)
        x = F.pixel_unshuffle(image, self.unshuffle) if self.unshuffle > 1 else image
        h = self.conv_in(x)  # (B, C, H/u, W/u)
        skips = []
        for blocks, down in zip(self.encoder, self.down):
            h = self.run_blocks(blocks, h, p)
            skips.append(h)
            h = down(h)  # (B, 2C_i, ceil(h_i / 2), ceil(w_i / 2))
        h = self.run_blocks(self.blocks, h, p)
        for i in reversed(range(len(self.up))):
            skip = skips[i]
            h = F.pixel_shuffle(self.up[i](h), 2)[:, :, : skip.shape[2], : skip.shape[3]] + skip  # (B, C_i, h_i, w_i)
            h = self.run_blocks(self.decoder[i], h, p)
        out = self.conv_out(F.silu(h) if self.preact else h)
        return image + (F.pixel_shuffle(out, self.unshuffle) if self.unshuffle > 1 else out)


def dihedral_views(fn, image):
    """The mean of fn over the 8 mirrored and turned views of image, each turned back (the engine's restorer views):
    (B, 3, H, W) -> (B, 3, H, W). Sides must suit fn in both orientations."""
    total = 0
    for flip in (False, True):
        x = image.flip(-1) if flip else image
        for k in range(4):
            y = torch.rot90(fn(torch.rot90(x, k, dims=(-2, -1))), -k, dims=(-2, -1))
            total = total + (y.flip(-1) if flip else y)
    return total / 8
