"""Autoencoder: a KL-VAE in the shape of Stable Diffusion's.

Encoder: conv_in -> per level `res_blocks` resblocks (+ stride-2 downsample
except at the last level) -> mid (res, [self-attn], res) -> GN, SiLU, conv to
2 * latent_channels (mean, logvar) -> 1x1 quant_conv.
Decoder mirrors it with `res_blocks + 1` resblocks per level and nearest
upsampling. Images are in [-1, 1]; the UNet sees z = mean * scale_factor.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import AutoencoderConfig
from .layers import Downsample, ResBlock, Upsample, group_norm


class SelfAttention2d(nn.Module):
    """Single-head self-attention over the pixels of a feature map (the VAE's mid block)."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.norm = group_norm(channels, groups)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        B, C, H, W = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(B, 3, C, H * W).unbind(1)  # each (B, C, HW)
        att = torch.softmax(torch.matmul(q.transpose(1, 2), k) * C**-0.5, dim=-1)  # (B, HW, HW)
        y = torch.matmul(v, att.transpose(1, 2)).reshape(B, C, H, W)  # (B, C, H, W)
        return x + self.proj(y)


class Mid(nn.Module):
    def __init__(self, ch: int, groups: int, attention: bool):
        super().__init__()
        self.res1 = ResBlock(ch, ch, groups)
        self.attn = SelfAttention2d(ch, groups) if attention else nn.Identity()
        self.res2 = ResBlock(ch, ch, groups)

    def forward(self, x):
        return self.res2(self.attn(self.res1(x)))


class Encoder(nn.Module):
    def __init__(self, cfg: AutoencoderConfig):
        super().__init__()
        ch, g = cfg.channels, cfg.groups
        self.conv_in = nn.Conv2d(cfg.in_channels, ch[0], 3, padding=1)
        layers, cin = [], ch[0]
        for i, c in enumerate(ch):
            for _ in range(cfg.res_blocks):
                layers.append(ResBlock(cin, c, g))
                cin = c
            if i < len(ch) - 1:
                layers.append(Downsample(c))
        self.down = nn.Sequential(*layers)
        self.mid = Mid(cin, g, cfg.mid_attention)
        self.norm_out = group_norm(cin, g)
        self.conv_out = nn.Conv2d(cin, 2 * cfg.latent_channels, 3, padding=1)
        self.quant_conv = nn.Conv2d(2 * cfg.latent_channels, 2 * cfg.latent_channels, 1)

    def forward(self, x):
        # x: (B, 3, H, W) in [-1, 1] -> mean, logvar: (B, Cz, H/f, W/f)
        h = self.mid(self.down(self.conv_in(x)))
        h = self.quant_conv(self.conv_out(F.silu(self.norm_out(h))))
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    def __init__(self, cfg: AutoencoderConfig):
        super().__init__()
        ch, g = cfg.channels[::-1], cfg.groups
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)
        self.conv_in = nn.Conv2d(cfg.latent_channels, ch[0], 3, padding=1)
        self.mid = Mid(ch[0], g, cfg.mid_attention)
        layers, cin = [], ch[0]
        for i, c in enumerate(ch):
            for _ in range(cfg.res_blocks + 1):
                layers.append(ResBlock(cin, c, g))
                cin = c
            if i < len(ch) - 1:
                layers.append(Upsample(c))
        self.up = nn.Sequential(*layers)
        self.norm_out = group_norm(cin, g)
        self.conv_out = nn.Conv2d(cin, cfg.in_channels, 3, padding=1)

    def forward(self, z):
        # z: (B, Cz, h, w) unscaled latent -> (B, 3, h*f, w*f), roughly in [-1, 1]
        h = self.mid(self.conv_in(self.post_quant_conv(z)))
        return self.conv_out(F.silu(self.norm_out(self.up(h))))


class Autoencoder(nn.Module):
    def __init__(self, cfg: AutoencoderConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x, generator=None):
        # training pass: sample z ~ N(mean, exp(logvar)), reconstruct, return (recon, mean, logvar)
        mean, logvar = self.encode(x)
        # drawn on the CPU (a seeded CPU generator works for any device), then moved
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype).to(mean.device)
        z = mean + torch.exp(0.5 * logvar) * noise
        return self.decode(z), mean, logvar
