"""Image-quality metrics of the quality benchmark, all in one place.

Conventions (the report repeats them):

* Every image is compared as 8-bit: float [0, 1] images are rounded to uint8 first
  (:func:`to_uint8`), so a metric sees exactly what a PNG on disk holds.
* PSNR: RGB, peak 255, the mean squared error over all pixels and all three channels.
* SSIM: on the luminance Y of ITU-R BT.601 (Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255,
  R, G, B in [0, 255]), as the super-resolution literature reports it; Gaussian window
  sigma 1.5 (Wang et al. 2004), K1 = 0.01, K2 = 0.03, data range 255 (skimage.metrics).
* Border: ``border`` pixels are cropped from every side before both metrics (the SR
  custom: the scale factor for the families that downsample, 0 otherwise).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity
from skimage.restoration import estimate_sigma


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float [0, 1] -> uint8 with rounding (clipped); uint8 passes through unchanged."""
    a = np.asarray(img)
    if a.dtype == np.uint8:
        return a
    return np.clip(np.rint(a.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def _pair(a: np.ndarray, b: np.ndarray, border: int) -> tuple:
    a8, b8 = to_uint8(a), to_uint8(b)
    if a8.shape != b8.shape:
        raise ValueError(f"images differ in size: {a8.shape} vs {b8.shape}; resize the output to the ground truth's size first")
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}")
    if border:
        if min(a8.shape[:2]) <= 2 * border:
            raise ValueError(f"a {a8.shape[1]}x{a8.shape[0]} image is too small for a {border} px border crop")
        a8, b8 = a8[border:-border, border:-border], b8[border:-border, border:-border]
    return a8, b8


def psnr_rgb(output: np.ndarray, reference: np.ndarray, border: int = 0) -> float:
    """RGB PSNR in dB on [0, 255] after the 8-bit round trip; inf for identical images."""
    a8, b8 = _pair(output, reference, border)
    mse = float(np.mean((a8.astype(np.float64) - b8.astype(np.float64)) ** 2))
    return math.inf if mse == 0.0 else 10.0 * math.log10(255.0 * 255.0 / mse)


def rgb_to_y(img8: np.ndarray) -> np.ndarray:
    """BT.601 luma of an 8-bit RGB image, float64 in [16, 235] (studio range, MATLAB rgb2ycbcr)."""
    x = np.asarray(img8, dtype=np.float64)
    return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]) / 255.0


def ssim_y(output: np.ndarray, reference: np.ndarray, border: int = 0) -> float:
    """SSIM on the BT.601 luminance (Gaussian window sigma 1.5, data range 255)."""
    a8, b8 = _pair(output, reference, border)
    return float(structural_similarity(
        rgb_to_y(a8), rgb_to_y(b8), data_range=255.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    ))


# ---------------------------------------------------------------------------------------
# Controllability measures
# ---------------------------------------------------------------------------------------
def luma01(img: np.ndarray) -> np.ndarray:
    """Luminance (BT.601 weights 0.299, 0.587, 0.114) of an 8-bit-rounded image, float64 in [0, 1]."""
    x = to_uint8(img).astype(np.float64) / 255.0
    return x @ np.array([0.299, 0.587, 0.114])


def laplacian_energy(img: np.ndarray) -> float:
    """Mean squared discrete Laplacian (4-neighbour, reflected borders) of the luminance, x 1e4."""
    lap = ndimage.laplace(luma01(img), mode="reflect")
    return float(np.mean(lap**2) * 1e4)


def residual_hf_energy(output: np.ndarray, inp: np.ndarray) -> float:
    """High-frequency energy the restoration ADDED: mean squared Laplacian of the residual
    luminance (output - input), x 1e4. Larger = more detail put in (or taken out) at the finest scale."""
    r = luma01(output) - luma01(inp)
    return float(np.mean(ndimage.laplace(r, mode="reflect") ** 2) * 1e4)


def residual_rms(output: np.ndarray, inp: np.ndarray) -> float:
    """Root mean square of (output - input) over RGB, on [0, 1]: how much the restoration changed."""
    d = to_uint8(output).astype(np.float64) - to_uint8(inp).astype(np.float64)
    return float(np.sqrt(np.mean(d**2)) / 255.0)


def noise_sigma(img: np.ndarray) -> float:
    """Noise standard deviation on [0, 1] (skimage estimate_sigma: wavelet MAD, averaged over RGB)."""
    x = to_uint8(img).astype(np.float64) / 255.0
    return float(estimate_sigma(x, channel_axis=-1, average_sigmas=True))


BLUR_GRID = tuple(round(0.25 * i, 2) for i in range(0, 17))  # 0.0 .. 4.0


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    return x if sigma == 0 else ndimage.gaussian_filter(x, sigma=sigma, mode="reflect", truncate=4.0)


def residual_blur_sigma(output: np.ndarray, reference: np.ndarray, grid: Sequence[float] = BLUR_GRID) -> float:
    """Gaussian blur sigma (pixels) that best explains ``output`` as a blurred ``reference``:
    argmin over ``grid`` of MSE(blur(reference, s), output) on the luminance, with a 12 px border
    left out. Zero-mean noise in the output adds about the same error at every s, so the fit
    measures blur and ignores noise. 0 = as sharp as the reference (or sharper)."""
    o, r = luma01(output), luma01(reference)
    b = 12 if min(o.shape) > 48 else 0
    crop = (slice(b, o.shape[0] - b), slice(b, o.shape[1] - b))
    errors = [float(np.mean((_blur(r, s)[crop] - o[crop]) ** 2)) for s in grid]
    return float(grid[int(np.argmin(errors))])


def monotonic(values: Sequence[float], increasing: bool = True, tolerance: float = 0.0) -> bool:
    """True when each value is >= the previous one (``increasing``) or <= it, up to ``tolerance``
    (an absolute slack for measurement noise). Fewer than two values: True."""
    v = [float(x) for x in values]
    if any(math.isnan(x) for x in v):
        return False
    pairs = zip(v, v[1:])
    return all(b >= a - tolerance for a, b in pairs) if increasing else all(b <= a + tolerance for a, b in pairs)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); nan when either side is constant."""
    rx = _ranks(x)
    ry = _ranks(y)
    if np.std(rx) == 0 or np.std(ry) == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(v: Sequence[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    ranks[order] = np.arange(len(a), dtype=np.float64)
    for value in np.unique(a):  # ties share their mean rank
        idx = a == value
        ranks[idx] = ranks[idx].mean()
    return ranks
