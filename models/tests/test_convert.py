"""Our UNet computes what diffusers' UNet2DConditionModel computes, once its weights are mapped across."""
import pytest
import torch

from helpers import perturb
from spire.config import SpireConfig
from spire.convert import unet_state_from_diffusers
from spire.unet import UNet


@pytest.mark.parametrize("levels", [2, 3])
def test_diffusers_unet_weights_give_the_same_output(levels):
    diffusers = pytest.importorskip("diffusers", reason="diffusers is an optional reference (pip install diffusers)")
    ch = [32, 64, 64][:levels]
    attention = [True, True, False][:levels]
    down = ["CrossAttnDownBlock2D" if a else "DownBlock2D" for a in attention]
    up = ["CrossAttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attention)]
    ref = diffusers.UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=tuple(ch), layers_per_block=2,
        down_block_types=tuple(down), up_block_types=tuple(up), cross_attention_dim=24, attention_head_dim=4,
        norm_num_groups=8,
    )
    perturb(ref, seed=levels).eval()
    cfg = SpireConfig.from_dict({
        "text_encoder": {"width": 24, "max_length": 7},
        "unet": {"channels": ch, "res_blocks": 2, "attention": attention, "heads": 4, "groups": 8, "ff": "geglu"},
    })
    ours = UNet(cfg).eval()
    ours.load_state_dict(unet_state_from_diffusers(ref.state_dict(), ours.state_dict(), cfg.unet))
    g = torch.Generator().manual_seed(0)
    z, ctx = torch.randn(2, 4, 8, 12, generator=g), torch.randn(2, 7, 24, generator=g)
    t = torch.tensor([3.0, 810.0])
    with torch.no_grad():
        expected = ref(z, t, encoder_hidden_states=ctx).sample
        got = ours(z, t, ctx)
    assert (got - expected).abs().max() < 1e-4
