"""Parameterized degradation pipeline: each stage does what its prompt says; seeds fix samples."""
import numpy as np
import pytest

from spire import degradations as D
from spire import prompts
from spire.imageio import load_rgb, psnr


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def photo(datasets_root):
    """A 128x128 crop of one BSDS500 training photo (read-only, never copied)."""
    path = sorted((datasets_root / "BSDS500" / "train").glob("*.jpg"))[0]
    return np.ascontiguousarray(load_rgb(path)[64:192, 96:224])


def textured(h=96, w=80, seed=3):
    """Synthetic test image: smooth gradients plus mid-frequency texture, in [0, 1]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)
    base = np.stack([x / w, y / h, 0.5 + 0.25 * np.sin(x / 3.0) * np.cos(y / 4.0)], axis=2)
    return np.clip(0.8 * base + 0.2 * r, 0, 1).astype(np.float32)


@pytest.mark.parametrize("sigma", [0.8, 1.5, 2.0, 3.0])
def test_blur_impulse_response_has_prompt_sigma(sigma):
    img = np.zeros((65, 65, 3), np.float32)
    img[32, 32] = 1.0
    out = D.apply_stages(img, {"blur": sigma}, rng())[:, :, 0].astype(np.float64)
    assert out.sum() == pytest.approx(1.0, abs=1e-4)
    y, x = np.mgrid[0:65, 0:65]
    std_x = np.sqrt((out * (x - 32) ** 2).sum() / out.sum())
    std_y = np.sqrt((out * (y - 32) ** 2).sum() / out.sum())
    assert std_x == pytest.approx(sigma, rel=0.01)
    assert std_y == pytest.approx(sigma, rel=0.01)


@pytest.mark.parametrize("factor,expected", [(1.0, (96, 80)), (2.0, (48, 40)), (4.0, (24, 20)), (3.3, (29, 24)), (7.0, (14, 11))])
def test_downsample_output_size(factor, expected):
    out = D.apply_stages(textured(), {"downsample": factor}, rng())
    assert out.shape == expected + (3,)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1


def test_downsample_is_antialiased_bicubic():
    # A checkerboard at the Nyquist frequency averages to flat grey, with no aliasing.
    y, x = np.mgrid[0:64, 0:64]
    board = np.repeat(((x + y) % 2).astype(np.float32)[:, :, None], 3, axis=2)
    out = D.apply_stages(board, {"downsample": 4.0}, rng())
    assert np.abs(out[2:-2, 2:-2] - 0.5).max() < 0.02


@pytest.mark.parametrize("sigma", [0.01, 0.05, 0.12])
def test_noise_std_matches_prompt_sigma(sigma):
    grey = np.full((128, 128, 3), 0.5, np.float32)
    out = D.apply_stages(grey, {"noise": sigma}, rng(1))
    residual = out - grey
    assert residual.std() == pytest.approx(sigma, rel=0.03)
    assert abs(residual.mean()) < 0.1 * sigma
    # independent per channel ("colour" noise)
    assert abs(np.corrcoef(residual[:, :, 0].ravel(), residual[:, :, 1].ravel())[0, 1]) < 0.05


def test_jpeg_quality_orders_psnr(photo):
    scores = [psnr(D.apply_stages(photo, {"jpeg": q}, rng()), photo) for q in (30, 45, 60, 75, 92)]
    assert all(a < b for a, b in zip(scores, scores[1:])), scores
    assert scores[0] < 35 < scores[-1] + 10


def test_stage_order_is_blur_downsample_noise_jpeg(photo):
    """Applying all four equals the stages composed by hand in canonical order."""
    values = {"jpeg": 50.0, "noise": 0.03, "blur": 1.2, "downsample": 2.0}
    got = D.apply_stages(photo, values, rng(7))
    r = rng(7)
    x = D.gaussian_blur(photo, 1.2)
    x = D.resize_bicubic(x, (64, 64))
    x = D.add_gaussian_noise(x, 0.03, r)
    x = D.jpeg_compress(x, 50)
    np.testing.assert_array_equal(got, x)


def test_apply_stages_refuses_out_of_range():
    with pytest.raises(prompts.PromptError, match="out of range"):
        D.apply_stages(textured(), {"blur": 5.0}, rng())
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        D.apply_stages(np.zeros((8, 8), np.float32), {}, rng())


def test_sample_prompt_describes_applied_stages():
    """Over many draws: stage rate ~0.5 each, number shown ~0.5, values in range and on the
    grid, prompt text parses back to exactly the applied stages."""
    r = rng(11)
    n = 4000
    applied = {k: 0 for k in prompts.grammar().keys}
    shown = 0
    for _ in range(n):
        values, prompt = D.sample_parameterized(r)
        assert [op.key for op in prompt.operations] == list(values)
        parsed = prompts.parse(prompt.text)
        for op in parsed.operations:
            spec = prompts.grammar().spec(op.key)
            v = values[op.key]
            assert spec.min <= v <= spec.max and spec.quantize(v) == v
            if op.value is not None:
                assert op.value == v
                shown += 1
            applied[op.key] += 1
    for key, count in applied.items():
        assert count / n == pytest.approx(0.5, abs=0.03), key
    assert shown / sum(applied.values()) == pytest.approx(0.5, abs=0.03)


def test_sampled_values_cover_the_ranges():
    r = rng(5)
    for key in prompts.grammar().keys:
        spec = prompts.grammar().spec(key)
        vals = np.array([D.sample_stage_value(key, r) for _ in range(3000)])
        assert vals.min() >= spec.min and vals.max() <= spec.max
        span = spec.max - spec.min
        assert vals.min() < spec.min + 0.05 * span and vals.max() > spec.max - 0.05 * span
        assert np.mean(vals) == pytest.approx((spec.min + spec.max) / 2, abs=0.03 * span)


def test_degrade_parameterized_shapes_and_determinism():
    img = textured(70, 84)
    a = D.degrade_parameterized(img, rng(3))
    b = D.degrade_parameterized(img, rng(3))
    for key in ("degraded", "degraded_lr"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["restoration_prompt"] == b["restoration_prompt"] and a["params"] == b["params"]
    assert a["degraded"].shape == img.shape and a["degraded"].dtype == np.float32
    assert a["pipeline"] == "parameterized"
    stages = a["params"]["stages"]
    expected_hw = D.downsampled_size(img.shape[:2], stages["downsample"]) if "downsample" in stages else img.shape[:2]
    assert a["degraded_lr"].shape[:2] == tuple(expected_hw)
    outs = [D.degrade_parameterized(img, rng(s))["degraded"] for s in range(4, 10)]
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])


def test_apply_prompt_uses_numbers_and_draws_missing_ones():
    img = textured()
    out = D.apply_prompt(img, "upsample to 4x; Dejpeg", rng(2))
    assert out["degraded_lr"].shape == (24, 20, 3)
    assert out["degraded"].shape == img.shape
    assert out["restoration_prompt"] == "Upsample to 4.0x; Dejpeg;"
    q = out["params"]["stages"]["jpeg"]
    assert 30 <= q <= 92 and q == int(q)
    same = D.apply_prompt(img, "Upsample to 4.0x; Dejpeg;", rng(2))
    np.testing.assert_array_equal(out["degraded"], same["degraded"])
    identity = D.apply_prompt(img, "", rng(2))
    np.testing.assert_array_equal(identity["degraded_lr"], img)
    blind = D.apply_prompt(textured(96, 96), "Remove all degradation", rng(2))
    assert blind["pipeline"] == "realesrgan" and blind["degraded_lr"].shape == (24, 24, 3)
    with pytest.raises(prompts.PromptError, match="unknown operation"):
        D.apply_prompt(img, "Sharpen;", rng())


def test_mixer_rates_and_sample_fields():
    img = textured(32, 32)
    r = rng(123)
    n = 1500
    realesrgan = dropped = 0
    for _ in range(n):
        s = D.make_training_sample(img, r, semantic_prompt="a red barn", realesrgan_config=None)
        assert set(s) >= {"clean", "degraded", "degraded_lr", "restoration_prompt", "semantic_prompt", "pipeline", "params"}
        if s["pipeline"] == "realesrgan":
            realesrgan += 1
            assert s["restoration_prompt"] == "Remove all degradation"
        else:
            assert s["restoration_prompt"] != "Remove all degradation"
        assert s["semantic_prompt"] in ("a red barn", "")
        dropped += s["semantic_prompt"] == ""
        assert s["params"]["semantic_dropped"] == (s["semantic_prompt"] == "")
    # binomial std: 0.013 for p=0.5, 0.008 for p=0.1 -> 3 sigma tolerances
    assert realesrgan / n == pytest.approx(0.5, abs=0.04)
    assert dropped / n == pytest.approx(0.1, abs=0.025)


def test_mixer_is_deterministic_under_seed(photo):
    a = D.make_training_sample(photo, rng(99), "x")
    b = D.make_training_sample(photo, rng(99), "x")
    np.testing.assert_array_equal(a["degraded"], b["degraded"])
    np.testing.assert_array_equal(a["degraded_lr"], b["degraded_lr"])
    assert a["restoration_prompt"] == b["restoration_prompt"] and a["params"] == b["params"]
