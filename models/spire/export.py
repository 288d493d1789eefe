"""Export trained (or random) SPIRE models to a model pack folder of ONNX graphs + manifest.json.

    cd models && /usr/bin/python3 -m spire.export --run runs/tiny --out ../packs/tiny [--fp16 --device cuda] [--force]

Each part is wrapped in a module whose forward has the pack's input/output
names, exported with torch.onnx.export (opset 17) with dynamic batch and
spatial axes, and described in the manifest (see pack.py, models/README.md).
"""
import argparse
import copy
import inspect
import json
import os
from pathlib import Path

import torch
import torch.nn as nn

from . import pack
from .config import SpireConfig
from .prompts import degradation_vector_size
from .sampler import SpireModels, load_tokenizer
from .scheduler import DDIMScheduler
from .unet import fusion_tensor_names, skip_specs

OPSET = 17


class VaeEncoderOnnx(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        return self.vae.encode(sample)  # latent_mean, latent_logvar


class VaeDecoderOnnx(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample)


def component_specs(cfg: SpireConfig, dtype: str) -> dict:
    """Inputs/outputs of every component: name, dtype and symbolic shape (manifest form)."""
    f = cfg.autoencoder.downsampling_factor
    cz, L, D = cfg.autoencoder.latent_channels, cfg.text_encoder.max_length, cfg.context_dim
    V = pack.value_info
    image = ["batch", 3, "height", "width"]
    latent = ["batch", cz, f"height/{f}", f"width/{f}"]
    fused = []
    for s in skip_specs(cfg.unet):
        d = f * s.downscale
        for name in fusion_tensor_names(cfg.unet, cfg.adaptor.fusion):
            if name.rsplit("_", 1)[0] == s.name:
                fused.append(V(name, dtype, ["batch", s.channels, f"height/{d}", f"width/{d}"]))
    specs = {
        "text_encoder": ([V("input_ids", "int64", ["batch", L])], [V("last_hidden_state", dtype, ["batch", L, D])]),
        "vae_encoder": ([V("sample", dtype, image)], [V("latent_mean", dtype, latent), V("latent_logvar", dtype, latent)]),
        "vae_decoder": ([V("latent_sample", dtype, latent)], [V("sample", dtype, image)]),
        "unet": (
            [V("sample", dtype, latent), V("timestep", dtype, ["batch"]), V("encoder_hidden_states", dtype, ["batch", L, D])] + fused,
            [V("out_sample", dtype, latent)],
        ),
        "adaptor": (
            [V("sample", dtype, latent), V("timestep", dtype, ["batch"]), V("encoder_hidden_states", dtype, ["batch", L, D]),
             V("cond_image", dtype, image)],
            fused,
        ),
    }
    if cfg.restorer.enabled:
        ins = [V("image", dtype, image), V("encoder_hidden_states", dtype, ["batch", L, D])]
        if cfg.restorer.degradation_input:
            ins.append(V("degradation", dtype, ["batch", degradation_vector_size()]))
        specs["restorer"] = (ins, [V("restored", dtype, image)])
    if cfg.estimator.enabled:
        from .estimator import OPERATIONS

        per_op = ["batch", len(OPERATIONS)]
        specs["estimator"] = ([V("image", dtype, image)],
                              [V("logits", dtype, per_op), V("values", dtype, per_op), V("log_scales", dtype, per_op)])
    return specs


def example_inputs(specs, batch: int, height: int, width: int, vocab: int, device, dtype):
    """Concrete tensors for the symbolic shapes (for tracing and for goldens)."""
    def size(d):
        if isinstance(d, int):
            return d
        if d == "batch":
            return batch
        base, _, div = d.partition("/")
        n = height if base == "height" else width
        return n // int(div) if div else n

    g = torch.Generator().manual_seed(0)
    out = []
    for v in specs:
        shape = [size(d) for d in v["shape"]]
        if v["dtype"] == "int64":
            out.append(torch.randint(0, vocab, shape, generator=g).to(device))
        elif v["name"] == "timestep":
            out.append(torch.randint(0, 1000, shape, generator=g).to(device=device, dtype=dtype))
        else:
            out.append(torch.randn(shape, generator=g).to(device=device, dtype=dtype))
    return out


def dynamic_axes(values) -> dict:
    axes = {}
    for v in values:
        named = {i: d.replace("/", "_over_") for i, d in enumerate(v["shape"]) if isinstance(d, str)}
        if named:
            axes[v["name"]] = named
    return axes


EXTERNAL_DATA_BYTES = 1_500_000_000  # protobuf caps a file at 2 GB: larger graphs keep weights in model.onnx_data


def export_onnx(module, inputs, ins, outs, path: Path, external_data: bool | None = None) -> str | None:
    """Exports one graph to `path`; returns the external data file name when weights live beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if external_data is None:
        external_data = sum(p.numel() * p.element_size() for p in module.parameters()) > EXTERNAL_DATA_BYTES
    if external_data:
        return _export_external(module, inputs, ins, outs, path)
    tmp = path.with_name(path.name + ".tmp")
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False  # PyTorch >= 2.9 defaults to the dynamo exporter; keep the TorchScript one
    torch.onnx.export(
        module, tuple(inputs), str(tmp), opset_version=OPSET, do_constant_folding=True,
        input_names=[v["name"] for v in ins], output_names=[v["name"] for v in outs],
        dynamic_axes=dynamic_axes(ins + outs), **extra,
    )
    tmp.replace(path)
    return None


def _export_external(module, inputs, ins, outs, path: Path) -> str:
    """Export in a scratch folder, then gather every weight into one model.onnx_data beside model.onnx."""
    import tempfile

    import onnx

    data_name = path.name + "_data"
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        raw = Path(scratch) / "raw.onnx"
        export_onnx(module, inputs, ins, outs, raw, external_data=False)  # over 2 GB torch writes tensor files itself
        model = onnx.load(str(raw))  # and this reads them back
        staged = Path(scratch) / "staged"
        staged.mkdir()
        onnx.save_model(model, str(staged / path.name), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
        (staged / data_name).replace(path.parent / data_name)
        (staged / path.name).replace(path)
    return data_name


def modules_for(models: SpireModels) -> dict:
    mods = {
        "text_encoder": models.text_encoder,
        "vae_encoder": VaeEncoderOnnx(models.vae),
        "vae_decoder": VaeDecoderOnnx(models.vae),
        "unet": models.unet,
        "adaptor": models.adaptor,
    }
    if models.restorer is not None:
        mods["restorer"] = models.restorer
    if models.estimator is not None:
        mods["estimator"] = models.estimator
    return mods


@torch.no_grad()
def export_pack(models: SpireModels, tokenizer, out, fp16: bool = False, force: bool = False, device="cpu",
                external_data: bool | None = None, defaults: dict | None = None) -> dict:
    """Writes the whole pack folder; returns the manifest. external_data: None = only for graphs over 1.5 GB.
    defaults: the run settings the pack recommends (manifest `defaults`), checked before any work.
    Moves `models` to `device` and the export dtype in place."""
    cfg = models.cfg
    out = Path(out)
    if defaults is not None:
        pack.check_defaults(defaults, models.restorer is not None)
    pack.check_output_folder(out, force)
    dtype = "float16" if fp16 else "float32"
    tdtype = torch.float16 if fp16 else torch.float32
    if fp16 and torch.device(device).type != "cuda":
        raise ValueError("fp16 export runs the graphs in half precision while tracing: use --device cuda")
    models = models.to(device=device, dtype=tdtype).eval()
    specs = component_specs(cfg, dtype)
    components = {}
    side = models.size_multiple * 2  # trace at a small size; spatial axes stay dynamic
    for name, module in modules_for(models).items():
        ins, outs = specs[name]
        inputs = example_inputs(ins, 2, side, side, cfg.text_encoder.vocab_size, device, tdtype)
        file = f"{name}/model.onnx"
        data = export_onnx(module, inputs, ins, outs, out / file, external_data)
        components[name] = pack.component(file, ins, outs, dtype)
        if data:
            components[name]["externalData"] = f"{name}/{data}"
    tokenizer = copy.copy(tokenizer)
    tokenizer.model_max_length = cfg.text_encoder.max_length  # tokenizer_config.json says the encoder's L
    tokenizer.save(out / "tokenizer")
    tok_files = {k: f"tokenizer/{v}" for k, v in (("vocab", "vocab.json"), ("merges", "merges.txt"), ("config", "tokenizer_config.json"),
                                                  ("specialTokensMap", "special_tokens_map.json")) if (out / "tokenizer" / v).exists()}
    sched = DDIMScheduler(cfg.scheduler).config_dict()
    pack.write_json(out / "scheduler" / "scheduler_config.json", sched)
    f = cfg.autoencoder.downsampling_factor
    skips = []
    names = fusion_tensor_names(cfg.unet, cfg.adaptor.fusion)
    for s in skip_specs(cfg.unet):
        skips.append({"name": s.name, "channels": s.channels, "downscale": s.downscale * f,
                      "tensors": [n for n in names if n.rsplit("_", 1)[0] == s.name]})
    producer = {"tool": "spire.export", "torch": torch.__version__, "opset": OPSET}
    manifest = pack.build_manifest(cfg, components, skips, tok_files, sched, producer, defaults)
    pack.write_json(out / "manifest.json", manifest)
    return manifest


@torch.no_grad()
def update_pack(models: SpireModels, pack_dir, parts, device="cpu") -> dict:
    """Re-exports only ``parts`` (pack component names, e.g. restorer, estimator) of a run into an existing
    pack: their graphs are replaced or added, the manifest's components (and estimator section) updated, every
    other file left byte for byte as it was. The run's config must describe the pack (same sizes)."""
    pack_dir = Path(pack_dir)
    manifest_path = pack_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    cfg = models.cfg
    models = models.to(device=device, dtype=torch.float32).eval()
    specs = component_specs(cfg, "float32")
    mods = modules_for(models)
    unknown = [p for p in parts if p not in mods]
    if unknown:
        raise ValueError(f"the run has no {', '.join(unknown)} to export (it has {', '.join(mods)})")
    side = models.size_multiple * 2
    for name in parts:
        ins, outs = specs[name]
        inputs = example_inputs(ins, 2, side, side, cfg.text_encoder.vocab_size, device, torch.float32)
        file = f"{name}/model.onnx"
        export_onnx(mods[name], inputs, ins, outs, pack_dir / file, external_data=False)
        manifest["components"][name] = pack.component(file, ins, outs, "float32")
    rebuilt = pack.build_manifest(cfg, manifest["components"], manifest["adaptor"]["skips"], manifest["tokenizer"]["files"],
                                  manifest["scheduler"]["config"], manifest["producer"], manifest.get("defaults"))
    for key in ("hasRestorer", "estimator"):
        if key in rebuilt:
            manifest[key] = rebuilt[key]
    pack.write_json(manifest_path, manifest)
    return manifest


@torch.no_grad()
def export_sd_adaptor(prior, pack_in, out, force: bool = False) -> dict:
    """An imported SD 1.5 pack (spire.import_sd, `adaptor: null`) plus a trained adaptor (sd_prior.SDPrior) ->
    a SPIRE pack in `out`: every file of `pack_in` copied, then unet/ re-exported as our UNet with the fused
    (gamma, beta) inputs, adaptor/model.onnx added, the manifest's `adaptor` section and those two components
    written. The text encoder, VAE graphs, tokenizer and scheduler stay the importer's. `pack_in` is not changed.
    Refused: float16 packs (export float32, then spire.fp16) and packs whose restoration prompt goes through a
    separate text encoder (the adaptor was trained on the CLIP encoding of the restoration prompt)."""
    import shutil
    import tempfile

    pack_in, out = Path(pack_in), Path(out)
    manifest = json.loads((pack_in / "manifest.json").read_text())
    if manifest.get("adaptor") is not None:
        raise ValueError(f"{pack_in} already has an adaptor; start from the imported (adaptor-less) pack")
    if not manifest["textEncoder"].get("sharedForRestorationPrompt", True):
        raise ValueError(f"{pack_in} encodes the restoration prompt with its own text encoder, but the adaptor was "
                         "trained on the SD text encoder's encoding: import without --restorer-from, or with a "
                         "restorer that shares the text encoder")
    if any(c.get("dtype") != "float32" for c in manifest["components"].values()):
        raise ValueError(f"{pack_in} is float16: export into the float32 import, then run spire.fp16")
    cfg = prior.cfg
    if manifest["textEncoder"]["hiddenSize"] != cfg.context_dim or manifest["latent"]["channels"] != cfg.autoencoder.latent_channels:
        raise ValueError(f"{pack_in} does not describe the run's prior (text width / latent channels differ)")
    pack.check_output_folder(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.export-", dir=out.parent) as scratch:
        staged = Path(scratch) / "pack"
        shutil.copytree(pack_in, staged)
        for old in (staged / "unet").glob("*"):
            old.unlink()  # the importer's UNet (and its external data) is replaced by ours with fused inputs
        specs = component_specs(cfg, "float32")
        side = prior.size_multiple * 2
        for name, module in (("unet", prior.unet.float().eval()), ("adaptor", prior.adaptor.float().eval())):
            ins, outs = specs[name]
            inputs = example_inputs(ins, 2, side, side, cfg.text_encoder.vocab_size, "cpu", torch.float32)
            file = f"{name}/model.onnx"
            data = export_onnx(module, inputs, ins, outs, staged / file)
            manifest["components"][name] = pack.component(file, ins, outs, "float32")
            if data:
                manifest["components"][name]["externalData"] = f"{name}/{data}"
        f = cfg.autoencoder.downsampling_factor
        names = fusion_tensor_names(cfg.unet, cfg.adaptor.fusion)
        manifest["adaptor"] = {"fusion": cfg.adaptor.fusion, "skips": [
            {"name": s.name, "channels": s.channels, "downscale": s.downscale * f,
             "tensors": [n for n in names if n.rsplit("_", 1)[0] == s.name]} for s in skip_specs(cfg.unet)]}
        manifest["producer"] = dict(manifest["producer"], adaptorTool="spire.export --sd-pack", adaptorTorch=torch.__version__)
        pack.write_json(staged / "manifest.json", manifest)
        if out.exists():
            shutil.rmtree(out)
        staged.replace(out)
    return manifest


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="training run folder (config.json + <part>.pt)")
    p.add_argument("--out", required=True, help="pack folder to write")
    p.add_argument("--fp16", action="store_true", help="export float16 graphs (needs --device cuda)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out folder")
    p.add_argument("--update", nargs="+", metavar="COMPONENT",
                   help="replace or add only these components (e.g. restorer estimator) in the existing pack --out, "
                        "keeping its other files as they are")
    p.add_argument("--defaults", metavar="JSON", default=None,
                   help='run settings the pack recommends, written to manifest.json `defaults`, e.g. '
                        '\'{"useRestorer": true, "strength": 0.25, "steps": 20}\' (see models/README.md)')
    p.add_argument("--sd-pack", metavar="PACK",
                   help="--run is an SD-prior run (train.py --prior): write its adaptor into a copy of this imported "
                        "pack (spire.import_sd output) at --out")
    a = p.parse_args()
    if a.sd_pack:
        from .sd_prior import SDPrior

        manifest = export_sd_adaptor(SDPrior.load_run(a.run), a.sd_pack, a.out, a.force)
        print(f"wrote {a.out}: " + ", ".join(manifest["components"]) + f" (adaptor: {manifest['adaptor']['fusion']})")
        return
    defaults = None
    if a.defaults is not None:
        try:
            defaults = json.loads(a.defaults)
        except json.JSONDecodeError as err:
            p.error(f"--defaults is not valid JSON ({err})")
    torch.set_num_threads(os.cpu_count() or 1)
    models = SpireModels.load(a.run, a.device)
    if a.update:
        if not (Path(a.out) / "manifest.json").exists():
            p.error(f"--update needs an existing pack in --out; {a.out} has no manifest.json")
        manifest = update_pack(models, a.out, a.update, a.device)
        print(f"updated {a.out}: " + ", ".join(a.update) + f" (components: {', '.join(manifest['components'])})")
        return
    try:
        if defaults is not None:
            pack.check_defaults(defaults, models.restorer is not None)
    except ValueError as err:
        p.error(f"--defaults: {err}")
    manifest = export_pack(models, load_tokenizer(models.cfg), a.out, a.fp16, a.force, a.device, defaults=defaults)
    print(f"wrote {a.out}: " + ", ".join(manifest["components"]))


if __name__ == "__main__":
    main()
