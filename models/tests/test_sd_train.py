"""Adaptor training on a frozen Stable Diffusion 1.5 prior (spire/sd_prior.py): the tiny diffusers model, a few
steps on 64x64 crops degraded by the project's parameterized pipeline, frozen parts unchanged, resume exact,
loss falls on a fixed batch, export into the imported pack."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers", reason="the SD prior is loaded with diffusers (pip install diffusers==0.27.2)")
pytest.importorskip("transformers")

from spire.degradations import make_training_sample  # noqa: E402
from spire.sd_prior import SDPrior, enable_gradient_checkpointing  # noqa: E402
from spire.train import Trainer  # noqa: E402

MODELS = Path(__file__).resolve().parents[1]
TINY = MODELS / "tests" / "data" / "tiny-sd15-diffusers"
PACK = MODELS.parent / "test" / "fixtures" / "packs" / "tiny-sd15"
TRAIN = {"batch_size": 2, "log_every": 1, "ckpt_every": 1, "lr": {"adaptor": 1e-3}}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


class DegradedCrops:
    """Smooth random 64x64 images through degradations.make_training_sample (parameterized stages, their
    restoration prompt), a function of (index, step) like train.Dataset."""

    def __len__(self):
        return 4

    def get(self, index, step):
        rng = np.random.default_rng([index, step])
        yy, xx = np.mgrid[0:64, 0:64] / 64.0
        clean = np.stack([0.5 + 0.4 * np.sin(6.28 * (rng.random() * xx + rng.random() * yy) + rng.random() * 6)
                          for _ in range(3)], -1).astype(np.float32)
        return make_training_sample(clean, rng, "a photo of a cat", p_realesrgan=0.0)


def frozen_state(prior):
    return {f"{p}.{k}": v.clone() for p in ("unet", "text_encoder", "vae")
            for k, v in getattr(prior, p).state_dict().items()}


def test_adaptor_trains_on_frozen_sd_and_resumes_exactly(tmp_path):
    prior = SDPrior.from_source(TINY, train=TRAIN)
    before = frozen_state(prior)
    Trainer(prior.cfg, tmp_path / "a", "cpu", seed=0, models=prior).run("adaptor", steps=2, dataset=DegradedCrops())
    after = frozen_state(prior)
    assert all(torch.equal(before[k], after[k]) for k in before), "UNet, text encoder and VAE must stay frozen"
    log = [json.loads(line) for line in (tmp_path / "a" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2] and all(np.isfinite(r["loss"]) for r in log)
    assert json.loads((tmp_path / "a" / "prior.json").read_text())["source"] == str(TINY.resolve())
    assert torch.load(tmp_path / "a" / "state_adaptor.pt")["step"] == 2

    # resume: a fresh prior picks up adaptor.pt + state_adaptor.pt and does step 3 only ...
    resumed = SDPrior.from_source(TINY, train=TRAIN)
    trainer = Trainer(resumed.cfg, tmp_path / "a", "cpu", seed=0, models=resumed)
    assert "adaptor" in trainer.loaded
    trainer.run("adaptor", steps=3, resume=True, dataset=DegradedCrops())
    # ... and lands where three uninterrupted steps land
    straight = SDPrior.from_source(TINY, train=TRAIN)
    Trainer(straight.cfg, tmp_path / "b", "cpu", seed=0, models=straight).run("adaptor", steps=3, dataset=DegradedCrops())
    a, b = resumed.adaptor.state_dict(), straight.adaptor.state_dict()
    diff = {k: float((a[k] - b[k]).abs().max()) for k in a}
    assert max(diff.values()) < 1e-6, sorted(diff.items(), key=lambda kv: -kv[1])[:3]


@pytest.mark.parametrize("checkpointing", [False, True])
def test_loss_falls_on_a_fixed_batch(tmp_path, checkpointing):
    prior = SDPrior.from_source(TINY, train=TRAIN)
    if checkpointing:
        assert enable_gradient_checkpointing(prior) > 0
    trainer = Trainer(prior.cfg, tmp_path, "cpu", seed=0, models=prior)
    batch = [DegradedCrops().get(i, 0) for i in range(2)]
    prior.requires_grad_(False)
    prior.adaptor.requires_grad_(True).train()
    opt = torch.optim.Adam(prior.adaptor.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        loss, _ = trainer.loss_adaptor(batch, torch.Generator().manual_seed(0))  # same t and noise every step
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.9 * losses[0], losses


def test_trained_adaptor_exports_into_the_imported_pack(tmp_path):
    onnx = pytest.importorskip("onnx")
    from spire.export import export_sd_adaptor

    prior = SDPrior.from_source(TINY, train=TRAIN)
    Trainer(prior.cfg, tmp_path / "run", "cpu", seed=0, models=prior).run("adaptor", steps=2, dataset=DegradedCrops())
    loaded = SDPrior.load_run(tmp_path / "run")
    m = export_sd_adaptor(loaded, PACK, tmp_path / "pack")
    assert m["adaptor"]["fusion"] == "modulation" and m["adaptor"]["skips"][-1]["name"] == "mid"
    assert json.loads((PACK / "manifest.json").read_text())["adaptor"] is None  # the fixture is untouched
    names = [t for s in m["adaptor"]["skips"] for t in s["tensors"]]
    assert [v["name"] for v in m["components"]["adaptor"]["outputs"]] == names
    assert [v["name"] for v in m["components"]["unet"]["inputs"]][3:] == names

    for comp in ("unet", "adaptor"):
        graph = onnx.load(str(tmp_path / "pack" / comp / "model.onnx")).graph
        assert [i.name for i in graph.input] == [v["name"] for v in m["components"][comp]["inputs"]]
        assert [o.name for o in graph.output] == [v["name"] for v in m["components"][comp]["outputs"]]
    try:
        import onnxruntime
    except ImportError:
        return  # the numbers need onnxruntime (not in the diffusers venv here)
    # the graphs compute what the trained modules compute (64 x 96 image: latent 8 x 12)
    g = torch.Generator().manual_seed(1)
    z, t = torch.randn(1, 4, 8, 12, generator=g), torch.tensor([401.0])
    ctx, y = torch.randn(1, 77, 32, generator=g), torch.rand(1, 3, 64, 96, generator=g) * 2 - 1
    with torch.no_grad():
        fused = loaded.adaptor(z, t, ctx, y)
        ref = loaded.unet(z, t, ctx, *fused)
    ad = onnxruntime.InferenceSession(str(tmp_path / "pack" / "adaptor" / "model.onnx"))
    got_fused = ad.run(None, {"sample": z.numpy(), "timestep": t.numpy(), "encoder_hidden_states": ctx.numpy(),
                              "cond_image": y.numpy()})
    un = onnxruntime.InferenceSession(str(tmp_path / "pack" / "unet" / "model.onnx"))
    out = un.run(None, {"sample": z.numpy(), "timestep": t.numpy(), "encoder_hidden_states": ctx.numpy(),
                        **dict(zip(names, got_fused))})[0]
    assert np.abs(out - ref.numpy()).max() < 1e-4
    assert max(float(np.abs(a).max()) for a in got_fused) > 0  # the trained fuse convs are no longer zero
