"""Build a random-weight model with Stable Diffusion 1.5's exact configuration, for the full-size bench.

    pip install diffusers==0.27.2 transformers==4.38.2 safetensors==0.4.2   # beside Debian's python3-torch 1.13, numpy 1.24.2
    cd models && /work/venv-sd/bin/python tools/make_sd15_random.py [--out runs/sd15-random/model] [--seed 1515] [--force]

diffusers' UNet2DConditionModel and AutoencoderKL and transformers' CLIPTextModel, built from the configs the
importer ships for SD 1.5 (spire/data/sd15/{unet,vae,text_encoder}/config.json),
with the classes' own initialisation under a fixed torch seed, the CLIP ViT-L/14 BPE tokenizer the importer
ships (spire/data/clip-tokenizer) and SD 1.5's PNDM scheduler config. Saved as a diffusers folder (safetensors,
float32, about 4.3 GB) under models/runs/ (gitignored). The weights are noise: the bench measures time and
memory, not image quality. Prints the parameter counts (SD 1.5: UNet 859.5M, text encoder 123.1M, VAE 83.7M)
and refuses to save if they are off. `npm run bench -- --only sd15` runs this when the folder is missing
(scripts/bench/sd15.mjs); it took 34 s and wrote 4.27 GB on the 2-core CPU machine.
"""
import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import torch

MODELS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS))

from spire import import_sd  # noqa: E402

EXPECTED = {"unet": 859_520_964, "text_encoder": 123_060_480, "vae": 83_653_863}  # SD 1.5's published weights


def _config(part: str) -> dict:
    cfg = json.loads((import_sd.SD15_CONFIGS / part / "config.json").read_text())
    return {k: v for k, v in cfg.items() if not k.startswith("_")}


def build(out: Path, seed: int) -> dict:
    from diffusers import AutoencoderKL, PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel.from_config(_config("unet"))
    vae = AutoencoderKL.from_config(_config("vae"))
    text = CLIPTextModel(CLIPTextConfig(**_config("text_encoder")))
    counts = {name: sum(p.numel() for p in m.parameters()) for name, m in
              (("unet", unet), ("text_encoder", text), ("vae", vae))}
    for name, n in counts.items():
        print(f"{name:13s} {n:>13,d} parameters ({n / 1e6:.1f}M; SD 1.5 has {EXPECTED[name] / 1e6:.1f}M)")
        if abs(n - EXPECTED[name]) > 0.001 * EXPECTED[name]:
            raise SystemExit(f"{name} has {n} parameters, not SD 1.5's {EXPECTED[name]}: the config is off")
    tokenizer = CLIPTokenizer.from_pretrained(str(import_sd.CLIP_TOKENIZER))
    sched_cfg = json.loads((import_sd.SD15_CONFIGS / "scheduler" / "scheduler_config.json").read_text())
    scheduler = PNDMScheduler.from_config({k: v for k, v in sched_cfg.items() if not k.startswith("_")})
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    pipe.save_pretrained(str(tmp), safe_serialization=True)
    (tmp / "scheduler" / "scheduler_config.json").write_text(json.dumps(sched_cfg, indent=2) + "\n")
    (tmp / "params.json").write_text(json.dumps({"seed": seed, "parameters": counts}, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)  # a folder that exists is a whole one
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODELS / "runs" / "sd15-random" / "model")
    ap.add_argument("--seed", type=int, default=1515)
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    a = ap.parse_args(argv)
    if (a.out / "model_index.json").exists() and not a.force:
        print(f"{a.out} exists (use --force to rebuild)")
        return 0
    t0 = time.perf_counter()
    build(a.out, a.seed)
    size = sum(f.stat().st_size for f in a.out.rglob("*") if f.is_file())
    print(f"wrote {a.out} ({size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
