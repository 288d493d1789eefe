"""Model pack folder: manifest.json and the small files beside the ONNX graphs.

A pack is a folder (layout follows diffusers/optimum's ONNX export):

    manifest.json                      format "spire-pack", formatVersion 1 (see models/README.md)
    text_encoder/model.onnx  unet/model.onnx  vae_encoder/model.onnx  vae_decoder/model.onnx
    adaptor/model.onnx       restorer/model.onnx (optional)
    tokenizer/vocab.json merges.txt tokenizer_config.json
    scheduler/scheduler_config.json

Every file is written atomically (temp file + rename).
"""
import json
from pathlib import Path

from .atomic import write_text_atomic

FORMAT = "spire-pack"
FORMAT_VERSION = 1


def write_json(path: Path, obj) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(obj, indent=2) + "\n")


def value_info(name: str, dtype: str, shape: list) -> dict:
    """One input or output: shape entries are ints or symbols ("batch", "height/8", ...)."""
    return {"name": name, "dtype": dtype, "shape": shape}


def component(file: str, inputs: list, outputs: list, dtype: str = "float32") -> dict:
    return {"file": file, "dtype": dtype, "inputs": inputs, "outputs": outputs}


def build_manifest(cfg, components: dict, skips: list, tokenizer_files: dict, scheduler_cfg: dict, producer: dict) -> dict:
    """The manifest: everything the engine needs to run the pack without reading the graphs."""
    ae = cfg.autoencoder
    return {
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


def check_output_folder(out: Path, force: bool) -> None:
    """Refuse to write into a non-empty folder unless told to (never overwrite a user's files silently)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} exists and is not empty: choose another --out or pass --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
