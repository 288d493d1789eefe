"""Rebuild the tiny SD-1.5-shaped model, its pack test/fixtures/packs/tiny-sd15 and the img2img goldens.

    pip install diffusers==0.27.2 transformers==4.38.2 safetensors==0.4.2   # beside Debian's python3-torch 1.13, numpy 1.24.2
    cd models && /work/venv-sd/bin/python tools/make_sd15_fixture.py

1. The model: diffusers' own UNet2DConditionModel and AutoencoderKL and transformers' CLIPTextModel with
   tiny configs (below) and seeded random weights, the project's BPE vocabulary (models/vocab, 1,590 tokens)
   as the tokenizer, and Stable Diffusion 1.5's scheduler config. Saved as a diffusers folder at
   models/tests/data/tiny-sd15-diffusers (safetensors), and the same weights as one single file in the original
   (LDM) key layout, models/tests/data/tiny-sd15.safetensors, with its key map tiny-sd15.ldm-keys.json. diffusers
   0.27.2 reads that layout but ships no writer, so the map is derived and checked by diffusers' own LDM ->
   diffusers converters (derive_ldm_map below). `--single-file-only` rewrites just those two from the folder.
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
import math
import re
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


# ---- the same model as one single file in the original (LDM) key layout ---------------------------------------
# diffusers 0.27.2 reads that layout (loaders.single_file_utils / convert_from_ckpt) but ships no writer. The map
# here is *derived*: ldm_candidate() proposes an LDM name for every diffusers parameter (the UNet's and VAE's fixed
# names come from diffusers' own DIFFUSERS_TO_LDM_MAPPING table), then derive_ldm_map() runs diffusers' forward
# converters on a checkpoint whose every tensor is filled with its own tag number and keeps a name only if the
# converter turns it back into that very parameter, with the module's shape. Any name produced twice, missed or
# misshaped stops the script.

SINGLE = MODELS / "tests" / "data" / "tiny-sd15.safetensors"
SINGLE_MAP = MODELS / "tests" / "data" / "tiny-sd15.ldm-keys.json"
LDM_PREFIX = {"unet": "model.diffusion_model.", "vae": "first_stage_model.", "text_encoder": "cond_stage_model.transformer."}
_DIFFUSERS_ONLY = {"down_blocks", "up_blocks", "mid_block", "resnets", "attentions", "downsamplers", "upsamplers",
                   "conv_shortcut", "time_emb_proj", "group_norm", "time_embedding", "conv_norm_out"}
_RESNET_UNET = (("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"), ("conv2", "out_layers.3"),
                ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection"))
_ATTN_VAE = (("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out"))


def _rename_head(rest: str, table) -> str:
    for new, old in table:
        if rest == new or rest.startswith(new + "."):
            return old + rest[len(new):]
    return rest


def ldm_candidate(component: str, key: str, config: dict) -> str:
    """A proposed LDM name (without the component prefix) for one diffusers parameter; checked by derive_ldm_map."""
    from diffusers.loaders.single_file_utils import DIFFUSERS_TO_LDM_MAPPING

    if component == "text_encoder":
        return key
    fixed = DIFFUSERS_TO_LDM_MAPPING["unet"]["layers"] if component == "unet" else DIFFUSERS_TO_LDM_MAPPING["vae"]
    if key in fixed:
        return fixed[key]
    p = key.split(".")
    if component == "unet":
        per = config["layers_per_block"] + 1
        if p[0] == "mid_block":
            slot = {"resnets.0": "0", "resnets.1": "2", "attentions.0": "1"}[".".join(p[1:3])]
            rest = ".".join(p[3:])
            return f"middle_block.{slot}." + (_rename_head(rest, _RESNET_UNET) if p[1] == "resnets" else rest)
        b = int(p[1])
        kind, rest = p[2], ".".join(p[4:])
        if p[0] == "down_blocks":
            if kind == "downsamplers":
                return f"input_blocks.{1 + b * per + per - 1}.0.op." + ".".join(p[5:])
            layer = 1 + b * per + int(p[3])
            return f"input_blocks.{layer}." + ("0." + _rename_head(rest, _RESNET_UNET) if kind == "resnets" else "1." + rest)
        if p[0] == "up_blocks":
            if kind == "upsamplers":
                slot = 2 if "CrossAttn" in config["up_block_types"][b] else 1
                return f"output_blocks.{b * per + per - 1}.{slot}.conv." + ".".join(p[5:])
            layer = b * per + int(p[3])
            return f"output_blocks.{layer}." + ("0." + _rename_head(rest, _RESNET_UNET) if kind == "resnets" else "1." + rest)
    else:  # vae
        side = p[0]
        if p[1] == "mid_block":
            rest = ".".join(p[4:])
            if p[2] == "resnets":
                return f"{side}.mid.block_{int(p[3]) + 1}." + rest.replace("conv_shortcut", "nin_shortcut")
            return f"{side}.mid.attn_1." + _rename_head(rest, _ATTN_VAE)
        n = len(config["down_block_types" if side == "encoder" else "up_block_types"])
        b = int(p[2]) if side == "encoder" else n - 1 - int(p[2])
        stage = "down" if side == "encoder" else "up"
        if p[3] in ("downsamplers", "upsamplers"):
            return f"{side}.{stage}.{b}.{'downsample' if side == 'encoder' else 'upsample'}.conv." + ".".join(p[6:])
        return f"{side}.{stage}.{b}.block.{p[4]}." + ".".join(p[5:]).replace("conv_shortcut", "nin_shortcut")
    raise ValueError(f"no LDM candidate for {component} {key}")


def _ldm_shape(component: str, ldm_key: str, shape: tuple) -> tuple:
    """The original VAE's attention q/k/v/proj_out are 1x1 convolutions: [C, C, 1, 1] where diffusers has linear [C, C]."""
    if component == "vae" and ".attn_1." in ldm_key and ldm_key.endswith(".weight") and len(shape) == 2:
        return tuple(shape) + (1, 1)
    return tuple(shape)


@torch.no_grad()
def derive_ldm_map(folder: Path = SOURCE) -> dict:
    """{full LDM key: {"component", "key" (diffusers), "shape" (LDM)}} for the model in `folder`, every entry checked by
    running diffusers' own LDM -> diffusers converters on tagged tensors."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
    from diffusers.pipelines.stable_diffusion.convert_from_ckpt import convert_ldm_clip_checkpoint
    from transformers import CLIPTextModel

    modules = {"unet": UNet2DConditionModel.from_pretrained(folder, subfolder="unet", local_files_only=True),
               "vae": AutoencoderKL.from_pretrained(folder, subfolder="vae", local_files_only=True),
               "text_encoder": CLIPTextModel.from_pretrained(folder, subfolder="text_encoder", local_files_only=True)}
    mapping, checkpoint, expected = {}, {}, {}
    tag = 0
    for comp, module in modules.items():
        for key, value in module.state_dict().items():
            if comp == "text_encoder" and key.endswith("position_ids"):
                continue  # a buffer, not a weight (the converter drops it)
            tag += 1
            ldm = LDM_PREFIX[comp] + ldm_candidate(comp, key, dict(module.config) if comp != "text_encoder" else {})
            if ldm in checkpoint:
                raise ValueError(f"two parameters get the LDM name {ldm}")
            shape = _ldm_shape(comp, ldm, tuple(value.shape))
            checkpoint[ldm] = torch.full(shape, float(tag))
            expected[(comp, key)] = (tag, tuple(value.shape))
            mapping[ldm] = {"component": comp, "key": key, "shape": list(shape)}
    got = {"unet": convert_ldm_unet_checkpoint(dict(checkpoint), modules["unet"].config),
           "vae": convert_ldm_vae_checkpoint(dict(checkpoint), modules["vae"].config)}
    text = CLIPTextModel(modules["text_encoder"].config)
    for p in text.parameters():
        p.zero_()  # so a weight the converter did not set shows as tag 0
    got["text_encoder"] = {k: v for k, v in convert_ldm_clip_checkpoint(dict(checkpoint), text_encoder=text).state_dict().items()
                           if not k.endswith("position_ids")}
    seen = {}
    for comp, state in got.items():
        want = {k for (c, k) in expected if c == comp}
        if set(state) != want:
            raise ValueError(f"{comp}: the converter produced {sorted(set(state) - want)[:5]} beyond and missed "
                             f"{sorted(want - set(state))[:5]} of the module's parameters")
        for key, value in state.items():
            t, shape = expected[(comp, key)]
            if tuple(value.shape) != shape:
                raise ValueError(f"{comp}.{key}: converted shape {tuple(value.shape)}, the module's {shape}")
            tags = torch.unique(value)
            if tags.numel() != 1 or int(tags[0]) != t:
                raise ValueError(f"{comp}.{key}: converted from tags {tags[:5].tolist()}, not its candidate's {t}")
            if t in seen:
                raise ValueError(f"{comp}.{key} and {seen[t]} come from the same LDM tensor")
            seen[t] = f"{comp}.{key}"
    if len(seen) != len(mapping):
        raise ValueError(f"{len(mapping) - len(seen)} LDM names are not read by the converters")
    # The converters also accept some diffusers spellings (a resnet's norm1, an upsampler at .1 or .2): a name that
    # keeps a diffusers-only module name is refused, so the file has the original layout, not merely a readable one.
    for ldm in mapping:
        parts = set(ldm.split("."))
        if parts & _DIFFUSERS_ONLY or re.search(r"(_blocks\.\d+|middle_block)\.[02]\.(norm|conv)[12]\.", ldm):
            raise ValueError(f"{ldm} keeps a diffusers module name")
        up = re.match(r"(.*output_blocks\.\d+)\.1\.conv\.", ldm)
        if up and any(k.startswith(up.group(1) + ".1.") and ".1.conv." not in k for k in mapping):
            raise ValueError(f"{ldm}: the upsampler comes after the block's attention (slot 2) in the original layout")
    return dict(sorted(mapping.items()))


@torch.no_grad()
def write_single_file(folder: Path = SOURCE, out: Path = SINGLE, map_out: Path = SINGLE_MAP) -> dict:
    """The diffusers folder's weights as one LDM-layout .safetensors (float32, sorted keys) plus the derived map."""
    from safetensors.torch import load_file, save_file

    mapping = derive_ldm_map(folder)
    weights = {}
    for comp in LDM_PREFIX:
        files = list((folder / comp).glob("*.safetensors"))
        assert len(files) == 1, files
        weights[comp] = load_file(str(files[0]))
    state = {ldm: weights[m["component"]][m["key"]].reshape(m["shape"]).contiguous() for ldm, m in mapping.items()}
    save_file(state, str(out), metadata={"format": "pt", "producer": "models/tools/make_sd15_fixture.py"})
    lines = [f"  {json.dumps(k)}: {json.dumps([m['component'], m['key'], m['shape']])}" for k, m in mapping.items()]
    map_out.write_text("{\n" + ",\n".join(lines) + "\n}\n")  # LDM key: [component, diffusers key, LDM shape]
    return mapping


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
    (golden.folder / "index.json").write_text(json.dumps(finite_json(index), indent=2, allow_nan=False) + "\n")
    return index


def finite_json(value):
    """JSON has no Infinity or NaN (diffusers' lambda_min_clipped is -inf): such floats become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def main() -> None:
    torch.set_num_threads(1)  # the same summation order everywhere
    if "--single-file-only" in sys.argv[1:]:  # from the committed folder, leaving the folder, pack and goldens as they are
        print(f"wrote {SINGLE} ({SINGLE.stat().st_size / 1e6:.2f} MB, {len(write_single_file())} tensors) and {SINGLE_MAP}")
        return
    build_model(SOURCE)
    write_single_file()
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
