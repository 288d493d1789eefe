"""train.py options made for GPU runs: --workers (batches built in processes, unchanged), --seconds (a
stage stops on time, its cosine schedule following the clock) and train.adaptor_restored (the adaptor
conditioned on the frozen restorer's output, as in the engine's faithful mode)."""
import json

import numpy as np
import pytest
import torch

import spire.train as train
from spire.config import SpireConfig, config_path
from spire.train import Batches, Trainer


@pytest.fixture(autouse=True)
def _one_thread_after():
    yield
    torch.set_num_threads(1)


class Pairs:
    """A picklable stand-in for train.Dataset: 32 px clean/noisy pairs, a function of (index, step)."""

    def __len__(self):
        return 5

    def get(self, index, step):
        rng = np.random.default_rng([index, step])
        clean = rng.random((32, 32, 3), dtype=np.float32)
        return {"clean": clean, "degraded": np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32),
                "semantic_prompt": "a cat" if index % 2 else "", "restoration_prompt": "Denoise with sigma 0.10;",
                "index": index}


def fixture_config(**train_fields):
    cfg = SpireConfig.load(config_path("fixture"))
    cfg.train.batch_size, cfg.train.log_every, cfg.train.ckpt_every = 2, 1, 1
    for k, v in train_fields.items():
        setattr(cfg.train, k, v)
    return cfg


def test_worker_processes_build_the_same_batches_as_the_loader_thread():
    ds = Pairs()
    plain, pooled = Batches(ds, 3, seed=4, stage="adaptor"), Batches(ds, 3, seed=4, stage="adaptor", workers=2)
    try:
        for step in (0, 1, 2, 3, 7, 8):  # in order, and a jump (7) that finds nothing prefetched
            a, b = plain.get(step), pooled.get(step)
            assert [s["index"] for s in a] == [s["index"] for s in b]
            assert all(np.array_equal(x["degraded"], y["degraded"]) for x, y in zip(a, b))
        assert len(pooled.pending) == 4  # 2 * workers batches ahead
    finally:
        plain.close()
        pooled.close()
    assert pooled.pending == {}


def test_seconds_stops_a_stage_on_time_and_checkpoints_its_last_step(tmp_path):
    trainer = Trainer(fixture_config(lr_schedule="cosine"), tmp_path, "cpu", seed=0, seconds=1e-6)
    trainer.loaded.append("text_encoder")
    trainer.run("restorer", steps=50, dataset=Pairs())
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in log] == [("restorer", 1)]  # out of time after the first step
    assert torch.load(tmp_path / "state_restorer.pt")["step"] == 1
    assert (tmp_path / "restorer.pt").exists()


def test_without_seconds_a_stage_runs_all_its_steps(tmp_path):
    trainer = Trainer(fixture_config(), tmp_path, "cpu", seed=0)
    trainer.loaded.append("text_encoder")
    trainer.run("restorer", steps=3, dataset=Pairs())
    assert torch.load(tmp_path / "state_restorer.pt")["step"] == 3


def test_adaptor_restored_feeds_the_restorer_output_to_the_adaptor(tmp_path, monkeypatch):
    cfg = fixture_config(adaptor_restored=1.0)
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    with torch.no_grad():  # a restorer that visibly changes its input (its last conv starts at zero)
        for p in trainer.models.restorer.parameters():
            p.add_(0.05 * torch.randn_like(p))
    trainer.loaded += ["vae", "unet", "text_encoder"]
    with pytest.raises(RuntimeError, match=r"needs \['restorer'\]"):
        trainer.run("adaptor", steps=1, dataset=Pairs())
    trainer.loaded.append("restorer")

    seen = []
    real_forward = trainer.models.adaptor.forward
    monkeypatch.setattr(trainer.models.adaptor, "forward", lambda z, t, e, y: seen.append(y.clone()) or real_forward(z, t, e, y))
    trainer.run("adaptor", steps=1, dataset=Pairs())

    batch = train.load_batch(Pairs(), 2, 0, train.STAGES.index("adaptor"), 0)
    y = train.to_tensor([b["degraded"] for b in batch], "cpu")
    with torch.no_grad():
        rest = trainer.embed([b["restoration_prompt"] for b in batch])
        degradation = trainer.models.restorer.degradation_of([b["restoration_prompt"] for b in batch], "cpu")
        expected = trainer.models.restorer(y, rest, degradation).clamp(-1, 1)
    assert len(seen) == 1
    assert not torch.allclose(expected, y, atol=1e-3)  # the restorer changed the image ...
    torch.testing.assert_close(seen[0], expected)  # ... and the adaptor saw the changed one


def test_adaptor_restored_zero_keeps_the_degraded_image(tmp_path):
    trainer = Trainer(fixture_config(), tmp_path, "cpu", seed=0)
    y = torch.rand(2, 3, 32, 32) * 2 - 1
    assert trainer.restored_condition(y, torch.zeros(2, 4, 8), ["Denoise;"] * 2, torch.Generator()) is y


def test_cli_refuses_negative_workers(tmp_path):
    with pytest.raises(SystemExit, match="--workers must be >= 0"):
        train.main(["--config", str(config_path("fixture")), "--stage", "vae", "--out", str(tmp_path), "--workers", "-1"])


def test_from_condition_targets_land_the_noised_condition_latent_on_the_clean_one(tmp_path):
    cfg = fixture_config(adaptor_from_condition=1.0, adaptor_from_max_t=300)
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    g = torch.Generator().manual_seed(3)
    z0, zc = torch.randn(6, 4, 4, 4, generator=g), torch.randn(6, 4, 4, 4, generator=g)
    zt, t, target = trainer.noised(z0, g)
    zt2, t2, target2, weight = trainer.from_condition(z0, zt, t, target, zc, g)
    assert bool((t2 < 300).all()) and not torch.equal(t2, t)
    a = trainer.scheduler._alphas_at(t2, z0)
    # a perfect epsilon prediction gives x0 = the clean latent, from a start on the condition's latent
    torch.testing.assert_close((zt2 - (1 - a).sqrt() * target2) / a.sqrt(), z0, rtol=1e-4, atol=1e-4)
    noise = (zt2 - a.sqrt() * zc) / (1 - a).sqrt()
    assert 0.5 < float(noise.std()) < 1.5  # zt2 is zc noised to t2
    torch.testing.assert_close(weight, ((1 - a) / a).flatten())

    cfg.train.adaptor_from_condition = 1e-9  # (almost) never: the standard samples come back unchanged
    zt3, t3, target3, weight3 = trainer.from_condition(z0, zt, t, target, zc, g)
    assert torch.equal(zt3, zt) and torch.equal(t3, t) and torch.equal(target3, target)
    assert torch.equal(weight3, torch.ones(6))


def test_adaptor_stage_runs_with_the_from_condition_objective(tmp_path):
    cfg = fixture_config(adaptor_from_condition=0.5)
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    trainer.loaded += ["vae", "unet", "text_encoder"]
    trainer.cfg.autoencoder.scale_factor = 0.5
    trainer.run("adaptor", steps=2, dataset=Pairs())
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2] and all(np.isfinite(r["loss"]) for r in log)
