"""Reference SPIRE sampler: the recipe the TypeScript engine reproduces.

    1. check inputs          image (B, 3, H, W) in [-1, 1], H and W multiples of `size_multiple`;
                             strength in [0, 1], 0 only in faithful mode
    2. encode prompts        semantic (cond), negative (uncond), restoration: each (B, L, D)
                             (strength 0: the restoration prompt only)
    3. faithful mode         optional: R = y <- clamp(restorer(y, restoration[, degradation vector]), -1, 1);
                             strength 0 ("restorer only") stops here: image = R, no VAE, UNet or scheduler
    4. timesteps             DDIM set_timesteps(n); strength < 1 keeps the last int(n * strength)
    5. prepare latents       noise (seeded, or given); strength < 1: m = vae_mean(y),
                             z = add_noise(m * scale, noise, t0)
    6. denoise               per t: adaptor(z_t, t, restoration, y) once -> fused tensors (repeated for the
                             2B batch); unet(cat[z_t, z_t], t, cat[uncond, cond], fused) ->
                             eps = eps_u + guidance_scale * (eps_c - eps_u); z <- DDIM step
    7. decode                image = vae_decoder(z / scale), clamped to [-1, 1]; faithful mode with
                             strength < 1 (detail transfer): image = clamp(R + vae_decoder(z / scale)
                             - vae_decoder(m), -1, 1), so the autoencoder's reconstruction error cancels
                             and only what diffusion changed reaches the output. Faithful mode at
                             strength 1 (from pure noise) decodes plainly: there is no m to subtract.

`SpireModels` bundles the five networks with their config and saves/loads
them as one checkpoint folder (config.json + <part>.pt).
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .adaptor import Adaptor
from .atomic import atomic_path, write_text_atomic
from .autoencoder import Autoencoder
from .config import SpireConfig
from .estimator import Estimator
from .restorer import Restorer
from .scheduler import DDIMScheduler
from .text_encoder import TextEncoder
from .unet import UNet

PARTS = ("text_encoder", "vae", "unet", "adaptor", "restorer", "estimator")


class SpireModels(torch.nn.Module):
    def __init__(self, cfg: SpireConfig):
        super().__init__()
        self.cfg = cfg
        self.text_encoder = TextEncoder(cfg.text_encoder)
        self.vae = Autoencoder(cfg.autoencoder)
        self.unet = UNet(cfg)
        self.adaptor = Adaptor(cfg)
        self.adaptor.load_from_unet(self.unet)
        self.restorer = Restorer(cfg) if cfg.restorer.enabled else None
        self.estimator = Estimator(cfg) if cfg.estimator.enabled else None  # built last: the others' seeded init is unchanged

    @property
    def size_multiple(self) -> int:
        """Image sides must be multiples of this (VAE factor x UNet downsamplings)."""
        return self.cfg.autoencoder.downsampling_factor * 2 ** (len(self.cfg.unet.channels) - 1)

    def save(self, folder, parts=PARTS):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "config.json", json.dumps(self.cfg.to_dict(), indent=2))
        for name in parts:
            module = getattr(self, name)
            if module is not None:
                with atomic_path(folder / f"{name}.pt") as tmp:
                    torch.save(module.state_dict(), tmp)

    @staticmethod
    def load(folder, device="cpu") -> "SpireModels":
        """Builds the models from folder/config.json and loads every <part>.pt found there."""
        folder = Path(folder)
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"{folder} has no config.json: pass a training run folder (runs/<name>)")
        models = SpireModels(SpireConfig.load(folder / "config.json"))
        models.load_parts(folder, device)
        return models.to(device)

    def load_parts(self, folder, device="cpu", parts=PARTS) -> list:
        loaded = []
        for name in parts:
            path = Path(folder) / f"{name}.pt"
            if path.exists() and getattr(self, name) is not None:
                getattr(self, name).load_state_dict(torch.load(path, map_location=device))
                loaded.append(name)
        if "unet" in loaded and "adaptor" not in loaded:
            self.adaptor.load_from_unet(self.unet)  # an untrained adaptor starts as a copy of the trained UNet
        return loaded


def load_tokenizer(cfg: SpireConfig, shared=None):
    """The tokenizer a config names: "vocab" (models/vocab, the project's own BPE) or "clip" (CLIP's BPE)."""
    from .tokenizer import BPETokenizer

    models_dir = Path(__file__).resolve().parents[1]
    if cfg.tokenizer == "clip":
        shared = Path(shared or models_dir.parents[1] / "shared")
        tok = BPETokenizer.from_clip_gz(shared / "reference" / "clip-tokenizer" / "bpe_simple_vocab_16e6.txt.gz")
    else:
        tok = BPETokenizer.from_dir(models_dir / cfg.tokenizer)
    if tok.vocab_size > cfg.text_encoder.vocab_size:
        raise ValueError(
            f"tokenizer {cfg.tokenizer!r} has {tok.vocab_size} tokens but text_encoder.vocab_size is "
            f"{cfg.text_encoder.vocab_size}: raise vocab_size in the config"
        )
    return tok


@dataclass
class SampleResult:
    image: torch.Tensor  # (B, 3, H, W) in [-1, 1]
    timesteps: list  # the timesteps run, in order
    initial_latents: torch.Tensor | None  # (B, Cz, h, w): z at the first timestep (None at strength 0)
    step_latents: list = field(default_factory=list)  # z after each step, (B, Cz, h, w) each
    step_noise_pred: list = field(default_factory=list)  # guided model output at each step
    restored_input: torch.Tensor | None = None  # y after the restorer (faithful mode)
    decoded: torch.Tensor | None = None  # vae_decoder(z / scale), unclamped (None at strength 0)
    reference: torch.Tensor | None = None  # vae_decoder(latent mean of R), unclamped (detail transfer only)


STRENGTH_ZERO_NEEDS_RESTORER = (
    "strength 0 runs no diffusion: it needs the faithful mode (restorer); raise the strength or turn on faithful mode"
)


@torch.no_grad()
def encode_prompts(models: SpireModels, tokenizer, texts: list, device) -> torch.Tensor:
    ids = tokenizer(texts, max_length=models.cfg.text_encoder.max_length)  # (B, L) int64
    return models.text_encoder(torch.as_tensor(np.asarray(ids), dtype=torch.long, device=device))


@torch.no_grad()
def sample(
    models: SpireModels,
    tokenizer,
    image: torch.Tensor,
    semantic_prompt: str = "",
    restoration_prompt: str = "Remove all degradation",
    negative_prompt: str = "",
    num_inference_steps: int = 20,
    guidance_scale: float = 3.0,
    eta: float = 0.0,
    seed: int = 0,
    latents: torch.Tensor | None = None,
    strength: float = 1.0,
    use_restorer: bool = False,
) -> SampleResult:
    cfg = models.cfg
    device = next(models.parameters()).device
    # 1. check inputs
    if image.dim() != 4 or image.shape[1] != 3:
        raise ValueError(f"image must be (B, 3, H, W), got {tuple(image.shape)}")
    B, _, H, W = image.shape
    m = models.size_multiple
    if H % m or W % m:
        raise ValueError(f"image sides must be multiples of {m}, got {H}x{W}: pad or resize the input first")
    if cfg.autoencoder.scale_factor <= 0:
        raise ValueError("autoencoder.scale_factor is 0 (not measured yet): train the vae stage first")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    if strength == 0.0 and not use_restorer:
        raise ValueError(STRENGTH_ZERO_NEEDS_RESTORER)
    if use_restorer and models.restorer is None:
        raise ValueError("this model has no restorer: run without use_restorer")
    y = image.to(device)
    # 2. encode prompts
    restoration = encode_prompts(models, tokenizer, [restoration_prompt] * B, device)  # (B, L, D)
    # 3. faithful mode: restore in pixel space first
    restored = None
    if use_restorer:
        degradation = models.restorer.degradation_of([restoration_prompt] * B, device, restoration.dtype)  # (B, K) or None
        y = restored = models.restorer(y, restoration, degradation).clamp(-1, 1)
        if strength == 0.0:  # restorer only
            return SampleResult(image=restored, timesteps=[], initial_latents=None, restored_input=restored)
    cond = encode_prompts(models, tokenizer, [semantic_prompt] * B, device)  # (B, L, D)
    uncond = encode_prompts(models, tokenizer, [negative_prompt] * B, device)  # (B, L, D)
    # 4. timesteps
    scheduler = DDIMScheduler(cfg.scheduler)
    scheduler.set_timesteps(num_inference_steps)
    timesteps = scheduler.img2img_timesteps(strength) if strength < 1.0 else scheduler.timesteps
    if len(timesteps) == 0:
        raise ValueError(f"strength {strength} with {num_inference_steps} steps runs no step: raise the strength or the steps")
    # 5. prepare latents
    f = cfg.autoencoder.downsampling_factor
    shape = (B, cfg.autoencoder.latent_channels, H // f, W // f)
    if latents is None:
        g = torch.Generator().manual_seed(seed)
        noise = torch.randn(shape, generator=g, dtype=torch.float32)
    else:
        if tuple(latents.shape) != shape:
            raise ValueError(f"latents must be {shape}, got {tuple(latents.shape)}")
        noise = latents.float().cpu()
    noise = noise.to(device)
    mean = None
    if strength < 1.0:
        mean = models.vae.encode(y)[0]  # (B, Cz, h, w), unscaled
        z = scheduler.add_noise(mean * cfg.autoencoder.scale_factor, noise, int(timesteps[0]))
    else:
        z = noise * scheduler.init_noise_sigma
    result = SampleResult(image=None, timesteps=[int(t) for t in timesteps], initial_latents=z.clone(), restored_input=restored)
    # 6. denoise
    context = torch.cat([uncond, cond])  # (2B, L, D)
    for t in timesteps:
        tt = torch.full((B,), float(t), device=device)
        fused = models.adaptor(z, tt, restoration, y)  # tuple of (B, C_i, h_i, w_i)
        fused2 = [torch.cat([x, x]) for x in fused]  # same steering for uncond and cond
        out = models.unet(torch.cat([z, z]), torch.cat([tt, tt]), context, *fused2)  # (2B, Cz, h, w)
        out_uncond, out_cond = out.chunk(2)
        guided = out_uncond + guidance_scale * (out_cond - out_uncond)
        z, _ = scheduler.step(guided, int(t), z, eta=eta, generator=torch.Generator().manual_seed(seed + int(t)))
        result.step_noise_pred.append(guided)
        result.step_latents.append(z)
    # 7. decode (detail transfer in faithful mode below strength 1)
    result.decoded = models.vae.decode(z / cfg.autoencoder.scale_factor)
    if restored is not None and mean is not None:
        result.reference = models.vae.decode(mean)
        result.image = (restored + result.decoded - result.reference).clamp(-1, 1)
    else:
        result.image = result.decoded.clamp(-1, 1)
    return result
