"""DDIM scheduler (Song et al., "Denoising Diffusion Implicit Models", 2021), the reference for the engine.

Notation (paper -> code), for a timestep t and the previous one t' = t - T/n:
    alpha_bar_t        -> alphas_cumprod[t]          (a_t below)
    x_t                -> sample
    eps_theta(x_t, t)  -> model_output (or v, or x0, by prediction_type)
    f_theta (eq. 9)    -> pred_original_sample       (x0)
    sigma_t (eq. 16)   -> std_dev_t = eta * sqrt((1 - a_t') / (1 - a_t)) * sqrt(1 - a_t / a_t')
    x_t' (eq. 12)      -> prev_sample

Config fields and timestep placement follow diffusers' DDIMScheduler as
documented (beta schedules, timestep_spacing, steps_offset, set_alpha_to_one),
so a scheduler_config.json reads the same in both. Pure numpy maths plus torch
tensors in `step`; alphas are computed in float64.
"""
import numpy as np
import torch

from .config import SchedulerConfig


class DDIMScheduler:
    init_noise_sigma = 1.0  # initial latents are unit Gaussian noise

    def __init__(self, cfg: SchedulerConfig):
        self.cfg = cfg
        T = cfg.num_train_timesteps
        if cfg.beta_schedule == "linear":
            betas = np.linspace(cfg.beta_start, cfg.beta_end, T, dtype=np.float64)
        elif cfg.beta_schedule == "scaled_linear":
            betas = np.linspace(cfg.beta_start**0.5, cfg.beta_end**0.5, T, dtype=np.float64) ** 2
        else:
            raise ValueError(f"beta_schedule {cfg.beta_schedule!r} is not supported: use 'linear' or 'scaled_linear'")
        self.betas = betas
        self.alphas_cumprod = np.cumprod(1.0 - betas)  # (T,)
        self.final_alpha_cumprod = 1.0 if cfg.set_alpha_to_one else float(self.alphas_cumprod[0])
        self.num_inference_steps = None
        self.timesteps = np.arange(T)[::-1].copy()

    def set_timesteps(self, num_inference_steps: int):
        T, n = self.cfg.num_train_timesteps, num_inference_steps
        if not 1 <= n <= T:
            raise ValueError(f"num_inference_steps must be between 1 and {T}, got {n}")
        self.num_inference_steps = n
        spacing = self.cfg.timestep_spacing
        if spacing == "leading":
            ratio = T // n
            ts = (np.arange(n) * ratio).round()[::-1] + self.cfg.steps_offset
        elif spacing == "trailing":
            ratio = T / n
            ts = np.round(np.arange(T, 0, -ratio)) - 1
        elif spacing == "linspace":
            ts = np.linspace(0, T - 1, n).round()[::-1]
        else:
            raise ValueError(f"timestep_spacing {spacing!r} is not supported: use 'leading', 'trailing' or 'linspace'")
        self.timesteps = ts.astype(np.int64).copy()
        return self.timesteps

    def previous_timestep(self, t: int) -> int:
        return int(t) - self.cfg.num_train_timesteps // self.num_inference_steps

    def alpha_prod(self, t: int) -> float:
        return float(self.alphas_cumprod[t]) if t >= 0 else self.final_alpha_cumprod

    def step(self, model_output, t: int, sample, eta: float = 0.0, variance_noise=None, generator=None):
        """One DDIM update x_t -> x_t'. Returns (prev_sample, pred_original_sample)."""
        assert self.num_inference_steps is not None, "call set_timesteps first"
        # 1. previous timestep t'
        prev_t = self.previous_timestep(t)
        # 2. alphas and betas
        a_t, a_prev = self.alpha_prod(int(t)), self.alpha_prod(prev_t)
        b_t = 1.0 - a_t
        # 3. predicted x0 and epsilon from the model output (eq. 12's f_theta)
        kind = self.cfg.prediction_type
        if kind == "epsilon":
            pred_x0 = (sample - b_t**0.5 * model_output) / a_t**0.5
            pred_eps = model_output
        elif kind == "v_prediction":
            pred_x0 = a_t**0.5 * sample - b_t**0.5 * model_output
            pred_eps = a_t**0.5 * model_output + b_t**0.5 * sample
        elif kind == "sample":
            pred_x0 = model_output
            pred_eps = (sample - a_t**0.5 * pred_x0) / b_t**0.5
        else:
            raise ValueError(f"prediction_type {kind!r} is not supported: use 'epsilon', 'v_prediction' or 'sample'")
        # 4. optional clipping of x0 (epsilon recomputed from the clipped x0)
        if self.cfg.clip_sample:
            r = self.cfg.clip_sample_range
            pred_x0 = pred_x0.clamp(-r, r)
            pred_eps = (sample - a_t**0.5 * pred_x0) / b_t**0.5
        # 5. sigma_t (eq. 16)
        variance = (1.0 - a_prev) / b_t * (1.0 - a_t / a_prev)
        std = eta * variance**0.5
        # 6. direction pointing to x_t (eq. 12)
        direction = max(1.0 - a_prev - std**2, 0.0) ** 0.5 * pred_eps
        # 7. x_t' = sqrt(a_t') x0 + direction (+ sigma_t noise)
        prev = a_prev**0.5 * pred_x0 + direction
        if eta > 0:
            if variance_noise is None:
                variance_noise = torch.randn(model_output.shape, generator=generator, dtype=model_output.dtype)
                variance_noise = variance_noise.to(model_output.device)
            prev = prev + std * variance_noise
        return prev, pred_x0

    def add_noise(self, original, noise, t: int):
        """Forward process q(x_t | x_0) = sqrt(a_t) x0 + sqrt(1 - a_t) noise."""
        a_t = float(self.alphas_cumprod[int(t)])
        return a_t**0.5 * original + (1.0 - a_t) ** 0.5 * noise

    def get_velocity(self, original, noise, t):
        """v target (Salimans & Ho 2022): sqrt(a_t) noise - sqrt(1 - a_t) x0; t may be a (B,) tensor."""
        a = self._alphas_at(t, original)
        return a.sqrt() * noise - (1 - a).sqrt() * original

    def add_noise_batch(self, original, noise, t):
        """add_noise for a (B,) tensor of timesteps (training)."""
        a = self._alphas_at(t, original)
        return a.sqrt() * original + (1 - a).sqrt() * noise

    def _alphas_at(self, t, like):
        ac = torch.as_tensor(self.alphas_cumprod, dtype=like.dtype, device=like.device)
        return ac[t.long()].reshape(-1, *([1] * (like.dim() - 1)))

    def img2img_timesteps(self, strength: float):
        """Timesteps left when starting from the input noised to `strength` (diffusers' img2img rule)."""
        n = self.num_inference_steps
        init = min(int(n * strength), n)
        return self.timesteps[max(n - init, 0) :]

    def config_dict(self) -> dict:
        """scheduler_config.json content, diffusers-compatible keys."""
        from dataclasses import asdict

        return {"_class_name": "DDIMScheduler", **asdict(self.cfg)}
