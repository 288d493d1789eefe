"""Export: the pack folder, the manifest, and the ONNX graphs' names and dynamic axes."""
import json

import onnx
import pytest
import torch

from helpers import tiny_config
from spire.export import export_pack
from spire.sampler import SpireModels
from spire.tokenizer import train_bpe
from spire.unet import fusion_tensor_names


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    tok = train_bpe(["a photo of a cat", "Remove all degradation"], vocab_size=520, model_max_length=77)
    cfg = tiny_config("additive")
    torch.manual_seed(0)
    manifest = export_pack(SpireModels(cfg).eval(), tok, out, force=True)
    return out, manifest, cfg


def test_layout_follows_the_optimum_folders(exported):
    out, manifest, _ = exported
    for name in ("text_encoder", "unet", "vae_encoder", "vae_decoder", "adaptor", "restorer"):
        assert (out / name / "model.onnx").exists()
        assert manifest["components"][name]["file"] == f"{name}/model.onnx"
    for f in ("vocab.json", "merges.txt", "tokenizer_config.json"):
        assert (out / "tokenizer" / f).exists()
    sched = json.loads((out / "scheduler" / "scheduler_config.json").read_text())
    assert sched["_class_name"] == "DDIMScheduler" and sched["steps_offset"] == 1
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_manifest_describes_the_model(exported):
    _, m, cfg = exported
    assert (m["format"], m["formatVersion"]) == ("spire-pack", 1)
    assert m["latent"] == {"channels": 4, "scaleFactor": cfg.autoencoder.scale_factor, "downsamplingFactor": 4}
    assert m["tokenizer"]["maxLength"] == cfg.text_encoder.max_length
    assert m["adaptor"]["fusion"] == "additive" and m["hasRestorer"] is True
    assert [t for s in m["adaptor"]["skips"] for t in s["tensors"]] == fusion_tensor_names(cfg.unet, "additive")
    assert m["adaptor"]["skips"][-1]["name"] == "mid"
    assert m["predictionType"] == "epsilon" and m["nativeResolution"] == 32 and m["sizeMultiple"] == 8


def test_tokenizer_config_uses_the_text_encoder_length(exported):
    out, _, cfg = exported
    assert json.loads((out / "tokenizer" / "tokenizer_config.json").read_text())["model_max_length"] == cfg.text_encoder.max_length


def test_graphs_have_the_manifest_names_and_symbolic_dims(exported):
    out, m, _ = exported
    for name, comp in m["components"].items():
        model = onnx.load(str(out / comp["file"]))
        onnx.checker.check_model(model)
        assert 14 <= model.opset_import[0].version <= 17
        graph_inputs = [i for i in model.graph.input if i.name not in {x.name for x in model.graph.initializer}]
        assert [i.name for i in graph_inputs] == [v["name"] for v in comp["inputs"]]
        assert [o.name for o in model.graph.output] == [v["name"] for v in comp["outputs"]]
        pairs = [(vi, spec, True) for vi, spec in zip(graph_inputs, comp["inputs"])]
        pairs += [(vi, spec, False) for vi, spec in zip(model.graph.output, comp["outputs"])]
        for vi, spec, is_input in pairs:
            dims = vi.type.tensor_type.shape.dim
            assert len(dims) == len(spec["shape"]), (name, spec["name"])
            for d, s in zip(dims, spec["shape"]):
                if isinstance(s, int):
                    # inputs are fixed exactly; the exporter may leave a fixed output dim symbolic
                    assert d.dim_value == s or (not is_input and d.dim_param), (name, spec["name"])
                else:
                    assert d.dim_param, f"{name}.{spec['name']}: {s} should be a dynamic axis"


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path, exported):
    (tmp_path / "keep.txt").write_text("user file")
    tok = train_bpe(["a b"], vocab_size=520)
    with pytest.raises(FileExistsError, match="--force"):
        export_pack(SpireModels(tiny_config()), tok, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "user file"


def test_large_graphs_keep_their_weights_in_one_external_file(tmp_path):
    from spire.export import component_specs, example_inputs, export_onnx

    cfg = tiny_config()
    torch.manual_seed(0)
    unet = SpireModels(cfg).unet.eval()
    ins, outs = component_specs(cfg, "float32")["unet"]
    inputs = example_inputs(ins, 2, 16, 16, 64, "cpu", torch.float32)
    with torch.no_grad():  # forced here; automatic above 1.5 GB of weights (SD 1.5's UNet)
        data = export_onnx(unet, inputs, ins, outs, tmp_path / "unet" / "model.onnx", external_data=True)
    assert data == "model.onnx_data"
    assert sorted(p.name for p in (tmp_path / "unet").iterdir()) == ["model.onnx", "model.onnx_data"]
    assert (tmp_path / "unet" / "model.onnx_data").stat().st_size > 0.9 * 4 * sum(p.numel() for p in unet.parameters())
    onnx.checker.check_model(str(tmp_path / "unet" / "model.onnx"))
    assert len(onnx.load(str(tmp_path / "unet" / "model.onnx")).graph.initializer) > 10
