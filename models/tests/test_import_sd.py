"""spire.import_sd: refusals (nothing written), atomicity, the tiny SD-1.5-shaped round trip, the committed pack.

Refusals and the committed pack's checks run without diffusers (CI); the import itself needs diffusers, and the
ONNX comparisons onnxruntime, each skipped when missing.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spire import import_sd
from spire.import_sd import Unsupported

MODELS = Path(__file__).resolve().parents[1]
SOURCE = MODELS / "tests" / "data" / "tiny-sd15-diffusers"
PACK = MODELS.parent / "test" / "fixtures" / "packs" / "tiny-sd15"
CONFIGS = ("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json",
           "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json")


def config_copy(tmp_path: Path, edit=None) -> Path:
    """The tiny model's configs (no weights) in tmp_path/src; edit(dict of relpath -> parsed json) changes them."""
    src = tmp_path / "src"
    docs = {}
    for rel in CONFIGS:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".json"):
            docs[rel] = json.loads((SOURCE / rel).read_text())
        else:
            shutil.copyfile(SOURCE / rel, src / rel)
    if edit:
        edit(docs)
    for rel, doc in docs.items():
        (src / rel).write_text(json.dumps(doc))
    return src


def assert_nothing_written(tmp_path: Path, out: Path):
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def sdxl(d):
    d["model_index.json"]["_class_name"] = "StableDiffusionXLPipeline"
    d["model_index.json"]["text_encoder_2"] = ["transformers", "CLIPTextModelWithProjection"]


def sdxl_unet_only(d):
    d["unet/config.json"]["addition_embed_type"] = "text_time"


def sd3(d):
    d["model_index.json"] = {"_class_name": "StableDiffusion3Pipeline", "transformer": ["diffusers", "SD3Transformer2DModel"],
                             "text_encoder_3": ["transformers", "T5EncoderModel"]}


def flux(d):
    d["model_index.json"] = {"_class_name": "FluxPipeline", "transformer": ["diffusers", "FluxTransformer2DModel"]}


def latent8(d):
    d["vae/config.json"]["latent_channels"] = 8


def inpainting(d):
    d["unet/config.json"]["in_channels"] = 9


def wide_text(d):
    d["text_encoder/config.json"]["hidden_size"] = 64


def no_hidden(d):
    del d["text_encoder/config.json"]["hidden_size"]


def t5_text(d):
    d["text_encoder/config.json"].update(model_type="t5", architectures=["T5EncoderModel"])


def small_vocab(d):
    d["text_encoder/config.json"]["vocab_size"] = 100


@pytest.mark.parametrize("edit, words", [
    (sdxl, "SDXL"), (sdxl_unet_only, "SDXL"), (sd3, "Stable Diffusion 3"), (flux, "Flux"),
    (latent8, "8 latent channels"), (inpainting, "in_channels is 9"), (wide_text, "text encoder gives 64"),
    (no_hidden, "hidden size is unknown"), (t5_text, "CLIP text encoder"), (small_vocab, "embeds only 100"),
])
def test_refusals_write_nothing(tmp_path, edit, words):
    src = config_copy(tmp_path, edit)
    out = tmp_path / "pack"
    with pytest.raises(Unsupported, match=words):
        import_sd.import_sd(src, out)
    assert_nothing_written(tmp_path, out)


def test_refusal_exit_code_and_message(tmp_path, capsys):
    src = config_copy(tmp_path, latent8)
    out = tmp_path / "pack"
    assert import_sd.main([str(src), "-o", str(out), "--progress", "json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("import-unsupported: ") and "latent channels" in err[0]
    assert_nothing_written(tmp_path, out)


@pytest.mark.parametrize("key, family", [
    ("conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight", "SDXL"),
    ("model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight", "Stable Diffusion 3"),
    ("double_blocks.0.img_attn.qkv.weight", "Flux"),
    ("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight", "Stable Diffusion 2"),
])
def test_single_file_family_refusals(tmp_path, key, family):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    f = tmp_path / "model.safetensors"
    st.save_file({key: torch.zeros(2, 2), "first_stage_model.quant_conv.weight": torch.zeros(8, 8, 1, 1)}, str(f))
    with pytest.raises(Unsupported, match=family):
        import_sd.import_sd(f, tmp_path / "pack")
    assert_nothing_written(tmp_path, tmp_path / "pack")


def test_single_file_latent8_refused(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    f = tmp_path / "model.safetensors"
    st.save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(320, 8, 1, 1),
                  "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight": torch.zeros(1, 768),
                  "first_stage_model.quant_conv.weight": torch.zeros(16, 16, 1, 1)}, str(f))
    with pytest.raises(Unsupported, match="8 latent channels"):
        import_sd.import_sd(f, tmp_path / "pack")
    assert_nothing_written(tmp_path, tmp_path / "pack")


def test_existing_output_is_never_overwritten(tmp_path):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="--force"):
        import_sd.import_sd(SOURCE, out)
    assert (out / "keep.txt").read_text() == "mine"


# ---- the committed pack (no diffusers needed) ---------------------------------------------------------------

def test_committed_pack_manifest_validates():
    onnx = pytest.importorskip("onnx")
    m = json.loads((PACK / "manifest.json").read_text())
    import_sd.check_manifest(m)
    assert m["adaptor"] is None and m["hasRestorer"] is False
    assert m["latent"] == {"channels": 4, "scaleFactor": 0.18215, "downsamplingFactor": 8}
    assert m["sizeMultiple"] == 32 and m["tokenizer"]["maxLength"] == 77 and m["textEncoder"]["hiddenSize"] == 32
    for rel in list(m["tokenizer"]["files"].values()) + [m["scheduler"]["file"], "MODEL_CARD.md"]:
        assert (PACK / rel).is_file(), rel
    for name, comp in m["components"].items():
        graph = onnx.load(str(PACK / comp["file"]))
        assert [i.name for i in graph.graph.input if i.name not in {t.name for t in graph.graph.initializer}] == \
            [v["name"] for v in comp["inputs"]], name
        assert [o.name for o in graph.graph.output] == [v["name"] for v in comp["outputs"]], name
    card = (PACK / "MODEL_CARD.md").read_text()
    assert "unet/diffusion_pytorch_model.safetensors" in card and "sha256" in card


def test_committed_goldens_are_complete():
    index = json.loads((PACK / "golden" / "index.json").read_text())
    assert index["format"] == "spire-sd-golden" and {"torch", "diffusers", "transformers"} <= set(index["producer"])

    def check(t):
        n = int(np.prod(t["shape"]))
        assert (PACK / "golden" / t["file"]).stat().st_size == n * (8 if t["dtype"] == "int64" else 4), t["file"]

    for key in ("image", "latentMean"):
        check(index[key])
    assert [r["scheduler"] for r in index["runs"]] == ["ddim", "dpmpp-2m"]
    for r in index["runs"]:
        assert r["timesteps"] == r["allTimesteps"][r["beginIndex"]:] and r["noiseTimestep"] == r["timesteps"][0]
        assert len(r["steps"]) == len(r["timesteps"]) == 3
        for t in [r["initialNoise"], r["initialLatents"], r["decoded"], r["output"]] + \
                [s[k] for s in r["steps"] for k in ("noisePred", "latents")]:
            check(t)


# ---- the import itself (diffusers) ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The tiny model imported by the command line with --progress json: (pack dir, progress lines)."""
    pytest.importorskip("diffusers")
    out = tmp_path_factory.mktemp("import") / "tiny-sd15"
    run = subprocess.run([sys.executable, "-m", "spire.import_sd", str(SOURCE), "-o", str(out), "--progress", "json",
                          "--name", "tiny-sd15"], cwd=str(MODELS), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out, [json.loads(line) for line in run.stdout.splitlines()]


def test_progress_json_lines(imported):
    _, lines = imported
    assert all(set(line) >= {"stage", "fraction", "message"} for line in lines)
    fractions = [line["fraction"] for line in lines]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    assert lines[-1]["stage"] == "done" and lines[-1]["fraction"] == 1.0 and lines[-1]["pack"].endswith("tiny-sd15")
    assert {"check", "load", "export", "write"} <= {line["stage"] for line in lines}


def test_committed_pack_is_up_to_date(imported):
    out, _ = imported
    fresh = json.loads((out / "manifest.json").read_text())
    committed = json.loads((PACK / "manifest.json").read_text())
    if fresh["producer"] != committed["producer"]:
        pytest.skip(f"other versions than the committed pack's ({committed['producer']})")
    assert fresh == committed
    assert (out / "MODEL_CARD.md").read_text() == (PACK / "MODEL_CARD.md").read_text()


@pytest.fixture(scope="module")
def sessions(imported):
    ort = pytest.importorskip("onnxruntime")
    out, _ = imported
    m = json.loads((out / "manifest.json").read_text())
    return {name: ort.InferenceSession(str(out / c["file"]), providers=["CPUExecutionProvider"])
            for name, c in m["components"].items()}


def test_round_trip_onnx_matches_diffusers(sessions):
    """Every graph against the diffusers module it came from, at a size and batch other than the traced ones."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel

    unet = UNet2DConditionModel.from_pretrained(SOURCE, subfolder="unet").eval()
    vae = AutoencoderKL.from_pretrained(SOURCE, subfolder="vae").eval()
    text = CLIPTextModel.from_pretrained(SOURCE, subfolder="text_encoder").eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 1590, (3, 77), generator=g)
    image = torch.rand(1, 3, 64, 96, generator=g) * 2 - 1
    z = torch.randn(3, 4, 8, 12, generator=g)
    t = torch.tensor([999.0, 401.0, 1.0])
    with torch.no_grad():
        c = text(ids)[0]
        want = {
            "text_encoder": (text(ids)[0], {"input_ids": ids}),
            "vae_encoder": (vae.encode(image).latent_dist.mean, {"sample": image}),
            "vae_decoder": (vae.decode(z[:1]).sample, {"latent_sample": z[:1]}),
            "unet": (unet(z, t, c).sample, {"sample": z, "timestep": t, "encoder_hidden_states": c}),
        }
    for name, (ref, feeds) in want.items():
        got = sessions[name].run(None, {k: v.numpy() for k, v in feeds.items()})[0]
        assert got.shape == tuple(ref.shape), name
        np.testing.assert_allclose(got, ref.numpy(), atol=1e-4, rtol=1e-4, err_msg=name)


def test_pack_reproduces_the_goldens(sessions):
    """The img2img recipe of the goldens' index.json, run through the ONNX graphs with diffusers' schedulers: what the
    TypeScript engine must do. Output within the stated tolerance of diffusers' pipeline."""
    import torch
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    folder = PACK / "golden"
    index = json.loads((folder / "index.json").read_text())

    def load(t):
        return np.fromfile(folder / t["file"], dtype="<i8" if t["dtype"] == "int64" else "<f4").reshape(t["shape"])

    image = load(index["image"]) * 2 - 1
    mean = sessions["vae_encoder"].run(None, {"sample": image})[0]
    np.testing.assert_allclose(mean, load(index["latentMean"]), atol=1e-5)
    ids = {k: load(v) for k, v in index["inputIds"].items()}
    c = {k: sessions["text_encoder"].run(None, {"input_ids": v})[0] for k, v in ids.items()}
    cond = np.concatenate([c["negative"], c["semantic"]])
    for run in index["runs"]:
        cls = {"ddim": DDIMScheduler, "dpmpp-2m": DPMSolverMultistepScheduler}[run["scheduler"]]
        sched = cls.from_config(run["schedulerConfig"])
        sched.set_timesteps(run["numInferenceSteps"])
        assert [int(t) for t in sched.timesteps] == run["allTimesteps"]
        if hasattr(sched, "set_begin_index"):
            sched.set_begin_index(run["beginIndex"])
        timesteps = sched.timesteps[run["beginIndex"]:]
        z = sched.add_noise(torch.from_numpy(mean * index["scaleFactor"]), torch.from_numpy(load(run["initialNoise"])),
                            timesteps[:1])
        np.testing.assert_allclose(z.numpy(), load(run["initialLatents"]), atol=1e-5)
        for t, step in zip(timesteps, run["steps"]):
            out = sessions["unet"].run(None, {"sample": np.concatenate([z.numpy()] * 2),
                                              "timestep": np.full(2, float(t), np.float32), "encoder_hidden_states": cond})[0]
            u, s = out[:1], out[1:]
            guided = u + run["guidanceScale"] * (s - u)
            z = sched.step(torch.from_numpy(guided), t, z).prev_sample
        decoded = sessions["vae_decoder"].run(None, {"latent_sample": z.numpy() / index["scaleFactor"]})[0]
        output = np.clip(decoded / 2 + 0.5, 0, 1)
        diff = np.abs(output - load(run["output"])).max()
        assert diff <= index["tolerance"]["output"], f"{run['name']}: max abs diff {diff}"


def test_interrupted_import_leaves_nothing(tmp_path):
    pytest.importorskip("diffusers")
    out = tmp_path / "pack"

    def boom(tmp):
        assert (tmp / "unet" / "model.onnx").is_file()  # mid-import: graphs written, manifest not yet
        raise KeyboardInterrupt("simulated Ctrl+C")

    with pytest.raises(KeyboardInterrupt):
        import_sd.import_sd(SOURCE, out, _after_export=boom)
    assert_nothing_written(tmp_path, out)

    def fail(tmp):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_sd.import_sd(SOURCE, out, _after_export=fail)
    assert_nothing_written(tmp_path, out)


def test_sigterm_removes_the_temp_folder(tmp_path):
    pytest.importorskip("diffusers")
    import signal
    import time

    out = tmp_path / "pack"
    proc = subprocess.Popen([sys.executable, "-m", "spire.import_sd", str(SOURCE), "-o", str(out), "--progress", "json"],
                            cwd=str(MODELS), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:  # wait until the export has begun (the temp folder exists)
        if json.loads(line)["stage"] == "export":
            break
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the import finished before the signal arrived")
    assert proc.returncode == 143, err
    assert "import-cancelled" in err
    assert_nothing_written(tmp_path, out)


def test_existing_output_exit_code(tmp_path, capsys):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert import_sd.main([str(SOURCE), "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith("import-usage: ")
    assert (out / "keep.txt").read_text() == "mine"


def test_fp16_with_restorer_from(tmp_path):
    """--fp16 halves every graph; --restorer-from copies tiny-random's restorer and estimator, and (its text encoder
    being 32 wide x 16 tokens, not the new pack's 32 x 77) that pack's text encoder for the restoration prompt."""
    pytest.importorskip("diffusers")
    out = tmp_path / "pack"
    m = import_sd.import_sd(SOURCE, out, fp16=True, restorer_from=PACK.parent / "tiny-random")
    import_sd.check_manifest(m)
    assert m["hasRestorer"] and m["defaults"]["useRestorer"] is True and "estimator" in m
    assert {c["dtype"] for c in m["components"].values()} == {"float16"}
    assert m["textEncoder"]["sharedForRestorationPrompt"] is False
    r = m["restorationTextEncoder"]
    assert r["component"] in m["components"] and r["tokenizer"]["maxLength"] == 16
    for rel in list(r["tokenizer"]["files"].values()) + [c["file"] for c in m["components"].values()]:
        assert (out / rel).is_file(), rel
    ort = pytest.importorskip("onnxruntime")
    unet = ort.InferenceSession(str(out / "unet" / "model.onnx"), providers=["CPUExecutionProvider"])
    z = np.random.default_rng(0).standard_normal((1, 4, 8, 12)).astype(np.float16)
    got = unet.run(None, {"sample": z, "timestep": np.array([401], np.float16),
                          "encoder_hidden_states": np.zeros((1, 77, 32), np.float16)})[0]
    assert got.dtype == np.float16 and np.isfinite(got).all()


def test_fp16_of_a_graph_over_2gb(tmp_path, monkeypatch):
    """SD 1.5's UNet (3.4 GB in float32) used to stop --fp16 with 'onnx.ModelProto exceeds maximum protobuf size of
    2GB': onnx's in-memory shape inference and checker serialise the model. With the limit lowered, every graph of
    the tiny model takes that path (typed on a light copy, checked from its saved file) and gives the same pack."""
    pytest.importorskip("diffusers")
    from spire import fp16

    plain = import_sd.import_sd(SOURCE, tmp_path / "plain", fp16=True)
    monkeypatch.setattr(fp16, "PROTOBUF_LIMIT", 1)
    checked = []
    monkeypatch.setattr(fp16, "check_saved", lambda p, real=fp16.check_saved: (checked.append(p), real(p)))
    large = import_sd.import_sd(SOURCE, tmp_path / "large", fp16=True)
    assert len(checked) == 4  # text encoder, VAE encoder and decoder, UNet
    assert large["components"] == plain["components"]
    import onnx
    from onnx import numpy_helper

    for comp in large["components"].values():  # the same graphs and weights (two exports differ in names only)
        a, b = (onnx.load(str(tmp_path / d / comp["file"])).graph for d in ("large", "plain"))
        assert [n.op_type for n in a.node] == [n.op_type for n in b.node], comp["file"]
        assert [(vi.name, vi.type) for vi in list(a.input) + list(a.output)] == [(vi.name, vi.type) for vi in list(b.input) + list(b.output)]
        wa = sorted(numpy_helper.to_array(t).tobytes() for t in a.initializer)
        wb = sorted(numpy_helper.to_array(t).tobytes() for t in b.initializer)
        assert wa == wb, comp["file"]
