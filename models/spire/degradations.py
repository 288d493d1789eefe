"""Degradation synthesis for SPIRE training pairs (numpy / OpenCV / PIL; runs in data loaders).

Images are float32 RGB (H, W, 3) in [0, 1]. Every random choice comes from a
``numpy.random.Generator`` passed in (never the global RNG), so a seed fixes a sample.

Two pipelines, mixed 50/50 by :func:`make_training_sample`:

1. **Parameterized** (SPIRE paper, Table 2), each stage with probability 0.5, in order::

       blur        Gaussian, sigma ~ U(0.2, 3.0)           -> "Deblur with sigma 2.0;"
       downsample  bicubic by factor ~ U(1, 7)             -> "Upsample to 4.0x;"
       noise       Gaussian, sigma ~ U(0, 0.12) (0-1 scale)  -> "Denoise with sigma 0.05;"
       jpeg        quality ~ U{30..92}                      -> "Dejpeg with quality 40;"

   Values are rounded to the prompt grammar's grid (``assets/restoration-grammar.json``)
   before they are applied, so the text describes exactly what was done. Each applied
   stage is named with its number or without it (50/50).

2. **Real-ESRGAN second-order** (:mod:`spire.realesrgan`), paired with the blind prompt
   ``Remove all degradation``.

Resolution: ``degraded_lr`` is the degraded image at its own (low) resolution;
``degraded`` is the same image resized back to the clean size with bicubic
interpolation. **The model sees ``degraded``** (SPIRE feeds the degraded image upsampled
to the target size); ``clean`` is the target.
"""
from __future__ import annotations

import math
from typing import Dict, Mapping, Optional, Tuple, Union

import cv2
import numpy as np
from PIL import Image

from . import prompts
from .imageio import check_image, from_uint8, to_uint8
from .prompts import Operation, RestorationPrompt

# Real-ESRGAN-style random resizes pick one of these (the paper: area, bilinear, bicubic).
CV2_INTERPOLATION = {"area": cv2.INTER_AREA, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}


# ---------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------
def gaussian_kernel1d(sigma: float) -> np.ndarray:
    """Sampled, normalised 1-D Gaussian with radius ceil(4 * sigma) (at least 1)."""
    if sigma <= 0:
        raise ValueError(f"blur sigma must be > 0, got {sigma}")
    radius = max(1, int(math.ceil(4.0 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Isotropic Gaussian blur (separable; borders reflected without repeating the edge)."""
    k = gaussian_kernel1d(sigma)
    return cv2.sepFilter2D(img, -1, k, k, borderType=cv2.BORDER_REFLECT_101)


def filter2d(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Filter with a 2-D kernel (point-symmetric kernels: correlation == convolution)."""
    return cv2.filter2D(img, -1, kernel.astype(np.float32), borderType=cv2.BORDER_REFLECT_101)


def resize_bicubic(img: np.ndarray, size_hw: Tuple[int, int]) -> np.ndarray:
    """Bicubic resize with antialiasing when shrinking (PIL, per channel in float, like
    MATLAB's imresize); output clipped to [0, 1]."""
    h, w = int(size_hw[0]), int(size_hw[1])
    if h < 1 or w < 1:
        raise ValueError(f"resize target must be at least 1x1, got {h}x{w}")
    if img.shape[:2] == (h, w):
        return img.copy()
    chans = [
        np.asarray(Image.fromarray(np.ascontiguousarray(img[:, :, c]), mode="F").resize((w, h), Image.BICUBIC))
        for c in range(img.shape[2])
    ]
    return np.clip(np.stack(chans, axis=2), 0.0, 1.0).astype(np.float32)


def resize_cv2(img: np.ndarray, size_hw: Tuple[int, int], mode: str) -> np.ndarray:
    """OpenCV resize with ``mode`` in area / bilinear / bicubic (no antialiasing except area)."""
    h, w = max(1, int(size_hw[0])), max(1, int(size_hw[1]))
    return cv2.resize(img, (w, h), interpolation=CV2_INTERPOLATION[mode])


def downsampled_size(shape_hw: Tuple[int, int], factor: float) -> Tuple[int, int]:
    """Size after downsampling by ``factor``: round(H / factor) x round(W / factor), at least 1."""
    return max(1, int(round(shape_hw[0] / factor))), max(1, int(round(shape_hw[1] / factor)))


def add_gaussian_noise(img: np.ndarray, sigma: float, rng: np.random.Generator, gray: bool = False) -> np.ndarray:
    """Add N(0, sigma^2) noise (0-1 scale), independent per channel unless ``gray``; clip to [0, 1]."""
    h, w, c = img.shape
    noise = rng.standard_normal((h, w, 1) if gray else (h, w, c), dtype=np.float32) * np.float32(sigma)
    return np.clip(img + noise, 0.0, 1.0)


def add_poisson_noise(img: np.ndarray, scale: float, rng: np.random.Generator, gray: bool = False) -> np.ndarray:
    """Poisson (shot) noise as Real-ESRGAN defines it: the image is quantised to 8 bits,
    treated as photon counts with ``vals = 2 ** ceil(log2(#distinct levels))`` levels,
    resampled, and the difference scaled by ``scale``; clip to [0, 1]."""
    base = from_uint8(to_uint8(img))
    if gray:
        base = (base @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[:, :, None]
    levels = len(np.unique(np.rint(base * 255.0)))
    vals = 2.0 ** math.ceil(math.log2(max(levels, 2)))
    noise = rng.poisson(np.clip(base, 0, 1) * vals).astype(np.float32) / np.float32(vals) - base
    return np.clip(img + noise * np.float32(scale), 0.0, 1.0).astype(np.float32)


def jpeg_compress(img: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as JPEG (libjpeg via OpenCV, 4:2:0 chroma) at ``quality``."""
    q = int(round(quality))
    if not 1 <= q <= 100:
        raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(to_uint8(img), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    if not ok:  # pragma: no cover - OpenCV only fails on invalid input
        raise RuntimeError("OpenCV failed to encode the JPEG")
    return from_uint8(cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))


# ---------------------------------------------------------------------------------------
# Parameterized pipeline (SPIRE Table 2)
# ---------------------------------------------------------------------------------------
def sample_stage_value(key: str, rng: np.random.Generator) -> float:
    """Draw one stage's value uniformly over its grammar range, rounded to the grammar grid
    (JPEG quality: an integer in [min, max], inclusive)."""
    spec = prompts.grammar().spec(key)
    if spec.decimals == 0:
        return float(rng.integers(int(spec.min), int(spec.max) + 1))
    return spec.quantize(rng.uniform(spec.min, spec.max))


def sample_parameterized(
    rng: np.random.Generator, p_stage: float = 0.5, p_number: float = 0.5
) -> Tuple[Dict[str, float], RestorationPrompt]:
    """Draw the stages of one parameterized degradation and its prompt.

    For each stage in canonical order: applied with probability ``p_stage``; if applied,
    its value (``sample_stage_value``) and whether the prompt shows the number
    (probability ``p_number``). Returns ({key: value} of applied stages, prompt).
    No stage applied -> empty prompt "" (the image is left clean)."""
    values: Dict[str, float] = {}
    shown: Dict[str, Optional[float]] = {}
    for key in prompts.grammar().keys:
        if rng.random() < p_stage:
            v = sample_stage_value(key, rng)
            values[key] = v
            shown[key] = v if rng.random() < p_number else None
    return values, RestorationPrompt.of(shown)


def apply_stages(clean: np.ndarray, values: Mapping[str, float], rng: np.random.Generator) -> np.ndarray:
    """Apply explicit stage values in canonical order; returns the low-resolution result.

    ``values`` maps blur -> sigma, downsample -> factor, noise -> sigma, jpeg -> quality;
    absent keys are skipped. Values outside the grammar ranges are refused."""
    check_image(clean, "clean")
    RestorationPrompt.of(dict(values))  # validates keys and ranges with grammar errors
    img = clean
    if "blur" in values:
        img = gaussian_blur(img, values["blur"])
    if "downsample" in values and values["downsample"] != 1.0:
        img = resize_bicubic(img, downsampled_size(img.shape[:2], values["downsample"]))
    if "noise" in values and values["noise"] > 0:
        img = add_gaussian_noise(img, values["noise"], rng)
    if "jpeg" in values:
        img = jpeg_compress(img, int(values["jpeg"]))
    return np.ascontiguousarray(img, dtype=np.float32)


def _result(clean, lr, prompt_text: str, pipeline: str, params: dict) -> dict:
    return {
        "clean": clean,
        "degraded_lr": lr,
        "degraded": resize_bicubic(lr, clean.shape[:2]),
        "restoration_prompt": prompt_text,
        "pipeline": pipeline,
        "params": params,
    }


def degrade_parameterized(
    clean: np.ndarray, rng: np.random.Generator, p_stage: float = 0.5, p_number: float = 0.5
) -> dict:
    """One SPIRE Table 2 degradation. Returns clean, degraded_lr, degraded (clean size),
    restoration_prompt (canonical text), pipeline="parameterized", params (stage values)."""
    check_image(clean, "clean")
    values, prompt = sample_parameterized(rng, p_stage, p_number)
    lr = apply_stages(clean, values, rng)
    return _result(clean, lr, prompt.text, "parameterized", {"stages": values, "prompt": prompt.to_dict()})


def apply_prompt(
    clean: np.ndarray,
    prompt: Union[str, RestorationPrompt],
    rng: np.random.Generator,
    realesrgan_scale: int = 4,
) -> dict:
    """Apply the degradation a restoration prompt describes (the CLI's ``degrade``).

    A clause with a number applies that value; a clause without one (``Deblur;``) draws
    its value from the grammar range with ``rng``; the blind prompt runs one random
    Real-ESRGAN degradation (downscale ``realesrgan_scale``); "" leaves the image as is.
    Returns the same dict as :func:`degrade_parameterized`."""
    p = prompts.parse(prompt) if isinstance(prompt, str) else prompt
    if p.blind:
        from .realesrgan import RealESRGANConfig, degrade_realesrgan

        return degrade_realesrgan(clean, rng, RealESRGANConfig(scale=realesrgan_scale))
    values = {op.key: (op.value if op.value is not None else sample_stage_value(op.key, rng)) for op in p.operations}
    lr = apply_stages(clean, values, rng)
    return _result(clean, lr, p.text, "parameterized", {"stages": values, "prompt": p.to_dict()})


# ---------------------------------------------------------------------------------------
# Estimator samples: what the degradation estimator learns to read
# ---------------------------------------------------------------------------------------
# Per operation the estimator reads (estimator.OPERATIONS): the range its training draws from, uniformly.
# Narrower than the grammar at the low end, where a degradation is invisible (blur 0.2 is the identity to
# within 1e-5; noise 0.005 is below most photos' own): there "absent" is the right reading.
ESTIMATOR_RANGES: Dict[str, Tuple[float, float]] = {"blur": (0.4, 3.0), "noise": (0.008, 0.12), "jpeg": (30, 92)}


def make_estimator_sample(clean: np.ndarray, rng: np.random.Generator, p_stage: float = 0.5) -> dict:
    """One estimator training sample: blur -> noise -> JPEG (the grammar's order), each applied with
    probability ``p_stage``, its value uniform over ESTIMATOR_RANGES (JPEG quality a whole number), not
    rounded to the grammar grid. Returns {clean, degraded (same size), stages {key: value}}."""
    check_image(clean, "clean")
    stages: Dict[str, float] = {}
    for key, (lo, hi) in ESTIMATOR_RANGES.items():
        if rng.random() < p_stage:
            stages[key] = float(rng.integers(int(lo), int(hi) + 1)) if key == "jpeg" else float(rng.uniform(lo, hi))
    img = clean
    if "blur" in stages:
        img = gaussian_blur(img, stages["blur"])
    if "noise" in stages:
        img = add_gaussian_noise(img, stages["noise"], rng)
    if "jpeg" in stages:
        img = jpeg_compress(img, int(stages["jpeg"]))
    return {"clean": clean, "degraded": np.ascontiguousarray(img, dtype=np.float32), "stages": stages}


# ---------------------------------------------------------------------------------------
# Denoising-only samples: a focused check of restorer architectures (train.restorer_mixer "denoise")
# ---------------------------------------------------------------------------------------
def make_denoise_sample(clean: np.ndarray, rng: np.random.Generator, p_number: float = 0.5) -> dict:
    """Gaussian noise only, sigma drawn like the parameterized pipeline's noise stage (uniform over the grammar
    range, on its grid); the prompt names it, with the number with probability ``p_number``. Returns the keys
    of :func:`degrade_parameterized`. Draw order: sigma, whether the number is shown, then the noise."""
    check_image(clean, "clean")
    sigma = sample_stage_value("noise", rng)
    prompt = RestorationPrompt.of({"noise": sigma if rng.random() < p_number else None})
    lr = apply_stages(clean, {"noise": sigma}, rng)
    return _result(clean, lr, prompt.text, "denoise", {"stages": {"noise": sigma}, "prompt": prompt.to_dict()})


# ---------------------------------------------------------------------------------------
# Mixer
# ---------------------------------------------------------------------------------------
def make_training_sample(
    clean: np.ndarray,
    rng: np.random.Generator,
    semantic_prompt: str = "",
    p_realesrgan: float = 0.5,
    p_drop_semantic: float = 0.1,
    realesrgan_config=None,
    p_stage: float = 0.5,
    p_number: float = 0.5,
) -> dict:
    """One training sample: Real-ESRGAN (blind prompt) with probability ``p_realesrgan``,
    else the parameterized pipeline; the semantic prompt becomes "" with probability
    ``p_drop_semantic`` (for classifier-free guidance).

    Returns {clean, degraded (clean size: the model input), degraded_lr,
    restoration_prompt, semantic_prompt, pipeline, params}; params also records
    ``semantic_dropped``. Draw order: pipeline choice, drop choice, then the pipeline."""
    check_image(clean, "clean")
    use_realesrgan = rng.random() < p_realesrgan
    drop = rng.random() < p_drop_semantic
    if use_realesrgan:
        from .realesrgan import RealESRGANConfig, degrade_realesrgan

        sample = degrade_realesrgan(clean, rng, realesrgan_config or RealESRGANConfig())
    else:
        sample = degrade_parameterized(clean, rng, p_stage=p_stage, p_number=p_number)
    sample["semantic_prompt"] = "" if drop else semantic_prompt
    sample["params"] = dict(sample["params"], semantic_dropped=bool(drop))
    return sample


__all__ = [
    "gaussian_kernel1d", "gaussian_blur", "filter2d", "resize_bicubic", "resize_cv2", "downsampled_size",
    "add_gaussian_noise", "add_poisson_noise", "jpeg_compress", "sample_stage_value", "sample_parameterized",
    "make_denoise_sample",
    "apply_stages", "degrade_parameterized", "apply_prompt", "make_training_sample", "make_estimator_sample",
    "ESTIMATOR_RANGES", "Operation",
]
