"""PyTorch side of `npm run bench`: builds the benchmark pack and times the reference sampler.

    /usr/bin/python3 models/tools/bench_reference.py build --out models/runs/bench-small
    /usr/bin/python3 models/tools/bench_reference.py time --run models/runs/bench-small/run \\
        --inputs models/runs/bench-small/inputs --size 256 --steps 20 --repeats 3 --output out.f32

`build --config compact --out models/runs/bench-compact --sizes 512` makes a random-weights pack of the
embedded model's architecture, for `npm run bench -- --only default --model models/runs/bench-compact/pack`
(its timings are the real model's; its images are noise).

`build` writes, in one folder (cached by scripts/bench/run.mjs; models/runs/ is gitignored):

    run/      a `small`-config run folder (config.json + <part>.pt) with SEEDED RANDOM weights:
              default initialisation plus a small seeded perturbation of every parameter (as the
              test fixtures do, so the zero-initialised fusion convs are not exactly zero). No
              training: the numbers it restores are noise; only the timings mean anything.
    pack/     that run exported with spire.export (float32 ONNX + manifest.json)
    inputs/   input-<size>.f32 (H, W, 3) float32 in [0, 1] and noise-<size>.f32 (1, Cz, H/f, W/f)
              float32, the SAME input image and initial noise the engine is given
    bench-info.json   what was built (config, seed, parameter counts, torch version)

`time` loads the run folder, runs spire.sampler.sample() `--warmup` times untimed, then `--repeats`
times on the stored input and noise, and prints ONE line of JSON on stdout (progress on stderr):
per-run end-to-end seconds (sample() call, from
the [-1, 1] tensor in to the clamped image out; model loading is timed apart), per-step
seconds (from forward pre-hooks: step i runs from the adaptor call of step i to the adaptor call
of step i + 1, the last one to the VAE decoder call), and the process's RSS high-water mark
(getrusage ru_maxrss) after loading and at the end. Threads: torch.set_num_threads(os.cpu_count()).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

MODELS_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS_DIR))

from spire import prompts  # noqa: E402
from spire.config import SpireConfig, config_path  # noqa: E402
from spire.export import export_pack  # noqa: E402
from spire.fixtures import randomize  # noqa: E402
from spire.sampler import SpireModels, load_tokenizer, sample  # noqa: E402

FORMAT = "spire-bench-reference"
# The latent scale of an untrained VAE cannot be measured (train.py measures 1 / std of the
# latents after the vae stage); the bench uses Stable Diffusion's value so the recipe runs.
SCALE_FACTOR = 0.18215


def max_rss_mib() -> float:
    """This process's resident-set high-water mark in MiB (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def write_f32(path: Path, a: np.ndarray):
    tmp = path.with_name(path.name + ".tmp")
    np.ascontiguousarray(a, dtype="<f4").tofile(tmp)
    tmp.replace(path)


def read_f32(path: Path, shape) -> np.ndarray:
    a = np.fromfile(path, dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise SystemExit(f"error: {path} holds {a.size} float32 values, expected {tuple(shape)}: delete the bench folder and rebuild")
    return a.reshape(shape)


def bench_input(size: int, seed: int) -> np.ndarray:
    """A smooth synthetic photo-like picture (H, W, 3) in [0, 1] with a little seeded noise."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    r = 0.5 + 0.35 * np.sin(9 * xx) * np.cos(7 * yy)
    g = 0.2 + 0.6 * xx
    b = 0.3 + 0.5 * np.exp(-((xx - 0.3) ** 2 + (yy - 0.5) ** 2) / 0.05)
    img = np.stack([r, g, b], axis=-1)
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1).astype(np.float32)


def build(args):
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        if not args.force:
            raise SystemExit(f"error: {out} is not empty: pass --force to rebuild it")
        shutil.rmtree(out)
    torch.set_num_threads(os.cpu_count() or 1)
    tmp = out.with_name(out.name + ".building")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    torch.manual_seed(args.seed)
    cfg = SpireConfig.load(config_path(args.config))
    cfg.name = f"bench-{args.config}-random"
    cfg.autoencoder.scale_factor = SCALE_FACTOR
    models = SpireModels(cfg)
    randomize(models, args.seed)
    models.eval()
    models.save(tmp / "run")
    tok = load_tokenizer(cfg)
    export_pack(models, tok, tmp / "pack")
    inputs = tmp / "inputs"
    inputs.mkdir()
    f = cfg.autoencoder.downsampling_factor
    for size in args.sizes:
        write_f32(inputs / f"input-{size}.f32", bench_input(size, args.seed))
        g = torch.Generator().manual_seed(args.seed)
        noise = torch.randn((1, cfg.autoencoder.latent_channels, size // f, size // f), generator=g)
        write_f32(inputs / f"noise-{size}.f32", noise.numpy())
    counts = {name: sum(p.numel() for p in getattr(models, name).parameters())
              for name in ("text_encoder", "vae", "unet", "adaptor", "restorer") if getattr(models, name) is not None}
    info = {
        "format": "spire-bench-pack",
        "config": args.config,
        "weights": "seeded random initialisation (+0.05 * N(0,1) on every parameter), NO training",
        "seed": args.seed,
        "scaleFactor": SCALE_FACTOR,
        "nativeResolution": cfg.image_size,
        "downsamplingFactor": f,
        "sizeMultiple": models.size_multiple,
        "parameters": counts,
        "parametersTotal": sum(counts.values()),
        "inputSizes": args.sizes,
        "torch": torch.__version__,
        "buildSeconds": round(time.perf_counter() - started, 1),
    }
    (tmp / "bench-info.json").write_text(json.dumps(info, indent=2))
    tmp.replace(out)
    print(json.dumps(info))


@torch.no_grad()
def time_reference(args):
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    t_load = time.perf_counter()
    models = SpireModels.load(args.run).eval()
    tok = load_tokenizer(models.cfg)
    load_s = time.perf_counter() - t_load
    rss_after_load = max_rss_mib()

    cfg = models.cfg
    size, f = args.size, cfg.autoencoder.downsampling_factor
    if size % models.size_multiple:
        raise SystemExit(f"error: --size {size} is not a multiple of {models.size_multiple}")
    inputs = Path(args.inputs)
    img = read_f32(inputs / f"input-{size}.f32", (size, size, 3))
    noise = torch.from_numpy(read_f32(inputs / f"noise-{size}.f32", (1, cfg.autoencoder.latent_channels, size // f, size // f)).copy())
    image = torch.from_numpy(img).permute(2, 0, 1)[None].contiguous() * 2 - 1  # (1, 3, H, W) in [-1, 1]
    restoration = prompts.parse(args.restoration).text  # the canonical text, as the engine passes it

    marks: list = []
    h1 = models.adaptor.register_forward_pre_hook(lambda m, i: marks.append(time.perf_counter()))
    h2 = models.vae.decoder.register_forward_pre_hook(lambda m, i: marks.append(time.perf_counter()))
    runs, warmup_s = [], []
    result = None
    for i in range(args.warmup + args.repeats):
        marks.clear()
        t0 = time.perf_counter()
        result = sample(models, tok, image, args.semantic, restoration, args.negative, args.steps, args.guidance,
                        0.0, args.seed, latents=noise, strength=1.0, use_restorer=False)
        total = time.perf_counter() - t0
        steps = [b - a for a, b in zip(marks, marks[1:])]
        if i < args.warmup:
            warmup_s.append(total)
            print(f"reference: {size}x{size} warm-up run {i + 1}/{args.warmup}: {total:.2f} s (not counted)", file=sys.stderr, flush=True)
        else:
            runs.append({"totalS": total, "stepS": steps})
            print(f"reference: {size}x{size} run {len(runs)}/{args.repeats}: {total:.2f} s, median step {float(np.median(steps)):.3f} s",
                  file=sys.stderr, flush=True)
    h1.remove()
    h2.remove()
    if args.output:
        out = ((result.image[0].permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy()  # (H, W, 3) in [0, 1]
        write_f32(Path(args.output), out)
    print(json.dumps({
        "format": FORMAT,
        "runtime": f"PyTorch {torch.__version__} (CPU, {threads} threads)",
        "python": platform.python_version(),
        "threads": threads,
        "size": [size, size],
        "steps": args.steps,
        "guidanceScale": args.guidance,
        "seed": args.seed,
        "restorationPrompt": restoration,
        "semanticPrompt": args.semantic,
        "loadS": load_s,
        "warmupS": warmup_s,
        "runs": runs,
        "maxRssMiBAfterLoad": rss_after_load,
        "maxRssMiB": max_rss_mib(),
    }))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the random-weights run folder, its pack and the shared inputs")
    b.add_argument("--out", required=True)
    b.add_argument("--config", default="small")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--sizes", type=int, nargs="+", default=[256])
    b.add_argument("--force", action="store_true", help="rebuild a non-empty --out folder")
    t = sub.add_parser("time", help="time the reference sampler on the stored input and noise")
    t.add_argument("--run", required=True)
    t.add_argument("--inputs", required=True)
    t.add_argument("--size", type=int, default=256)
    t.add_argument("--steps", type=int, default=20)
    t.add_argument("--guidance", type=float, default=7.5)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--repeats", type=int, default=3)
    t.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    t.add_argument("--semantic", default="")
    t.add_argument("--negative", default="")
    t.add_argument("--restoration", default="Remove all degradation")
    t.add_argument("--output", default="", help="write the last run's image here, (H, W, 3) float32 in [0, 1]")
    a = p.parse_args(argv)
    if a.cmd == "build":
        build(a)
    else:
        if a.steps < 1 or a.repeats < 1 or a.warmup < 0:
            raise SystemExit("error: --steps and --repeats must be >= 1, --warmup >= 0")
        time_reference(a)


if __name__ == "__main__":
    main()
