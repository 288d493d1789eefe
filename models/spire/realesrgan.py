"""Real-ESRGAN-style second-order degradation (Wang et al., ICCV-W 2021), in numpy/OpenCV.

Written from the paper's description and its published settings. One call::

    1st order  blur (random kernel) -> random resize -> noise -> JPEG
    2nd order  blur (probability 0.8, random kernel) -> random resize -> noise
    final      in random order (50/50): [resize to H/scale + sinc filter] then JPEG,
               or JPEG then [resize to H/scale + sinc filter]   (sinc with probability 0.8)

Blur kernels: size odd in [7, 21]; isotropic / anisotropic Gaussian, generalized Gaussian
(exp(-0.5 * q^beta)), plateau (1 / (1 + q^beta)), q = x^T Sigma^-1 x, with the paper's
probabilities, or (probability 0.1) a 2-D sinc (ideal circular low-pass) kernel.
Noise: Gaussian (sigma in 1..30 / 255) or Poisson (scale 0.05..3), colour or grey (0.4).
The sample is paired with the blind restoration prompt ``Remove all degradation``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, Tuple

import numpy as np
from scipy.special import j1

from . import prompts
from .degradations import (
    _result, add_gaussian_noise, add_poisson_noise, check_image, filter2d, jpeg_compress, resize_bicubic, resize_cv2,
)

KERNEL_TYPES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")


@dataclass(frozen=True)
class OrderSettings:
    """Settings of one degradation order (defaults: Real-ESRGAN's first order)."""

    kernel_probs: Tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)  # over KERNEL_TYPES
    sinc_prob: float = 0.1  # probability of a sinc kernel instead of the above
    blur_sigma: Tuple[float, float] = (0.2, 3.0)
    betag_range: Tuple[float, float] = (0.5, 4.0)  # generalized Gaussian shape
    betap_range: Tuple[float, float] = (1.0, 2.0)  # plateau shape
    blur_prob: float = 1.0  # probability that this order blurs at all
    resize_probs: Tuple[float, float, float] = (0.2, 0.7, 0.1)  # up, down, keep
    resize_range: Tuple[float, float] = (0.15, 1.5)  # scale: down U(lo, 1), up U(1, hi)
    gaussian_noise_prob: float = 0.5  # else Poisson
    noise_range: Tuple[float, float] = (1.0, 30.0)  # Gaussian sigma, in 0-255 units
    poisson_scale_range: Tuple[float, float] = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: Tuple[int, int] = (30, 95)


SECOND_ORDER = OrderSettings(
    blur_sigma=(0.2, 1.5), blur_prob=0.8, resize_probs=(0.3, 0.4, 0.3), resize_range=(0.3, 1.2),
    noise_range=(1.0, 25.0), poisson_scale_range=(0.05, 2.5),
)


@dataclass(frozen=True)
class RealESRGANConfig:
    scale: int = 4  # final low-resolution size is (H // scale, W // scale)
    kernel_sizes: Tuple[int, ...] = (7, 9, 11, 13, 15, 17, 19, 21)
    first: OrderSettings = field(default_factory=OrderSettings)
    second: OrderSettings = SECOND_ORDER
    final_sinc_prob: float = 0.8


def _grid(size: int) -> Tuple[np.ndarray, np.ndarray]:
    r = size // 2
    ax = np.arange(-r, r + 1, dtype=np.float64)
    return np.meshgrid(ax, ax, indexing="xy")


def _quadratic_form(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """q = [x y] Sigma^-1 [x y]^T with Sigma = R diag(sx^2, sy^2) R^T, R rotation by theta."""
    c, s = math.cos(theta), math.sin(theta)
    rot = np.array([[c, -s], [s, c]])
    cov = rot @ np.diag([sigma_x**2, sigma_y**2]) @ rot.T
    inv = np.linalg.inv(cov)
    xx, yy = _grid(size)
    return inv[0, 0] * xx * xx + (inv[0, 1] + inv[1, 0]) * xx * yy + inv[1, 1] * yy * yy


def bivariate_kernel(kind: str, size: int, sigma_x: float, sigma_y: float, theta: float, beta: float = 1.0) -> np.ndarray:
    """Normalised 2-D kernel: 'gaussian' exp(-q/2), 'generalized' exp(-q^beta / 2), 'plateau' 1/(1+q^beta)."""
    q = _quadratic_form(size, sigma_x, sigma_y, theta)
    if kind == "gaussian":
        k = np.exp(-0.5 * q)
    elif kind == "generalized":
        k = np.exp(-0.5 * np.power(q, beta))
    elif kind == "plateau":
        k = 1.0 / (1.0 + np.power(q, beta))
    else:
        raise ValueError(f"unknown kernel kind {kind!r}; use gaussian, generalized or plateau")
    return (k / k.sum()).astype(np.float32)


def sinc_kernel(size: int, omega_c: float) -> np.ndarray:
    """Ideal circular low-pass filter with cutoff ``omega_c`` (radians/pixel), size x size, normalised:
    k(r) = omega_c * J1(omega_c * r) / (2 pi r), k(0) = omega_c^2 / (4 pi)."""
    xx, yy = _grid(size)
    r = np.hypot(xx, yy)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = omega_c * j1(omega_c * r) / (2.0 * math.pi * r)
    k[r == 0] = omega_c**2 / (4.0 * math.pi)
    return (k / k.sum()).astype(np.float32)


def random_blur_kernel(rng: np.random.Generator, cfg: RealESRGANConfig, order: OrderSettings) -> Tuple[np.ndarray, dict]:
    """One random kernel of a degradation order and a description of it."""
    size = int(rng.choice(cfg.kernel_sizes))
    if rng.random() < order.sinc_prob:
        omega = rng.uniform(math.pi / 3, math.pi) if size < 13 else rng.uniform(math.pi / 5, math.pi)
        return sinc_kernel(size, omega), {"type": "sinc", "size": size, "omega_c": float(omega)}
    kind = KERNEL_TYPES[int(rng.choice(len(KERNEL_TYPES), p=np.asarray(order.kernel_probs) / sum(order.kernel_probs)))]
    lo, hi = order.blur_sigma
    sx = rng.uniform(lo, hi)
    if kind.endswith("_iso") or kind == "iso":
        sy, theta = sx, 0.0
    else:
        sy, theta = rng.uniform(lo, hi), rng.uniform(-math.pi, math.pi)
    family, beta = "gaussian", 1.0
    if kind.startswith("generalized"):
        family, beta = "generalized", rng.uniform(*order.betag_range)
    elif kind.startswith("plateau"):
        family, beta = "plateau", rng.uniform(*order.betap_range)
    info = {"type": kind, "size": size, "sigma_x": float(sx), "sigma_y": float(sy), "theta": float(theta), "beta": float(beta)}
    return bivariate_kernel(family, size, sx, sy, theta, beta), info


def _random_resize(img, rng, order: OrderSettings, ref_hw: Tuple[float, float]) -> Tuple[np.ndarray, dict]:
    kind = ("up", "down", "keep")[int(rng.choice(3, p=np.asarray(order.resize_probs) / sum(order.resize_probs)))]
    if kind == "up":
        s = rng.uniform(1.0, order.resize_range[1])
    elif kind == "down":
        s = rng.uniform(order.resize_range[0], 1.0)
    else:
        s = 1.0
    mode = ("area", "bilinear", "bicubic")[int(rng.integers(3))]
    size = (max(1, int(ref_hw[0] * s)), max(1, int(ref_hw[1] * s)))
    out = np.clip(resize_cv2(img, size, mode), 0.0, 1.0)
    return out, {"kind": kind, "scale": float(s), "mode": mode, "size": list(size)}


def _random_noise(img, rng, order: OrderSettings) -> Tuple[np.ndarray, dict]:
    gray = bool(rng.random() < order.gray_noise_prob)
    if rng.random() < order.gaussian_noise_prob:
        sigma = rng.uniform(*order.noise_range) / 255.0
        return add_gaussian_noise(img, sigma, rng, gray=gray), {"type": "gaussian", "sigma": float(sigma), "gray": gray}
    scale = rng.uniform(*order.poisson_scale_range)
    return add_poisson_noise(img, scale, rng, gray=gray), {"type": "poisson", "scale": float(scale), "gray": gray}


def _random_jpeg(img, rng, order: OrderSettings) -> Tuple[np.ndarray, dict]:
    q = int(rng.integers(order.jpeg_range[0], order.jpeg_range[1] + 1))
    return jpeg_compress(np.clip(img, 0.0, 1.0), q), {"quality": q}


def degrade_realesrgan(clean: np.ndarray, rng: np.random.Generator, cfg: RealESRGANConfig = RealESRGANConfig()) -> dict:
    """Run the second-order pipeline on ``clean`` (float32 (H, W, 3) in [0, 1]).

    Returns the same dict as ``degradations.degrade_parameterized``: degraded_lr of size
    (H // scale, W // scale), degraded (resized back to H x W), restoration_prompt =
    "Remove all degradation", pipeline = "realesrgan", params (every random choice)."""
    check_image(clean, "clean")
    h, w = clean.shape[:2]
    lr_hw = (max(1, h // cfg.scale), max(1, w // cfg.scale))
    params: Dict[str, dict] = {}

    # 1. first order: blur -> resize -> noise -> JPEG
    kernel, params["blur1"] = random_blur_kernel(rng, cfg, cfg.first)
    img = filter2d(clean, kernel)
    img, params["resize1"] = _random_resize(img, rng, cfg.first, (h, w))
    img, params["noise1"] = _random_noise(img, rng, cfg.first)
    img, params["jpeg1"] = _random_jpeg(img, rng, cfg.first)

    # 2. second order: blur (sometimes) -> resize (relative to the final size) -> noise
    if rng.random() < cfg.second.blur_prob:
        kernel, params["blur2"] = random_blur_kernel(rng, cfg, cfg.second)
        img = filter2d(img, kernel)
    img, params["resize2"] = _random_resize(img, rng, cfg.second, (h / cfg.scale, w / cfg.scale))
    img, params["noise2"] = _random_noise(img, rng, cfg.second)

    # 3. final: resize to the target size + sinc, and JPEG, in random order
    if rng.random() < cfg.final_sinc_prob:
        size = int(rng.choice(cfg.kernel_sizes))
        omega = rng.uniform(math.pi / 3, math.pi)
        final_kernel = sinc_kernel(size, omega)
        params["final_sinc"] = {"size": size, "omega_c": float(omega)}
    else:
        final_kernel = None
        params["final_sinc"] = {}
    mode = ("area", "bilinear", "bicubic")[int(rng.integers(3))]
    resize_first = bool(rng.random() < 0.5)
    params["final"] = {"mode": mode, "resize_then_jpeg": resize_first}

    def resize_and_sinc(x):
        x = np.clip(resize_cv2(x, lr_hw, mode), 0.0, 1.0)
        return filter2d(x, final_kernel) if final_kernel is not None else x

    if resize_first:
        img = resize_and_sinc(img)
        img, params["jpeg2"] = _random_jpeg(img, rng, cfg.second)
    else:
        img, params["jpeg2"] = _random_jpeg(img, rng, cfg.second)
        img = resize_and_sinc(img)
    lr = np.clip(np.rint(img * 255.0) / 255.0, 0.0, 1.0).astype(np.float32)
    return _result(clean, lr, prompts.grammar().blind_prompt, "realesrgan", params)


__all__ = ["RealESRGANConfig", "OrderSettings", "bivariate_kernel", "sinc_kernel", "random_blur_kernel",
           "degrade_realesrgan", "resize_bicubic"]
