"""Import a Stable Diffusion 1.5-family model as a SPIRE pack (a plain prior: `adaptor: null`).

    cd models && /work/venv-sd/bin/python -m spire.import_sd SOURCE -o PACK_DIR [--fp16] [--restorer-from PACK]
                                                                 [--progress json] [--force]

SOURCE is a diffusers folder (model_index.json) or one .safetensors / .ckpt file in the original
(LDM) key layout. diffusers and transformers read the weights (their own single-file converters,
fed the SD 1.5 configs shipped in spire/data/sd15/, so nothing is downloaded); the graphs are
exported here with torch.onnx.export:

    text_encoder  input_ids int64 [batch, L]           -> last_hidden_state [batch, L, D]
    vae_encoder   sample [batch, 3, H, W] in [-1, 1]   -> latent_mean [batch, 4, H/f, W/f] (unscaled)
    vae_decoder   latent_sample [batch, 4, H/f, W/f]   -> sample [batch, 3, H, W]
    unet          sample, timestep float32 [batch], encoder_hidden_states -> out_sample

Recipe: 1. inspect the source (configs or checkpoint keys) and refuse what the engine cannot
run, before any file is written; 2. load the modules; 3. export them into a temp folder beside
the output; 4. optionally halve them (spire.fp16) and copy a restorer; 5. tokenizer, scheduler,
model card, manifest; 6. rename the temp folder to the output. Exit codes and the progress
format: models/README.md ("Importing a Stable Diffusion 1.5 model").
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import pack

DATA = Path(__file__).resolve().parent / "data"
SD15_CONFIGS = DATA / "sd15"
CLIP_TOKENIZER = DATA / "clip-tokenizer"
OPSET = 17
TOKENIZER_FILES = (("vocab", "vocab.json"), ("merges", "merges.txt"), ("config", "tokenizer_config.json"),
                   ("specialTokensMap", "special_tokens_map.json"))
# DDIM keys the engine reads (main/engine/scheduler/config.ts); the pack's scheduler config holds these.
SCHEDULER_KEYS = ("num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "prediction_type", "timestep_spacing",
                  "steps_offset", "set_alpha_to_one", "clip_sample", "clip_sample_range")
# Scheduler features the engine does not implement, with the value that means "off".
SCHEDULER_OFF = {"thresholding": False, "trained_betas": None, "rescale_betas_zero_snr": False}
DEFAULTS = {"steps": 20, "strength": 0.3, "guidanceScale": 7.5, "scheduler": "dpmpp-2m"}


class Unsupported(Exception):
    """The model is not one the engine can run: refused before anything is written (exit code 2)."""


@dataclass
class Source:
    """What the importer knows about the source before loading any weight."""
    path: Path
    kind: str  # "diffusers" or "single"
    unet: dict
    vae: dict
    text_encoder: dict
    scheduler: dict
    tokenizer_dir: Path
    weight_files: list = field(default_factory=list)  # files the model card hashes
    keys: dict = field(default_factory=dict)  # single file: key -> shape
    configs: Path | None = None  # single file: the --config folder its configs came from (None: SD 1.5's shipped)

    @property
    def latent_channels(self) -> int:
        return int(self.vae.get("latent_channels", 4))

    @property
    def vae_factor(self) -> int:
        return 2 ** (len(self.vae["block_out_channels"]) - 1)

    @property
    def size_multiple(self) -> int:
        return self.vae_factor * 2 ** (len(self.unet["block_out_channels"]) - 1)


# ---- 1. inspect and refuse -----------------------------------------------------------------------------------

def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unsupported(f"{path} is missing: a Stable Diffusion 1.5 diffusers folder has unet/, vae/, "
                          "text_encoder/, tokenizer/ and scheduler/") from None
    except json.JSONDecodeError as err:
        raise Unsupported(f"{path} is not valid JSON ({err})") from None


def _family_from_index(index: dict) -> str | None:
    """Names the model family a model_index.json describes when it is one we refuse."""
    cls = str(index.get("_class_name", ""))
    if "Flux" in cls:
        return "Flux"
    if "StableDiffusion3" in cls or "text_encoder_3" in index:
        return "Stable Diffusion 3"
    if "XL" in cls or "text_encoder_2" in index:
        return "SDXL"
    if "transformer" in index and "unet" not in index:
        return f"a transformer-based model ({cls or 'unknown pipeline'})"
    return None


def inspect_diffusers(folder: Path) -> Source:
    index = _read_json(folder / "model_index.json")
    family = _family_from_index(index)
    if family:
        raise Unsupported(f"{folder} is {family}; only Stable Diffusion 1.5-family models (one CLIP text encoder, "
                          "a 4-channel latent UNet) can be imported")
    for part in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        if part not in index:
            raise Unsupported(f"{folder}/model_index.json has no {part}; a Stable Diffusion 1.5 pipeline needs "
                              "unet, vae, text_encoder, tokenizer and scheduler")
    unet = _read_json(folder / "unet" / "config.json")
    if unet.get("addition_embed_type") == "text_time":
        raise Unsupported(f"{folder}: the UNet takes SDXL's text_time embeddings; SDXL is not supported")
    weights = sorted(p for sub in ("unet", "vae", "text_encoder") for p in (folder / sub).glob("*")
                     if p.suffix in (".safetensors", ".bin"))
    return Source(folder, "diffusers", unet, _read_json(folder / "vae" / "config.json"),
                  _read_json(folder / "text_encoder" / "config.json"),
                  _read_json(folder / "scheduler" / "scheduler_config.json"), folder / "tokenizer", weights)


def checkpoint_keys(path: Path) -> dict:
    """key -> shape of a single-file checkpoint, without keeping the weights (.safetensors reads only the header)."""
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    return {k: tuple(v.shape) for k, v in load_checkpoint(path).items() if hasattr(v, "shape")}


def load_checkpoint(path: Path) -> dict:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    import torch

    state = torch.load(str(path), map_location="cpu", weights_only=True)  # never unpickle arbitrary objects
    return state.get("state_dict", state)


def _family_from_keys(keys) -> str | None:
    if any("double_blocks." in k for k in keys):
        return "Flux"
    if any("joint_blocks." in k for k in keys):
        return "Stable Diffusion 3"
    if any(k.startswith("conditioner.embedders.") or k.startswith("model.diffusion_model.label_emb.") for k in keys):
        return "SDXL"
    if any(k.startswith("cond_stage_model.model.") for k in keys):
        return "Stable Diffusion 2.x (OpenCLIP text encoder; convert it to a diffusers folder and import that)"
    return None


def _prediction_from_yaml(path: Path) -> str | None:
    """A checkpoint's own LDM config beside it (<file>.yaml) says v-prediction with `parameterization: "v"`."""
    yaml = path.with_suffix(".yaml")
    if yaml.is_file():
        m = re.search(r"parameterization:\s*[\"']?(\w+)", yaml.read_text(encoding="utf-8", errors="replace"))
        if m:
            return "v_prediction" if m.group(1) == "v" else "epsilon"
    return None


def inspect_single(path: Path, prediction_type: str | None, config: Path | None = None) -> Source:
    """`config`, when given, is a diffusers folder whose component configs, scheduler and tokenizer describe the file
    (a model of other sizes than SD 1.5); its weights are not read. Without it, SD 1.5's shipped configs."""
    if path.suffix not in (".safetensors", ".ckpt"):
        raise Unsupported(f"{path}: a single-file model must be .safetensors or .ckpt")
    keys = checkpoint_keys(path)
    family = _family_from_keys(keys)
    if family:
        raise Unsupported(f"{path} is {family}; only Stable Diffusion 1.5-family models can be imported")
    need = {"unet": "model.diffusion_model.input_blocks.0.0.weight",
            "text": "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight",
            "vae": "first_stage_model.quant_conv.weight"}
    missing = [k for k in need.values() if k not in keys]
    if missing:
        raise Unsupported(f"{path} is not a Stable Diffusion 1.x checkpoint (no {missing[0]})")
    configs = Path(config) if config is not None else SD15_CONFIGS
    if config is not None and not configs.is_dir():
        raise Unsupported(f"--config {configs}: give a diffusers folder (unet/, vae/, text_encoder/, scheduler/, tokenizer/)")
    unet = _read_json(configs / "unet" / "config.json")
    vae = _read_json(configs / "vae" / "config.json")
    text = _read_json(configs / "text_encoder" / "config.json")
    sched = _read_json(configs / "scheduler" / "scheduler_config.json")
    tokenizer = configs / "tokenizer" if config is not None else CLIP_TOKENIZER
    # The checkpoint's own shapes: the engine checks below run on these, not on the shipped config.
    vae["latent_channels"] = keys[need["vae"]][0] // 2
    unet["in_channels"] = keys[need["unet"]][1]
    out_key = "model.diffusion_model.out.2.weight"
    unet["out_channels"] = keys[out_key][0] if out_key in keys else unet["in_channels"]
    text["hidden_size"] = keys[need["text"]][1]
    attn_k = "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"
    if attn_k in keys:
        unet["cross_attention_dim"] = keys[attn_k][1]
    default = sched.get("prediction_type", "epsilon") if config is not None else "epsilon"
    sched["prediction_type"] = prediction_type or _prediction_from_yaml(path) or default
    return Source(path, "single", unet, vae, text, sched, tokenizer, [path], keys, None if config is None else configs)


def check_sd15_sizes(src: Source) -> None:
    """A single file is read with Stable Diffusion 1.5's shipped configs (or --config's): its sizes must be those."""
    width = src.keys["model.diffusion_model.input_blocks.0.0.weight"][0]
    vocab = src.keys["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"][0]
    if width != src.unet["block_out_channels"][0] or vocab != src.text_encoder["vocab_size"]:
        if src.configs is not None:
            raise Unsupported(f"{src.path} does not fit the configs in {src.configs} (UNet width {width}, vocabulary "
                              f"{vocab}; the configs say {src.unet['block_out_channels'][0]} and "
                              f"{src.text_encoder['vocab_size']})")
        raise Unsupported(f"{src.path} has Stable Diffusion 1.x keys but other sizes (UNet width {width}, vocabulary "
                          f"{vocab}); convert it to a diffusers folder and import that, or pass --config with the "
                          "diffusers folder whose configs describe it")


def check_runnable(src: Source) -> None:
    """Refuses a model whose text encoder, latent or scheduler the engine cannot run."""
    cz = src.latent_channels
    if cz != 4:
        raise Unsupported(f"the VAE has {cz} latent channels; the engine runs Stable Diffusion 1.5's 4-channel latent "
                          "(16 channels is SD 3 / Flux)")
    if src.unet.get("_class_name", "UNet2DConditionModel") != "UNet2DConditionModel":
        raise Unsupported(f"the denoiser is a {src.unet.get('_class_name')}, not a UNet2DConditionModel")
    for key in ("in_channels", "out_channels"):
        if int(src.unet.get(key, 4)) != cz:
            raise Unsupported(f"the UNet's {key} is {src.unet.get(key)}, not the latent's {cz} channels "
                              "(inpainting and depth models take extra channels the engine does not feed)")
    if src.unet.get("addition_embed_type") or src.unet.get("class_embed_type"):
        raise Unsupported("the UNet takes extra conditioning (addition/class embeddings) the engine does not feed")
    model_type = src.text_encoder.get("model_type")
    archs = src.text_encoder.get("architectures") or ["CLIPTextModel"]
    if model_type not in (None, "clip_text_model") or archs[0] not in ("CLIPTextModel", "CLIPTextModelWithProjection"):
        raise Unsupported(f"the text encoder is {archs[0]} ({model_type}); the engine runs a CLIP text encoder")
    hidden = src.text_encoder.get("hidden_size")
    if not isinstance(hidden, int) or hidden <= 0:
        raise Unsupported("the text encoder's hidden size is unknown (text_encoder/config.json has no hidden_size)")
    ctx = src.unet.get("cross_attention_dim")
    if isinstance(ctx, list) or ctx != hidden:
        raise Unsupported(f"the UNet attends to {ctx}-wide text but the text encoder gives {hidden}")
    tok = _read_json(src.tokenizer_dir / "tokenizer_config.json") if (src.tokenizer_dir / "tokenizer_config.json").exists() else {}
    L = int(tok.get("model_max_length", 77))
    if L > int(src.text_encoder.get("max_position_embeddings", 77)):
        raise Unsupported(f"the tokenizer pads to {L} tokens but the text encoder has "
                          f"{src.text_encoder.get('max_position_embeddings')} positions")
    vocab = _read_json(src.tokenizer_dir / "vocab.json")
    if max(vocab.values()) >= int(src.text_encoder.get("vocab_size", 0)):
        raise Unsupported(f"the tokenizer has ids up to {max(vocab.values())} but the text encoder embeds only "
                          f"{src.text_encoder.get('vocab_size')}")
    for key, off in SCHEDULER_OFF.items():
        if src.scheduler.get(key, off) not in (off,) and not (off is None and src.scheduler.get(key) is None):
            raise Unsupported(f"the scheduler config sets {key} = {src.scheduler.get(key)!r}, which the engine does not implement")
    pred = src.scheduler.get("prediction_type", "epsilon")
    if pred not in ("epsilon", "v_prediction"):
        raise Unsupported(f"prediction_type {pred!r}: the importer takes epsilon or v_prediction models")
    if src.scheduler.get("beta_schedule", "scaled_linear") not in ("linear", "scaled_linear", "squaredcos_cap_v2"):
        raise Unsupported(f"beta_schedule {src.scheduler.get('beta_schedule')!r} is not one the engine implements")


def inspect_source(path, prediction_type: str | None = None, config=None) -> Source:
    path = Path(path)
    if path.is_dir():
        if prediction_type:
            raise Unsupported("--prediction-type is for single files; a diffusers folder's scheduler config says it")
        if config is not None:
            raise Unsupported("--config is for single files; a diffusers folder has its own configs")
        src = inspect_diffusers(path)
    elif path.is_file():
        src = inspect_single(path, prediction_type, config)
    else:
        raise FileNotFoundError(f"{path} does not exist")
    check_runnable(src)
    if src.kind == "single":
        check_sd15_sizes(src)
    return src


# ---- 2. load --------------------------------------------------------------------------------------------------

def load_modules(src: Source):
    """(text_encoder, vae, unet) as diffusers / transformers modules in float32, eval mode."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    if src.kind == "diffusers":
        unet = UNet2DConditionModel.from_pretrained(src.path, subfolder="unet", local_files_only=True)
        vae = AutoencoderKL.from_pretrained(src.path, subfolder="vae", local_files_only=True)
        text = CLIPTextModel.from_pretrained(src.path, subfolder="text_encoder", local_files_only=True)
    else:
        from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
        from diffusers.pipelines.stable_diffusion.convert_from_ckpt import convert_ldm_clip_checkpoint

        checkpoint = load_checkpoint(src.path)
        unet = UNet2DConditionModel.from_config(src.unet)
        _load_strict(unet, convert_ldm_unet_checkpoint(checkpoint, unet.config), "UNet")
        vae = AutoencoderKL.from_config(src.vae)
        _load_strict(vae, convert_ldm_vae_checkpoint(checkpoint, vae.config), "VAE")
        text = convert_ldm_clip_checkpoint(checkpoint, text_encoder=CLIPTextModel(CLIPTextConfig(**src.text_encoder)))
        del checkpoint
    return tuple(m.to(dtype=torch.float32).eval() for m in (text, vae, unet))


def _load_strict(module, state: dict, what: str) -> None:
    missing, unexpected = module.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"the checkpoint's {what} weights do not fit Stable Diffusion 1.5's {what}: "
                         f"missing {missing[:3]}, unexpected {unexpected[:3]}")


# ---- 3. export ------------------------------------------------------------------------------------------------

def _wrappers(text, vae, unet):
    import torch.nn as nn

    class TextEncoderOnnx(nn.Module):
        def __init__(self):
            super().__init__()
            self.text = text

        def forward(self, input_ids):  # [B, L] -> [B, L, D]
            return self.text(input_ids=input_ids, return_dict=False)[0]

    class VaeEncoderOnnx(nn.Module):
        def __init__(self):
            super().__init__()
            self.vae = vae

        def forward(self, sample):  # [B, 3, H, W] -> latent mean [B, 4, H/f, W/f], unscaled
            return self.vae.encode(sample).latent_dist.mean

    class VaeDecoderOnnx(nn.Module):
        def __init__(self):
            super().__init__()
            self.vae = vae

        def forward(self, latent_sample):  # [B, 4, H/f, W/f] (already divided by scaleFactor) -> [B, 3, H, W]
            return self.vae.decode(latent_sample, return_dict=False)[0]

    class UNetOnnx(nn.Module):
        def __init__(self):
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, encoder_hidden_states):
            return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]

    return {"text_encoder": TextEncoderOnnx(), "vae_encoder": VaeEncoderOnnx(), "vae_decoder": VaeDecoderOnnx(),
            "unet": UNetOnnx()}


def component_specs(src: Source, L: int, dtype: str = "float32") -> dict:
    f, cz, D = src.vae_factor, src.latent_channels, src.text_encoder["hidden_size"]
    V = pack.value_info
    image = ["batch", 3, "height", "width"]
    latent = ["batch", cz, f"height/{f}", f"width/{f}"]
    return {
        "text_encoder": ([V("input_ids", "int64", ["batch", L])], [V("last_hidden_state", dtype, ["batch", L, D])]),
        "vae_encoder": ([V("sample", dtype, image)], [V("latent_mean", dtype, latent)]),
        "vae_decoder": ([V("latent_sample", dtype, latent)], [V("sample", dtype, image)]),
        "unet": ([V("sample", dtype, latent), V("timestep", dtype, ["batch"]), V("encoder_hidden_states", dtype, ["batch", L, D])],
                 [V("out_sample", dtype, latent)]),
    }


def export_graphs(text, vae, unet, src: Source, L: int, out: Path, progress, span=(0.2, 0.85)) -> dict:
    """Exports the four graphs into `out`; returns the manifest components."""
    import torch

    from .export import example_inputs, export_onnx

    specs = component_specs(src, L)
    mods = _wrappers(text, vae, unet)
    side = src.size_multiple * 2  # trace small; the spatial axes stay dynamic
    weights = {"text_encoder": 1, "vae_encoder": 1, "vae_decoder": 1, "unet": 4}  # rough share of the export time
    done, total = 0, sum(weights.values())
    components = {}
    vocab = int(src.text_encoder["vocab_size"])
    for name, module in mods.items():
        progress("export", span[0] + (span[1] - span[0]) * done / total, f"exporting {name}")
        ins, outs = specs[name]
        inputs = example_inputs(ins, 2, side, side, vocab, "cpu", torch.float32)
        file = f"{name}/model.onnx"
        with torch.no_grad():
            data = export_onnx(module, inputs, ins, outs, out / file)
        components[name] = pack.component(file, ins, outs, "float32")
        if data:
            components[name]["externalData"] = f"{name}/{data}"
        done += weights[name]
    return components


# ---- 4. float16, restorer ---------------------------------------------------------------------------------------

def halve_components(out: Path, components: dict, names) -> None:
    """Rewrites the named float32 graphs in `out` as float16 (spire.fp16 rules), in place, and their manifest entries."""
    import onnx

    from .fp16 import ConversionReport, check_saved, convert_model, graph_io_dtypes

    for name in names:
        comp = components[name]
        if comp.get("dtype") != "float32":
            continue
        path = out / comp["file"]
        report = ConversionReport()
        # Graphs over 2 GB (SD 1.5's UNet, 3.4 GB in float32) are typed on a light copy and checked once saved.
        half = convert_model(onnx.load(str(path)), report=report)
        big = half.ByteSize() > 1_500_000_000 if not comp.get("externalData") else True
        if comp.get("externalData"):
            (out / comp["externalData"]).unlink()
        tmp = path.with_name(path.name + ".half")
        if big:
            data = Path(comp.get("externalData") or f"{name}/model.onnx_data").name
            onnx.save_model(half, str(tmp), save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                            size_threshold=1024)
            comp["externalData"] = f"{name}/{data}"
        else:
            onnx.save_model(half, str(tmp))
        if report.check_deferred:
            check_saved(tmp)
        tmp.replace(path)
        io = graph_io_dtypes(half)
        comp["dtype"] = "float16"
        for v in comp["inputs"] + comp["outputs"]:
            v["dtype"] = io[v["name"]]


def check_restorer_pack(donor: Path) -> dict:
    """The donor pack's manifest, when it has a restorer to copy; raises Unsupported otherwise."""
    path = Path(donor) / "manifest.json"
    if not path.is_file():
        raise Unsupported(f"--restorer-from {donor}: no manifest.json there")
    m = json.loads(path.read_text())
    if m.get("format") != pack.FORMAT or not m.get("hasRestorer") or "restorer" not in m.get("components", {}):
        raise Unsupported(f"--restorer-from {donor}: that pack has no restorer")
    return m


def copy_restorer(donor: Path, donor_manifest: dict, out: Path, components: dict, manifest: dict) -> None:
    """Copies the donor's restorer (and estimator). The restorer reads the restoration prompt through the donor's
    own text encoder; when that differs from the new pack's (always, for SD 1.5 and the embedded pack), it is copied
    as component `restoration_text_encoder` with its tokenizer under restoration_tokenizer/, and
    textEncoder.sharedForRestorationPrompt becomes false (manifest `restorationTextEncoder` says where)."""
    names = ["restorer"] + (["estimator"] if "estimator" in donor_manifest["components"] else [])
    dc = donor_manifest["components"]
    rest_ehs = next(v for v in dc["restorer"]["inputs"] if v["name"] == "encoder_hidden_states")
    ours = components["text_encoder"]["outputs"][0]["shape"]
    shared = list(rest_ehs["shape"][1:]) == list(ours[1:])
    if not shared:
        names.append("text_encoder")
    for name in names:
        comp = json.loads(json.dumps(dc[name]))
        target = "restoration_text_encoder" if name == "text_encoder" else name
        for key in ("file", "externalData"):
            if key in comp:
                rel = comp[key].replace(f"{name}/", f"{target}/", 1)
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(donor) / comp[key], out / rel)
                comp[key] = rel
        components[target] = comp
    manifest["hasRestorer"] = True
    if "estimator" in donor_manifest:
        manifest["estimator"] = donor_manifest["estimator"]
    manifest["textEncoder"]["sharedForRestorationPrompt"] = shared
    if not shared:
        files = {}
        for key, rel in donor_manifest["tokenizer"]["files"].items():
            dst = "restoration_tokenizer/" + Path(rel).name
            (out / dst).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(donor) / rel, out / dst)
            files[key] = dst
        manifest["restorationTextEncoder"] = {
            "component": "restoration_text_encoder",
            "hiddenSize": donor_manifest["textEncoder"]["hiddenSize"],
            "tokenizer": {"folder": "restoration_tokenizer", "files": files,
                          "maxLength": donor_manifest["tokenizer"]["maxLength"]},
        }


# ---- 5. small files ----------------------------------------------------------------------------------------------

def scheduler_config(src: Source) -> dict:
    """The source's scheduler as the DDIM config the engine reads (diffusers fills the keys the source leaves out)."""
    from diffusers import DDIMScheduler

    cfg = {k: v for k, v in src.scheduler.items() if not k.startswith("_")}
    ddim = DDIMScheduler.from_config(cfg).config
    out = {"_class_name": "DDIMScheduler"}
    out.update({k: ddim[k] for k in SCHEDULER_KEYS})
    return out


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                return h.hexdigest()
            h.update(block)


def model_card(src: Source, name: str, hashes: dict, manifest: dict) -> str:
    lines = [f"# {name}", "",
             "Imported by `spire.import_sd` as a plain Stable Diffusion prior (no SPIRE adaptor).", "",
             "## Source", "",
             f"- kind: {'diffusers folder' if src.kind == 'diffusers' else 'single-file checkpoint'}",
             f"- path: `{src.path.name}`"]
    if src.configs is not None:
        lines += [f"- configs and tokenizer: `{src.configs.name}` (--config)"]
    lines += [""]
    lines += ["| file | sha256 |", "| --- | --- |"]
    lines += [f"| `{rel}` | `{digest}` |" for rel, digest in hashes.items()]
    lines += ["", "## What the pack holds", "",
              f"- prediction type: {manifest['predictionType']}; latent scale factor {manifest['latent']['scaleFactor']}",
              f"- text encoder width {manifest['textEncoder']['hiddenSize']}, {manifest['tokenizer']['maxLength']} tokens",
              f"- restorer: {'copied from another pack' if manifest['hasRestorer'] else 'none'}", "",
              "## Licence and intended use", "",
              "Fill in from the source model's own card (Stable Diffusion 1.5 is under the CreativeML OpenRAIL-M "
              "licence, which restricts some uses and must travel with the weights).", ""]
    return "\n".join(lines)


def write_tokenizer(src: Source, out: Path, L: int) -> dict:
    files = {}
    for key, fname in TOKENIZER_FILES:
        if (src.tokenizer_dir / fname).is_file():
            dst = out / "tokenizer" / fname
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src.tokenizer_dir / fname, dst)
            files[key] = f"tokenizer/{fname}"
    for key in ("vocab", "merges"):
        if key not in files:
            raise Unsupported(f"{src.tokenizer_dir} has no {dict(TOKENIZER_FILES)[key]} (a CLIP BPE tokenizer needs it)")
    return files


def tokenizer_length(src: Source) -> int:
    p = src.tokenizer_dir / "tokenizer_config.json"
    return int(json.loads(p.read_text()).get("model_max_length", 77)) if p.is_file() else 77


def build_manifest(src: Source, name: str, components: dict, tok_files: dict, sched: dict, L: int) -> dict:
    import diffusers
    import torch
    import transformers

    return {
        "format": pack.FORMAT,
        "formatVersion": pack.FORMAT_VERSION,
        "name": name,
        "producer": {"tool": "spire.import_sd", "torch": torch.__version__, "diffusers": diffusers.__version__,
                     "transformers": transformers.__version__, "opset": OPSET},
        "nativeResolution": int(src.unet.get("sample_size", 64)) * src.vae_factor,
        "sizeMultiple": src.size_multiple,
        "imageRange": [-1.0, 1.0],
        "predictionType": sched["prediction_type"],
        "latent": {"channels": src.latent_channels, "scaleFactor": float(src.vae.get("scaling_factor", 0.18215)),
                   "downsamplingFactor": src.vae_factor},
        "scheduler": {"file": "scheduler/scheduler_config.json", "config": sched},
        "tokenizer": {"folder": "tokenizer", "files": tok_files, "maxLength": L},
        "textEncoder": {"hiddenSize": int(src.text_encoder["hidden_size"]), "sharedForRestorationPrompt": True},
        "adaptor": None,
        "hasRestorer": False,
        "components": components,
    }


def check_manifest(m: dict) -> None:
    """The cross-field rules main/engine/packs.ts checks for a pack without an adaptor; raises ValueError."""
    need = ["text_encoder", "vae_encoder", "vae_decoder", "unet"] + (["restorer"] if m["hasRestorer"] else [])
    for n in need:
        if n not in m["components"]:
            raise ValueError(f"components.{n} is missing")
    if m["scheduler"]["config"].get("prediction_type") != m["predictionType"]:
        raise ValueError("predictionType and scheduler.config.prediction_type disagree")
    c = m["components"]
    ids = c["text_encoder"]["inputs"][0]
    if ids["name"] != "input_ids" or ids["shape"][1] != m["tokenizer"]["maxLength"]:
        raise ValueError("text_encoder input_ids must be [batch, tokenizer.maxLength]")
    if c["text_encoder"]["outputs"][0]["shape"][2] != m["textEncoder"]["hiddenSize"]:
        raise ValueError("text_encoder output width != textEncoder.hiddenSize")
    cz = m["latent"]["channels"]
    if c["vae_encoder"]["outputs"][0]["name"] != "latent_mean" or c["vae_encoder"]["outputs"][0]["shape"][1] != cz:
        raise ValueError("vae_encoder must output latent_mean with latent.channels channels")
    if c["vae_decoder"]["inputs"][0]["shape"][1] != cz:
        raise ValueError("vae_decoder input channels != latent.channels")
    want = ["sample", "timestep", "encoder_hidden_states"] + [t for s in (m["adaptor"] or {}).get("skips", []) for t in s["tensors"]]
    if [v["name"] for v in c["unet"]["inputs"]] != want:
        raise ValueError(f"unet inputs must be {want}")
    if m.get("defaults") is not None:
        pack.check_defaults(m["defaults"], m["hasRestorer"])


# ---- the whole import ---------------------------------------------------------------------------------------------

class Progress:
    """Reports progress as JSON lines or plain text on stdout; fractions never go down."""

    def __init__(self, mode: str = "text", stream=None):
        self.mode, self.stream, self.fraction = mode, stream or sys.stdout, 0.0

    def __call__(self, stage: str, fraction: float, message: str, **extra) -> None:
        self.fraction = max(self.fraction, min(1.0, float(fraction)))
        if self.mode == "json":
            line = json.dumps({"stage": stage, "fraction": round(self.fraction, 4), "message": message, **extra})
        elif self.mode == "quiet":
            return
        else:
            line = f"[{self.fraction * 100:5.1f}%] {stage}: {message}"
        print(line, file=self.stream, flush=True)


def _interrupts_raise():
    """SIGTERM raises like Ctrl+C does, so the temp folder is removed on the way out. Returns the old handler."""
    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        return signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (tests)
        return None


def import_sd(source, out, fp16: bool = False, restorer_from=None, force: bool = False, name: str | None = None,
              prediction_type: str | None = None, progress=None, defaults: dict | None = DEFAULTS,
              _after_export=None, config=None) -> dict:
    """Imports `source` into the new pack folder `out`; returns the manifest. Raises Unsupported (nothing written),
    FileExistsError, or whatever failed (the temp folder removed). `_after_export` is a test hook."""
    progress = progress or Progress("quiet")
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise FileExistsError(f"{out} exists: choose another output folder or pass --force to replace it")
    progress("check", 0.0, f"reading {source}")
    src = inspect_source(source, prediction_type, config)
    donor = check_restorer_pack(restorer_from) if restorer_from else None
    L = tokenizer_length(src)
    name = name or out.name
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
    old_term = _interrupts_raise()
    try:
        hashes = {}
        for i, f in enumerate(src.weight_files):
            progress("check", 0.01 + 0.04 * i / max(1, len(src.weight_files)), f"sha256 of {f.name}")
            hashes[str(f.relative_to(src.path)) if src.kind == "diffusers" else f.name] = sha256_file(f)
        progress("load", 0.05, "loading the model with diffusers")
        text, vae, unet = load_modules(src)
        components = export_graphs(text, vae, unet, src, L, tmp, progress)
        del text, vae, unet
        if _after_export is not None:
            _after_export(tmp)
        manifest = build_manifest(src, name, components, write_tokenizer(src, tmp, L), scheduler_config(src), L)
        if donor is not None:
            progress("restorer", 0.86, f"copying the restorer from {restorer_from}")
            copy_restorer(Path(restorer_from), donor, tmp, components, manifest)
        if fp16:
            progress("fp16", 0.88, "converting the graphs to float16")
            halve_components(tmp, components, list(components))
        progress("write", 0.95, "tokenizer, scheduler, model card, manifest")
        pack.write_json(tmp / "scheduler" / "scheduler_config.json", manifest["scheduler"]["config"])
        if defaults is not None:
            manifest["defaults"] = dict(defaults, **({"useRestorer": True} if manifest["hasRestorer"] else {}))
        check_manifest(manifest)
        (tmp / "MODEL_CARD.md").write_text(model_card(src, name, hashes, manifest), encoding="utf-8")
        pack.write_json(tmp / "manifest.json", manifest)
        os.chmod(tmp, 0o777 & ~_umask())
        _replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
    progress("done", 1.0, f"wrote {out}", pack=str(out))
    return manifest


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _replace_folder(tmp: Path, out: Path) -> None:
    """Renames tmp to out; an existing out (allowed by --force, or empty) is moved aside first and removed after."""
    if out.exists():
        aside = out.with_name(f".{out.name}.old-{os.getpid()}-{int(time.time())}")
        out.rename(aside)
        try:
            tmp.rename(out)
        except BaseException:
            aside.rename(out)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        tmp.rename(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m spire.import_sd", description=__doc__.splitlines()[0])
    p.add_argument("source", help="a diffusers folder (model_index.json) or a .safetensors / .ckpt file")
    p.add_argument("-o", "--out", required=True, help="the pack folder to create")
    p.add_argument("--fp16", action="store_true", help="convert the graphs to float16 (spire.fp16)")
    p.add_argument("--restorer-from", metavar="PACK", help="copy this pack's restorer (and estimator)")
    p.add_argument("--progress", choices=("json", "text"), default="text", help="progress lines on stdout")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.add_argument("--name", help="pack name in the manifest (default: the output folder's name)")
    p.add_argument("--prediction-type", choices=("epsilon", "v_prediction"),
                   help="single files only (the checkpoint does not say); default: a <file>.yaml beside it, else epsilon")
    p.add_argument("--config", metavar="FOLDER",
                   help="single files only: a diffusers folder whose unet/vae/text_encoder/scheduler configs and "
                        "tokenizer describe the file (default: Stable Diffusion 1.5's shipped configs); its weights "
                        "are not read")
    a = p.parse_args(argv)
    progress = Progress(a.progress)
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        import_sd(a.source, a.out, a.fp16, a.restorer_from, a.force, a.name, a.prediction_type, progress,
                  config=a.config)
    except Unsupported as err:
        print(f"import-unsupported: {err}", file=sys.stderr, flush=True)
        return 2
    except (FileExistsError, FileNotFoundError) as err:  # the output exists, the source does not
        print(f"import-usage: {err}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt as err:
        print(f"import-cancelled: {err or 'interrupted'}; nothing was written", file=sys.stderr, flush=True)
        return 143 if "signal" in str(err) else 130
    except ImportError as err:
        print(f"import-failed: {err}: the importer needs diffusers and transformers "
              "(pip install diffusers==0.27.2 transformers==4.38.2 safetensors)", file=sys.stderr, flush=True)
        return 1
    except Exception as err:  # noqa: BLE001 - the CLI reports every failure in one line
        print(f"import-failed: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
