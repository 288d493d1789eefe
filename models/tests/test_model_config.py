import contextlib
import json

import pytest
import torch.nn as nn

from spire.autoencoder import Autoencoder
from spire.config import SpireConfig, config_path
from spire.text_encoder import TextEncoder
from spire.unet import UNet


@pytest.mark.parametrize("size", ["tiny", "small", "sd15", "fixture", "compact"])
def test_every_config_loads_and_round_trips(size):
    cfg = SpireConfig.load(config_path(size))
    assert SpireConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.image_size % cfg.autoencoder.downsampling_factor == 0
    assert len(cfg.unet.attention) == len(cfg.unet.channels)


def test_unknown_key_is_a_clear_error():
    with pytest.raises(ValueError, match=r"config\.unet: unknown keys \['chanels'\]"):
        SpireConfig.from_dict({"unet": {"chanels": [1]}})


def test_sizes_are_what_the_brief_says():
    tiny, small, sd = (SpireConfig.load(config_path(s)) for s in ("tiny", "small", "sd15"))
    assert tiny.image_size == 64 and tiny.autoencoder.downsampling_factor in (4, 8) and len(tiny.unet.channels) == 2
    assert small.autoencoder.downsampling_factor == 8
    assert sd.unet.channels == [320, 640, 1280, 1280] and sd.text_encoder.max_length == 77 and sd.context_dim == 768
    assert sd.autoencoder.downsampling_factor == 8 and sd.autoencoder.scale_factor == 0.18215


@contextlib.contextmanager
def _no_init():
    """Skip weight initialisation so the 860M-parameter UNet builds in a fraction of a second."""
    names = ["kaiming_uniform_", "uniform_", "normal_", "zeros_", "ones_"]
    saved = {n: getattr(nn.init, n) for n in names}
    for n in names:
        setattr(nn.init, n, lambda t, *a, **k: t)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)


def test_sd15_shapes_have_stable_diffusion_1_5_parameter_counts():
    # Published counts: SD 1.5 UNet 859,520,964; CLIP ViT-L/14 text tower 123,060,480; KL-f8 VAE 83,653,863.
    cfg = SpireConfig.load(config_path("sd15"))
    count = lambda m: sum(p.numel() for p in m.parameters())
    with _no_init():
        assert count(UNet(cfg)) == 859_520_964
        assert count(TextEncoder(cfg.text_encoder)) == 123_060_480
        assert count(Autoencoder(cfg.autoencoder)) == 83_653_863


def test_small_pack_stays_under_60_mb_fp32():
    from spire.sampler import SpireModels

    cfg = SpireConfig.load(config_path("small"))
    n = sum(p.numel() for p in SpireModels(cfg).parameters())
    assert n * 4 < 60e6, f"small has {n / 1e6:.1f}M parameters"
