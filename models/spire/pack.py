"""Model pack folder: manifest.json and the small files beside the ONNX graphs.

A pack is a folder (layout follows diffusers/optimum's ONNX export):

    manifest.json                      format "spire-pack", formatVersion 1 (see models/README.md)
    text_encoder/model.onnx  unet/model.onnx  vae_encoder/model.onnx  vae_decoder/model.onnx
    adaptor/model.onnx       restorer/model.onnx (optional)   estimator/model.onnx (optional)
    tokenizer/vocab.json merges.txt tokenizer_config.json
    scheduler/scheduler_config.json

Every file is written atomically (temp file + rename).
"""
import json
from pathlib import Path

from .atomic import write_text_atomic

FORMAT = "spire-pack"
FORMAT_VERSION = 1
MAX_STEPS = 500  # common/runSettings.ts MAX_STEPS

# manifest `defaults`: the run settings a pack recommends; key -> check (the engine's packs.ts checks the same).
_DEFAULTS_RULES = {
    "steps": ("a whole number from 1 to %d" % MAX_STEPS,
              lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_STEPS),
    "strength": ("a number from 0 to 1", lambda v: _is_number(v) and 0 <= v <= 1),
    "guidanceScale": ("a number from 0 to 50", lambda v: _is_number(v) and 0 <= v <= 50),
    "scheduler": ('"ddim" or "dpmpp-2m"', lambda v: v in ("ddim", "dpmpp-2m")),
    "colorFix": ('"wavelet", "adain" or "none"', lambda v: v in ("wavelet", "adain", "none")),
    # channels.ts COLOR_FIX_LEVELS
    "colorFixLevels": ("a whole number from 1 to 8", lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 8),
    "useRestorer": ("true or false", lambda v: isinstance(v, bool)),
    "restorerViews": ("1, 2, 4 or 8", lambda v: isinstance(v, int) and not isinstance(v, bool) and v in (1, 2, 4, 8)),
    "eta": ("a number from 0 to 1", lambda v: _is_number(v) and 0 <= v <= 1),
}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def check_defaults(defaults: dict, has_restorer: bool) -> dict:
    """Checks a pack's recommended run settings; raises ValueError naming the key. Returns a copy."""
    if not isinstance(defaults, dict):
        raise ValueError("defaults must be a JSON object such as {\"steps\": 20, \"strength\": 0.25}")
    for key, value in defaults.items():
        if key not in _DEFAULTS_RULES:
            raise ValueError(f"defaults.{key} is not a setting a pack can recommend; use {', '.join(_DEFAULTS_RULES)}")
        what, ok = _DEFAULTS_RULES[key]
        if not ok(value):
            raise ValueError(f"defaults.{key} must be {what}, got {json.dumps(value)}")
    if defaults.get("useRestorer") is True and not has_restorer:
        raise ValueError("defaults.useRestorer is true but the pack has no restorer")
    if defaults.get("strength") == 0 and defaults.get("useRestorer") is not True:
        raise ValueError("defaults.strength 0 (restorer only, no diffusion) needs defaults.useRestorer true")
    return dict(defaults)


def write_json(path: Path, obj) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(obj, indent=2) + "\n")


def value_info(name: str, dtype: str, shape: list) -> dict:
    """One input or output: shape entries are ints or symbols ("batch", "height/8", ...)."""
    return {"name": name, "dtype": dtype, "shape": shape}


def component(file: str, inputs: list, outputs: list, dtype: str = "float32") -> dict:
    return {"file": file, "dtype": dtype, "inputs": inputs, "outputs": outputs}


def build_manifest(cfg, components: dict, skips: list, tokenizer_files: dict, scheduler_cfg: dict, producer: dict,
                   defaults: dict | None = None) -> dict:
    """The manifest: everything the engine needs to run the pack without reading the graphs.
    defaults: the run settings the pack recommends (checked by check_defaults), or None for none."""
    ae = cfg.autoencoder
    manifest = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "name": cfg.name,
        "producer": producer,
        "nativeResolution": cfg.image_size,
        "sizeMultiple": ae.downsampling_factor * 2 ** (len(cfg.unet.channels) - 1),
        "imageRange": [-1.0, 1.0],
        "predictionType": cfg.scheduler.prediction_type,
        "latent": {
            "channels": ae.latent_channels,
            "scaleFactor": ae.scale_factor,
            "downsamplingFactor": ae.downsampling_factor,
        },
        "scheduler": {"file": "scheduler/scheduler_config.json", "config": scheduler_cfg},
        "tokenizer": {
            "folder": "tokenizer",
            "files": tokenizer_files,
            "maxLength": cfg.text_encoder.max_length,
        },
        "textEncoder": {"hiddenSize": cfg.text_encoder.width, "sharedForRestorationPrompt": True},
        "adaptor": {"fusion": cfg.adaptor.fusion, "skips": skips},
        "hasRestorer": "restorer" in components,
        "components": components,
    }
    if "estimator" in components:
        from .estimator import OPERATIONS, PRESENCE_THRESHOLD

        e = cfg.estimator
        manifest["estimator"] = {"operations": list(OPERATIONS), "patch": e.patch, "maxPatches": e.max_patches,
                                 "presenceThreshold": PRESENCE_THRESHOLD}
    if defaults is not None:
        manifest["defaults"] = check_defaults(defaults, manifest["hasRestorer"])
    return manifest


def check_output_folder(out: Path, force: bool) -> None:
    """Refuse to write into a non-empty folder unless told to (never overwrite a user's files silently)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} exists and is not empty: choose another --out or pass --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
