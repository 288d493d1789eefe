"""train.py: per-stage crop and batch overrides (train.crop, train.batch) and the learning-rate
schedule (train.lr_schedule "constant" | "cosine"), in 2-step runs of the fixture config."""
import json
import math

import numpy as np
import pytest
import torch

import spire.train as train
from spire.config import SpireConfig, config_path
from spire.train import Trainer


@pytest.fixture(autouse=True)
def _one_thread_after():
    yield
    torch.set_num_threads(1)


class SizedPairs:
    """Stands in for train.Dataset: records how the trainer built it; clean/degraded crops of that size."""

    made = []

    def __init__(self, cfg, degrade, seed, root=None, sets=None, crop_size=None, mixer="spire"):
        self.size = crop_size
        SizedPairs.made.append({"crop_size": crop_size, "degrade": degrade})

    def __len__(self):
        return 4

    def get(self, index, step):
        rng = np.random.default_rng([index, step])
        clean = rng.random((self.size, self.size, 3), dtype=np.float32)
        return {"clean": clean, "degraded": np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32),
                "semantic_prompt": "a photo of a cat", "restoration_prompt": "Denoise with sigma 0.10;"}


@pytest.fixture
def recorded(monkeypatch):
    """Swaps in SizedPairs and an AdamW that records its lr at every step; yields what was seen per stage."""
    seen = {"datasets": [], "lrs": [], "batches": []}
    SizedPairs.made = seen["datasets"]
    monkeypatch.setattr(train, "Dataset", SizedPairs)

    class RecordingAdamW(torch.optim.AdamW):
        def step(self, closure=None):
            seen["lrs"].append(self.param_groups[0]["lr"])
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "AdamW", RecordingAdamW)
    real_get = train.Batches.get

    def get(self, step):
        batch = real_get(self, step)
        seen["batches"].append((len(batch), batch[0]["clean"].shape[0]))
        return batch

    monkeypatch.setattr(train.Batches, "get", get)
    return seen


def fixture_config(**train_fields) -> SpireConfig:
    cfg = SpireConfig.load(config_path("fixture"))
    cfg.train.image_size, cfg.train.batch_size, cfg.train.log_every, cfg.train.ckpt_every = 32, 2, 1, 1  # the default crop
    cfg.restorer.unshuffle, cfg.restorer.prompt_pool = 2, "attention"
    for k, v in train_fields.items():
        setattr(cfg.train, k, v)
    return cfg


def test_crop_and_batch_overrides_and_the_cosine_schedule(tmp_path, recorded):
    cfg = fixture_config(crop={"restorer": 16}, batch={"restorer": 3, "vae": 1}, lr_schedule="cosine")
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    trainer.loaded.append("text_encoder")  # as if the unet stage had left one (the restorer stage needs it)
    trainer.run("vae", steps=2)
    trainer.run("restorer", steps=2)

    # vae: no crop override (image_size 32), batch override 1; restorer: both overridden
    assert recorded["datasets"] == [{"crop_size": 32, "degrade": False}, {"crop_size": 16, "degrade": True}]
    assert recorded["batches"] == [(1, 32), (1, 32), (3, 16), (3, 16)]
    # cosine: lr * (0.1 + 0.9 * (1 + cos(pi * step / steps)) / 2) -> step 0: lr, step 1 of 2: 0.55 lr
    lr_vae, lr_rest = cfg.train.lr["vae"], cfg.train.lr["restorer"]
    assert recorded["lrs"] == pytest.approx([lr_vae, 0.55 * lr_vae, lr_rest, 0.55 * lr_rest])

    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in log] == [("vae", 1), ("vae", 2), ("restorer", 1), ("restorer", 2)]
    assert all(math.isfinite(r["loss"]) for r in log)
    assert (tmp_path / "restorer.pt").exists()
    assert torch.load(tmp_path / "state_restorer.pt")["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.55 * lr_rest)
    # the trained restorer is the unshuffle/attention one and left the identity
    assert SpireConfig.load(tmp_path / "config.json").restorer.unshuffle == 2
    assert any(v.abs().max() > 0 for k, v in torch.load(tmp_path / "restorer.pt").items() if k.startswith("conv_out"))


def test_constant_schedule_keeps_the_configured_lr(tmp_path, recorded):
    cfg = fixture_config()  # lr_schedule defaults to "constant", no overrides
    assert (cfg.train.lr_schedule, cfg.train.crop, cfg.train.batch) == ("constant", {}, {})
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    trainer.loaded.append("text_encoder")
    trainer.run("restorer", steps=2)
    assert recorded["lrs"] == [cfg.train.lr["restorer"]] * 2
    assert recorded["datasets"] == [{"crop_size": 32, "degrade": True}]
    assert recorded["batches"] == [(2, 32), (2, 32)]


def test_an_unknown_schedule_is_refused_by_name(tmp_path, recorded):
    cfg = fixture_config(lr_schedule="linear")
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    with pytest.raises(ValueError, match=r"train.lr_schedule must be 'constant' or 'cosine', got 'linear'"):
        trainer.run("vae", steps=1)
    assert recorded["lrs"] == []  # refused before the first step


def test_overrides_round_trip_through_the_config():
    cfg = fixture_config(crop={"vae": 24}, batch={"unet": 4}, lr_schedule="cosine")
    back = SpireConfig.from_dict(cfg.to_dict())
    assert (back.train.crop, back.train.batch, back.train.lr_schedule) == ({"vae": 24}, {"unet": 4}, "cosine")


def test_compact_config_overrides_name_real_stages_and_fit_the_model():
    cfg = SpireConfig.load(config_path("compact"))
    t = cfg.train
    assert t.lr_schedule in ("constant", "cosine")
    assert set(t.crop) <= set(train.STAGES) and set(t.batch) <= set(train.STAGES)
    assert all(isinstance(n, int) and n >= 1 for n in t.batch.values())
    # a crop feeds the VAE (sides multiples of its factor), or the restorer (multiples of its unshuffle)
    need = lambda stage: cfg.restorer.unshuffle if stage == "restorer" else cfg.autoencoder.downsampling_factor
    crops = {s: t.crop.get(s, t.image_size) for s in train.STAGES}
    assert all(isinstance(n, int) and n > 0 and n % need(s) == 0 for s, n in crops.items()), crops
