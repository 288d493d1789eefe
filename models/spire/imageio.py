"""Image conventions and I/O: float32 RGB arrays (H, W, 3) in [0, 1].

Everything in the data pipeline (degradations, datasets) speaks this one format.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .atomic import atomic_path


def load_rgb(path) -> np.ndarray:
    """Read any PIL-readable image (grey, YCbCr, palette, RGBA...) as float32 RGB in [0, 1]."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        return np.asarray(rgb, dtype=np.float32) / 255.0


def to_uint8(img: np.ndarray) -> np.ndarray:
    """[0, 1] float -> uint8 with rounding (values outside [0, 1] are clipped)."""
    return np.clip(np.rint(np.asarray(img, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)


def from_uint8(img: np.ndarray) -> np.ndarray:
    return np.asarray(img, dtype=np.float32) / 255.0


def save_rgb(path, img: np.ndarray, overwrite: bool = False, **save_kwargs) -> None:
    """Write an RGB float image; the format follows the extension. Atomic (temp + rename);
    refuses to replace an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (or choose another name) to replace it")
    check_image(img, "image")
    with atomic_path(path, suffix=path.suffix) as tmp:
        Image.fromarray(to_uint8(img), "RGB").save(tmp, **save_kwargs)


def check_image(img: np.ndarray, name: str = "image") -> None:
    """Raise a clear error unless ``img`` is float32 (H, W, 3)."""
    if not isinstance(img, np.ndarray) or img.ndim != 3 or img.shape[2] != 3:
        shape = getattr(img, "shape", None)
        raise ValueError(f"{name} must be a numpy array of shape (H, W, 3), got shape {shape}")
    if img.dtype != np.float32:
        raise ValueError(f"{name} must be float32 in [0, 1] (use imageio.from_uint8 for 8-bit data), got {img.dtype}")


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB between two images of the same shape."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak * peak / mse)

