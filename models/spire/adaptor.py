"""Adaptor: SPIRE's ControlNet-style branch that steers the frozen UNet.

    y (B, 3, H, W) --E' (small strided conv net)--> (B, Cc, h, w)
    cat(z_t, E'(y)) (B, Cz + Cc, h, w) --copy of the UNet encoder (down path + mid),
        cross-attending to the restoration-prompt embedding--> skips + mid
    per skip and mid: zero-initialised 1x1 conv ->
        "modulation": gamma, beta (B, C, h_i, w_i) each, used as f' = (1 + gamma) * f + beta
        "additive":   residual    (B, C, h_i, w_i),      used as f' = f + r

The encoder copy is initialised from the UNet's weights (`from_unet`); the
extra input channels of conv_in start at zero, so at initialisation the
adaptor sees z_t exactly as the UNet does and every fused output is zero.
"""
import torch
import torch.nn as nn

from .config import SpireConfig
from .unet import UNet, UNetEncoder, skip_specs
from .layers import zero_module


class CondEncoder(nn.Module):
    """E': degraded image (B, 3, H, W) -> (B, Cc, H/f, W/f) with stride-2 convs."""

    def __init__(self, hidden: list, out_channels: int, factor: int):
        super().__init__()
        steps = factor.bit_length() - 1
        assert len(hidden) - 1 >= steps, f"cond_hidden needs at least {steps + 1} widths to reach 1/{factor} size"
        layers = [nn.Conv2d(3, hidden[0], 3, padding=1), nn.SiLU()]
        for i in range(len(hidden) - 1):
            stride = 2 if i < steps else 1
            layers += [nn.Conv2d(hidden[i], hidden[i + 1], 3, stride=stride, padding=1), nn.SiLU()]
        layers.append(nn.Conv2d(hidden[-1], out_channels, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, y):
        return self.net(y)


class Adaptor(nn.Module):
    def __init__(self, cfg: SpireConfig):
        super().__init__()
        acfg = cfg.adaptor
        assert acfg.fusion in ("modulation", "additive"), f"unknown fusion kind {acfg.fusion!r}"
        self.fusion = acfg.fusion
        self.latent_channels = cfg.autoencoder.latent_channels
        self.cond = CondEncoder(acfg.cond_hidden, acfg.cond_channels, cfg.autoencoder.downsampling_factor)
        self.encoder = UNetEncoder(cfg.unet, self.latent_channels + acfg.cond_channels, cfg.context_dim)
        per = 2 if self.fusion == "modulation" else 1
        self.fuse = nn.ModuleList(
            [zero_module(nn.Conv2d(s.channels, per * s.channels, 1)) for s in skip_specs(cfg.unet)]
        )

    @torch.no_grad()
    def load_from_unet(self, unet: UNet):
        """ControlNet-style initialisation: copy the UNet encoder, zero the new conv_in input channels."""
        src = unet.encoder.state_dict()
        dst = self.encoder.state_dict()
        for k, v in src.items():
            if k == "conv_in.weight":
                w = torch.zeros_like(dst[k])
                w[:, : v.shape[1]] = v
                dst[k].copy_(w)
            else:
                dst[k].copy_(v)

    def forward(self, sample, timestep, encoder_hidden_states, cond_image):
        # sample: z_t (B, Cz, h, w); timestep: (B,); encoder_hidden_states: restoration prompt (B, L, D);
        # cond_image: degraded image y (B, 3, H, W) in [-1, 1] -> tuple of fused tensors (fusion_tensor_names order)
        c = self.cond(cond_image)  # (B, Cc, h, w)
        skips, mid, _ = self.encoder(torch.cat([sample, c], dim=1), timestep, encoder_hidden_states)
        outs = []
        for f, conv in zip(skips + [mid], self.fuse):
            o = conv(f)
            outs += list(o.chunk(2, dim=1)) if self.fusion == "modulation" else [o]
        return tuple(outs)
