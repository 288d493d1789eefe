"""Regenerate the tiny random model packs and their goldens under test/fixtures/packs/.

    cd models && /usr/bin/python3 -m spire.fixtures                  # packs and goldens
    cd models && /usr/bin/python3 -m spire.fixtures --sampling-only  # only the sampling goldens
    cd models && /usr/bin/python3 -m spire.fixtures --estimator-only # only tiny-random's estimator and its goldens


For each pack (tiny-random: modulation fusion; tiny-random-additive: ControlNet-style
additive fusion) this builds the `fixture` config with seeded random weights (every
parameter, the zero-initialised ones included, gets a small seeded perturbation so no
output is trivially zero), trains a small BPE tokenizer on a fixed corpus, exports the
pack, and writes golden/index.json + raw little-endian .bin tensors:

  * one call per component on fixed inputs (inputs and PyTorch outputs), batch 2,
    a non-square 32x48 image so height/width mix-ups show;
  * sampling runs of the reference sampler (sampler.py) with the initial noise stored,
    the token ids of every prompt, the timesteps, the guided model output and the
    latents after every step, the decoded image and the sampler's output (faithful mode below
    strength 1: the detail-transferred image and the decoded reconstruction it subtracts).

The degradation estimator (estimator/model.onnx) is in tiny-random only: `--estimator-only` exports it into
the existing pack (spire.export update_pack: every other file stays as it is) and writes its goldens: the
component call, and "estimate", one photo read end to end (patch grid, per-patch outputs, the aggregate
and the prompt, with and without a JPEG quality from the file), what estimate.ts must reproduce.

`--sampling-only` keeps the exported packs and the component goldens and recomputes only the
sampling runs (index.json "sampling" and their .bin files); it keeps a .bin file whose values
move by at most 1e-5 (float noise), so only the files whose content changed are rewritten.

The format is documented in models/README.md ("Golden files"). Deterministic: the
same torch version rewrites the same numbers.
"""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import torch

from . import pack
from .config import SpireConfig, config_path
from .export import component_specs, example_inputs, export_pack, modules_for
from .sampler import SpireModels, sample
from .scheduler import DDIMScheduler
from .tokenizer import train_bpe

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "test" / "fixtures" / "packs"
HEIGHT, WIDTH = 32, 48  # component goldens (pixels); latents are 8x12
CORPUS = [
    "Remove all degradation",
    "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;",
    "Deblur with sigma 0.8; Denoise with sigma 0.10;",
    "Upsample to 2.0x; Dejpeg with quality 75;",
    "Deblur; Upsample; Denoise; Dejpeg;",
    "a photo of a cat sitting on a red sofa",
    "a dog running on the beach at sunset",
    "a bowl of fruit on a wooden table",
    "a city street with cars and people",
    "a portrait of a woman with long hair",
]
RUNS = [
    {"name": "full", "semanticPrompt": "a photo of a cat", "restorationPrompt": "Deblur with sigma 2.0; Denoise with sigma 0.05;",
     "negativePrompt": "", "numInferenceSteps": 4, "guidanceScale": 3.0, "eta": 0.0, "seed": 1234, "strength": 1.0,
     "useRestorer": False, "height": 32, "width": 40},
    {"name": "faithful", "semanticPrompt": "a dog on the beach", "restorationPrompt": "Remove all degradation",
     "negativePrompt": "", "numInferenceSteps": 4, "guidanceScale": 2.0, "eta": 0.0, "seed": 99, "strength": 0.6,
     "useRestorer": True, "height": 32, "width": 40},
]


class GoldenWriter:
    """Writes golden tensors into `folder`. With keep_atol > 0 an existing float32 file of the same
    shape whose values are all within keep_atol of the new ones is kept as it is (float noise from
    another CPU or build, far below the 1e-4 parity tolerance), so a partial rebuild only touches
    the files whose content really changed."""

    def __init__(self, folder: Path, keep_atol: float = 0.0):
        self.folder = folder
        self.keep_atol = keep_atol
        folder.mkdir(parents=True, exist_ok=True)

    def _unchanged(self, target: Path, a: np.ndarray) -> bool:
        if not target.exists() or target.stat().st_size != a.nbytes:
            return False
        old = np.fromfile(target, dtype=a.dtype)
        if self.keep_atol > 0 and a.dtype.kind == "f":
            return bool(np.all(np.abs(old - a.ravel()) <= self.keep_atol))
        return bool(np.array_equal(old, a.ravel()))

    def tensor(self, key: str, x) -> dict:
        a = x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)
        dtype = "int64" if a.dtype.kind in "iu" else "float32"
        a = np.ascontiguousarray(a, dtype="<i8" if dtype == "int64" else "<f4")
        file = f"{key}.bin"
        target = self.folder / file
        if not self._unchanged(target, a):
            tmp = self.folder / (file + ".tmp")
            a.tofile(tmp)
            tmp.replace(target)
        return {"file": file, "dtype": dtype, "shape": list(a.shape)}


def randomize(models: torch.nn.Module, seed: int):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in models.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)


@torch.no_grad()
def component_goldens(models: SpireModels, w: GoldenWriter) -> dict:
    cfg = models.cfg
    specs = component_specs(cfg, "float32")
    out = {}
    for name, module in modules_for(models).items():
        ins, outs = specs[name]
        inputs = example_inputs(ins, 2, HEIGHT, WIDTH, cfg.text_encoder.vocab_size, "cpu", torch.float32)
        result = module(*inputs)
        result = result if isinstance(result, tuple) else (result,)
        out[name] = {
            "inputs": {v["name"]: w.tensor(f"{name}.in.{v['name']}", x) for v, x in zip(ins, inputs)},
            "outputs": {v["name"]: w.tensor(f"{name}.out.{v['name']}", x) for v, x in zip(outs, result)},
        }
    return out


@torch.no_grad()
def sampling_golden(models: SpireModels, tok, run: dict, w: GoldenWriter) -> dict:
    cfg, n = models.cfg, run["name"]
    g = torch.Generator().manual_seed(run["seed"])
    image = torch.rand((1, 3, run["height"], run["width"]), generator=g) * 2 - 1  # (1, 3, H, W) in [-1, 1]
    f = cfg.autoencoder.downsampling_factor
    noise = torch.randn((1, cfg.autoencoder.latent_channels, run["height"] // f, run["width"] // f), generator=g)
    r = sample(models, tok, image, run["semanticPrompt"], run["restorationPrompt"], run["negativePrompt"],
               run["numInferenceSteps"], run["guidanceScale"], run["eta"], run["seed"], latents=noise,
               strength=run["strength"], use_restorer=run["useRestorer"])
    L = cfg.text_encoder.max_length
    ids = {k: w.tensor(f"{n}.ids.{k}", tok([run[p]], max_length=L))
           for k, p in (("semantic", "semanticPrompt"), ("negative", "negativePrompt"), ("restoration", "restorationPrompt"))}
    sched = DDIMScheduler(cfg.scheduler)
    sched.set_timesteps(run["numInferenceSteps"])
    trace = [{"timestep": t, "prevTimestep": sched.previous_timestep(t), "alphaProdT": sched.alpha_prod(t),
              "alphaProdPrev": sched.alpha_prod(sched.previous_timestep(t))} for t in r.timesteps]
    doc = dict(run)
    doc.update({
        "schedulerTrace": trace,
        "inputIds": ids,
        "image": w.tensor(f"{n}.image", image),
        "initialNoise": w.tensor(f"{n}.initial_noise", noise),
        "timesteps": r.timesteps,
        "initialLatents": w.tensor(f"{n}.initial_latents", r.initial_latents),
        "steps": [{"timestep": t, "noisePred": w.tensor(f"{n}.step{i}.noise_pred", e), "latents": w.tensor(f"{n}.step{i}.latents", z)}
                  for i, (t, e, z) in enumerate(zip(r.timesteps, r.step_noise_pred, r.step_latents))],
        "decoded": w.tensor(f"{n}.decoded", r.decoded.clamp(-1, 1)),
    })
    if r.restored_input is not None:
        doc["restoredInput"] = w.tensor(f"{n}.restored_input", r.restored_input)
    if r.reference is not None:  # detail transfer: output = clamp(restoredInput + decoder(z / s) - reconstruction)
        doc["reconstruction"] = w.tensor(f"{n}.reconstruction", r.reference)
        doc["output"] = w.tensor(f"{n}.output", r.image)
    return doc


PACK_SPECS = {"tiny-random": ("modulation", 0), "tiny-random-additive": ("additive", 1)}
ESTIMATOR_PACK = "tiny-random"  # the one fixture pack with a degradation estimator
ESTIMATE_IMAGE = (41, 70)  # height, width of the estimate golden's photo: an odd size, so the patch grid is not trivial


@torch.no_grad()
def estimator_goldens(models: SpireModels, w: GoldenWriter) -> tuple:
    """The estimator's component golden and the "estimate" golden (one photo read end to end)."""
    from . import estimator as E

    cfg = models.cfg
    ins, outs = component_specs(cfg, "float32")["estimator"]
    inputs = example_inputs(ins, 2, HEIGHT, WIDTH, cfg.text_encoder.vocab_size, "cpu", torch.float32)
    result = models.estimator(*inputs)
    component = {
        "inputs": {v["name"]: w.tensor(f"estimator.in.{v['name']}", x) for v, x in zip(ins, inputs)},
        "outputs": {v["name"]: w.tensor(f"estimator.out.{v['name']}", x) for v, x in zip(outs, result)},
    }
    g = torch.Generator().manual_seed(7)
    h, wd = ESTIMATE_IMAGE
    photo = torch.rand((h, wd, 3), generator=g).numpy()  # (H, W, 3) in [0, 1]
    e = cfg.estimator
    grid = E.patch_grid(h, wd, e.patch, e.max_patches)
    patches = E.patches_of(photo, e.patch, e.max_patches)
    logits, values, log_scales = (t.numpy() for t in models.estimator(torch.from_numpy(patches)))
    ops = E.aggregate(logits, values, log_scales)
    doc = {
        "image": w.tensor("estimate.image", photo), "patch": e.patch, "maxPatches": e.max_patches,
        "grid": [list(r) for r in grid], "patches": w.tensor("estimate.patches", patches),
        "logits": w.tensor("estimate.logits", logits), "values": w.tensor("estimate.values", values),
        "logScales": w.tensor("estimate.log_scales", log_scales),
        "aggregate": ops,
        "prompt": E.estimate_prompt(ops).text,
        "withJpegFile": {str(q): E.estimate_prompt(ops, q).text for q in (40, 97)},
    }
    return component, doc


def build_estimator(name: str = ESTIMATOR_PACK):
    """Exports the fixture's estimator into the existing pack folder and adds its goldens to index.json."""
    from .export import update_pack

    models, _ = fixture_models(name)
    out = PACKS / name
    update_pack(models, out, ["estimator"])
    folder = out / "golden"
    index = json.loads((folder / "index.json").read_text())
    component, doc = estimator_goldens(models, GoldenWriter(folder))
    index["components"]["estimator"] = component
    index["estimate"] = doc
    pack.write_json(folder / "index.json", index)
    print(f"{out.relative_to(ROOT)}: estimator and its goldens")


def fixture_models(name: str):
    """The seeded random models and tokenizer of a fixture pack (the same numbers on every run)."""
    fusion, seed = PACK_SPECS[name]
    torch.manual_seed(seed)
    tok = train_bpe(CORPUS, vocab_size=640, min_frequency=1, model_max_length=16)
    cfg = SpireConfig.load(config_path("fixture"))
    cfg.name = name
    cfg.adaptor.fusion = fusion
    cfg.text_encoder.vocab_size = tok.vocab_size
    models = SpireModels(cfg)
    randomize(models, seed)
    return models.eval(), tok


def build_pack(name: str):
    models, tok = fixture_models(name)
    seed = PACK_SPECS[name][1]
    out = PACKS / name
    if out.exists():
        shutil.rmtree(out)  # the fixture folder is generated, never hand-edited
    export_pack(models, tok, out)
    w = GoldenWriter(out / "golden")
    index = {
        "format": "spire-golden",
        "formatVersion": 1,
        "producer": {"generator": "models/spire/fixtures.py", "torch": torch.__version__, "numpy": np.__version__, "seed": seed},
        "encoding": "each tensor is a raw little-endian C-order file: float32 or int64 (dtype), dims in shape",
        "tolerance": {"float32": 1e-4},
        "components": component_goldens(models, w),
        "sampling": [sampling_golden(models, tok, run, w) for run in RUNS],
    }
    pack.write_json(out / "golden" / "index.json", index)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out.relative_to(ROOT)}: {size / 1e6:.2f} MB")


def rebuild_sampling(name: str):
    """Recomputes only the sampling goldens of an existing pack folder (index.json "sampling" + files)."""
    models, tok = fixture_models(name)
    folder = PACKS / name / "golden"
    index = json.loads((folder / "index.json").read_text())
    w = GoldenWriter(folder, keep_atol=1e-5)
    index["sampling"] = [sampling_golden(models, tok, run, w) for run in RUNS]
    used = {ref["file"] for doc in [index["components"], index["sampling"]] for ref in _refs(doc)}
    for stale in folder.glob("*.bin"):
        if stale.name not in used:
            stale.unlink()
    pack.write_json(folder / "index.json", index)
    print(f"{folder.relative_to(ROOT)}: sampling goldens rewritten")


def _refs(doc):
    """Every tensor reference ({file, dtype, shape}) inside a golden document."""
    if isinstance(doc, dict):
        if "file" in doc and "dtype" in doc:
            yield doc
        else:
            for v in doc.values():
                yield from _refs(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _refs(v)


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description="Regenerate the tiny fixture packs and their goldens.")
    ap.add_argument("--sampling-only", action="store_true", help="keep the packs and component goldens; recompute the sampling runs")
    ap.add_argument("--estimator-only", action="store_true", help=f"export only {ESTIMATOR_PACK}'s estimator and its goldens")
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    if args.estimator_only:
        build_estimator()
        return
    if args.sampling_only:
        for name in PACK_SPECS:
            rebuild_sampling(name)
        return
    for name in PACK_SPECS:
        build_pack(name)
    build_estimator()
    # tiny-random-fp16: tiny-random's graphs rewritten in float16 (fp16.py); it reuses tiny-random's goldens.
    from .fp16 import convert_pack
    convert_pack(PACKS / "tiny-random", PACKS / "tiny-random-fp16", force=True, log=lambda _: None)


if __name__ == "__main__":
    main()
