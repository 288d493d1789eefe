"""UNet denoiser: predicts epsilon (or v) from a noisy latent, a timestep and a prompt embedding.

    z_t (B, Cz, h, w) --conv_in--> skip_0
    per level i: res_blocks x [ResBlock(+temb) -> SpatialTransformer(cross-attn to prompt)] -> skip
                 then (all but the last level) Downsample -> skip
    mid: ResBlock -> SpatialTransformer -> ResBlock                      -> "mid"
    per level (reversed): (res_blocks + 1) x [cat(h, fuse(skip.pop())) -> ResBlock -> SpatialTransformer]
                 then Upsample (all but the last)
    GN -> SiLU -> conv_out -> (B, Cz, h, w)

Every skip (and the mid output) is fused with the adaptor's output for it:
"modulation": f' = (1 + gamma) * f + beta;  "additive": f' = f + r.
`skip_specs` lists the fused tensors in order; the adaptor, the exporter and
the manifest all use it.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import SpireConfig, UNetConfig
from .layers import Downsample, ResBlock, SpatialTransformer, TimestepEmbedding, Upsample, group_norm


@dataclass
class SkipSpec:
    name: str  # "skip_0" ... or "mid"
    channels: int  # C of the fused feature map
    downscale: int  # its size is latent size / downscale


def skip_specs(cfg: UNetConfig) -> list[SkipSpec]:
    ch = cfg.channels
    specs = [SkipSpec("skip_0", ch[0], 1)]
    for i, c in enumerate(ch):
        for _ in range(cfg.res_blocks):
            specs.append(SkipSpec(f"skip_{len(specs)}", c, 2**i))
        if i < len(ch) - 1:
            specs.append(SkipSpec(f"skip_{len(specs)}", c, 2 ** (i + 1)))
    specs.append(SkipSpec("mid", ch[-1], 2 ** (len(ch) - 1)))
    return specs


def fusion_tensor_names(cfg: UNetConfig, fusion: str) -> list[str]:
    """Names of the adaptor outputs / UNet inputs, in order."""
    parts = ["gamma", "beta"] if fusion == "modulation" else ["residual"]
    return [f"{s.name}_{p}" for s in skip_specs(cfg) for p in parts]


def fuse(f, mods: list, fusion: str):
    if fusion == "modulation":
        gamma, beta = mods
        return (1 + gamma) * f + beta
    return f + mods[0]


class Layer(nn.Module):
    """One ResBlock, optionally followed by a SpatialTransformer."""

    def __init__(self, cin, cout, cfg: UNetConfig, temb_dim, context_dim, attention: bool):
        super().__init__()
        self.res = ResBlock(cin, cout, cfg.groups, temb_dim, cfg.dropout, cfg.norm_eps)
        self.attn = SpatialTransformer(cout, cfg.heads, context_dim, cfg.groups, cfg.ff) if attention else None

    def forward(self, h, temb, context):
        h = self.res(h, temb)
        return self.attn(h, context) if self.attn is not None else h


class UNetEncoder(nn.Module):
    """conv_in, timestep embedding, down path and mid block: the part the adaptor copies."""

    def __init__(self, cfg: UNetConfig, in_channels: int, context_dim: int):
        super().__init__()
        ch = cfg.channels
        self.temb_dim = 4 * ch[0]
        self.time_embed = TimestepEmbedding(ch[0], self.temb_dim)
        self.conv_in = nn.Conv2d(in_channels, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        cin = ch[0]
        for i, c in enumerate(ch):
            for _ in range(cfg.res_blocks):
                self.down.append(Layer(cin, c, cfg, self.temb_dim, context_dim, cfg.attention[i]))
                cin = c
            if i < len(ch) - 1:
                self.down.append(Downsample(c))
        self.mid1 = ResBlock(cin, cin, cfg.groups, self.temb_dim, cfg.dropout, cfg.norm_eps)
        self.mid_attn = SpatialTransformer(cin, cfg.heads, context_dim, cfg.groups, cfg.ff)
        self.mid2 = ResBlock(cin, cin, cfg.groups, self.temb_dim, cfg.dropout, cfg.norm_eps)

    def forward(self, x, timestep, context):
        # x: (B, Cin, h, w); timestep: (B,); context: (B, L, D) -> (skips, mid, temb)
        temb = self.time_embed(timestep)  # (B, 4 * C0)
        h = self.conv_in(x)  # (B, C0, h, w)
        skips = [h]
        for layer in self.down:
            h = layer(h) if isinstance(layer, Downsample) else layer(h, temb, context)
            skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb), context), temb)  # (B, C_last, h/2^(n-1), w/2^(n-1))
        return skips, h, temb


class UNet(nn.Module):
    def __init__(self, cfg: SpireConfig):
        super().__init__()
        ucfg = cfg.unet
        self.cfg = ucfg
        self.fusion = cfg.adaptor.fusion
        self.per_skip = 2 if self.fusion == "modulation" else 1
        cz, ch = cfg.autoencoder.latent_channels, ucfg.channels
        self.encoder = UNetEncoder(ucfg, cz, cfg.context_dim)
        specs = skip_specs(ucfg)[:-1]
        self.up = nn.ModuleList()
        cin = ch[-1]
        for i in reversed(range(len(ch))):
            for _ in range(ucfg.res_blocks + 1):
                cskip = specs.pop().channels
                self.up.append(Layer(cin + cskip, ch[i], ucfg, self.encoder.temb_dim, cfg.context_dim, ucfg.attention[i]))
                cin = ch[i]
            if i > 0:
                self.up.append(Upsample(ch[i]))
        self.norm_out = group_norm(ch[0], ucfg.groups, ucfg.norm_eps)
        self.conv_out = nn.Conv2d(ch[0], cz, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, *fusion_inputs):
        # sample: (B, Cz, h, w); timestep: (B,) float; encoder_hidden_states: (B, L, D)
        # fusion_inputs: the adaptor's outputs in fusion_tensor_names order (none: no adaptor, identity fusion)
        skips, h, temb = self.encoder(sample, timestep, encoder_hidden_states)
        n = self.per_skip
        mods = [list(fusion_inputs[i : i + n]) for i in range(0, len(fusion_inputs), n)]
        if mods:
            assert len(mods) == len(skips) + 1, f"expected {len(skips) + 1} fused tensors, got {len(mods)}"
            h = fuse(h, mods[-1], self.fusion)
        for layer in self.up:
            if isinstance(layer, Upsample):
                h = layer(h)
                continue
            s = skips.pop()
            if mods:
                s = fuse(s, mods[len(skips)], self.fusion)
            h = layer(torch.cat([h, s], dim=1), temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.norm_out(h)))  # (B, Cz, h, w)
