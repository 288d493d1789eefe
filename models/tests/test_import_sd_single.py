"""The tiny model as one single LDM-layout file (models/tests/data/tiny-sd15.safetensors): the same weights as the
diffusers folder, and `spire.import_sd --config` of it gives the same pack as the folder's import.

The committed file is checked against the committed folder without diffusers (CI): both are read with a small
safetensors reader here, through the committed key map. With diffusers the map is re-derived (and so re-checked
by diffusers' own LDM -> diffusers converters) and both imports are compared graph by graph.
"""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spire import import_sd
from spire.import_sd import Unsupported

MODELS = Path(__file__).resolve().parents[1]
DATA = MODELS / "tests" / "data"
SOURCE = DATA / "tiny-sd15-diffusers"
SINGLE = DATA / "tiny-sd15.safetensors"
KEYMAP = DATA / "tiny-sd15.ldm-keys.json"
PACK = MODELS.parent / "test" / "fixtures" / "packs" / "tiny-sd15"
WEIGHTS = {"unet": "unet/diffusion_pytorch_model.safetensors", "vae": "vae/diffusion_pytorch_model.safetensors",
           "text_encoder": "text_encoder/model.safetensors"}


def read_safetensors(path: Path) -> dict:
    """name -> numpy array; the format is an 8-byte little-endian header length, a JSON header, then the data."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    dtypes = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def fixture_tool():
    spec = importlib.util.spec_from_file_location("make_sd15_fixture", MODELS / "tools" / "make_sd15_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---- without diffusers (CI) -----------------------------------------------------------------------------------

def test_single_file_holds_the_folder_weights():
    """Every LDM tensor is a folder weight (reshaped only where the map says), every folder weight is used once."""
    keymap = json.loads(KEYMAP.read_text())
    single = read_safetensors(SINGLE)
    folder = {comp: read_safetensors(SOURCE / rel) for comp, rel in WEIGHTS.items()}
    assert set(single) == set(keymap)
    used = [(comp, key) for comp, key, _ in keymap.values()]
    assert len(used) == len(set(used))
    assert set(used) == {(comp, key) for comp, w in folder.items() for key in w}
    for ldm, (comp, key, shape) in keymap.items():
        assert ldm.startswith(import_sd_prefix(comp)), ldm
        got, want = single[ldm], folder[comp][key]
        assert list(got.shape) == shape, ldm
        assert got.size == want.size and np.array_equal(got.reshape(want.shape), want), ldm
    reshaped = sorted(k for k, (c, key, s) in keymap.items() if list(folder[c][key].shape) != s)
    assert reshaped and all(".mid.attn_1." in k and k.endswith(".weight") for k in reshaped)  # the VAE's 1x1 convs


def import_sd_prefix(comp: str) -> str:
    return {"unet": "model.diffusion_model.", "vae": "first_stage_model.", "text_encoder": "cond_stage_model.transformer."}[comp]


def test_single_file_has_the_keys_the_importer_reads():
    keys = read_safetensors(SINGLE)
    assert {"model.diffusion_model.input_blocks.0.0.weight", "first_stage_model.quant_conv.weight",
            "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"} <= set(keys)
    assert SINGLE.stat().st_size < 4_000_000


def test_tiny_single_file_is_refused_without_config(tmp_path):
    """SD 1.5's shipped configs do not fit it: refused before anything is written, pointing at --config."""
    pytest.importorskip("safetensors")  # the importer reads the file's header with it
    with pytest.raises(Unsupported, match="--config"):
        import_sd.import_sd(SINGLE, tmp_path / "pack")
    assert not (tmp_path / "pack").exists() and list(tmp_path.iterdir()) == []


def test_config_that_does_not_fit_is_refused(tmp_path):
    pytest.importorskip("safetensors")  # the importer reads the file's header with it
    import shutil

    cfg = tmp_path / "cfg"
    shutil.copytree(SOURCE, cfg, ignore=shutil.ignore_patterns("*.safetensors"))
    unet = json.loads((cfg / "unet" / "config.json").read_text())
    unet["block_out_channels"] = [32, 32, 32]
    (cfg / "unet" / "config.json").write_text(json.dumps(unet))
    with pytest.raises(Unsupported, match="does not fit the configs"):
        import_sd.import_sd(SINGLE, tmp_path / "pack", config=cfg)
    assert not (tmp_path / "pack").exists()


def test_config_is_for_single_files_only(tmp_path):
    pytest.importorskip("safetensors")  # the importer reads the file's header with it
    with pytest.raises(Unsupported, match="--config is for single files"):
        import_sd.import_sd(SOURCE, tmp_path / "pack", config=SOURCE)
    with pytest.raises(Unsupported, match="give a diffusers folder"):
        import_sd.import_sd(SINGLE, tmp_path / "pack", config=SINGLE)


def test_config_gives_the_tokenizer_and_scheduler():
    pytest.importorskip("safetensors")  # the importer reads the file's header with it
    src = import_sd.inspect_source(SINGLE, config=SOURCE)
    assert src.tokenizer_dir == SOURCE / "tokenizer" and src.configs == SOURCE
    assert src.unet["block_out_channels"] == [16, 32, 32] and src.scheduler["prediction_type"] == "epsilon"
    assert import_sd.inspect_source(SINGLE, "v_prediction", config=SOURCE).scheduler["prediction_type"] == "v_prediction"


# ---- the map re-derived, and the import itself (diffusers) ----------------------------------------------------

def test_derived_map_is_the_committed_one():
    pytest.importorskip("diffusers")
    derived = fixture_tool().derive_ldm_map(SOURCE)
    committed = json.loads(KEYMAP.read_text())
    assert {k: [m["component"], m["key"], m["shape"]] for k, m in derived.items()} == committed


@pytest.mark.parametrize("wrong", ["upsampler_in_the_wrong_block", "norm1_as_norm2", "kept_diffusers_name",
                                   "upsampler_slot_before_attention", "flat_vae_attention"])
def test_a_wrong_candidate_is_caught(monkeypatch, wrong):
    """The derivation fails loudly when a proposed LDM name or shape is not what diffusers' converters read as that
    parameter, or keeps a diffusers spelling the converters happen to accept (a resnet's norm1; upsampler slot .1)."""
    pytest.importorskip("diffusers")
    tool = fixture_tool()
    candidate, ldm_shape = tool.ldm_candidate, tool._ldm_shape

    def bad_candidate(comp, key, config):
        name = candidate(comp, key, config)
        if wrong == "upsampler_in_the_wrong_block" and comp == "unet" and key.startswith("up_blocks.1.upsamplers"):
            return name.replace("output_blocks.3.", "output_blocks.5.")
        if wrong == "upsampler_slot_before_attention" and comp == "unet" and key.startswith("up_blocks.1.upsamplers"):
            return name.replace(".2.conv.", ".1.conv.")
        if wrong == "norm1_as_norm2" and comp == "unet" and key.startswith("mid_block.resnets.0.norm1."):
            return name.replace("in_layers.0", "out_layers.0")
        if wrong == "kept_diffusers_name" and comp == "unet" and key == "mid_block.resnets.0.norm1.weight":
            return name.replace("in_layers.0", "norm1")
        return name

    monkeypatch.setattr(tool, "ldm_candidate", bad_candidate)
    if wrong == "flat_vae_attention":
        monkeypatch.setattr(tool, "_ldm_shape", lambda comp, k, shape: tuple(shape) + (1, 1, 1)
                            if k.endswith("attn_1.q.weight") else ldm_shape(comp, k, shape))
    with pytest.raises(ValueError):
        tool.derive_ldm_map(SOURCE)


@pytest.fixture(scope="module")
def both_imports(tmp_path_factory):
    pytest.importorskip("diffusers")
    root = tmp_path_factory.mktemp("single")
    for name, args in (("folder", [str(SOURCE)]), ("single", [str(SINGLE), "--config", str(SOURCE)])):
        run = subprocess.run([sys.executable, "-m", "spire.import_sd", *args, "-o", str(root / name), "--name", "tiny-sd15"],
                             cwd=str(MODELS), capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    return root / "folder", root / "single"


def initializers(path: Path) -> dict:
    import onnx
    from onnx import numpy_helper

    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def test_single_file_import_equals_folder_import(both_imports):
    folder, single = both_imports
    mf, ms = (json.loads((p / "manifest.json").read_text()) for p in both_imports)
    assert mf == ms  # same name given, so the whole manifest: components, scheduler, tokenizer, latent
    for rel in ("scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt"):
        assert (folder / rel).read_bytes() == (single / rel).read_bytes(), rel
    for name, comp in mf["components"].items():
        a, b = initializers(folder / comp["file"]), initializers(single / comp["file"])
        assert set(a) == set(b) and len(a) > 10, name
        for k in a:
            assert a[k].shape == b[k].shape, (name, k)
            np.testing.assert_allclose(b[k], a[k], atol=1e-6, rtol=0, err_msg=f"{name} {k}")
    card = (single / "MODEL_CARD.md").read_text()
    assert "single-file checkpoint" in card and "tiny-sd15.safetensors" in card and "(--config)" in card


def test_single_file_import_matches_the_committed_pack(both_imports):
    """So the committed goldens (made from the folder) hold for the single file too: same graph bytes."""
    _, single = both_imports
    fresh = json.loads((single / "manifest.json").read_text())
    committed = json.loads((PACK / "manifest.json").read_text())
    if fresh["producer"] != committed["producer"]:
        pytest.skip(f"other versions than the committed pack's ({committed['producer']})")
    for name, comp in committed["components"].items():
        assert (single / comp["file"]).read_bytes() == (PACK / comp["file"]).read_bytes(), name
