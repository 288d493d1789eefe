import pytest
import torch

from helpers import tiny_config
from spire.autoencoder import Autoencoder


@pytest.mark.parametrize("channels,factor", [([8, 16, 16], 4), ([8, 8, 16, 16], 8)])
def test_downsampling_factor_and_latent_channels(channels, factor):
    cfg = tiny_config().autoencoder
    cfg.channels = channels
    assert cfg.downsampling_factor == factor
    vae = Autoencoder(cfg)
    x = torch.randn(2, 3, 32, 48)  # non-square
    mean, logvar = vae.encode(x)
    assert mean.shape == logvar.shape == (2, cfg.latent_channels, 32 // factor, 48 // factor)
    assert vae.decode(mean).shape == x.shape


def test_training_forward_samples_around_the_mean():
    vae = Autoencoder(tiny_config().autoencoder)
    x = torch.randn(1, 3, 32, 32)
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    r1, mean, _ = vae(x, generator=g1)
    r2, _, _ = vae(x, generator=g2)
    assert r1.shape == x.shape and not torch.allclose(r1, r2)
    assert torch.isfinite(mean).all()
