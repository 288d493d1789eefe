import pytest
import torch

from helpers import perturb, tiny_config
from spire.adaptor import Adaptor
from spire.unet import UNet, fusion_tensor_names, skip_specs


def _inputs(cfg, B=2):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(B, cfg.autoencoder.latent_channels, 8, 12, generator=g)
    t = torch.tensor([5.0, 900.0])
    ctx = torch.randn(B, cfg.text_encoder.max_length, cfg.context_dim, generator=g)
    y = torch.rand(B, 3, 32, 48, generator=g) * 2 - 1
    return z, t, ctx, y


@pytest.mark.parametrize("fusion", ["modulation", "additive"])
def test_outputs_one_tensor_per_skip_and_part(fusion):
    cfg = tiny_config(fusion)
    z, t, ctx, y = _inputs(cfg)
    outs = Adaptor(cfg)(z, t, ctx, y)
    names = fusion_tensor_names(cfg.unet, fusion)
    assert len(outs) == len(names) == len(skip_specs(cfg.unet)) * (2 if fusion == "modulation" else 1)
    by_name = dict(zip(names, outs))
    for s in skip_specs(cfg.unet):
        suffix = "gamma" if fusion == "modulation" else "residual"
        assert by_name[f"{s.name}_{suffix}"].shape == (2, s.channels, 8 // s.downscale, 12 // s.downscale)


@pytest.mark.parametrize("fusion", ["modulation", "additive"])
def test_fresh_adaptor_leaves_the_unet_unchanged(fusion):
    cfg = tiny_config(fusion)
    unet = perturb(UNet(cfg)).eval()
    adaptor = Adaptor(cfg)
    adaptor.load_from_unet(unet)
    z, t, ctx, y = _inputs(cfg)
    outs = adaptor(z, t, ctx, y)
    assert all(float(o.abs().max()) == 0.0 for o in outs)  # zero-initialised fusion convs
    assert torch.allclose(unet(z, t, ctx, *outs), unet(z, t, ctx))


def test_initialised_from_the_unet_encoder_controlnet_style():
    cfg = tiny_config()
    unet = perturb(UNet(cfg)).eval()
    adaptor = Adaptor(cfg).eval()
    adaptor.load_from_unet(unet)
    z, t, ctx, _ = _inputs(cfg)
    # with E'(y) contributing nothing (new conv_in channels are zero), the copy computes the UNet's features
    cond = torch.zeros(2, cfg.adaptor.cond_channels, 8, 12)
    a_skips, a_mid, _ = adaptor.encoder(torch.cat([z, cond], 1), t, ctx)
    u_skips, u_mid, _ = unet.encoder(z, t, ctx)
    assert torch.allclose(a_mid, u_mid, atol=1e-5)
    assert all(torch.allclose(a, u, atol=1e-5) for a, u in zip(a_skips, u_skips))


def test_trained_adaptor_depends_on_image_and_restoration_prompt():
    cfg = tiny_config()
    adaptor = perturb(Adaptor(cfg)).eval()
    z, t, ctx, y = _inputs(cfg)
    base = adaptor(z, t, ctx, y)[-1]  # the mid block's output: after cross-attention
    assert (adaptor(z, t, ctx, -y)[-1] - base).abs().max() > 1e-4
    assert (adaptor(z, t, ctx + 1, y)[-1] - base).abs().max() > 1e-4
