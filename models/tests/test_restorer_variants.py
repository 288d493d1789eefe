"""Restorer options: restorer.unshuffle (FFDNet-style pixel-unshuffle) and restorer.prompt_pool
("mean" | "attention"): identity at init, shapes, bad values, and ONNX export parity."""
import numpy as np
import pytest
import torch

from helpers import perturb, tiny_config
from spire.config import SpireConfig, config_path
from spire.restorer import AttentionPool, Restorer

VARIANTS = [(u, pool) for u in (1, 2, 4) for pool in ("mean", "attention")]


def restorer_config(unshuffle: int, pool: str) -> SpireConfig:
    cfg = tiny_config()
    cfg.restorer.unshuffle = unshuffle
    cfg.restorer.prompt_pool = pool
    return cfg


def prompt(cfg: SpireConfig, batch: int = 1, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, cfg.text_encoder.max_length, cfg.context_dim, generator=g)  # (B, L, D)


@pytest.mark.parametrize("unshuffle,pool", VARIANTS)
def test_identity_at_init(unshuffle, pool):
    # conv_out is zero-initialised, so before training the output is the input, bit for bit
    cfg = restorer_config(unshuffle, pool)
    torch.manual_seed(0)
    r = Restorer(cfg).eval()
    assert r.conv_out.weight.abs().max() == 0 and r.conv_out.bias.abs().max() == 0
    x = torch.rand(2, 3, 8 * unshuffle, 12 * unshuffle) * 2 - 1
    with torch.no_grad():
        assert torch.equal(r(x, prompt(cfg, 2)), x)


@pytest.mark.parametrize("unshuffle,pool", VARIANTS)
@pytest.mark.parametrize("h,w", [(4, 4), (20, 36), (28, 12)])  # multiples of every unshuffle tried
def test_output_keeps_any_size_that_is_a_multiple_of_unshuffle(unshuffle, pool, h, w):
    cfg = restorer_config(unshuffle, pool)
    r = perturb(Restorer(cfg)).eval()
    x = torch.rand(2, 3, h, w) * 2 - 1
    with torch.no_grad():
        y = r(x, prompt(cfg, 2))
    assert y.shape == x.shape
    assert (y - x).abs().max() > 1e-4  # once trained (perturbed), it is no longer the identity


def test_unshuffle_convs_work_at_reduced_resolution():
    cfg = restorer_config(2, "mean")
    r = Restorer(cfg)
    assert r.conv_in.in_channels == 12 and r.conv_out.out_channels == 12  # 3 * 2^2
    seen = []
    r.conv_in.register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape)))
    with torch.no_grad():
        r(torch.zeros(1, 3, 16, 24), prompt(cfg))
    assert seen == [(1, cfg.restorer.channels, 8, 12)]


def test_a_side_that_is_not_a_multiple_of_unshuffle_is_refused():
    cfg = restorer_config(2, "mean")
    with pytest.raises(RuntimeError):
        Restorer(cfg)(torch.zeros(1, 3, 15, 16), prompt(cfg))


@pytest.mark.parametrize("field,value,message", [
    ("prompt_pool", "max", r"prompt_pool must be 'mean' or 'attention', got 'max'"),
    ("prompt_pool", "", r"prompt_pool must be 'mean' or 'attention'"),
    ("unshuffle", 0, r"unshuffle must be >= 1, got 0"),
    ("unshuffle", -2, r"unshuffle must be >= 1, got -2"),
])
def test_bad_option_values_are_refused(field, value, message):
    cfg = tiny_config()
    setattr(cfg.restorer, field, value)
    with pytest.raises(ValueError, match=message):
        Restorer(cfg)


def test_mean_pool_has_no_pool_module_and_attention_pool_has_one():
    assert Restorer(restorer_config(1, "mean")).pool is None
    assert isinstance(Restorer(restorer_config(1, "attention")).pool, AttentionPool)


def test_attention_pool_weights_sum_to_one():
    # identical tokens: whatever the softmax weights, the pooled value is value(token), then the residual MLP
    torch.manual_seed(0)
    pool = AttentionPool(8).eval()
    token = torch.randn(1, 1, 8)
    with torch.no_grad():
        v = pool.value(token[:, 0])
        expected = v + pool.mlp(v)
        assert torch.allclose(pool(token.expand(1, 5, 8)), expected, atol=1e-6)


def test_attention_pool_weighs_tokens_by_the_learned_query():
    # softmax(q . K^T / sqrt(D)) weights over the tokens, not the mean: the pooled vector differs from the mean of the values
    torch.manual_seed(0)
    pool = AttentionPool(8).eval()
    e = torch.randn(2, 4, 8)
    with torch.no_grad():
        v = pool.value(e)  # (B, L, D)
        w = torch.softmax((pool.key(e) @ pool.query) / np.sqrt(8), dim=1)  # (B, L)
        pooled = (w.unsqueeze(-1) * v).sum(dim=1)
        assert torch.allclose(w.sum(dim=1), torch.ones(2)) and (w.max() - w.min()) > 1e-3
        assert torch.allclose(pool(e), pooled + pool.mlp(pooled), atol=1e-6)
        assert (pooled - v.mean(dim=1)).abs().max() > 1e-3


@pytest.mark.parametrize("pool", ["mean", "attention"])
def test_output_depends_on_the_restoration_prompt(pool):
    cfg = restorer_config(2, pool)
    r = perturb(Restorer(cfg)).eval()
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        assert (r(x, prompt(cfg, seed=1)) - r(x, prompt(cfg, seed=2))).abs().max() > 1e-4


def test_options_round_trip_through_the_config():
    cfg = tiny_config()
    cfg.restorer.unshuffle, cfg.restorer.prompt_pool = 2, "attention"
    back = SpireConfig.from_dict(cfg.to_dict())
    assert (back.restorer.unshuffle, back.restorer.prompt_pool) == (2, "attention")
    defaults = SpireConfig.load(config_path("fixture")).restorer
    assert (defaults.unshuffle, defaults.prompt_pool) == (1, "mean")  # older configs keep the old restorer


def test_compact_config_uses_the_unshuffle_attention_restorer():
    r = SpireConfig.load(config_path("compact")).restorer
    assert r.enabled and r.unshuffle == 2 and r.prompt_pool == "attention"


@pytest.mark.parametrize("unshuffle,pool", [(2, "attention"), (2, "mean"), (1, "attention")])
def test_onnx_export_matches_pytorch_at_other_sizes(tmp_path, unshuffle, pool):
    """The exported graph (spire.export's names and dynamic axes) gives PyTorch's output in onnxruntime,
    at the traced size and at sizes it was not traced at (the unshuffle reshapes must stay symbolic)."""
    ort = pytest.importorskip("onnxruntime")
    from spire.export import component_specs, example_inputs, export_onnx

    cfg = restorer_config(unshuffle, pool)
    r = perturb(Restorer(cfg), seed=3).eval()
    ins, outs = component_specs(cfg, "float32")["restorer"]
    assert [v["name"] for v in ins] == ["image", "encoder_hidden_states"] and [v["name"] for v in outs] == ["restored"]
    inputs = example_inputs(ins, 1, 16, 16, cfg.text_encoder.vocab_size, "cpu", torch.float32)
    path = tmp_path / "restorer" / "model.onnx"
    with torch.no_grad():
        export_onnx(r, inputs, ins, outs, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for batch, h, w in [(1, 16, 16), (2, 24, 40), (1, 64, 32)]:
        g = torch.Generator().manual_seed(h * w)
        x = torch.rand(batch, 3, h, w, generator=g) * 2 - 1
        e = torch.randn(batch, cfg.text_encoder.max_length, cfg.context_dim, generator=g)
        with torch.no_grad():
            expected = r(x, e).numpy()
        (got,) = session.run(["restored"], {"image": x.numpy(), "encoder_hidden_states": e.numpy()})
        assert got.shape == (batch, 3, h, w)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)


# ---- restorer.degradation_input: the parsed restoration prompt as numbers ----------------------------------

def test_degradation_vector_follows_the_grammar_ranges():
    from spire.prompts import degradation_vector, degradation_vector_size

    assert degradation_vector_size() == 13
    # blur 2.0 of [0.2, 3.0], upsample named only, noise 0.06 of [0, 0.12], jpeg 92 of [30, 92]
    v = degradation_vector("Deblur with sigma 2.0; Upsample; Denoise with sigma 0.06; Dejpeg with quality 92;")
    np.testing.assert_allclose(v, [1, 1, 1.8 / 2.8, 1, 0, 0, 1, 1, 0.5, 1, 1, 1, 0], atol=1e-12)
    assert degradation_vector("Remove all degradation") == [0.0] * 12 + [1.0]
    assert degradation_vector("") == [0.0] * 13


def test_degradation_input_starts_as_the_plain_restorer_and_then_follows_the_numbers():
    cfg = restorer_config(2, "attention")
    plain = perturb(Restorer(cfg), seed=5).eval()
    cfg.restorer.degradation_input = True
    r = Restorer(cfg).eval()
    missing, unexpected = r.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("degradation.") for k in missing)
    x, e = torch.rand(1, 3, 16, 16) * 2 - 1, prompt(cfg)
    low, high = (r.degradation_of([f"Denoise with sigma {s};"], "cpu") for s in ("0.01", "0.12"))
    with torch.no_grad():
        # zero-initialised last layer: a warm start from a plain restorer is the same function
        assert torch.equal(r(x, e, low), plain(x, e))
        with pytest.raises(ValueError, match="pass it"):
            r(x, e)
        perturb(r.degradation, seed=6)
        assert (r(x, e, low) - r(x, e, high)).abs().max() > 1e-4


def test_onnx_export_feeds_the_degradation_vector(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from spire.export import component_specs, example_inputs, export_onnx

    cfg = restorer_config(2, "attention")
    cfg.restorer.degradation_input = True
    r = perturb(Restorer(cfg), seed=7).eval()
    ins, outs = component_specs(cfg, "float32")["restorer"]
    assert [v["name"] for v in ins] == ["image", "encoder_hidden_states", "degradation"]
    assert ins[2]["shape"] == ["batch", 13]
    inputs = example_inputs(ins, 1, 16, 16, cfg.text_encoder.vocab_size, "cpu", torch.float32)
    path = tmp_path / "restorer" / "model.onnx"
    with torch.no_grad():
        export_onnx(r, inputs, ins, outs, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x, e = torch.rand(2, 3, 24, 16) * 2 - 1, prompt(cfg, batch=2)
    d = r.degradation_of(["Deblur with sigma 2.0;", "Remove all degradation"], "cpu")
    with torch.no_grad():
        expected = r(x, e, d).numpy()
    (got,) = session.run(["restored"], {"image": x.numpy(), "encoder_hidden_states": e.numpy(), "degradation": d.numpy()})
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)
