"""The reference sampler: determinism, strength, guidance, faithful mode (restorer only at strength 0,
detail transfer below strength 1), and the committed goldens."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import FakeTokenizer, perturb, tiny_config
from spire.sampler import SpireModels, sample

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return perturb(SpireModels(tiny_config())).eval()


@pytest.fixture(scope="module")
def image():
    return torch.rand(1, 3, 32, 40, generator=torch.Generator().manual_seed(5)) * 2 - 1


def run(models, image, **kw):
    args = dict(semantic_prompt="a cat", restoration_prompt="Deblur with sigma 2.0;", num_inference_steps=3, guidance_scale=3.0, seed=7)
    args.update(kw)
    return sample(models, FakeTokenizer(), image, **args)


def test_same_seed_same_image_and_given_noise_equals_seeded_noise(models, image):
    a, b = run(models, image), run(models, image)
    assert torch.equal(a.image, b.image)
    assert a.image.shape == image.shape and len(a.step_latents) == 3
    c = run(models, image, latents=a.initial_latents)
    assert torch.equal(a.image, c.image)
    assert not torch.equal(a.image, run(models, image, seed=8).image)


def test_strength_starts_from_the_noised_input_and_runs_fewer_steps(models, image):
    r = run(models, image, num_inference_steps=4, strength=0.5)
    assert r.timesteps == [251, 1]  # of [751, 501, 251, 1]
    noise = torch.randn(r.initial_latents.shape, generator=torch.Generator().manual_seed(7))
    from spire.scheduler import DDIMScheduler

    s = DDIMScheduler(models.cfg.scheduler)
    z0 = models.vae.encode(image)[0] * models.cfg.autoencoder.scale_factor
    assert torch.allclose(r.initial_latents, s.add_noise(z0, noise, 251), atol=1e-6)


def test_guidance_one_is_the_conditional_prediction(models, image):
    # with guidance 1 the negative prompt cannot matter
    a = run(models, image, guidance_scale=1.0, negative_prompt="")
    b = run(models, image, guidance_scale=1.0, negative_prompt="blurry")
    assert torch.allclose(a.image, b.image, atol=1e-5)
    c = run(models, image, guidance_scale=3.0, negative_prompt="blurry")
    assert not torch.allclose(a.image, c.image, atol=1e-4)


def test_faithful_mode_runs_the_restorer_first(models, image):
    r = run(models, image, use_restorer=True)
    assert r.restored_input is not None and not torch.allclose(r.restored_input, image)


def _forbid(monkeypatch, module, attr, name):
    def boom(*args, **kw):
        raise AssertionError(f"{name} must not run")

    monkeypatch.setattr(module, attr, boom)


def test_strength_zero_in_faithful_mode_is_the_restorer_alone(models, image, monkeypatch):
    encoded = []
    forward = models.text_encoder.forward
    monkeypatch.setattr(models.text_encoder, "forward", lambda ids: encoded.append(ids.shape[0]) or forward(ids))
    for module, attr, name in ((models.vae, "encode", "vae encoder"), (models.vae, "decode", "vae decoder"),
                               (models.unet, "forward", "unet"), (models.adaptor, "forward", "adaptor")):
        _forbid(monkeypatch, module, attr, name)
    r = run(models, image, strength=0.0, use_restorer=True)
    assert encoded == [1]  # the restoration prompt only
    assert r.timesteps == [] and r.step_latents == [] and r.initial_latents is None
    restoration = models.text_encoder(torch.as_tensor(FakeTokenizer()(["Deblur with sigma 2.0;"], max_length=16)))
    expected = models.restorer(image, restoration).clamp(-1, 1)
    assert torch.equal(r.image, r.restored_input) and torch.allclose(r.image, expected, atol=1e-6)


def test_faithful_mode_below_strength_one_transfers_only_what_diffusion_changed(models, image):
    r = run(models, image, num_inference_steps=4, strength=0.5, use_restorer=True)
    s = models.cfg.autoencoder.scale_factor
    mean = models.vae.encode(r.restored_input)[0]
    assert torch.allclose(r.reference, models.vae.decode(mean), atol=1e-6)
    assert torch.allclose(r.decoded, models.vae.decode(r.step_latents[-1] / s), atol=1e-6)
    assert torch.allclose(r.image, (r.restored_input + r.decoded - r.reference).clamp(-1, 1), atol=1e-6)
    # not the plain decode: the autoencoder's reconstruction error of R cancels
    assert not torch.allclose(r.image, r.decoded.clamp(-1, 1), atol=1e-3)


def test_detail_transfer_returns_the_restored_image_when_the_decoder_cannot_tell_latents_apart(models, image, monkeypatch):
    # a lossy decoder that ignores its latent: decode(z') - decode(mean) = 0, so the output is R exactly
    monkeypatch.setattr(models.vae, "decode", lambda z: torch.full((z.shape[0], 3, z.shape[2] * 4, z.shape[3] * 4), 0.25))
    r = run(models, image, num_inference_steps=4, strength=0.5, use_restorer=True)
    assert torch.allclose(r.image, r.restored_input, atol=1e-6)  # (R + d) - d, float rounding only


def test_faithful_mode_at_strength_one_and_plain_mode_decode_plainly(models, image):
    for kw in ({"use_restorer": True}, {"strength": 0.5}):
        r = run(models, image, num_inference_steps=4, **kw)
        assert r.reference is None
        assert torch.equal(r.image, r.decoded.clamp(-1, 1))


def test_bad_inputs_say_what_to_do(models):
    with pytest.raises(ValueError, match="multiples of 8"):
        run(models, torch.zeros(1, 3, 30, 40))
    with pytest.raises(ValueError, match=r"strength 0 runs no diffusion: it needs the faithful mode \(restorer\)"):
        run(models, torch.zeros(1, 3, 32, 32), strength=0.0)
    with pytest.raises(ValueError, match=r"strength must be in \[0, 1\]"):
        run(models, torch.zeros(1, 3, 32, 32), strength=1.5)
    with pytest.raises(ValueError, match="runs no step"):
        run(models, torch.zeros(1, 3, 32, 32), num_inference_steps=4, strength=0.1)
    with pytest.raises(ValueError, match="latents must be"):
        run(models, torch.zeros(1, 3, 32, 32), latents=torch.zeros(1, 4, 2, 2))


def _read(folder: Path, ref: dict) -> np.ndarray:
    return np.fromfile(folder / ref["file"], dtype="<f4" if ref["dtype"] == "float32" else "<i8").reshape(ref["shape"])


@pytest.mark.parametrize("pack", ["tiny-random", "tiny-random-additive"])
def test_committed_goldens_are_what_the_code_computes(pack):
    """Rebuilds the fixture models and replays the golden sampling runs: catches stale fixtures."""
    from spire.fixtures import RUNS, fixture_models, sampling_golden

    folder = ROOT / "test" / "fixtures" / "packs" / pack / "golden"
    index = json.loads((folder / "index.json").read_text())
    models, tok = fixture_models(pack)

    class Recorder:
        tensors = {}

        def tensor(self, key, x):
            self.tensors[key] = x.detach().numpy() if torch.is_tensor(x) else np.asarray(x)
            return {"key": key}

    for run_spec, golden in zip(RUNS, index["sampling"]):
        rec = Recorder()
        sampling_golden(models, tok, run_spec, rec)
        assert golden["timesteps"] == [s["timestep"] for s in golden["steps"]]
        np.testing.assert_allclose(rec.tensors[f"{run_spec['name']}.decoded"], _read(folder, golden["decoded"]), atol=1e-4)
        assert ("output" in golden) == (f"{run_spec['name']}.output" in rec.tensors)
        for key in ("output", "reconstruction"):
            if key in golden:
                np.testing.assert_allclose(rec.tensors[f"{run_spec['name']}.{key}"], _read(folder, golden[key]), atol=1e-4)
        last = golden["steps"][-1]["latents"]
        np.testing.assert_allclose(rec.tensors[f"{run_spec['name']}.step{len(golden['steps']) - 1}.latents"], _read(folder, last), atol=1e-4)
        np.testing.assert_array_equal(rec.tensors[f"{run_spec['name']}.ids.restoration"], _read(folder, golden["inputIds"]["restoration"]))
