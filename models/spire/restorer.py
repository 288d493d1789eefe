"""Restorer: a fast pixel-space restoration net for the faithful mode (DiffBIR-style stage 1).

    pooled prompt p = mean_L(restoration embedding) (B, D)
    x (B, 3, H, W) --conv_in--> (B, C, H, W) --blocks x [conv-SiLU-conv, FiLM(p): (1 + s) * h + b]-->
      --conv_out (zero-initialised)--> residual; output = x + residual (B, 3, H, W)

Works at any size (fully convolutional, no downsampling), images in [-1, 1].
"""
import torch.nn as nn
import torch.nn.functional as F

from .config import SpireConfig
from .layers import zero_module


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


class Restorer(nn.Module):
    def __init__(self, cfg: SpireConfig):
        super().__init__()
        c = cfg.restorer.channels
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        self.blocks = nn.ModuleList([FiLMBlock(c, cfg.context_dim) for _ in range(cfg.restorer.blocks)])
        self.conv_out = zero_module(nn.Conv2d(c, 3, 3, padding=1))

    def forward(self, image, encoder_hidden_states):
        # image: (B, 3, H, W) in [-1, 1]; encoder_hidden_states: restoration prompt (B, L, D) -> (B, 3, H, W)
        p = encoder_hidden_states.mean(dim=1)  # (B, D)
        h = self.conv_in(image)
        for block in self.blocks:
            h = block(F.silu(h), p)
        return image + self.conv_out(F.silu(h))
