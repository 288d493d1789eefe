"""The quality benchmark's Python side (models/tools/quality): metrics, degradation determinism,
the cases.json format. Small synthetic images only; the dataset tests skip without ../shared."""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from quality import cases as C  # noqa: E402
from quality import metrics as M  # noqa: E402
from spire import degradations as D  # noqa: E402


def picture(h=64, w=64, seed=0):
    """A smooth picture with edges (gradients, a disc, a stripe pattern), float32 [0, 1]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 0.2 + 0.6 * x / w
    g = 0.5 + 0.4 * np.sin(x / 3.0) * (y > h / 2)
    b = ((x - w / 3) ** 2 + (y - h / 3) ** 2 < (h / 5) ** 2).astype(np.float32) * 0.7 + 0.1
    img = np.stack([r, g, b], axis=2)
    return np.clip(img + np.random.default_rng(seed).normal(0, 0.01, img.shape), 0, 1).astype(np.float32)


# --- PSNR / SSIM -------------------------------------------------------------------------
def test_psnr_of_known_arrays():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 16  # MSE = 256 / 192
    assert M.psnr_rgb(b, a) == pytest.approx(10 * math.log10(255**2 / (256 / 192)), abs=1e-9)
    c = np.full((8, 8, 3), 10, np.uint8)  # MSE = 100 -> 28.1308 dB
    assert M.psnr_rgb(c, a) == pytest.approx(20 * math.log10(255 / 10), abs=1e-9)
    assert M.psnr_rgb(a, a) == math.inf


def test_psnr_rounds_floats_to_8_bit_first():
    a = np.full((4, 4, 3), 100 / 255, np.float32)
    assert M.psnr_rgb(a + 0.4 / 255, a) == math.inf  # rounds to the same byte
    assert M.psnr_rgb(a + 0.6 / 255, a) == pytest.approx(20 * math.log10(255), abs=1e-6)  # one level off everywhere


def test_border_crop_ignores_the_edge():
    a = np.zeros((16, 16, 3), np.uint8)
    b = a.copy()
    b[:2] = 200  # damage only in the top two rows
    assert M.psnr_rgb(b, a) < 20
    assert M.psnr_rgb(b, a, border=2) == math.inf
    assert M.ssim_y(b, a, border=2) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="differ in size"):
        M.psnr_rgb(a[:8], a)
    with pytest.raises(ValueError, match="too small"):
        M.psnr_rgb(a, a, border=8)


def test_ssim_sanity():
    gt = picture()
    assert M.ssim_y(gt, gt) == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    scores = [M.ssim_y(np.clip(gt + rng.normal(0, s, gt.shape), 0, 1).astype(np.float32), gt) for s in (0.01, 0.05, 0.15)]
    assert 1.0 > scores[0] > scores[1] > scores[2] > 0.0
    assert M.ssim_y(D.gaussian_blur(gt, 2.0), gt) < 0.95


def test_y_is_bt601_studio_range():
    assert M.rgb_to_y(np.array([[0, 0, 0]])) == pytest.approx([16.0])
    assert M.rgb_to_y(np.array([[255, 255, 255]])) == pytest.approx([235.0])


# --- controllability measures ------------------------------------------------------------
def test_monotonic_checker():
    assert M.monotonic([1, 2, 2, 5])
    assert not M.monotonic([1, 3, 2])
    assert M.monotonic([1, 3, 2.9], tolerance=0.2)
    assert M.monotonic([5, 4, 4, 1], increasing=False)
    assert not M.monotonic([5, 6], increasing=False)
    assert not M.monotonic([1, float("nan")])
    assert M.monotonic([7])
    assert M.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert M.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(M.spearman([1, 2, 3], [4, 4, 4]))


def test_measures_respond_to_blur_and_noise():
    gt = picture(96, 96)
    blurred = D.gaussian_blur(gt, 2.0)
    noisy = D.add_gaussian_noise(gt, 0.05, np.random.default_rng(0))
    assert M.residual_blur_sigma(blurred, gt) == pytest.approx(2.0, abs=0.25)
    assert M.residual_blur_sigma(gt, gt) == 0.0
    both = D.add_gaussian_noise(blurred, 0.05, np.random.default_rng(1))
    assert M.residual_blur_sigma(both, gt) == pytest.approx(2.0, abs=0.5)  # noise does not fool the blur fit
    assert M.noise_sigma(noisy) == pytest.approx(0.05, abs=0.015)
    assert M.noise_sigma(gt) < 0.02
    assert M.residual_hf_energy(gt, blurred) > M.residual_hf_energy(D.gaussian_blur(gt, 1.0), blurred) > 0
    assert M.residual_rms(gt, gt) == 0.0


# --- degradations and cases --------------------------------------------------------------
@pytest.mark.parametrize("family", C.FAMILY_ORDER)
def test_degradation_is_deterministic_per_seed(family):
    gt = picture(64, 64)
    a = C.degrade(family, gt, C.case_rng(family, f"{family}/X/a"))
    b = C.degrade(family, gt, C.case_rng(family, f"{family}/X/a"))
    assert M.to_uint8(a["engine_input"]).tobytes() == M.to_uint8(b["engine_input"]).tobytes()
    assert a["degraded"].shape == gt.shape
    scale = C.FAMILIES[family].scale if family in ("sr4", "mixed") else 1
    assert a["engine_input"].shape == (64 // scale, 64 // scale, 3)
    if family in ("noise", "mixed", "blind"):  # random draws: another case id, other bytes
        c = C.degrade(family, gt, C.case_rng(family, f"{family}/X/b"))
        assert M.to_uint8(c["engine_input"]).tobytes() != M.to_uint8(a["engine_input"]).tobytes()


@pytest.mark.parametrize("family", C.FAMILY_ORDER)
def test_classical_baseline_improves_on_the_degraded_image(family):
    gt = picture(64, 64)
    d = C.degrade(family, gt, C.case_rng(family, f"{family}/X/a"))
    out = C.classical(family, d["lr"], d["degraded"], gt.shape[:2])
    assert out.shape == gt.shape and out.dtype == np.float32
    border = C.FAMILIES[family].border
    if family == "sr4":  # bicubic: the degraded row itself
        assert M.psnr_rgb(out, gt, border) == pytest.approx(M.psnr_rgb(d["degraded"], gt, border), abs=0.05)
    elif family in ("noise", "blur"):
        assert M.psnr_rgb(out, gt, border) > M.psnr_rgb(d["degraded"], gt, border)


def test_center_crop_and_per_set():
    img = np.zeros((321, 481, 3), np.float32)
    assert C.center_crop(img, 256).shape == (256, 256, 3)
    assert C.center_crop(img, 0).shape == (320, 480, 3)
    assert C.center_crop(np.zeros((228, 344, 3), np.float32), 256).shape == (224, 256, 3)
    assert C.parse_per_set("4,Set5=5") == (4, {"Set5": 5})
    assert C.parse_per_set("all") == (None, {})
    with pytest.raises(ValueError, match="unknown set"):
        C.parse_per_set("4,Set9=1")
    with pytest.raises(ValueError, match="whole number"):
        C.parse_per_set("0")
    assert sorted(["10.tif", "2.tif", "1.tif"], key=C.natural_key) == ["1.tif", "2.tif", "10.tif"]


def test_families_prompts_are_canonical():
    from spire import prompts

    for f in C.FAMILIES.values():
        assert prompts.canonicalize(f.prompt) == f.prompt
    assert C.FAMILIES["blind"].prompt == "Remove all degradation"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, datasets_root):
    out = tmp_path_factory.mktemp("quality")
    doc = C.prepare(out, datasets_root, sets=["Set5"], per_set="1", gen_per_set=1, crop=48, auto_per_set="2")
    return out, doc


def test_prepare_writes_a_valid_cases_json(prepared):
    out, doc = prepared
    on_disk = json.loads((out / "cases.json").read_text())
    assert on_disk == json.loads(json.dumps(doc))
    C.check_cases(on_disk)
    # the first image in every family, the second in the auto families only (auto_per_set 2)
    assert [c["family"] for c in on_disk["cases"]] == C.FAMILY_ORDER + list(C.AUTO_FAMILIES)
    for c in on_disk["cases"]:
        for key in ("gt", "input", "degraded", "classical"):
            assert (out / c[key]).is_file()
        assert c["size"] == [48, 48]
        assert c["generative"] is (c["image"] == on_disk["cases"][0]["image"])  # gen_per_set 1
    sr4 = next(c for c in on_disk["cases"] if c["family"] == "sr4")
    assert sr4["inputSize"] == [12, 12] and sr4["border"] == 4
    groups = [c["group"] for c in on_disk["control"]]
    assert groups.count("deblur_sweep") == 6 and groups.count("denoise_sweep") == 6 and groups.count("separation") == 3


def test_prepare_is_byte_identical_across_runs(prepared, tmp_path, datasets_root):
    out, doc = prepared
    again = C.prepare(tmp_path, datasets_root, sets=["Set5"], per_set="1", gen_per_set=1, crop=48, auto_per_set="2")
    for a, b in zip(doc["cases"], again["cases"]):
        assert (out / a["input"]).read_bytes() == (tmp_path / b["input"]).read_bytes()


def test_check_cases_rejects_malformed_documents(prepared):
    _, doc = prepared
    bad = json.loads(json.dumps(doc))
    bad["cases"][1]["id"] = bad["cases"][0]["id"]
    with pytest.raises(ValueError, match="twice"):
        C.check_cases(bad)
    bad = json.loads(json.dumps(doc))
    bad["cases"][0]["prompt"] = "Sharpen please;"
    with pytest.raises(ValueError):
        C.check_cases(bad)
    bad = json.loads(json.dumps(doc))
    next(c for c in bad["cases"] if c["family"] == "sr4")["inputSize"] = [24, 24]
    with pytest.raises(ValueError, match="ground truth"):
        C.check_cases(bad)
    with pytest.raises(ValueError, match="spire-quality-cases"):
        C.check_cases({**doc, "format": "other"})


# --- the auto families ------------------------------------------------------------------------
def test_auto_families_share_one_draw_and_the_oracle_prompt_describes_it(prepared):
    from PIL import Image

    from spire import prompts

    out, doc = prepared
    by = {(c["family"], c["image"]): c for c in doc["cases"]}
    images = sorted({c["image"] for c in doc["cases"] if c["family"] == "auto"})
    assert len(images) == 2
    for im in images:
        auto, oracle, blind = by[("auto", im)], by[("auto-oracle", im)], by[("auto-blind", im)]
        assert auto["params"] == oracle["params"] == blind["params"]
        assert (out / auto["input"]).read_bytes() == (out / oracle["input"]).read_bytes() == (out / blind["input"]).read_bytes()
        stages = auto["params"]["stages"]
        assert (auto["prompt"], blind["prompt"]) == ("auto", "Remove all degradation")
        assert oracle["prompt"] == prompts.RestorationPrompt.of(stages).text
        for key, v in stages.items():
            lo, hi = C.AUTO_RANGES[key]
            assert lo <= v <= hi
        if "jpeg" in stages:  # the JPEG file itself: the same pixels as the PNG input
            jpg = np.asarray(Image.open(out / auto["inputJpeg"]).convert("RGB"))
            png = np.asarray(Image.open(out / auto["input"]).convert("RGB"))
            assert np.array_equal(jpg, png)
        else:
            assert "inputJpeg" not in auto
        clean = by[("clean", im)]
        assert clean["params"]["stages"] == {} and clean["prompt"] == "auto"
        assert (out / clean["input"]).read_bytes() == (out / clean["gt"]).read_bytes()


def test_auto_stages_follow_the_everyday_distribution():
    rng = np.random.default_rng(0)
    draws = [C.auto_stages(rng) for _ in range(2000)]
    for key in C.AUTO_RANGES:
        assert abs(np.mean([key in d for d in draws]) - C.AUTO_P) < 0.04
    assert 0.04 < np.mean([not d for d in draws]) < 0.09  # 0.4^3 = 6.4 % undegraded


def test_score_auto_counts_the_estimator_and_the_default_run():
    from quality.report import render_auto, score_auto

    s0 = "faithful s=0 v=8"
    cases = {"cases": []}
    per_case, outputs = [], {}

    def add(family, image, stages, psnr_in, psnr_out, estimate=None, jpeg_file=None, restorer_ms=100.0):
        cid = f"{family}/S/{image}"
        cases["cases"].append({"id": cid, "family": family, "set": "S", "image": image, "params": {"stages": stages}})
        per_case.append({"id": cid, "family": family, "input": {"psnr": psnr_in}, "pack": {s0: {"psnr": psnr_out}}})
        o = {"restorerMs": restorer_ms}
        if estimate is not None:
            o["estimate"] = estimate
        if jpeg_file is not None:
            o["jpegQualityFromFile"] = jpeg_file
        outputs[(s0, cid)] = o

    def est(blur=None, noise=None, jpeg=None):
        ops = [{"key": "blur", "present": blur is not None, "value": blur or 1.0},
               {"key": "noise", "present": noise is not None, "value": noise or 0.05},
               {"key": "jpeg", "present": jpeg is not None, "value": jpeg or 60}]
        return {"operations": ops, "restorationPrompt": "x", "ms": 5.0}

    # image a: blur 1.0 read as 1.2 (+0.2); image b: noise 0.05 missed; image c: nothing, read as JPEG 70
    add("auto", "a", {"blur": 1.0}, 25.0, 28.0, est(blur=1.2))
    add("auto", "b", {"noise": 0.05, "jpeg": 40.0}, 24.0, 24.5, est(jpeg=44), jpeg_file=40)
    add("auto", "c", {}, math.inf, 45.0, est(jpeg=70))
    add("auto-oracle", "a", {"blur": 1.0}, 25.0, 28.5)
    add("auto-oracle", "b", {"noise": 0.05, "jpeg": 40.0}, 24.0, 26.0)
    add("auto-oracle", "c", {}, math.inf, math.inf)
    add("clean", "a", {}, math.inf, math.inf, est())
    add("clean", "b", {}, math.inf, 38.0, est(noise=0.02))
    r = score_auto(cases, per_case, outputs, [s0])
    e = r["estimator"]["operations"]
    assert (e["blur"]["tp"], e["blur"]["tn"], e["blur"]["mae"]) == (1, 2, pytest.approx(0.2))
    assert (e["noise"]["fn"], e["noise"]["mae"], e["noise"]["pass"]) == (1, pytest.approx(0.0), True)
    assert (e["jpeg"]["tp"], e["jpeg"]["fp"], e["jpeg"]["mae"]) == (1, 1, pytest.approx(4.0))
    assert r["estimator"]["jpegFromFile"] == {"n": 1, "mae": 0.0, "maxError": 0}
    assert r["estimator"]["share"] == pytest.approx(0.05) and r["estimator"]["sharePass"] is True
    a = r["runs"]["auto"]
    assert (a["n"], a["beatsInput"], a["vsOracle"]) == (2, 2, pytest.approx(-1.0))  # (-0.5 + -1.5) / 2
    assert r["checks"] == {"beatsInputRate": True, "vsOracle": False}
    assert a["undegraded"] == {"n": 1, "psnr": [45.0]}
    c = r["clean"]["clean"]
    assert (c["n"], c["unchanged"], c["atLeast40"], c["emptyEstimate"]) == (2, 1, 1, 0)
    assert c["psnrSet"] == pytest.approx(38.0 + 10 * math.log10(2))  # mean MSE of 0 and 38 dB's
    text = "\n".join(render_auto(r))
    assert "| blur | 1.000 | 1 / 2 / 0 / 0 |" in text and "beats the input on >= 95 % of the degraded images **PASS**" in text
