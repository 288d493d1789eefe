"""Real-ESRGAN second-order degradation: kernels, range, determinism, variety."""
import json
import math

import numpy as np
import pytest

from spire import realesrgan as R
from spire.imageio import load_rgb, psnr


@pytest.fixture(scope="module")
def photo(datasets_root):
    path = sorted((datasets_root / "T91").glob("*.bmp"))[5]
    img = load_rgb(path)
    return np.ascontiguousarray(img[:64, :64])


def _moments(k):
    r = k.shape[0] // 2
    y, x = np.mgrid[-r : r + 1, -r : r + 1]
    return (k * x * x).sum(), (k * y * y).sum(), (k * x * y).sum()


def test_isotropic_gaussian_kernel_has_its_sigma():
    k = R.bivariate_kernel("gaussian", 21, 2.0, 2.0, 0.0)
    assert k.sum() == pytest.approx(1.0, abs=1e-5)
    vx, vy, cxy = _moments(k.astype(np.float64))
    assert math.sqrt(vx) == pytest.approx(2.0, rel=0.02) and math.sqrt(vy) == pytest.approx(2.0, rel=0.02)
    assert abs(cxy) < 1e-6


def test_anisotropic_kernel_follows_rotation():
    # sigma_x = 3 along the axis rotated by 90 degrees -> the long axis is vertical
    k = R.bivariate_kernel("gaussian", 21, 3.0, 1.0, math.pi / 2).astype(np.float64)
    vx, vy, _ = _moments(k)
    assert math.sqrt(vy) == pytest.approx(3.0, rel=0.05) and math.sqrt(vx) == pytest.approx(1.0, rel=0.05)
    k45 = R.bivariate_kernel("gaussian", 21, 3.0, 1.0, math.pi / 4).astype(np.float64)
    assert _moments(k45)[2] > 1.0  # positive x-y covariance


def test_generalized_and_plateau_shapes():
    heavy = R.bivariate_kernel("plateau", 21, 1.5, 1.5, 0.0, beta=1.0)
    gauss = R.bivariate_kernel("gaussian", 21, 1.5, 1.5, 0.0)
    boxy = R.bivariate_kernel("generalized", 21, 1.5, 1.5, 0.0, beta=4.0)
    c = 10
    # plateau has heavier tails than the Gaussian; generalized beta=4 is flatter at the top
    assert heavy[c, c + 8] > 10 * gauss[c, c + 8]
    assert boxy[c, c + 1] / boxy[c, c] > gauss[c, c + 1] / gauss[c, c]
    with pytest.raises(ValueError, match="unknown kernel kind"):
        R.bivariate_kernel("box", 7, 1, 1, 0)


def test_sinc_kernel_is_lowpass_with_cutoff():
    k = R.sinc_kernel(21, math.pi / 3).astype(np.float64)
    assert k.sum() == pytest.approx(1.0, abs=1e-5)
    spec = np.abs(np.fft.fftshift(np.fft.fft2(k, s=(128, 128))))
    c = 64
    # gain ~1 at DC, well attenuated beyond the cutoff (pi/3 -> 128/6 ~ 21 bins)
    assert spec[c, c] == pytest.approx(1.0, abs=1e-3)
    assert spec[c, c + 8] > 0.8
    assert spec[c, c + 40] < 0.1


def test_output_range_sizes_and_fields(photo):
    out = R.degrade_realesrgan(photo, np.random.default_rng(0))
    assert out["degraded_lr"].shape == (16, 16, 3)
    assert out["degraded"].shape == photo.shape
    for key in ("degraded", "degraded_lr"):
        a = out[key]
        assert a.dtype == np.float32 and a.min() >= 0.0 and a.max() <= 1.0 and np.isfinite(a).all()
    # 8-bit grid at the end, as the paper's pipeline rounds
    np.testing.assert_allclose(out["degraded_lr"] * 255, np.rint(out["degraded_lr"] * 255), atol=1e-3)
    assert out["restoration_prompt"] == "Remove all degradation"
    assert out["pipeline"] == "realesrgan"
    json.dumps(out["params"])  # params are plain JSON
    assert {"blur1", "resize1", "noise1", "jpeg1", "resize2", "noise2", "jpeg2", "final"} <= set(out["params"])


def test_deterministic_under_seed_and_differs_across_seeds(photo):
    a = R.degrade_realesrgan(photo, np.random.default_rng(42))
    b = R.degrade_realesrgan(photo, np.random.default_rng(42))
    np.testing.assert_array_equal(a["degraded_lr"], b["degraded_lr"])
    assert a["params"] == b["params"]
    others = [R.degrade_realesrgan(photo, np.random.default_rng(s))["degraded_lr"] for s in range(5)]
    distinct = {o.tobytes() for o in others + [a["degraded_lr"]]}
    assert len(distinct) == 6


def test_random_choices_cover_the_paper_options(photo):
    """Over many draws every kernel type, resize kind, noise type and both final orders occur."""
    small = np.ascontiguousarray(photo[:32, :32])
    seen = {"kernel": set(), "resize": set(), "noise": set(), "order": set(), "gray": set()}
    r = np.random.default_rng(7)
    for _ in range(150):
        p = R.degrade_realesrgan(small, r)["params"]
        seen["kernel"].add(p["blur1"]["type"])
        seen["resize"].add(p["resize1"]["kind"])
        seen["noise"].add(p["noise1"]["type"])
        seen["gray"].add(p["noise1"]["gray"])
        seen["order"].add(p["final"]["resize_then_jpeg"])
    assert seen["kernel"] >= {"iso", "aniso", "generalized_iso", "plateau_iso", "sinc"}
    assert seen["resize"] == {"up", "down", "keep"}
    assert seen["noise"] == {"gaussian", "poisson"}
    assert seen["gray"] == {True, False} and seen["order"] == {True, False}


def test_degradation_is_substantial(photo):
    out = R.degrade_realesrgan(photo, np.random.default_rng(3))
    assert psnr(out["degraded"], photo) < 40
