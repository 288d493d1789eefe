"""estimator.py, its training samples and stage, the auto prompt's training samples, and the pack tools
(from_pack, export --update) that ship it."""
import json

import numpy as np
import pytest
import torch

from helpers import perturb, tiny_config
from spire import degradations as D
from spire import estimator as E
from spire import prompts
from spire.auto_samples import EVERYDAY_RANGES, make_auto_training_sample
from spire.from_pack import load_from_pack
from spire.sampler import SpireModels


def tiny_estimator(seed=0):
    torch.manual_seed(seed)
    m = E.Estimator(tiny_config())
    perturb(m, seed)
    return m.eval()


def test_forward_shapes_and_ranges_at_any_size_on_the_grid():
    m = tiny_estimator()
    for side in (16, 24, 40):
        logits, values, log_scales = m(torch.rand(3, 3, side, side) * 2 - 1)
        assert logits.shape == values.shape == log_scales.shape == (3, len(E.OPERATIONS))
        assert bool(((values >= 0) & (values <= 1)).all())


def test_targets_and_loss_only_count_the_values_of_applied_operations():
    present, values = E.targets([{"blur": 3.0, "jpeg": 30.0}, {}])
    assert present.tolist() == [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    assert values[0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    logits = torch.zeros(2, 3)
    good = torch.tensor([[1.0, 0.9, 0.0], [0.3, 0.3, 0.3]])  # absent operations' values are free
    bad = torch.tensor([[0.0, 0.9, 1.0], [0.3, 0.3, 0.3]])
    zero = torch.zeros(2, 3)
    loss_good, extra = E.loss(logits, good, zero, present, values)
    loss_bad, _ = E.loss(logits, bad, zero, present, values)
    assert extra["value_l1"] == pytest.approx(0.0, abs=1e-6)
    assert float(loss_bad) > float(loss_good)
    sure = torch.tensor([[9.0, -9.0, 9.0], [-9.0, -9.0, -9.0]])
    assert E.loss(sure, good, zero, present, values)[1]["bce"] < extra["bce"]


@pytest.mark.parametrize("h,w,patch,most,count", [(512, 512, 128, 16, 16), (512, 768, 128, 16, 15), (100, 60, 128, 16, 1),
                                                  (256, 256, 128, 16, 4), (41, 70, 16, 4, 4), (9, 300, 16, 16, 16)])
def test_patch_grid_stays_inside_on_the_8x8_grid(h, w, patch, most, count):
    grid = E.patch_grid(h, w, patch, most)
    assert len(grid) == count
    for y, x, s in grid:
        assert y % 8 == 0 and x % 8 == 0 and s % 8 == 0
        assert 0 <= y and y + s <= h and 0 <= x and x + s <= w
    with pytest.raises(ValueError, match="too small"):
        E.patch_grid(7, 100, 16, 4)


def test_aggregate_weights_sure_patches_and_estimate_prompt_applies_the_threshold_and_the_file():
    logits = np.array([[4.0, -4.0, 0.0], [4.0, -4.0, 0.0]])
    values = np.array([[0.5, 0.1, 0.2], [0.0, 0.9, 0.8]])
    log_scales = np.array([[-6.0, 0.0, 0.0], [2.0, 0.0, 0.0]])  # the first patch is far surer of its blur
    ops = E.aggregate(logits, values, log_scales)
    assert ops["blur"]["probability"] > 0.98 and ops["noise"]["probability"] < 0.02
    assert ops["blur"]["value"] == pytest.approx(E.denormalise("blur", 0.5), abs=0.01)
    assert ops["noise"]["value"] == pytest.approx(E.denormalise("noise", 0.5))
    est = E.estimate_prompt(ops)
    assert est.text == "Deblur with sigma 1.6; Dejpeg with quality 61;"  # jpeg at p = 0.5 makes the prompt
    assert E.estimate_prompt(ops, 45).text == "Deblur with sigma 1.6; Dejpeg with quality 45;"
    assert E.estimate_prompt(ops, 45).operations["jpeg"]["probability"] == 1.0
    assert E.estimate_prompt(ops, 97).text == est.text  # above the grammar's 92: the pixels' reading stands
    assert E.estimate_prompt({k: {"probability": 0.1, "value": 1.0} for k in E.OPERATIONS}).text == ""


def test_estimator_samples_apply_what_they_say():
    rng = np.random.default_rng(3)
    clean = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32)
    seen = set()
    for _ in range(40):
        s = D.make_estimator_sample(clean, rng)
        seen.update(s["stages"])
        for key, (lo, hi) in D.ESTIMATOR_RANGES.items():
            if key in s["stages"]:
                assert lo <= s["stages"][key] <= hi
        if not s["stages"]:
            assert np.array_equal(s["degraded"], clean)
        else:
            assert not np.array_equal(s["degraded"], clean)
    assert seen == set(E.OPERATIONS)


def test_auto_samples_give_the_engine_s_numbers_for_every_prompt_style():
    est = tiny_estimator()
    rng = np.random.default_rng(5)
    clean = np.random.default_rng(1).random((32, 32, 3), dtype=np.float32)
    styles = {}
    for _ in range(60):
        s = make_auto_training_sample(clean, rng, est, patch=16, crop=16)
        assert s["clean"].shape == s["degraded"].shape == (16, 16, 3)
        style = s["params"]["style"]
        styles[style] = styles.get(style, 0) + 1
        p = prompts.parse(s["restoration_prompt"])
        if style == "blind":
            assert p.blind and s["degradation"][-1] == 1.0
            assert s["degradation"] == prompts.blind_degradation_vector(s["params"]["estimate"])
        else:
            assert s["degradation"] == prompts.degradation_vector(p)
        if s["pipeline"] == "realesrgan":
            assert style == "blind"
        if s["pipeline"] == "everyday":
            for key, v in s["params"]["stages"].items():
                assert EVERYDAY_RANGES[key][0] <= v <= EVERYDAY_RANGES[key][1]
    assert set(styles) == {"blind", "auto", "true"}


def test_resolve_auto_keeps_the_output_size_and_scales_the_blur():
    est = prompts.parse("Deblur with sigma 1.2; Denoise with sigma 0.03;")
    assert prompts.resolve_auto(prompts.parse("auto"), est).text == est.text
    two = prompts.resolve_auto(prompts.parse("auto; Upsample to 2x"), est)
    assert two.text == "Deblur with sigma 2.4; Upsample to 2.0x; Denoise with sigma 0.03;"
    assert prompts.resolve_auto(prompts.parse("auto; Upsample to 4x"), est).get("blur").value == 3.0  # clamped
    assert prompts.resolve_auto(prompts.parse("Deblur;"), est).text == "Deblur;"  # not auto: as is
    with pytest.raises(prompts.PromptError):
        prompts.degradation_vector(prompts.parse("auto"))
    assert prompts.blind_degradation_vector(est)[-1] == 1.0
    assert prompts.blind_degradation_vector(est)[:-1] == prompts.degradation_vector(est)[:-1]


def test_the_estimator_stage_trains(tmp_path):
    from spire.train import Trainer

    class Crops:
        def __len__(self):
            return 4

        def get(self, index, step):
            rng = np.random.default_rng([index, step])
            return D.make_estimator_sample(rng.random((16, 16, 3), dtype=np.float32), rng)

    cfg = tiny_config()
    cfg.text_encoder.vocab_size = 4096  # the trainer loads models/vocab (1590 ids)
    cfg.train.batch_size, cfg.train.log_every, cfg.train.ckpt_every = 4, 1, 1
    cfg.train.lr = {**cfg.train.lr, "estimator": 1e-3}
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    trainer.run("estimator", steps=2, dataset=Crops())
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in log] == [("estimator", 1), ("estimator", 2)]
    assert all(np.isfinite(r["loss"]) and "bce" in r for r in log)
    assert (tmp_path / "estimator.pt").exists()


def test_from_pack_reads_the_weights_back_and_export_update_replaces_only_what_it_names(tmp_path):
    from spire.export import export_pack, update_pack
    from spire.fixtures import CORPUS
    from spire.tokenizer import train_bpe

    cfg = tiny_config()
    tok = train_bpe(CORPUS, vocab_size=640, min_frequency=1, model_max_length=16)
    cfg.text_encoder.vocab_size = tok.vocab_size
    torch.manual_seed(0)
    shipped = SpireModels(cfg)
    perturb(shipped, 1)
    export_pack(shipped, tok, tmp_path / "pack")
    before = {p.relative_to(tmp_path / "pack"): p.read_bytes() for p in (tmp_path / "pack").rglob("*") if p.is_file()}

    torch.manual_seed(0)
    back = SpireModels(cfg)
    assert sorted(load_from_pack(back, tmp_path / "pack", ["restorer", "adaptor"])) == ["adaptor", "restorer"]
    with pytest.raises(ValueError, match="estimator: .* parameters were not found"):  # BatchNorm folded into the convs
        load_from_pack(SpireModels(cfg), tmp_path / "pack", ["estimator"])
    for part in ("restorer", "adaptor"):
        a, b = getattr(shipped, part).state_dict(), getattr(back, part).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a if a[k].dtype.is_floating_point), part

    perturb(back.estimator, 9)
    update_pack(back, tmp_path / "pack", ["estimator"])
    after = {p.relative_to(tmp_path / "pack"): p.read_bytes() for p in (tmp_path / "pack").rglob("*") if p.is_file()}
    changed = sorted(str(k) for k in after if after[k] != before.get(k))
    assert changed == ["estimator/model.onnx", "manifest.json"] or changed == ["estimator/model.onnx"]
    manifest = json.loads((tmp_path / "pack" / "manifest.json").read_text())
    assert manifest["estimator"] == {"operations": list(E.OPERATIONS), "patch": cfg.estimator.patch,
                                     "maxPatches": cfg.estimator.max_patches, "presenceThreshold": E.PRESENCE_THRESHOLD}


def test_blur_is_read_from_the_sharper_half_of_the_patches():
    # four patches: two in a soft background say "blurred" (sigma 2.4), two in focus say "sharp"
    logits = np.array([[5.0, -5.0, -5.0], [5.0, -5.0, -5.0], [-5.0, -5.0, -5.0], [-4.0, -5.0, -5.0]])
    values = np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.1], [0.2, 0.1, 0.1]])
    ops = E.aggregate(logits, values, np.zeros_like(logits))
    assert ops["blur"]["probability"] < 0.05  # the mean of all four would be 0.5: "blurred"
    assert ops["blur"]["value"] == pytest.approx(E.denormalise("blur", 0.15))
    everywhere = E.aggregate(np.full((4, 3), 5.0), values, np.zeros_like(logits))  # a blur of the whole photo
    assert everywhere["blur"]["probability"] > 0.99
