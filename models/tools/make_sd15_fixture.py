"""Rebuild the tiny SD-1.5-shaped model, its pack test/fixtures/packs/tiny-sd15 and the img2img goldens.

    pip install diffusers==0.27.2 transformers==4.38.2 safetensors==0.4.2   # beside Debian's python3-torch 1.13, numpy 1.24.2
    cd models && /work/venv-sd/bin/python tools/make_sd15_fixture.py

1. The model: diffusers' own UNet2DConditionModel and AutoencoderKL and transformers' CLIPTextModel with
   tiny configs (below) and seeded random weights, the project's BPE vocabulary (models/vocab, 1,590 tokens)
   as the tokenizer, and Stable Diffusion 1.5's scheduler config. Saved as a diffusers folder at
   models/tests/data/tiny-sd15-diffusers (safetensors). Not also as a single LDM-layout file: diffusers 0.27.2
   reads that layout but ships no writer for it (its diffusers -> original converter is a script outside the
   package), and the task rules out a hand-written key map.
2. The pack: `spire.import_sd` of that folder (float32).
3. Goldens (golden/index.json + raw .bin): StableDiffusionImg2ImgPipeline on a fixed 64 x 96 image, guidance
   7.5 with a semantic and a negative prompt, 5 steps at strength 0.6 (the last 3 timesteps run), for
   DDIMScheduler and DPMSolverMultistepScheduler (2M), with the pipeline's own noise (a seeded torch.Generator)
   recorded as it is added. The image is encoded to the VAE *mean* here and handed to the pipeline as 4-channel
   latents (diffusers' documented img2img input), because diffusers would otherwise sample the latent
   distribution while the engine takes the mean. index.json says all of it (models/README.md "Importing a
   Stable Diffusion 1.5 model").

Deterministic: the same versions rewrite the same numbers.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

MODELS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS))

from spire import import_sd  # noqa: E402

ROOT = MODELS.parent
SOURCE = MODELS / "tests" / "data" / "tiny-sd15-diffusers"
PACK = ROOT / "test" / "fixtures" / "packs" / "tiny-sd15"
SEED = 1234
HEIGHT, WIDTH = 64, 96  # latent 8 x 12: non-square so height/width mix-ups show
SEMANTIC = "a photo of a cat sitting on a red sofa"
NEGATIVE = "a blurry noisy photo"
STEPS, STRENGTH, GUIDANCE = 5, 0.6, 7.5
TOLERANCE = 1e-3  # max abs difference on the [0, 1] output image the engine should meet

UNET = dict(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(16, 32, 32),
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            cross_attention_dim=32, attention_head_dim=4, norm_num_groups=8)
VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, block_out_channels=(8, 16, 16, 16),
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
           norm_num_groups=8, sample_size=64, scaling_factor=0.18215)
TEXT = dict(vocab_size=1600, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5)


def build_model(folder: Path) -> None:
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(str(MODELS / "vocab"))
    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(**UNET)
    vae = AutoencoderKL(**VAE)
    text = CLIPTextModel(CLIPTextConfig(**TEXT, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                        pad_token_id=tokenizer.pad_token_id))
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():  # every weight gets a seeded nudge, so no output is trivially zero
        for m in (unet, vae, text):
            for p in m.parameters():
                p.add_(0.02 * torch.randn(p.shape, generator=g))
    sched_cfg = json.loads((import_sd.SD15_CONFIGS / "scheduler" / "scheduler_config.json").read_text())
    scheduler = DDIMScheduler.from_config({k: v for k, v in sched_cfg.items() if not k.startswith("_")})
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    if folder.exists():
        shutil.rmtree(folder)
    pipe.save_pretrained(str(folder), safe_serialization=True)
    # The original SD 1.5 ships a PNDM scheduler config: keep that, the importer turns it into DDIM keys.
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(sched_cfg, indent=2) + "\n")


def test_image() -> np.ndarray:
    """[1, 3, H, W] float32 in [0, 1], every value k/255 (so an 8-bit PNG of it is exact): gradients and a disc."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    r = x / (WIDTH - 1)
    gch = y / (HEIGHT - 1)
    b = 0.5 + 0.5 * np.sin(x / 7.0) * np.cos(y / 5.0)
    disc = ((x - 60) ** 2 + (y - 28) ** 2) < 15 ** 2
    r = np.where(disc, 0.9, r)
    gch = np.where(disc, 0.2, gch)
    img = np.stack([r, gch, b])[None]
    return (np.round(img * 255) / 255).astype(np.float32)


class Golden:
    def __init__(self, folder: Path):
        self.folder = folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    def tensor(self, name: str, t) -> dict:
        a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        a = np.ascontiguousarray(a.astype(np.int64 if a.dtype.kind in "iu" else np.float32))
        (self.folder / f"{name}.bin").write_bytes(a.astype(a.dtype.newbyteorder("<")).tobytes())
        return {"file": f"{name}.bin", "dtype": "int64" if a.dtype == np.int64 else "float32", "shape": list(a.shape)}


@torch.no_grad()
def run(pipe, scheduler_cls, name: str, golden: Golden, latents0: torch.Tensor) -> dict:
    pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config)
    added = {}
    add_noise = pipe.scheduler.add_noise

    def record_add_noise(original, noise, timesteps):  # what the pipeline adds, as it adds it
        out = add_noise(original, noise, timesteps)
        added.update(original=original.clone(), noise=noise.clone(), timestep=int(timesteps[0]), noised=out.clone())
        return out

    pipe.scheduler.add_noise = record_add_noise
    unet_out = []
    hook = pipe.unet.register_forward_hook(lambda m, i, o: unet_out.append(o[0].clone()))
    steps = []

    def on_step_end(p, i, t, kw):
        u, c = unet_out[-1].chunk(2)  # batch order: [negative, semantic]
        steps.append({"timestep": int(t), "noisePred": golden.tensor(f"{name}.step{i}.noise_pred", u + GUIDANCE * (c - u)),
                      "latents": golden.tensor(f"{name}.step{i}.latents", kw["latents"])})
        return kw

    out = pipe(prompt=SEMANTIC, negative_prompt=NEGATIVE, image=latents0, strength=STRENGTH,
               num_inference_steps=STEPS, guidance_scale=GUIDANCE, generator=torch.Generator().manual_seed(SEED),
               output_type="pt", callback_on_step_end=on_step_end, callback_on_step_end_tensor_inputs=["latents"]).images
    hook.remove()
    final = torch.from_numpy(np.fromfile(golden.folder / steps[-1]["latents"]["file"], dtype="<f4")).reshape(latents0.shape)
    decoded = pipe.vae.decode(final / pipe.vae.config.scaling_factor, return_dict=False)[0]
    mine = (decoded / 2 + 0.5).clamp(0, 1)
    assert torch.allclose(mine, out, atol=1e-6), f"decoding by hand differs from the pipeline output by {(mine - out).abs().max()}"
    sched = pipe.scheduler
    begin = STEPS - min(int(STEPS * STRENGTH), STEPS)
    return {
        "name": name,
        "scheduler": "ddim" if name == "ddim" else "dpmpp-2m",
        "schedulerClass": type(sched).__name__,
        "schedulerConfig": {k: v for k, v in dict(sched.config).items() if not k.startswith("_")},
        "numInferenceSteps": STEPS, "strength": STRENGTH, "beginIndex": begin,
        "guidanceScale": GUIDANCE, "eta": 0.0, "seed": SEED,
        "allTimesteps": [int(t) for t in sched.timesteps],
        "timesteps": [s["timestep"] for s in steps],
        "initialNoise": golden.tensor(f"{name}.initial_noise", added["noise"]),
        "noiseTimestep": added["timestep"],
        "initialLatents": golden.tensor(f"{name}.initial_latents", added["noised"]),
        "steps": steps,
        "decoded": golden.tensor(f"{name}.decoded", decoded),
        "output": golden.tensor(f"{name}.output", out),
    }


@torch.no_grad()
def make_goldens(pack_dir: Path) -> dict:
    import diffusers
    import transformers
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, StableDiffusionImg2ImgPipeline

    pipe = StableDiffusionImg2ImgPipeline.from_pretrained(str(SOURCE), local_files_only=True, safety_checker=None,
                                                          feature_extractor=None, requires_safety_checker=False)
    pipe.scheduler = DDIMScheduler.from_config(json.loads((pack_dir / "scheduler" / "scheduler_config.json").read_text()))
    pipe.set_progress_bar_config(disable=True)
    golden = Golden(pack_dir / "golden")
    image = test_image()
    x = torch.from_numpy(image) * 2 - 1  # the pipeline's own preprocessing of a [0, 1] image
    mean = pipe.vae.encode(x).latent_dist.mean  # unscaled, what vae_encoder/model.onnx outputs
    scale = pipe.vae.config.scaling_factor
    tok = pipe.tokenizer
    ids = {k: tok(p, padding="max_length", max_length=tok.model_max_length, truncation=True, return_tensors="pt").input_ids
           for k, p in (("semantic", SEMANTIC), ("negative", NEGATIVE))}
    embeds = {k: pipe.text_encoder(v)[0] for k, v in ids.items()}
    index = {
        "format": "spire-sd-golden",
        "formatVersion": 1,
        "producer": {"generator": "models/tools/make_sd15_fixture.py", "reference": "diffusers StableDiffusionImg2ImgPipeline",
                     "torch": torch.__version__, "diffusers": diffusers.__version__,
                     "transformers": transformers.__version__, "numpy": np.__version__, "seed": SEED},
        "tolerance": {"output": TOLERANCE, "note": "max abs difference on the [0, 1] output image"},
        "conventions": {
            "image": "`image` is [1, 3, H, W] RGB in [0, 1] (each value k/255); the models see 2 * image - 1",
            "vaeEncode": "latentMean = vae.encode(2 * image - 1).latent_dist.mean (unscaled; the pack's vae_encoder "
                         "output latent_mean); it is passed to the pipeline as 4-channel latents latentMean * scaleFactor, "
                         "so diffusers does not sample the latent distribution",
            "timesteps": "scheduler.set_timesteps(numInferenceSteps); run allTimesteps[beginIndex:] with beginIndex = "
                         "n - min(floor(n * strength), n); scheduler.set_begin_index(beginIndex) (DPM-Solver)",
            "noise": "initialLatents = scheduler.add_noise(latentMean * scaleFactor, initialNoise, timesteps[0]); "
                     "initialNoise is torch.randn([1, 4, h, w]) from torch.Generator().manual_seed(seed), the first "
                     "draw of that generator",
            "guidance": "one UNet call on batch 2: sample cat[z, z], timestep [t, t], encoder_hidden_states "
                        "cat[negative, semantic]; out = chunk(2): noisePred = uncond + guidanceScale * (cond - uncond); "
                        "then latents = scheduler.step(noisePred, t, latents) (eta 0, no extra noise)",
            "decode": "decoded = vae.decode(latents / scaleFactor) (unclamped, [-1, 1] scale); output = "
                      "clamp(decoded / 2 + 0.5, 0, 1) in [0, 1]",
            "promptIds": "CLIPTokenizer (the pack's tokenizer/) padded to maxLength with the pad token, truncated",
        },
        "height": HEIGHT, "width": WIDTH, "scaleFactor": scale,
        "image": golden.tensor("image", image),
        "latentMean": golden.tensor("latent_mean", mean),
        "prompts": {"semantic": SEMANTIC, "negative": NEGATIVE},
        "inputIds": {k: golden.tensor(f"ids.{k}", v) for k, v in ids.items()},
        "promptEmbeds": {k: golden.tensor(f"embeds.{k}", v) for k, v in embeds.items()},
        "runs": [run(pipe, DDIMScheduler, "ddim", golden, mean * scale),
                 run(pipe, DPMSolverMultistepScheduler, "dpmpp-2m", golden, mean * scale)],
    }
    (golden.folder / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


def main() -> None:
    torch.set_num_threads(1)  # the same summation order everywhere
    build_model(SOURCE)
    # In its own process: after torch.onnx.export of these modules in the same process, the pipeline's
    # UNet gave NaN (torch 1.13); a fresh process also runs the command line the app spawns.
    subprocess.run([sys.executable, "-m", "spire.import_sd", str(SOURCE), "-o", str(PACK), "--force",
                    "--name", "tiny-sd15"], cwd=str(MODELS), check=True)
    index = make_goldens(PACK)
    size = sum(p.stat().st_size for p in PACK.rglob("*") if p.is_file())
    src = sum(p.stat().st_size for p in SOURCE.rglob("*") if p.is_file())
    print(f"wrote {PACK} ({size / 1e6:.2f} MB) with {len(index['runs'])} golden runs; source {SOURCE} ({src / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
