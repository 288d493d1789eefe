"""Restorer architecture candidates (restorer.block "gated", restorer.levels > 0): identity at init, odd grids
that are multiples of the unshuffle factor, prompt control, bad values, the default left as shipped, and the ONNX
export with the shipped restorer's input/output names (run in onnxruntime-node at untraced sizes where node is)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import perturb, tiny_config
from spire.config import SpireConfig, config_path
from spire.restorer import ChannelNorm, GatedBlock, Restorer

REPO = Path(__file__).resolve().parents[2]

# (block, unshuffle, levels, level_blocks, blocks)
CANDIDATES = [
    ("gated", 2, 0, 1, 2),
    ("gated", 1, 2, 1, 1),
    ("gated", 2, 2, 2, 1),
    ("film", 2, 2, 1, 2),
    ("film", 1, 1, 2, 1),
    ("gated", 4, 1, 1, 1),
]
IDS = [f"{b}-u{u}-L{lv}x{lb}-b{n}" for b, u, lv, lb, n in CANDIDATES]


def candidate_config(block, unshuffle, levels, level_blocks, blocks, degradation=True) -> SpireConfig:
    cfg = tiny_config()
    r = cfg.restorer
    r.block, r.unshuffle, r.levels, r.level_blocks, r.blocks = block, unshuffle, levels, level_blocks, blocks
    r.channels, r.init, r.prompt_pool, r.degradation_input = 8, "kaiming", "attention", degradation
    return cfg


def inputs(r: Restorer, cfg: SpireConfig, h: int, w: int, batch: int = 2, seed: int = 0, prompts=None):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, 3, h, w, generator=g) * 2 - 1
    e = torch.randn(batch, cfg.text_encoder.max_length, cfg.context_dim, generator=g)  # (B, L, D)
    prompts = prompts or ["Denoise with sigma 0.05;", "Deblur with sigma 2.0;"][:batch]
    return x, e, r.degradation_of(prompts, "cpu")


@pytest.mark.parametrize("cand", CANDIDATES, ids=IDS)
def test_identity_at_init(cand):
    cfg = candidate_config(*cand)
    torch.manual_seed(0)
    r = Restorer(cfg).eval()
    assert r.conv_out.weight.abs().max() == 0 and r.conv_out.bias.abs().max() == 0
    u = cand[1]
    x, e, d = inputs(r, cfg, 6 * u, 10 * u)
    with torch.no_grad():
        assert torch.equal(r(x, e, d), x)


@pytest.mark.parametrize("cand", CANDIDATES, ids=IDS)
@pytest.mark.parametrize("h,w", [(1, 1), (11, 7), (5, 13), (16, 12)])  # grid sides (image side / unshuffle), odd ones too
def test_runs_at_any_multiple_of_the_unshuffle_factor(cand, h, w):
    cfg = candidate_config(*cand)
    r = perturb(Restorer(cfg), seed=1).eval()
    u = cand[1]
    x, e, d = inputs(r, cfg, h * u, w * u)
    with torch.no_grad():
        y = r(x, e, d)
    assert y.shape == x.shape
    assert (y - x).abs().max() > 1e-4  # perturbed: no longer the identity


@pytest.mark.parametrize("cand", CANDIDATES, ids=IDS)
def test_fully_convolutional_away_from_the_borders(cand):
    """A pixel's output depends only on its neighbourhood: the same patch inside two different images gives the
    same output at its centre (no image-wide statistic, so tiles and region windows agree)."""
    cfg = candidate_config(*cand)
    r = perturb(Restorer(cfg), seed=2).eval()
    u = cand[1]
    side = 96 * u
    x, e, d = inputs(r, cfg, side, side, batch=1, prompts=["Denoise with sigma 0.05;"])
    other = x.clone()
    other[:, :, : 4 * u] = -other[:, :, : 4 * u]  # change a strip far from the centre
    with torch.no_grad():
        a, b = r(x, e, d), r(other, e, d)
    c = side // 2
    assert torch.allclose(a[:, :, c - u : c + u, c - u : c + u], b[:, :, c - u : c + u, c - u : c + u], atol=1e-6)
    assert (a - b).abs().max() > 1e-3


@pytest.mark.parametrize("cand", CANDIDATES, ids=IDS)
def test_output_follows_the_prompt_and_the_degradation_vector(cand):
    cfg = candidate_config(*cand)
    r = perturb(Restorer(cfg), seed=3).eval()
    u = cand[1]
    x, e, _ = inputs(r, cfg, 8 * u, 8 * u, batch=1)
    low, high = (r.degradation_of([f"Denoise with sigma {s};"], "cpu") for s in ("0.01", "0.12"))
    with torch.no_grad():
        assert (r(x, e, low) - r(x, e, high)).abs().max() > 1e-4
        assert (r(x, e, low) - r(x, e * 2, low)).abs().max() > 1e-4


def test_u_shape_works_at_every_level_with_widths_doubling():
    cfg = candidate_config("gated", 2, 2, 1, 1)
    r = Restorer(cfg)
    assert [m.out_channels for m in r.down] == [16, 32] and [m.out_channels for m in r.up] == [32, 64]
    assert r.blocks[0].project.in_channels == 32 and len(r.encoder) == len(r.decoder) == 2
    seen = []
    for m in (r.conv_in, r.down[0], r.down[1], r.decoder[0][0]):
        m.register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape[1:])))
    with torch.no_grad():
        r(*inputs(r, cfg, 22, 14, batch=1))
    assert seen == [(8, 11, 7), (16, 6, 4), (32, 3, 2), (8, 11, 7)]  # ceil halving, then cropped back to 11 x 7


def test_default_options_are_the_shipped_restorer():
    """levels 0 and block "film" build exactly today's module: the same parameter names and, from the same seed,
    the same values (the shipped pack and its goldens depend on it)."""
    cfg = SpireConfig.load(config_path("compact"))
    r = cfg.restorer
    assert (r.block, r.levels, r.level_blocks) == ("film", 0, 1)
    torch.manual_seed(0)
    model = Restorer(cfg)
    names = list(model.state_dict())
    assert not any(n.split(".")[0] in ("encoder", "decoder", "down", "up") for n in names)
    assert sum(p.numel() for p in model.parameters()) == 310_716  # MODEL_CARD.md's restorer
    assert names[:3] == ["pool.query", "pool.key.weight", "pool.key.bias"] and names[-2:] == ["conv_out.weight", "conv_out.bias"]


def test_channel_norm_is_layer_norm_over_channels():
    torch.manual_seed(0)
    norm = perturb(ChannelNorm(6), seed=4)
    x = torch.randn(2, 6, 5, 3) * 3 + 1
    expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), norm.weight.flatten(), norm.bias.flatten(), eps=1e-6)
    assert torch.allclose(norm(x), expected.permute(0, 3, 1, 2), atol=1e-5)


def test_gated_block_is_the_identity_until_its_residual_scales_move():
    torch.manual_seed(0)
    block = GatedBlock(8, 16).eval()
    x, p = torch.randn(1, 8, 5, 5), torch.randn(1, 16)
    with torch.no_grad():
        assert torch.equal(block(x, p), x)
        block.beta.fill_(0.5)
        assert (block(x, p) - x).abs().max() > 1e-3


@pytest.mark.parametrize("field,value,message", [
    ("block", "nafnet", r"restorer.block must be one of \['film', 'gated'\], got 'nafnet'"),
    ("levels", -1, r"levels must be >= 0 and restorer.level_blocks >= 1, got -1 and 1"),
    ("level_blocks", 0, r"got 0 and 0"),
])
def test_bad_values_are_refused(field, value, message):
    cfg = tiny_config()
    setattr(cfg.restorer, field, value)
    with pytest.raises(ValueError, match=message):
        Restorer(cfg)


def test_options_round_trip_through_the_config():
    cfg = candidate_config("gated", 2, 2, 2, 3)
    back = SpireConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))).restorer
    assert (back.block, back.levels, back.level_blocks, back.blocks) == ("gated", 2, 2, 3)


STANDARD_OPS = {"Conv", "Mul", "Add", "Sub", "Div", "Sqrt", "Pow", "ReduceMean", "Sigmoid", "Split", "Slice", "Shape",
                "Gather", "Unsqueeze", "Concat", "Reshape", "Transpose", "DepthToSpace", "SpaceToDepth", "MatMul", "Gemm",
                "Softmax", "Constant", "Identity", "ReduceSum", "Cast", "Squeeze", "Expand", "ConstantOfShape", "Range",
                "Equal", "Where", "Flatten"}


def run_in_onnxruntime_node(model: Path, feeds: dict, tmp: Path) -> np.ndarray:
    """Runs model.onnx in onnxruntime-node (the engine's runtime) on float32 feeds; returns 'restored'."""
    spec = {}
    for name, a in feeds.items():
        (tmp / f"{name}.bin").write_bytes(np.ascontiguousarray(a, dtype=np.float32).tobytes())
        spec[name] = list(a.shape)
    script = """
const { createRequire } = require('node:module');
const fs = require('node:fs');
const [repo, model, dir, spec] = process.argv.slice(1);
const ort = createRequire(repo + '/package.json')('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const feeds = {};
  for (const [name, dims] of Object.entries(JSON.parse(spec))) {
    const b = fs.readFileSync(`${dir}/${name}.bin`);
    feeds[name] = new ort.Tensor('float32', new Float32Array(b.buffer, b.byteOffset, b.length / 4), dims);
  }
  const out = await s.run(feeds);
  fs.writeFileSync(`${dir}/restored.bin`, Buffer.from(out.restored.data.buffer));
  console.log(JSON.stringify(out.restored.dims));
})().catch((e) => { console.error(e); process.exit(1); });
"""
    res = subprocess.run(["node", "-e", script, str(REPO), str(model), str(tmp), json.dumps(spec)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    dims = json.loads(res.stdout.strip().splitlines()[-1])
    return np.frombuffer((tmp / "restored.bin").read_bytes(), dtype=np.float32).reshape(dims)


@pytest.mark.parametrize("cand", [CANDIDATES[0], CANDIDATES[2], CANDIDATES[3]], ids=[IDS[0], IDS[2], IDS[3]])
def test_onnx_export_keeps_the_names_and_runs_at_untraced_sizes(tmp_path, cand):
    onnx = pytest.importorskip("onnx")
    from spire.export import OPSET, component_specs, example_inputs, export_onnx

    cfg = candidate_config(*cand)
    r = perturb(Restorer(cfg), seed=5).eval()
    ins, outs = component_specs(cfg, "float32")["restorer"]
    assert [v["name"] for v in ins] == ["image", "encoder_hidden_states", "degradation"]
    assert [v["name"] for v in outs] == ["restored"]
    path = tmp_path / "restorer" / "model.onnx"
    with torch.no_grad():
        export_onnx(r, example_inputs(ins, 1, 32, 32, cfg.text_encoder.vocab_size, "cpu", torch.float32), ins, outs, path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["image", "encoder_hidden_states", "degradation"]
    assert [o.name for o in model.graph.output] == ["restored"]
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) == OPSET == 17
    assert {n.op_type for n in model.graph.node} <= STANDARD_OPS
    if shutil.which("node") is None or not (REPO / "node_modules" / "onnxruntime-node").exists():
        pytest.skip("onnxruntime-node is not installed: graph checked, not run")
    u = cand[1]
    for batch, h, w in [(1, 32, 32), (2, 11 * u, 7 * u), (1, 5 * u, 26 * u)]:
        x, e, d = inputs(r, cfg, h, w, batch=batch, seed=h * w)
        with torch.no_grad():
            expected = r(x, e, d).numpy()
        got = run_in_onnxruntime_node(path, {"image": x.numpy(), "encoder_hidden_states": e.numpy(),
                                             "degradation": d.numpy()}, tmp_path)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)


def test_denoise_mixer_adds_only_the_named_gaussian_noise():
    from spire.degradations import make_denoise_sample
    from spire.prompts import parse

    clean = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32) * 0.5 + 0.25  # no clipping at 0.12
    shown = 0
    for i in range(40):
        s = make_denoise_sample(clean, np.random.default_rng([7, i]))
        sigma = s["params"]["stages"]["noise"]
        p = parse(s["restoration_prompt"])
        assert [op.key for op in p.operations] == ["noise"] and s["pipeline"] == "denoise"
        shown += p.operations[0].value is not None
        if p.operations[0].value is not None:
            assert p.operations[0].value == pytest.approx(sigma)
        assert abs(float(np.std(s["degraded"] - clean)) - sigma) <= 0.1 * sigma + 2e-3
        again = make_denoise_sample(clean, np.random.default_rng([7, i]))
        assert np.array_equal(again["degraded"], s["degraded"])
    assert 8 < shown < 32  # the number is shown about half the time


# ---- distillation from the 8-view self-ensemble (train.restorer_distill) -------------------------------------

def test_dihedral_views_turn_back_what_they_turn():
    from spire.restorer import dihedral_views

    x = torch.randn(2, 3, 6, 10)
    assert torch.allclose(dihedral_views(lambda v: v * 2, x), x * 2, atol=1e-6)
    ramp = torch.arange(6.0)[:, None].expand(6, 6)  # rows 0..5: not symmetric, so the 8 views differ
    views = dihedral_views(lambda v: v + ramp, torch.zeros(1, 3, 6, 6))
    expected = sum(torch.rot90(r, -k, dims=(0, 1)) for r in (ramp,) for k in range(4))
    expected = (expected + expected.flip(-1)) / 8  # turned back, then mirrored back
    assert torch.allclose(views[0, 0], expected, atol=1e-6)
    assert torch.allclose(views, views.mean().expand_as(views), atol=1e-6)  # the 8 views average the ramp out


class NoisyPairs:
    def __len__(self):
        return 4

    def get(self, index, step):
        rng = np.random.default_rng([index, step])
        clean = rng.random((16, 16, 3), dtype=np.float32) * 0.5 + 0.25
        return {"clean": clean, "degraded": (clean + rng.normal(0, 0.05, clean.shape)).astype(np.float32),
                "semantic_prompt": "", "restoration_prompt": "Denoise with sigma 0.05;"}


@pytest.mark.parametrize("w", [1.0, 0.5, 0.0])
def test_distillation_mixes_the_teachers_views_into_the_loss(tmp_path, w):
    """A fresh student and a fresh teacher are both the identity: with w = 1 the first loss is 0 (student = teacher),
    with w = 0.5 it is half the input's MSE, with w = 0 the input's MSE."""
    from spire.sampler import SpireModels
    from spire.train import Trainer

    torch.manual_seed(0)
    cfg = candidate_config("gated", 2, 1, 1, 1)
    cfg.text_encoder.vocab_size = SpireConfig.load(config_path("fixture")).text_encoder.vocab_size  # the BPE's ids
    cfg.train.batch_size, cfg.train.log_every, cfg.train.ckpt_every, cfg.train.restorer_loss = 2, 1, 1, "mse"
    cfg.train.restorer_distill = w
    cfg.train.restorer_teacher = {"block": "film", "levels": 0}
    models = SpireModels(cfg)
    models.save(tmp_path, parts=["text_encoder"])
    teacher_cfg = candidate_config("film", 2, 0, 1, 1)
    torch.save(Restorer(teacher_cfg).state_dict(), tmp_path / "teacher_restorer.pt")
    Trainer(cfg, tmp_path, "cpu", seed=0).run("restorer", steps=2, dataset=NoisyPairs())
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2]
    assert ("l1_teacher" in log[0]) == (w > 0)
    input_mse = 4 * 0.05 ** 2  # images in [-1, 1]: twice the noise
    assert log[0]["loss"] == pytest.approx((1 - w) * input_mse, rel=0.15, abs=1e-7)


def test_distillation_without_the_teachers_weights_says_where_to_put_them(tmp_path):
    from spire.sampler import SpireModels
    from spire.train import Trainer

    cfg = candidate_config("gated", 2, 0, 1, 1)
    cfg.text_encoder.vocab_size = SpireConfig.load(config_path("fixture")).text_encoder.vocab_size
    cfg.train.restorer_distill = 0.5
    SpireModels(cfg).save(tmp_path, parts=["text_encoder"])
    with pytest.raises(RuntimeError, match="teacher_restorer.pt"):
        Trainer(cfg, tmp_path, "cpu", seed=0).run("restorer", steps=1, dataset=NoisyPairs())


def test_eval_denoise_scores_an_untrained_restorer_as_its_input(tmp_path):
    """tools/eval_denoise.py: a fresh restorer is the identity, so its PSNR is the noisy input's (up to the
    8-bit rounding of the output), and a restorer that adds noise scores below it."""
    import sys

    sys.path.insert(0, str(REPO / "models" / "tools"))
    import eval_denoise

    images = sorted((eval_denoise.DATA / "CBSD68").glob("*.png"))[:2]
    if not images:
        pytest.skip("no CBSD68 under ../shared/datasets")
    from spire.sampler import SpireModels

    cfg = candidate_config("gated", 2, 1, 1, 1)
    cfg.text_encoder.vocab_size = SpireConfig.load(config_path("fixture")).text_encoder.vocab_size
    SpireModels(cfg).save(tmp_path, parts=["text_encoder", "restorer"])
    res = eval_denoise.evaluate(tmp_path, images, 25 / 255, "Denoise with sigma 0.1;")
    assert res["images"] == 2 and 19 < res["input_psnr"] < 22
    assert res["psnr"] == pytest.approx(res["input_psnr"], abs=1e-6)
    r = perturb(Restorer(cfg), seed=9, scale=0.2)
    torch.save(r.state_dict(), tmp_path / "restorer.pt")
    assert eval_denoise.evaluate(tmp_path, images, 25 / 255, "Denoise with sigma 0.1;")["psnr"] < res["input_psnr"] - 0.5
