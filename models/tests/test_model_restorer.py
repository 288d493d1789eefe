import torch

from helpers import perturb, tiny_config
from spire.restorer import Restorer


def test_starts_as_identity_and_keeps_any_size():
    cfg = tiny_config()
    x = torch.rand(2, 3, 20, 36) * 2 - 1
    ctx = torch.randn(2, cfg.text_encoder.max_length, cfg.context_dim)
    assert torch.equal(Restorer(cfg)(x, ctx), x)


def test_output_depends_on_the_restoration_prompt():
    cfg = tiny_config()
    r = perturb(Restorer(cfg)).eval()
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    ctx = torch.randn(1, cfg.text_encoder.max_length, cfg.context_dim)
    assert (r(x, ctx) - r(x, ctx * 2)).abs().max() > 1e-4
