"""A Stable Diffusion 1.5 model as the frozen prior of SPIRE's adaptor stage (the paper's recipe).

    source (diffusers folder or single .safetensors/.ckpt, read by spire.import_sd)
      text_encoder  CLIPTextModel (diffusers/transformers)       frozen  encodes BOTH prompts (semantic + restoration)
      vae           AutoencoderKL: encode -> latent mean          frozen
      unet          this repo's UNet (spire/unet.py) with the    frozen  takes the adaptor's gamma/beta per skip:
                    diffusers UNet2DConditionModel's weights             f' = (1 + gamma) * f + beta (modulation fusion)
                    mapped across by spire/convert.py
      adaptor       spire/adaptor.py sized to that UNet          trained (starts as a copy of the UNet encoder)

Why our UNet and not diffusers' with `down_block_additional_residuals`: diffusers' UNet only takes
additive residuals (ControlNet), while SPIRE fuses by modulation (scale and shift of each skip). Our
UNet computes what diffusers' does (tests/test_convert.py, and `from_source(check=True)` re-checks it on
every load) and already has the modulation inputs, so the adaptor trains against exactly the UNet
graph that `spire.export.export_sd_adaptor` writes into the pack, and the engine runs it unchanged.

`SDPrior` has the attribute names of `sampler.SpireModels` (text_encoder, vae, unet, adaptor, restorer,
estimator, cfg, save, load_parts), so `train.Trainer` runs its adaptor stage on it as on a trained
SPIRE run. Only the adaptor is saved in a run folder (adaptor.pt); prior.json names the source.
"""
import json
import math
import warnings
from pathlib import Path

import torch
import torch.nn as nn

from .adaptor import Adaptor
from .atomic import atomic_path, write_text_atomic
from .config import SpireConfig
from .convert import unet_state_from_diffusers
from .unet import UNet

def config_for(src, adaptor: dict | None = None, train: dict | None = None) -> SpireConfig:
    """The SpireConfig that describes an import_sd.Source: UNet, latent, text encoder and DDIM scheduler shapes
    from its configs; adaptor modulation fusion with SD 1.5's condition encoder (ControlNet's hint widths)."""
    from .import_sd import scheduler_config, tokenizer_length

    u, v, t = src.unet, src.vae, src.text_encoder
    heads = u.get("num_attention_heads") or u["attention_head_dim"]  # SD 1.x: "attention_head_dim" holds the head count
    if not isinstance(heads, int):
        raise ValueError(f"per-level attention heads {heads!r} are not supported (SD 1.5 uses one count)")
    if u.get("transformer_layers_per_block", 1) != 1 or u.get("use_linear_projection"):
        raise ValueError("only SD 1.5's UNet layout (1 transformer layer per block, conv proj_in) is supported")
    sched = scheduler_config(src)
    return SpireConfig.from_dict({
        "name": Path(src.path).name,
        "image_size": int(u.get("sample_size", 64)) * src.vae_factor,
        "tokenizer": str(src.tokenizer_dir),  # absolute: load_tokenizer joins it to models/, which keeps it as is
        "text_encoder": {"vocab_size": t["vocab_size"], "max_length": tokenizer_length(src), "width": t["hidden_size"],
                         "layers": t["num_hidden_layers"], "heads": t["num_attention_heads"]},
        "autoencoder": {"latent_channels": src.latent_channels, "channels": list(v["block_out_channels"]),
                        "scale_factor": float(v.get("scaling_factor", 0.18215))},
        "unet": {"channels": list(u["block_out_channels"]), "res_blocks": int(u["layers_per_block"]),
                 "attention": [b.startswith("CrossAttn") for b in u["down_block_types"]], "heads": int(heads),
                 "groups": int(u.get("norm_num_groups", 32)), "ff": "geglu", "norm_eps": float(u.get("norm_eps", 1e-5))},
        "adaptor": {"fusion": "modulation", "cond_channels": 16, "cond_hidden": [16, 32, 96, 256], **(adaptor or {})},
        "restorer": {"enabled": False},
        "scheduler": {key: value for key, value in sched.items() if key != "_class_name"},
        **({"train": train} if train else {}),
    })


class TextEncoderWrap(nn.Module):
    """CLIPTextModel as the trainer calls a text encoder: input_ids (B, L) -> last_hidden_state (B, L, D)."""

    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids):
        return self.clip(input_ids).last_hidden_state


class VaeWrap(nn.Module):
    """AutoencoderKL as the trainer calls the VAE: encode(x in [-1, 1]) -> (mean, logvar), unscaled."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def encode(self, x):
        dist = self.vae.encode(x).latent_dist
        return dist.mean, dist.logvar


@torch.no_grad()
def unet_parity(diffusers_unet, unet: UNet, cfg: SpireConfig, seed: int = 0) -> float:
    """Max |ours - diffusers| of the two UNets on one small random input (no fused inputs); inf when ours is
    not finite, NaN when only diffusers' is not."""
    g = torch.Generator().manual_seed(seed)
    side = 2 ** (len(cfg.unet.channels) - 1)
    z = torch.randn(1, cfg.autoencoder.latent_channels, side, side, generator=g)
    ctx = torch.randn(1, cfg.text_encoder.max_length, cfg.context_dim, generator=g)
    t = torch.tensor([501.0])
    ref, ours = diffusers_unet(z, t, encoder_hidden_states=ctx).sample, unet(z, t, ctx)
    if not torch.isfinite(ours).all():
        return float("inf")  # ours must be finite: a NaN return means only the reference failed
    return float((ref - ours).abs().max())


class SDPrior(nn.Module):
    """Frozen SD 1.5 parts + a trainable SPIRE adaptor, with SpireModels' attribute names (see module doc)."""

    restorer = None
    estimator = None

    def __init__(self, cfg: SpireConfig, text_encoder: nn.Module, vae: nn.Module, unet: UNet, source: str, seed: int = 0):
        super().__init__()
        self.cfg, self.source = cfg, source
        self.text_encoder, self.vae, self.unet = text_encoder, vae, unet
        with torch.random.fork_rng(devices=[]):  # the condition encoder's random init: a function of the seed
            torch.manual_seed(seed)
            self.adaptor = Adaptor(cfg)
        self.adaptor.load_from_unet(unet)  # ControlNet-style start: a copy of the frozen UNet's encoder
        for m in (text_encoder, vae, unet):
            m.requires_grad_(False).eval()

    @property
    def size_multiple(self) -> int:
        return self.cfg.autoencoder.downsampling_factor * 2 ** (len(self.cfg.unet.channels) - 1)

    @staticmethod
    def from_source(source, adaptor: dict | None = None, train: dict | None = None, check: bool = True,
                    tolerance: float = 1e-3, seed: int = 0) -> "SDPrior":
        """Loads the SD model with diffusers (spire.import_sd's inspection and refusals apply) and maps its UNet
        into ours; with check, refuses a model our UNet does not reproduce within `tolerance`."""
        from .import_sd import inspect_source, load_modules

        src = inspect_source(source)
        cfg = config_for(src, adaptor, train)
        text, vae, dunet = load_modules(src)
        unet = UNet(cfg).eval()
        unet.load_state_dict(unet_state_from_diffusers(dunet.state_dict(), unet.state_dict(), cfg.unet))
        if check:
            err = unet_parity(dunet, unet, cfg)
            if math.isnan(err):
                # seen on Debian's torch 1.13 after earlier work in the same process: diffusers' attention scores
                # come from baddbmm(torch.empty(...), beta=0) and garbage NaNs leak through; ours stays finite
                warnings.warn("diffusers' UNet gave NaN on the parity input; the mapping check was skipped")
            elif not err < tolerance:
                raise ValueError(f"the mapped UNet differs from diffusers' by {err:.3g} (> {tolerance}): unsupported layout")
        del dunet
        return SDPrior(cfg, TextEncoderWrap(text), VaeWrap(vae), unet, str(Path(source).resolve()), seed)

    def save(self, folder, parts=("adaptor",)):
        """config.json, prior.json (the source) and adaptor.pt; the frozen parts stay in the source."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "config.json", json.dumps(self.cfg.to_dict(), indent=2))
        write_text_atomic(folder / "prior.json", json.dumps({"source": self.source}, indent=2))
        if "adaptor" in parts:
            with atomic_path(folder / "adaptor.pt") as tmp:
                torch.save(self.adaptor.state_dict(), tmp)

    def load_parts(self, folder, device="cpu", parts=None) -> list:
        """The parts a trainer may rely on: the frozen prior always, the adaptor when adaptor.pt exists."""
        loaded = ["vae", "unet", "text_encoder"]
        path = Path(folder) / "adaptor.pt"
        if path.exists():
            self.adaptor.load_state_dict(torch.load(path, map_location=device))
            loaded.append("adaptor")
        return loaded

    @staticmethod
    def load_run(folder, check: bool = False) -> "SDPrior":
        """The prior a run folder names (prior.json) with the run's adaptor.pt and config (train section)."""
        folder = Path(folder)
        saved = SpireConfig.load(folder / "config.json")
        source = json.loads((folder / "prior.json").read_text())["source"]
        import dataclasses

        prior = SDPrior.from_source(source, dataclasses.asdict(saved.adaptor), dataclasses.asdict(saved.train), check)
        prior.load_parts(folder)
        return prior


def parameter_counts(cfg: SpireConfig) -> dict:
    """Parameters of our UNet and of the adaptor for a config (built on the CPU, random weights)."""
    torch.manual_seed(0)
    unet = UNet(cfg)
    adaptor = Adaptor(cfg)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    return {"unet": count(unet), "adaptor": count(adaptor), "adaptor_cond_encoder": count(adaptor.cond),
            "adaptor_encoder_copy": count(adaptor.encoder), "adaptor_fuse_convs": count(adaptor.fuse)}


def enable_gradient_checkpointing(prior: SDPrior) -> int:
    """Recompute each transformer/resblock Layer of the adaptor's encoder and of the UNet's up path in the
    backward pass instead of keeping its activations (the parts gradients flow through; the frozen UNet
    encoder keeps none anyway). Patches the instances' forward only: state dicts and exports are unchanged.
    Returns the number of layers wrapped."""
    from torch.utils.checkpoint import checkpoint

    from .unet import Layer

    n = 0
    for module in list(prior.adaptor.encoder.down) + list(prior.unet.up):
        if isinstance(module, Layer):
            orig = module.forward
            module.forward = lambda h, temb, context, _f=orig: checkpoint(_f, h, temb, context, use_reentrant=False)
            n += 1
    return n
