"""Test cases of the quality benchmark: images, degradation families, classical baselines.

``prepare(...)`` writes into one run folder (paths in cases.json are relative to it)::

    gt/<set>/<image>.png                  ground-truth crop (8-bit)
    input/<family>/<set>/<image>.png      what the engine is given (low resolution for sr4, mixed)
    input/<family>/<set>/<image>.jpg      the auto families, when JPEG was the last stage: the JPEG file itself
                                          (the same pixels as the PNG; its quantisation tables give the quality)
    degraded/<family>/<set>/<image>.png   the degraded image at ground-truth size (bicubic up where smaller)
    classical/<family>/<set>/<image>.png  the classical baseline, at ground-truth size
    control/<group>/input.png             controllability inputs (and control/gt.png)
    cases.json                            everything the engine runner and the scorer need

Every random draw comes from ``numpy.random.default_rng([SEED, family index, crc32(case id)])``:
the same options give the same bytes.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, richardson_lucy

from spire import degradations as D
from spire import prompts
from spire.atomic import atomic_path, write_text_atomic
from spire.auto_samples import EVERYDAY_P, EVERYDAY_RANGES, everyday_stages
from spire.imageio import from_uint8, load_rgb, to_uint8
from spire.realesrgan import RealESRGANConfig, degrade_realesrgan

CASES_FORMAT = "spire-quality-cases"
CASES_FORMAT_VERSION = 1
SEED = 2024

# The evaluation sets (../shared/datasets/<folder>), in report order.
SETS: Dict[str, Tuple[str, str]] = {  # name -> (folder, glob)
    "Kodak24": ("Kodak24", "*.png"),
    "CBSD68": ("CBSD68", "*.png"),
    "McMaster": ("McMaster", "*.tif"),
    "Set5": ("Set5/HR", "*.png"),
    "Set14": ("Set14", "*.png"),
}

# Classical baseline settings, chosen ONCE on the first BSDS500/train crops (not evaluation images).
NLM_H_PER_SIGMA = 0.6  # skimage denoise_nl_means h = 0.6 * sigma (fast mode, patch 5, distance 6)
RL_ITERATIONS = 50  # Richardson-Lucy iterations for the blur family (known Gaussian kernel)
RL_ITERATIONS_MIXED = 10  # after denoising and upsampling, fewer (noise amplification)
TV_WEIGHT_JPEG = 0.01  # skimage denoise_tv_chambolle weight for JPEG deblocking
TV_WEIGHT_BLIND = 0.05  # the same at low resolution for the blind family (beat NLM with estimated sigma: that
                        # estimate is ~0.005 after Real-ESRGAN's sinc filter and JPEG, so NLM did nothing)


@dataclass(frozen=True)
class Family:
    name: str
    prompt: str  # restoration prompt, canonical text
    stages: Mapping[str, float]  # parameterized stage values; empty for the blind family
    border: int  # pixels cropped from each side before the metrics (SR custom: the scale)
    scale: int  # ground-truth size / engine input size
    classical: str  # what the classical baseline is, in words
    degradation: str  # what was done, in words


FAMILIES: Dict[str, Family] = {f.name: f for f in (
    Family("noise", prompts.canonicalize("Denoise with sigma 0.05;"), {"noise": 0.05}, 0, 1,
           f"non-local means, skimage denoise_nl_means with the known sigma 0.05 (h = {NLM_H_PER_SIGMA} sigma, fast mode, patch 5, distance 6)",
           "additive Gaussian noise sigma 0.05 (0-1 scale, per channel)"),
    Family("blur", prompts.canonicalize("Deblur with sigma 2.0;"), {"blur": 2.0}, 0, 1,
           f"Richardson-Lucy with the known Gaussian kernel (sigma 2.0, radius 8), {RL_ITERATIONS} iterations, per channel, reflect-padded",
           "Gaussian blur sigma 2.0"),
    Family("sr4", prompts.canonicalize("Upsample to 4.0x;"), {"downsample": 4.0}, 4, 4,
           "bicubic x4 (the same image as the degraded-input row)",
           "bicubic downsampling x4 (antialiased); the engine gets the small image"),
    Family("jpeg", prompts.canonicalize("Dejpeg with quality 40;"), {"jpeg": 40}, 0, 1,
           f"total-variation deblocking, skimage denoise_tv_chambolle weight {TV_WEIGHT_JPEG}",
           "JPEG quality 40 (4:2:0)"),
    Family("mixed", prompts.canonicalize("Deblur with sigma 1.0; Upsample to 2.0x; Denoise with sigma 0.03; Dejpeg with quality 60;"),
           {"blur": 1.0, "downsample": 2.0, "noise": 0.03, "jpeg": 60}, 2, 2,
           f"NLM (known sigma 0.03) at low resolution -> bicubic x2 -> Richardson-Lucy (Gaussian sigma 1.0, {RL_ITERATIONS_MIXED} iterations)",
           "blur 1.0 -> bicubic down x2 -> noise 0.03 -> JPEG 60; the engine gets the small image"),
    Family("blind", prompts.grammar().blind_prompt, {}, 4, 4,
           f"total-variation denoising at low resolution (skimage denoise_tv_chambolle weight {TV_WEIGHT_BLIND}) -> bicubic x4",
           "Real-ESRGAN second-order degradation (models/spire/realesrgan.py, scale 4); the engine gets it bicubic-upsampled to ground-truth size"),
)}

# The auto families: everyday degradations drawn per image (auto_samples.everyday_stages: EVERYDAY_RANGES, each stage
# with probability EVERYDAY_P, values on the grammar's grid), the same degraded image restored three ways, plus the
# undegraded photo.
AUTO_RANGES, AUTO_P = EVERYDAY_RANGES, EVERYDAY_P
_AUTO_WHAT = "random everyday degradation per image: blur 0.5-2.5, noise 0.01-0.10, JPEG 30-90, each with probability 0.6"
_NO_CLASSICAL = "none (the degraded input): the comparison is with the true prompt (auto-oracle)"
AUTO_FAMILIES: Dict[str, Family] = {f.name: f for f in (
    Family("auto", prompts.grammar().auto_prompt, {}, 0, 1, _NO_CLASSICAL,
           _AUTO_WHAT + "; restored with `auto` (the default run: the estimator writes the prompt)"),
    Family("auto-oracle", "", {}, 0, 1, _NO_CLASSICAL,
           _AUTO_WHAT + "; the same images restored with the true prompt (the per-case prompt)"),
    Family("auto-blind", prompts.grammar().blind_prompt, {}, 0, 1, _NO_CLASSICAL,
           _AUTO_WHAT + "; the same images restored with the blind prompt (the estimate steers the restorer inside)"),
    Family("clean", prompts.grammar().auto_prompt, {}, 0, 1, "none (the photo itself)",
           "no degradation: the photo itself, restored with `auto` (should stay as it is: PSNR to the input >= 40 dB)"),
    Family("clean-blind", prompts.grammar().blind_prompt, {}, 0, 1, "none (the photo itself)",
           "no degradation: the photo itself, restored with the blind prompt"),
)}
FAMILIES.update(AUTO_FAMILIES)
FAMILY_ORDER = list(FAMILIES)
# The families whose degraded image is the same draw (keyed by "auto").
AUTO_DRAW = ("auto", "auto-oracle", "auto-blind")

CONTROL_DEBLUR = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
CONTROL_DENOISE = (0.01, 0.03, 0.05, 0.07, 0.09, 0.12)
CONTROL_BLUR, CONTROL_NOISE = 2.0, 0.05


# ---------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------
def natural_key(name: str) -> list:
    """Sort key that orders 2.tif before 10.tif."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def list_images(datasets: Path, set_name: str) -> List[Path]:
    folder, pattern = SETS[set_name]
    files = sorted((datasets / folder).glob(pattern), key=lambda p: natural_key(p.name))
    if not files:
        raise FileNotFoundError(f"no {pattern} images in {datasets / folder}; point --datasets at ../shared/datasets")
    return files


def center_crop(img: np.ndarray, crop: int, multiple: int = 8) -> np.ndarray:
    """Centered crop of at most ``crop`` x ``crop`` (0 = the whole image), each side floored to a
    multiple of ``multiple`` (so x4 and x2 downsampling divide it exactly)."""
    h, w = img.shape[:2]
    th = min(h, crop) if crop > 0 else h
    tw = min(w, crop) if crop > 0 else w
    th, tw = th - th % multiple, tw - tw % multiple
    if th < multiple or tw < multiple:
        raise ValueError(f"image of {w}x{h} is too small to crop to a multiple of {multiple}")
    y, x = (h - th) // 2, (w - tw) // 2
    return np.ascontiguousarray(img[y:y + th, x:x + tw])


def parse_per_set(spec: str) -> Tuple[Optional[int], Dict[str, Optional[int]]]:
    """"4" -> (4, {}); "4,Set5=5" -> (4, {"Set5": 5}); "all" -> (None, {}) (None = every image)."""
    default: Optional[int] = None
    overrides: Dict[str, Optional[int]] = {}

    def count(text: str) -> Optional[int]:
        if text.strip().lower() == "all":
            return None
        if not text.strip().isdigit() or int(text) < 1:
            raise ValueError(f"a per-set count must be a whole number >= 1 or 'all', got {text!r}")
        return int(text)

    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        if "=" in part:
            name, value = part.split("=", 1)
            if name.strip() not in SETS:
                raise ValueError(f"unknown set {name.strip()!r} in --per-set; sets: {', '.join(SETS)}")
            overrides[name.strip()] = count(value)
        else:
            default = count(part)
    return default, overrides


def case_rng(family: str, case_id: str) -> np.random.Generator:
    if family in AUTO_DRAW:  # one draw per image for the three auto families: key by "auto/<set>/<image>"
        family, case_id = "auto", "auto/" + case_id.split("/", 1)[1]
    return np.random.default_rng([SEED, FAMILY_ORDER.index(family), zlib.crc32(case_id.encode("utf-8"))])


auto_stages = everyday_stages  # one everyday degradation (may be empty), as the restorer's auto fine-tune draws them


def quantize8(img: np.ndarray) -> np.ndarray:
    """The 8-bit round trip every stored image goes through."""
    return from_uint8(to_uint8(img))


# ---------------------------------------------------------------------------------------
# Degradations and classical baselines
# ---------------------------------------------------------------------------------------
def degrade(family: str, gt: np.ndarray, rng: np.random.Generator) -> dict:
    """The family's degradation of ``gt``: {engine_input, degraded (gt size), params}, both 8-bit-rounded."""
    fam = FAMILIES[family]
    if family in ("clean", "clean-blind"):
        return {"engine_input": gt, "lr": gt, "degraded": gt, "params": {"stages": {}}}
    if family in AUTO_DRAW:
        stages = auto_stages(rng)
        before = {k: v for k, v in stages.items() if k != "jpeg"}
        img = D.apply_stages(gt, before, rng) if before else gt
        jpeg_bytes = None
        if "jpeg" in stages:  # the last stage: keep the file itself (the same bytes jpeg_compress decodes)
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(to_uint8(img), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(stages["jpeg"])])
            if not ok:  # pragma: no cover
                raise RuntimeError("OpenCV failed to encode the JPEG")
            jpeg_bytes = buf.tobytes()
            img = from_uint8(cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
        x = quantize8(img)
        return {"engine_input": x, "lr": x, "degraded": x, "params": {"stages": stages}, "jpeg": jpeg_bytes,
                "prompt": prompts.RestorationPrompt.of(stages).text}
    if family == "blind":
        out = degrade_realesrgan(gt, rng, RealESRGANConfig(scale=fam.scale))
        lr = quantize8(out["degraded_lr"])
        up = quantize8(D.resize_bicubic(lr, gt.shape[:2]))
        return {"engine_input": up, "lr": lr, "degraded": up, "params": out["params"]}
    lr = quantize8(D.apply_stages(gt, dict(fam.stages), rng))
    up = lr if lr.shape == gt.shape else quantize8(D.resize_bicubic(lr, gt.shape[:2]))
    return {"engine_input": lr, "lr": lr, "degraded": up, "params": {"stages": dict(fam.stages)}}


def nlm(img: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0.0:
        return img
    out = denoise_nl_means(img, h=NLM_H_PER_SIGMA * sigma, sigma=sigma, fast_mode=True, patch_size=5, patch_distance=6, channel_axis=-1)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def richardson_lucy_gaussian(img: np.ndarray, sigma: float, iterations: int) -> np.ndarray:
    """Richardson-Lucy per channel with the project's Gaussian kernel, reflect-padded by its radius
    (skimage's convolution is zero-padded) and cropped back."""
    k1 = D.gaussian_kernel1d(sigma).astype(np.float64)
    psf = np.outer(k1, k1)
    p = len(k1)
    padded = np.pad(img.astype(np.float64), ((p, p), (p, p), (0, 0)), mode="reflect")
    out = np.stack([richardson_lucy(padded[:, :, c], psf, num_iter=iterations, clip=True) for c in range(3)], axis=2)
    return np.clip(out[p:-p, p:-p], 0.0, 1.0).astype(np.float32)


def classical(family: str, lr: np.ndarray, degraded: np.ndarray, gt_hw: Tuple[int, int]) -> np.ndarray:
    """The family's classical baseline, using the degradation's known parameters, at ground-truth size."""
    if family == "noise":
        return nlm(degraded, FAMILIES["noise"].stages["noise"])
    if family == "blur":
        return richardson_lucy_gaussian(degraded, FAMILIES["blur"].stages["blur"], RL_ITERATIONS)
    if family == "sr4":
        return D.resize_bicubic(lr, gt_hw)
    if family == "jpeg":
        return np.clip(denoise_tv_chambolle(degraded, weight=TV_WEIGHT_JPEG, channel_axis=-1), 0, 1).astype(np.float32)
    if family == "mixed":
        st = FAMILIES["mixed"].stages
        up = D.resize_bicubic(nlm(lr, st["noise"]), gt_hw)
        return richardson_lucy_gaussian(up, st["blur"], RL_ITERATIONS_MIXED)
    if family == "blind":
        smooth = np.clip(denoise_tv_chambolle(lr, weight=TV_WEIGHT_BLIND, channel_axis=-1), 0, 1).astype(np.float32)
        return D.resize_bicubic(smooth, gt_hw)
    if family in AUTO_FAMILIES:
        return degraded
    raise ValueError(f"unknown family {family!r}; families: {', '.join(FAMILIES)}")


# ---------------------------------------------------------------------------------------
# Writing a run folder
# ---------------------------------------------------------------------------------------
def save_png(root: Path, rel: str, img: np.ndarray) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(to_uint8(img), "RGB").save(tmp, format="PNG")
    return rel


def select_images(datasets: Path, sets: Sequence[str], per_set: str, gen_per_set: int) -> List[dict]:
    """The images of the run: per set, the first N (natural sort); the first ``gen_per_set`` of
    them are also run at the generative settings."""
    if not per_set:
        return []
    default, overrides = parse_per_set(per_set)
    chosen = []
    for s in sets:
        if s not in SETS:
            raise ValueError(f"unknown set {s!r}; sets: {', '.join(SETS)}")
        n = overrides.get(s, default)
        files = list_images(datasets, s)
        for i, f in enumerate(files if n is None else files[:n]):
            chosen.append({"set": s, "image": f.stem, "file": f, "generative": i < gen_per_set})
    return chosen


def prepare(
    out: Path, datasets: Path, *, sets: Sequence[str] = tuple(SETS), families: Sequence[str] = tuple(FAMILY_ORDER),
    per_set: str = "4,Set5=5", gen_per_set: int = 2, crop: int = 256, control_image: str = "Kodak24/kodim01",
    auto_per_set: str = "all", log=lambda line: None,
) -> dict:
    """Writes the run folder and returns the cases.json content. The auto families run on their own
    (larger) subset, ``auto_per_set`` images per set: a rate such as "beats the input on 95 %" needs many."""
    out.mkdir(parents=True, exist_ok=True)
    for f in families:
        if f not in FAMILIES:
            raise ValueError(f"unknown family {f!r}; families: {', '.join(FAMILIES)}")
    images = select_images(datasets, sets, per_set, gen_per_set)
    auto_images = select_images(datasets, sets, auto_per_set, gen_per_set) if any(f in AUTO_FAMILIES for f in families) else []
    plain = [f for f in families if f not in AUTO_FAMILIES]
    auto = [f for f in families if f in AUTO_FAMILIES]
    cases = []
    keyed = {(im["set"], im["image"]): im for im in images}
    for im in auto_images:
        keyed.setdefault((im["set"], im["image"]), im)
    in_plain = {(im["set"], im["image"]) for im in images}
    in_auto = {(im["set"], im["image"]) for im in auto_images}
    for key, im in keyed.items():
        gt = center_crop(quantize8(load_rgb(im["file"])), crop)
        gt_rel = save_png(out, f"gt/{im['set']}/{im['image']}.png", gt)
        for family in (plain if key in in_plain else []) + (auto if key in in_auto else []):
            cid = f"{family}/{im['set']}/{im['image']}"
            d = degrade(family, gt, case_rng(family, cid))
            base = f"{family}/{im['set']}/{im['image']}.png"
            prompt = d["prompt"] if family == "auto-oracle" else FAMILIES[family].prompt
            extra = {}
            if d.get("jpeg") is not None:
                path = out / f"input/{family}/{im['set']}/{im['image']}.jpg"
                path.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(path, suffix=".jpg") as tmp:
                    Path(tmp).write_bytes(d["jpeg"])
                extra["inputJpeg"] = f"input/{family}/{im['set']}/{im['image']}.jpg"
            cases.append({
                "id": cid, "family": family, "set": im["set"], "image": im["image"], "generative": im["generative"],
                "prompt": prompt, "border": FAMILIES[family].border, **extra,
                "size": [gt.shape[1], gt.shape[0]],
                "inputSize": [d["engine_input"].shape[1], d["engine_input"].shape[0]],
                "gt": gt_rel,
                "input": save_png(out, f"input/{base}", d["engine_input"]),
                "degraded": save_png(out, f"degraded/{base}", d["degraded"]),
                "classical": save_png(out, f"classical/{base}", classical(family, d["lr"], d["degraded"], gt.shape[:2])),
                "params": d["params"],
            })
        log(f"prepared {im['set']}/{im['image']} ({gt.shape[1]}x{gt.shape[0]})")

    control = prepare_control(out, datasets, control_image, crop)
    doc = {
        "format": CASES_FORMAT, "formatVersion": CASES_FORMAT_VERSION,
        "seed": SEED, "crop": crop, "perSet": per_set, "genPerSet": gen_per_set, "autoPerSet": auto_per_set,
        "sets": list(sets),
        "families": {f: {"prompt": FAMILIES[f].prompt, "border": FAMILIES[f].border, "scale": FAMILIES[f].scale,
                         "degradation": FAMILIES[f].degradation, "classical": FAMILIES[f].classical} for f in families},
        "cases": cases,
        "control": control,
    }
    check_cases(doc)
    write_text_atomic(out / "cases.json", json.dumps(doc, indent=1) + "\n")
    return doc


def prepare_control(out: Path, datasets: Path, control_image: str, crop: int) -> List[dict]:
    """Controllability inputs from one image: blurred (sweep Deblur), noisy (sweep Denoise),
    blurred AND noisy (name one operation, the other, or both)."""
    set_name, _, stem = control_image.partition("/")
    files = [f for f in list_images(datasets, set_name) if f.stem == stem] if set_name in SETS else []
    if not files:
        raise ValueError(f"--control-image {control_image!r} is not an image of a set; use SET/NAME, e.g. Kodak24/kodim01")
    gt = center_crop(quantize8(load_rgb(files[0])), crop)
    gt_rel = save_png(out, "control/gt.png", gt)
    fmt = prompts.canonicalize
    rng = lambda key: np.random.default_rng([SEED, 99, zlib.crc32(key.encode("utf-8"))])  # noqa: E731
    blurred = quantize8(D.apply_stages(gt, {"blur": CONTROL_BLUR}, rng("blur")))
    noisy = quantize8(D.apply_stages(gt, {"noise": CONTROL_NOISE}, rng("noise")))
    both = quantize8(D.apply_stages(gt, {"blur": CONTROL_BLUR, "noise": CONTROL_NOISE}, rng("both")))
    inputs = {
        "deblur_sweep": save_png(out, "control/deblur_sweep/input.png", blurred),
        "denoise_sweep": save_png(out, "control/denoise_sweep/input.png", noisy),
        "separation": save_png(out, "control/separation/input.png", both),
    }
    items = []
    for s in CONTROL_DEBLUR:
        items.append({"id": f"deblur_sweep/{s:.1f}", "group": "deblur_sweep", "value": s, "prompt": fmt(f"Deblur with sigma {s:.1f};")})
    for s in CONTROL_DENOISE:
        items.append({"id": f"denoise_sweep/{s:.2f}", "group": "denoise_sweep", "value": s, "prompt": fmt(f"Denoise with sigma {s:.2f};")})
    for key, text in (("deblur_only", f"Deblur with sigma {CONTROL_BLUR:.1f};"), ("denoise_only", f"Denoise with sigma {CONTROL_NOISE:.2f};"),
                      ("both", f"Deblur with sigma {CONTROL_BLUR:.1f}; Denoise with sigma {CONTROL_NOISE:.2f};")):
        items.append({"id": f"separation/{key}", "group": "separation", "value": key, "prompt": fmt(text)})
    for it in items:
        it.update({"input": inputs[it["group"]], "gt": gt_rel, "image": control_image, "size": [gt.shape[1], gt.shape[0]]})
    return items


def check_cases(doc: Mapping) -> None:
    """Raises ValueError unless ``doc`` is a well-formed cases.json (what the engine runner relies on)."""
    if doc.get("format") != CASES_FORMAT or doc.get("formatVersion") != CASES_FORMAT_VERSION:
        raise ValueError(f"not a {CASES_FORMAT} v{CASES_FORMAT_VERSION} document")
    ids = set()
    for c in list(doc["cases"]) + list(doc["control"]):
        for key in ("id", "prompt", "input", "gt", "size"):
            if key not in c:
                raise ValueError(f"case {c.get('id', '?')} lacks {key!r}")
        if c["id"] in ids:
            raise ValueError(f"case id {c['id']} appears twice")
        ids.add(c["id"])
        prompts.parse(c["prompt"])  # raises PromptError on a bad prompt
    for c in doc["cases"]:
        fam = doc["families"][c["family"]]
        w, h = c["size"]
        iw, ih = c["inputSize"]
        factor = FAMILIES[c["family"]].scale if c["family"] != "blind" else 1
        if (iw * factor, ih * factor) != (w, h):
            raise ValueError(f"case {c['id']}: input {iw}x{ih} times {factor} is not the ground truth's {w}x{h}")
        if c["border"] != fam["border"]:
            raise ValueError(f"case {c['id']}: border differs from its family's")
