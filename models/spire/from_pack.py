"""Rebuild a training run folder (config.json + <part>.pt) from an exported pack's ONNX graphs.

    cd models && /usr/bin/python3 -m spire.from_pack --pack packs/spire-compact --config configs/compact.json \
        --out runs/compact-shipped [--parts restorer text_encoder]

Training runs are not committed, only the packs exported from them; this reads the weights back so a shipped
model can be fine-tuned or run in the PyTorch reference. The exporter keeps most weights under their
parameter names; the ones it turned into MatMul operands (a Linear's weight, transposed) get generated names.
To map those, every part is built fresh (random weights, all distinct) and exported the same way: each
initializer of that graph is matched to the parameter it holds (as is, or transposed), and the shipped graph,
which has the same structure and names, is read through that map. A parameter not found, or a structure that
differs, is an error: the config does not describe the pack. Two cases cannot be read back: weights the
exporter shared between equal parameters (an untrained part: rebuild it with --seeded) and BatchNorm folded
into the convolutions (the estimator: retrain it).
"""
from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import export as E
from .config import SpireConfig
from .sampler import SpireModels

# pack component -> (part of SpireModels, prefix the export wrapper adds to its parameter names)
COMPONENT_PARTS = {
    "text_encoder": ("text_encoder", ""),
    "vae_encoder": ("vae", "vae."),
    "vae_decoder": ("vae", "vae."),
    "unet": ("unet", ""),
    "adaptor": ("adaptor", ""),
    "restorer": ("restorer", ""),
    "estimator": ("estimator", ""),
}


def _initializers(path: Path) -> dict:
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}


def initializer_map(module: torch.nn.Module, component: str, cfg: SpireConfig) -> dict:
    """initializer name -> (parameter name, how it is stored: "same", "transposed" or "reshaped") for ``module``
    exported as ``component``."""
    specs = E.component_specs(cfg, "float32")
    ins, outs = specs[component]
    module = copy.deepcopy(module).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for t in module.state_dict().values():  # distinct values everywhere (zero-initialised layers included)
            if t.dtype.is_floating_point:
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
    params = {n: p.detach().numpy() for n, p in module.state_dict().items() if p.dtype.is_floating_point}
    with tempfile.TemporaryDirectory() as tmp:
        side = 2 ** (len(cfg.autoencoder.channels) - 1) * 2 ** (len(cfg.unet.channels) - 1) * 2
        inputs = E.example_inputs(ins, 2, side, side, cfg.text_encoder.vocab_size, "cpu", torch.float32)
        with torch.no_grad():
            E.export_onnx(module, inputs, ins, outs, Path(tmp) / "model.onnx", external_data=False)
        fresh = _initializers(Path(tmp) / "model.onnx")
    mapping = {}
    for name, value in fresh.items():
        if name in params and params[name].shape == value.shape and np.array_equal(params[name], value):
            mapping[name] = (name, "same")
            continue
        for pname, p in params.items():
            if p.ndim == 2 and p.T.shape == value.shape and np.array_equal(p.T, value):
                mapping[name] = (pname, "transposed")  # a Linear's weight as a MatMul operand
                break
            if p.size == value.size and p.size > 1 and np.array_equal(p.ravel(), value.ravel()):
                mapping[name] = (pname, "reshaped")  # e.g. a GroupNorm's affine as a (C, 1, 1) constant
                break
    return mapping


def load_from_pack(models: SpireModels, pack_dir: Path, parts=None) -> list:
    """Loads the weights of ``parts`` (default: every part the pack has) into ``models``; returns the parts."""
    pack_dir = Path(pack_dir)
    manifest = json.loads((pack_dir / "manifest.json").read_text())
    wanted = set(parts) if parts else {COMPONENT_PARTS[c][0] for c in manifest["components"] if c in COMPONENT_PARTS}
    states: dict = {}
    for component, spec in manifest["components"].items():
        part, prefix = COMPONENT_PARTS.get(component, (None, ""))
        if part not in wanted:
            continue
        module = getattr(models, part)
        if module is None:
            raise ValueError(f"the pack has a {component} but the config builds no {part}")
        wrapped = E.modules_for(models)[component]
        shipped = _initializers(pack_dir / spec["file"])
        mapping = initializer_map(wrapped, component, models.cfg)
        state = states.setdefault(part, {})
        own = dict(wrapped.state_dict())
        for init_name, (pname, how) in mapping.items():
            if init_name not in shipped:
                raise ValueError(f"{component}: the pack's graph has no initializer {init_name!r}: the config does not describe it")
            value = shipped[init_name].T if how == "transposed" else shipped[init_name].reshape(own[pname].shape)
            state[pname[len(prefix):] if pname.startswith(prefix) else pname] = torch.from_numpy(np.array(value))
    for part, state in states.items():
        module = getattr(models, part)
        own = {n for n, p in module.state_dict().items() if p.dtype.is_floating_point}
        missing = sorted(own - set(state))
        if missing:
            raise ValueError(f"{part}: {len(missing)} parameters were not found in the pack's graphs ({', '.join(missing[:5])} ...)")
        module.load_state_dict(state, strict=False)
    return sorted(states)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pack", required=True, help="pack folder (manifest.json + ONNX graphs)")
    p.add_argument("--config", required=True, help="the config the pack was trained with (configs/<size>.json)")
    p.add_argument("--out", required=True, help="run folder to write (config.json + <part>.pt)")
    p.add_argument("--parts", nargs="*", help="parts to read (default: all the pack has)")
    p.add_argument("--seeded", nargs="*", default=[],
                   help="parts to write as the config builds them after torch.manual_seed(0), untrained (the compact "
                        "pack's frozen text encoder is that: its graph shares equal weights, so it cannot be read back)")
    a = p.parse_args(argv)
    cfg = SpireConfig.load(a.config)
    manifest = json.loads((Path(a.pack) / "manifest.json").read_text())
    cfg.autoencoder.scale_factor = manifest["latent"]["scaleFactor"]  # measured in training; the config may say 0
    torch.manual_seed(0)
    models = SpireModels(cfg)
    parts = load_from_pack(models, Path(a.pack), a.parts)
    parts = sorted(set(parts) | set(a.seeded))
    models.save(a.out, parts=parts)
    print(f"wrote {a.out}: config.json + " + ", ".join(f"{p}.pt" for p in parts))


if __name__ == "__main__":
    main()
