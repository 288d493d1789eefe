"""Shared building blocks: attention, transformer blocks, resblocks, timestep embedding.

Attention is written with matmul + softmax (not nn.MultiheadAttention) so that
torch 1.13's ONNX exporter can export it, and so the graph is the same on
every runtime.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def group_norm(channels: int, groups: int, eps: float = 1e-6) -> nn.GroupNorm:
    """GroupNorm with at most `groups` groups, falling back to a divisor of `channels`."""
    g = min(groups, channels)
    while channels % g:
        g -= 1
    return nn.GroupNorm(g, channels, eps=eps)


def zero_module(m: nn.Module) -> nn.Module:
    """Zero every parameter (ControlNet's zero convolutions, residual outputs)."""
    for p in m.parameters():
        nn.init.zeros_(p)
    return m


class Attention(nn.Module):
    """Multi-head attention; self-attention when `context` is None, else cross-attention."""

    def __init__(self, dim: int, heads: int, context_dim: int | None = None, qkv_bias: bool = False):
        super().__init__()
        assert dim % heads == 0, f"attention width {dim} is not divisible by {heads} heads"
        context_dim = context_dim or dim
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=qkv_bias)  # CLIP's text tower has q/k/v biases, SD's UNet does not
        self.to_k = nn.Linear(context_dim, dim, bias=qkv_bias)
        self.to_v = nn.Linear(context_dim, dim, bias=qkv_bias)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x, context=None, mask=None):
        # x: (B, T, C); context: (B, S, Cc); mask: additive, broadcastable to (B, h, T, S)
        context = x if context is None else context
        B, T, C = x.shape
        S = context.shape[1]
        h = self.heads
        q = self.to_q(x).reshape(B, T, h, C // h).transpose(1, 2)  # (B, h, T, d)
        k = self.to_k(context).reshape(B, S, h, C // h).transpose(1, 2)  # (B, h, S, d)
        v = self.to_v(context).reshape(B, S, h, C // h).transpose(1, 2)  # (B, h, S, d)
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(C // h))  # (B, h, T, S)
        if mask is not None:
            att = att + mask
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.to_out(y)


class FeedForward(nn.Module):
    """MLP with a 4x hidden width: plain GELU, or GEGLU (a GELU-gated linear unit, as Stable Diffusion)."""

    def __init__(self, dim: int, kind: str = "gelu", mult: int = 4):
        super().__init__()
        assert kind in ("gelu", "geglu"), f"unknown feed-forward kind {kind!r}"
        self.kind = kind
        self.proj = nn.Linear(dim, dim * mult * (2 if kind == "geglu" else 1))
        self.out = nn.Linear(dim * mult, dim)

    def forward(self, x):
        h = self.proj(x)
        if self.kind == "geglu":
            h, gate = h.chunk(2, dim=-1)
            h = h * F.gelu(gate)
        else:
            h = F.gelu(h)
        return self.out(h)


class SpatialTransformer(nn.Module):
    """Self-attention, cross-attention to a prompt embedding and an MLP over the pixels of a feature map."""

    def __init__(self, channels: int, heads: int, context_dim: int, groups: int, ff: str = "gelu"):
        super().__init__()
        self.norm = group_norm(channels, groups)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.norm1 = nn.LayerNorm(channels)
        self.attn1 = Attention(channels, heads)
        self.norm2 = nn.LayerNorm(channels)
        self.attn2 = Attention(channels, heads, context_dim)
        self.norm3 = nn.LayerNorm(channels)
        self.ff = FeedForward(channels, ff)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x, context):
        # x: (B, C, H, W); context: (B, L, D)
        B, C, H, W = x.shape
        h = self.proj_in(self.norm(x))
        h = h.reshape(B, C, H * W).transpose(1, 2)  # (B, HW, C)
        h = h + self.attn1(self.norm1(h))
        h = h + self.attn2(self.norm2(h), context)
        h = h + self.ff(self.norm3(h))
        h = h.transpose(1, 2).reshape(B, C, H, W)  # (B, C, H, W)
        return x + self.proj_out(h)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, with an optional timestep embedding added in between."""

    def __init__(self, cin: int, cout: int, groups: int, temb_dim: int | None = None, dropout: float = 0.0, eps: float = 1e-6):
        super().__init__()
        self.norm1 = group_norm(cin, groups, eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb_dim, cout) if temb_dim else None
        self.norm2 = group_norm(cout, groups, eps)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb=None):
        # x: (B, Cin, H, W); temb: (B, T) -> (B, Cout, H, W)
        h = self.conv1(F.silu(self.norm1(x)))
        if self.temb is not None:
            h = h + self.temb(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Downsample(nn.Module):
    """Stride-2 3x3 convolution: (B, C, H, W) -> (B, C, H/2, W/2)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    """Nearest 2x upsampling then a 3x3 convolution: (B, C, H, W) -> (B, C, 2H, 2W)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def timestep_embedding(t, dim: int, max_period: float = 10000.0):
    """Sinusoidal embedding of (B,) timesteps -> (B, dim), cos first (as Stable Diffusion's UNet)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]  # (B, half)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TimestepEmbedding(nn.Module):
    """Sinusoidal features -> Linear -> SiLU -> Linear."""

    def __init__(self, base: int, dim: int):
        super().__init__()
        self.base = base
        self.lin1 = nn.Linear(base, dim)
        self.lin2 = nn.Linear(dim, dim)

    def forward(self, t):
        # t: (B,) -> (B, dim). The sinusoids are computed in float32 (float16 cannot
        # resolve t * freq near t = 1000) and cast to the weights' dtype afterwards.
        features = timestep_embedding(t, self.base).to(self.lin1.weight.dtype)
        return self.lin2(F.silu(self.lin1(features)))
