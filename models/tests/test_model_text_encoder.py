import torch

from helpers import tiny_config, perturb
from spire.text_encoder import TextEncoder


def test_output_is_last_hidden_state_b_l_d():
    cfg = tiny_config().text_encoder
    ids = torch.randint(0, cfg.vocab_size, (3, cfg.max_length))
    assert TextEncoder(cfg)(ids).shape == (3, cfg.max_length, cfg.width)


def test_attention_is_causal():
    cfg = tiny_config().text_encoder
    te = perturb(TextEncoder(cfg)).eval()
    ids = torch.randint(0, cfg.vocab_size, (1, cfg.max_length))
    changed = ids.clone()
    changed[0, 5] = (ids[0, 5] + 1) % cfg.vocab_size
    a, b = te(ids), te(changed)
    assert torch.allclose(a[:, :5], b[:, :5], atol=1e-6)  # earlier positions cannot see token 5
    assert (a[:, 5:] - b[:, 5:]).abs().max() > 1e-3  # later ones do
