"""train.py: two steps of every stage on tiny random data, checkpoints, JSONL log, resume."""
import json

import numpy as np
import pytest
import torch

from spire.config import SpireConfig, config_path
from spire.train import Trainer, main



@pytest.fixture(autouse=True)
def _one_thread_after():
    """The CLIs set torch to all cores; give the rest of the test session its single thread back."""
    yield
    torch.set_num_threads(1)


class RandomPairs:
    """Stands in for the dataset: clean/degraded 32x32 images and prompts, a function of (index, step)."""

    def __len__(self):
        return 4

    def get(self, index, step):
        rng = np.random.default_rng([index, step])
        clean = rng.random((32, 32, 3), dtype=np.float32)
        return {"clean": clean, "degraded": np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32),
                "semantic_prompt": "a photo of a cat" if index % 2 else "", "restoration_prompt": "Denoise with sigma 0.10;"}


def fixture_config():
    cfg = SpireConfig.load(config_path("fixture"))  # tokenizer: models/vocab (1590 ids < 4096 rows)
    cfg.train.batch_size, cfg.train.log_every, cfg.train.ckpt_every = 2, 1, 1
    return cfg


def test_every_stage_runs_saves_logs_and_resumes(tmp_path):
    cfg = fixture_config()
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    for stage in ("vae", "unet", "adaptor", "restorer"):
        trainer.run(stage, steps=2, dataset=RandomPairs())
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in log] == [(s, i) for s in ("vae", "unet", "adaptor", "restorer") for i in (1, 2)]
    assert all(np.isfinite(r["loss"]) for r in log)
    for part in ("vae", "unet", "text_encoder", "adaptor", "restorer"):
        assert (tmp_path / f"{part}.pt").exists()
    assert torch.load(tmp_path / "state_adaptor.pt")["step"] == 2

    # the adaptor stage left the UNet untouched and trained only the adaptor
    unet_before = torch.load(tmp_path / "unet.pt")
    again = Trainer(cfg, tmp_path, "cpu", seed=0)
    assert sorted(again.loaded) == ["adaptor", "restorer", "text_encoder", "unet", "vae"]
    again.run("adaptor", steps=3, resume=True, dataset=RandomPairs())  # continues at step 2 -> one more step
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert (log[-1]["stage"], log[-1]["step"]) == ("adaptor", 3)
    after = torch.load(tmp_path / "unet.pt")
    assert all(torch.equal(unet_before[k], after[k]) for k in unet_before)


def test_same_seed_same_losses(tmp_path):
    cfg = fixture_config()
    losses = []
    for name in ("a", "b"):
        torch.manual_seed(0)
        Trainer(cfg, tmp_path / name, "cpu", seed=3).run("vae", steps=2, dataset=RandomPairs())
        losses.append([json.loads(line)["loss"] for line in (tmp_path / name / "log.jsonl").read_text().splitlines()])
    assert losses[0] == losses[1]


def test_a_stage_without_its_inputs_says_which_stage_to_run(tmp_path):
    with pytest.raises(RuntimeError, match=r"needs \['vae'\].*run those stages first"):
        Trainer(fixture_config(), tmp_path, "cpu", seed=0).run("unet", steps=1, dataset=RandomPairs())


def test_cli_refuses_a_run_folder_with_another_config(tmp_path):
    Trainer(fixture_config(), tmp_path, "cpu", seed=0)
    with pytest.raises(SystemExit, match="different config.json"):
        main(["--config", str(config_path("tiny")), "--stage", "vae", "--out", str(tmp_path), "--steps", "0"])


def test_scale_factor_zero_is_measured_after_the_vae_stage(tmp_path):
    cfg = fixture_config()
    cfg.autoencoder.scale_factor = 0
    trainer = Trainer(cfg, tmp_path, "cpu", seed=0)
    trainer.loaded.append("vae")  # as if a VAE were there but its latents never measured
    with pytest.raises(RuntimeError, match="no latent scale factor yet: run the vae stage first"):
        trainer.run("unet", steps=1, dataset=RandomPairs())
    trainer.run("vae", steps=2, dataset=RandomPairs())
    saved = SpireConfig.load(tmp_path / "config.json")
    rec = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()][-1]
    assert rec["scale_factor"] == saved.autoencoder.scale_factor == pytest.approx(1 / rec["latent_std"], rel=1e-3)
    assert saved.autoencoder.scale_factor > 0
    trainer.run("unet", steps=1, dataset=RandomPairs())  # now allowed
