"""Small shared pieces for the model tests: seeded tiny configs and a fake tokenizer."""
import numpy as np
import torch

from spire.config import SpireConfig, config_path

# tiny tensors: one thread is faster than two and does not fight other processes for the cores
torch.set_num_threads(1)


def tiny_config(fusion: str = "modulation", **overrides) -> SpireConfig:
    """The fixture config (32 px, 4x VAE): builds in milliseconds."""
    cfg = SpireConfig.load(config_path("fixture"))
    cfg.adaptor.fusion = fusion
    cfg.text_encoder.vocab_size = 64
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg


class FakeTokenizer:
    """Deterministic ids from characters (no BPE): enough to feed the text encoder."""

    vocab_size = 64

    def __call__(self, texts, max_length=None):
        L = max_length or 16
        out = np.full((len(texts), L), 63, dtype=np.int64)
        for r, t in enumerate(texts):
            ids = [62] + [ord(c) % 60 for c in t][: L - 2] + [63]
            out[r, : len(ids)] = ids
        return out


def perturb(module: torch.nn.Module, seed: int = 0, scale: float = 0.05):
    """Move every parameter (zero-initialised ones included) by seeded noise."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return module
