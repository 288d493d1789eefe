"""Restorer training samples for the auto prompt and the estimate-steered blind prompt.

The engine runs the restorer three ways on a photo the user did not describe (pipeline/restore.ts):

    auto                     the estimator's prompt: its text, and its numbers as the degradation input
    Remove all degradation   the blind text, and the estimate's numbers with the blind flag
                             (prompts.blind_degradation_vector)
    typed                    the user's prompt (the original training)

so the restorer is fine-tuned on all three, with what the estimator really reads from each degraded crop
(its errors included), on degradations that cover what people meet: Real-ESRGAN's heavy chain, SPIRE's
Table 2 pipeline, and everyday ones (mild or absent: blur, noise, JPEG each with probability 0.6). One
sample (:func:`make_auto_training_sample`)::

    1. degradation   Real-ESRGAN (p_realesrgan, scale 4)  |  everyday (p_everyday: EVERYDAY_RANGES, each
                     with probability 0.6, maybe none)  |  Table 2 (degradations.degrade_parameterized)
    2. prompt        Real-ESRGAN: blind + the estimate's numbers; otherwise with p_blind blind + the estimate's
                     numbers, with p_auto the estimate's prompt (resolve_auto: plus the true output size), else
                     the true prompt (each number shown with p_number, as in Table 2 training). The estimate is
                     the estimator on the whole crop as the engine gets it: the blind prompt reads the
                     restorer's input, auto the small image before the output size (estimator.estimate_image)
    3. crop          a random ``crop`` x ``crop`` of clean and degraded (the estimate saw the whole crop)

Returns {clean, degraded, restoration_prompt, degradation (the K numbers the restorer gets), semantic_prompt,
pipeline, params (with "style": blind / auto / true and the estimate's text)}.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from . import degradations as D
from . import prompts
from .estimator import estimate_image

# The everyday degradations: the auto prompt's common case (bench:quality's auto families draw them too).
EVERYDAY_RANGES: Dict[str, Tuple[float, float]] = {"blur": (0.5, 2.5), "noise": (0.01, 0.10), "jpeg": (30, 90)}
EVERYDAY_P = 0.6


def everyday_stages(rng: np.random.Generator) -> Dict[str, float]:
    """Each of blur, noise, JPEG with probability EVERYDAY_P, value uniform over EVERYDAY_RANGES on the grammar's grid."""
    g = prompts.grammar()
    out: Dict[str, float] = {}
    for key, (lo, hi) in EVERYDAY_RANGES.items():
        if rng.random() < EVERYDAY_P:
            out[key] = float(rng.integers(int(lo), int(hi) + 1)) if key == "jpeg" else g.spec(key).quantize(rng.uniform(lo, hi))
    return out


def make_auto_training_sample(clean: np.ndarray, rng: np.random.Generator, estimator, patch: int, crop: int,
                              semantic_prompt: str = "", p_realesrgan: float = 0.3, p_everyday: float = 0.35,
                              p_blind: float = 0.25, p_auto: float = 0.25, p_number: float = 0.5) -> dict:
    """One sample (module docstring). ``clean`` (H, W, 3) in [0, 1], at least ``crop`` on each side;
    ``estimator`` an estimator.Estimator in eval mode (CPU)."""
    D.check_image(clean, "clean")
    u = rng.random()
    if u < p_realesrgan:
        from .realesrgan import RealESRGANConfig, degrade_realesrgan

        s = degrade_realesrgan(clean, rng, RealESRGANConfig())
        degraded, lr, true_prompt, pipeline, params = s["degraded"], s["degraded"], None, "realesrgan", {}
    elif u < p_realesrgan + p_everyday:
        stages = everyday_stages(rng)
        degraded = lr = D.apply_stages(clean, stages, rng) if stages else clean.copy()
        true_prompt, pipeline, params = prompts.RestorationPrompt.of(stages), "everyday", {"stages": stages}
    else:
        values, _ = D.sample_parameterized(rng)
        lr = D.apply_stages(clean, values, rng)
        degraded = D.resize_bicubic(lr, clean.shape[:2])
        true_prompt, pipeline, params = prompts.RestorationPrompt.of(values), "parameterized", {"stages": values}
    v = rng.random()
    if true_prompt is None or v < p_blind:
        # The blind prompt: the engine reads the photo it is given (here the restorer's input).
        est = estimate_image(estimator, degraded, patch, 1)
        style, prompt = "blind", prompts.grammar().blind_prompt
        vector = prompts.blind_degradation_vector(est.prompt)
    elif v < p_blind + p_auto:
        # auto: the engine reads the small input, then resolve_auto adds the output size (blur x K).
        est = estimate_image(estimator, lr, patch, 1)
        up = true_prompt.get("downsample")
        requested = prompts.RestorationPrompt((up,) if up is not None else (), auto=True)
        resolved = prompts.resolve_auto(requested, est.prompt)
        style, prompt, vector = "auto", resolved.text, prompts.degradation_vector(resolved)
    else:
        shown = {op.key: (op.value if rng.random() < p_number else None) for op in true_prompt.operations}
        p = prompts.RestorationPrompt.of(shown)
        style, prompt, vector, est = "true", p.text, prompts.degradation_vector(p), None
    h, w = clean.shape[:2]
    top, left = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
    return {
        "clean": np.ascontiguousarray(clean[top:top + crop, left:left + crop]),
        "degraded": np.ascontiguousarray(degraded[top:top + crop, left:left + crop], dtype=np.float32),
        "restoration_prompt": prompt, "degradation": vector, "semantic_prompt": semantic_prompt,
        "pipeline": pipeline, "params": {**params, "style": style, "estimate": None if est is None else est.text},
    }
