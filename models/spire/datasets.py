"""Training images from the shared datasets folder: training splits ONLY.

Allowed sets (names used by ``sets=``)::

    bsds500-train     BSDS500/train                       200 JPEG
    bsds500-val432    BSDS500/val, ids in CBSD432_ids.txt  32 JPEG (the other 68 are CBSD68)
    t91               T91                                  91 BMP
    sun-hays80        Sun_Hays80                           80 JPEG
    coco-train2017    COCO_captioned/train2017             80 JPEG, 5 captions each

Evaluation sets (Kodak24, CBSD68, McMaster, Set5, Set14, RealSRSet+5images,
COCO_captioned/val2017, BSDS500/test) can never be produced: every path is checked by
:func:`check_training_path` before it is returned or read.

Samples: a random crop (``crop_size``), a random horizontal flip, one random caption
where the set has captions (else ""), then (``degrade=True``) a training pair from
``degradations.make_training_sample``. Randomness comes from
``numpy.random.default_rng([seed, epoch, index])``, so an index gives the same sample
in any worker process; call ``set_epoch`` to draw new crops each epoch.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .degradations import make_denoise_sample, make_estimator_sample, make_training_sample
from .imageio import from_uint8

# The shared datasets folder beside the checkout; SPIRE_DATASETS overrides it.
DEFAULT_ROOT = Path(os.environ.get("SPIRE_DATASETS", Path(__file__).resolve().parents[3] / "shared" / "datasets"))

# set name -> (folder relative to the datasets root, file suffixes)
TRAINING_SETS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "bsds500-train": ("BSDS500/train", (".jpg",)),
    "bsds500-val432": ("BSDS500/val", (".jpg",)),
    "t91": ("T91", (".bmp", ".png")),  # BMP as published; PNG where a copy was recompressed (lossless) to travel
    "sun-hays80": ("Sun_Hays80", (".jpg",)),
    "coco-train2017": ("COCO_captioned/train2017", (".jpg",)),
}
EVALUATION_DIRS: Tuple[str, ...] = (
    "Kodak24", "CBSD68", "McMaster", "Set5", "Set14", "RealSRSet+5images", "COCO_captioned/val2017", "BSDS500/test",
)


class EvaluationDataError(ValueError):
    """A path outside the training splits (an evaluation image or an unknown folder)."""


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    set_name: str
    captions: Tuple[str, ...] = ()


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _cbsd432_ids(root: Path) -> frozenset:
    ids_file = root / "BSDS500" / "CBSD432_ids.txt"
    if not ids_file.exists():
        raise FileNotFoundError(f"{ids_file} is missing: it lists the BSDS500 ids allowed for training")
    return frozenset(line.strip() for line in ids_file.read_text().split() if line.strip())


def _cbsd68_ids(root: Path) -> frozenset:
    return frozenset(p.stem for p in (root / "CBSD68").glob("*")) if (root / "CBSD68").is_dir() else frozenset()


def check_training_path(path, root: Optional[Path] = None) -> Path:
    """Return the resolved ``path`` if it is a training image; raise EvaluationDataError otherwise."""
    root = Path(root or DEFAULT_ROOT).resolve()
    p = Path(path).resolve()
    for ev in EVALUATION_DIRS:
        if _is_under(p, (root / ev).resolve()):
            raise EvaluationDataError(f"{p} belongs to the evaluation set {ev}; it must never be used for training")
    for name, (folder, suffixes) in TRAINING_SETS.items():
        if _is_under(p, (root / folder).resolve()):
            if p.suffix.lower() not in suffixes:
                raise EvaluationDataError(f"{p}: not an image of {name} (expected {', '.join(suffixes)})")
            if name == "bsds500-val432":
                if p.stem not in _cbsd432_ids(root) or p.stem in _cbsd68_ids(root):
                    raise EvaluationDataError(
                        f"{p}: BSDS500 val image {p.stem} is in CBSD68 (evaluation); only CBSD432 ids may be used"
                    )
            return p
    raise EvaluationDataError(f"{p} is not inside a training split of {root} ({', '.join(TRAINING_SETS)})")


def _coco_captions(root: Path) -> Dict[str, Tuple[str, ...]]:
    path = root / "COCO_captioned" / "captions.json"
    if not path.exists():
        return {}
    return {e["file"]: tuple(e["captions"]) for e in json.loads(path.read_text(encoding="utf-8"))}


def list_training_images(
    root: Optional[Path] = None, sets: Sequence[str] = tuple(TRAINING_SETS), min_size: int = 0
) -> List[ImageRecord]:
    """All training images of ``sets`` (sorted by path) whose shorter side is >= ``min_size``."""
    root = Path(root or DEFAULT_ROOT)
    unknown = [s for s in sets if s not in TRAINING_SETS]
    if unknown:
        raise EvaluationDataError(
            f"unknown or evaluation set(s) {unknown}; training sets are: {', '.join(TRAINING_SETS)}"
        )
    captions = _coco_captions(root) if "coco-train2017" in sets else {}
    allowed_val = _cbsd432_ids(root) - _cbsd68_ids(root) if "bsds500-val432" in sets else frozenset()
    records: List[ImageRecord] = []
    for name in sets:
        folder, suffixes = TRAINING_SETS[name]
        base = root / folder
        if not base.is_dir():
            raise FileNotFoundError(f"{base} not found: is the shared datasets folder at {root}?")
        for p in sorted(base.iterdir()):
            if p.suffix.lower() not in suffixes:
                continue
            if name == "bsds500-val432" and p.stem not in allowed_val:
                continue
            path = check_training_path(p, root)
            if min_size:
                with Image.open(path) as im:
                    if min(im.size) < min_size:
                        continue
            caps = captions.get(f"train2017/{p.name}", ()) if name == "coco-train2017" else ()
            records.append(ImageRecord(path, name, caps))
    return records


def random_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly placed ``size`` x ``size`` crop; the image must be at least that large."""
    h, w = img.shape[:2]
    if h < size or w < size:
        raise ValueError(f"image {w}x{h} is smaller than the crop {size}x{size}; raise min_size or lower crop_size")
    top = int(rng.integers(0, h - size + 1))
    left = int(rng.integers(0, w - size + 1))
    return img[top : top + size, left : left + size]


def random_flip(img: np.ndarray, rng: np.random.Generator, vertical: bool = False) -> np.ndarray:
    """Horizontal flip with probability 0.5 (and vertical with 0.5 when ``vertical``)."""
    if rng.random() < 0.5:
        img = img[:, ::-1]
    if vertical and rng.random() < 0.5:
        img = img[::-1]
    return img


def load_uint8(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


class TrainingImages:
    """Map-style dataset (usable as a ``torch.utils.data.Dataset``) of training samples.

    ``__getitem__(i)`` returns, with ``degrade=True``, the dict of
    ``degradations.make_training_sample`` (clean, degraded, degraded_lr,
    restoration_prompt, semantic_prompt, pipeline, params), or with ``mixer="estimator"``
    that of ``degradations.make_estimator_sample`` (clean, degraded, stages), plus ``path`` and ``set``;
    with ``degrade=False`` only clean, semantic_prompt, path and set. Arrays are float32
    (H, W, 3) in [0, 1]; transpose to (3, H, W) for torch."""

    def __init__(
        self,
        root: Optional[Path] = None,
        sets: Sequence[str] = tuple(TRAINING_SETS),
        crop_size: int = 256,
        seed: int = 0,
        degrade: bool = True,
        repeat: int = 1,
        vertical_flips: bool = False,
        cache_images: bool = False,
        mixer: str = "spire",
        **mixer_kwargs,
    ):
        self.root = Path(root or DEFAULT_ROOT)
        self.crop_size = int(crop_size)
        self.records = list_training_images(self.root, sets, min_size=self.crop_size)
        if not self.records:
            raise ValueError(f"no training image of {list(sets)} is at least {crop_size}px on its shorter side")
        self.seed, self.epoch = int(seed), 0
        self.degrade, self.repeat, self.vertical_flips = degrade, int(repeat), vertical_flips
        if mixer not in ("spire", "estimator", "auto", "denoise"):
            raise ValueError(f"mixer must be 'spire' (make_training_sample), 'estimator' (make_estimator_sample), 'auto' "
                             f"(auto_samples.make_auto_training_sample) or 'denoise' (make_denoise_sample), got {mixer!r}")
        self.mixer, self.mixer_kwargs = mixer, mixer_kwargs
        self._cache: Optional[Dict[Path, np.ndarray]] = {} if cache_images else None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.records) * self.repeat

    def _image(self, path: Path) -> np.ndarray:
        if self._cache is None:
            return load_uint8(path)
        if path not in self._cache:
            self._cache[path] = load_uint8(path)
        return self._cache[path]

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        record = self.records[index % len(self.records)]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        crop = random_crop(self._image(record.path), self.crop_size, rng)
        crop = random_flip(crop, rng, vertical=self.vertical_flips and not record.captions)
        clean = from_uint8(np.ascontiguousarray(crop))
        caption = record.captions[int(rng.integers(len(record.captions)))] if record.captions else ""
        if self.degrade and self.mixer == "estimator":
            sample = make_estimator_sample(clean, rng, **self.mixer_kwargs)
        elif self.degrade and self.mixer == "denoise":
            sample = make_denoise_sample(clean, rng, **self.mixer_kwargs)
            sample["semantic_prompt"] = caption
        elif self.degrade and self.mixer == "auto":
            from .auto_samples import make_auto_training_sample

            sample = make_auto_training_sample(clean, rng, semantic_prompt=caption, **self.mixer_kwargs)
        elif self.degrade:
            sample = make_training_sample(clean, rng, caption, **self.mixer_kwargs)
        else:
            sample = {"clean": clean, "semantic_prompt": caption}
        sample["path"] = str(record.path)
        sample["set"] = record.set_name
        return sample
