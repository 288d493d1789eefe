"""DDIM scheduler: timestep tables, betas, and the update rule checked against closed forms."""
import numpy as np
import pytest
import torch

from spire.config import SchedulerConfig
from spire.scheduler import DDIMScheduler


def sched(**kw) -> DDIMScheduler:
    return DDIMScheduler(SchedulerConfig(**kw))


@pytest.mark.parametrize(
    "spacing,offset,n,expected",
    [
        ("leading", 1, 10, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]),
        ("leading", 0, 3, [666, 333, 0]),
        ("leading", 1, 3, [667, 334, 1]),
        ("trailing", 0, 10, [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]),
        ("trailing", 0, 3, [999, 666, 332]),
        ("linspace", 0, 10, [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]),
        ("linspace", 0, 3, [999, 500, 0]),
    ],
)
def test_timestep_spacing_tables(spacing, offset, n, expected):
    s = sched(timestep_spacing=spacing, steps_offset=offset)
    assert s.set_timesteps(n).tolist() == expected


def test_beta_schedules():
    lin = sched(beta_schedule="linear", beta_start=0.0001, beta_end=0.02)
    assert lin.betas[0] == pytest.approx(0.0001) and lin.betas[-1] == pytest.approx(0.02)
    assert np.allclose(np.diff(lin.betas), (0.02 - 0.0001) / 999)
    sl = sched(beta_schedule="scaled_linear")
    assert sl.betas[0] == pytest.approx(0.00085) and sl.betas[-1] == pytest.approx(0.012)
    assert np.allclose(np.diff(np.sqrt(sl.betas)), (0.012**0.5 - 0.00085**0.5) / 999)
    assert sl.alphas_cumprod[0] == pytest.approx(1 - 0.00085)
    with pytest.raises(ValueError, match="beta_schedule"):
        sched(beta_schedule="cosine")


def _noisy(s, t, seed=0):
    g = torch.Generator().manual_seed(seed)
    x0, eps = torch.randn(2, 4, 3, 3, generator=g, dtype=torch.float64), torch.randn(2, 4, 3, 3, generator=g, dtype=torch.float64)
    return x0, eps, s.add_noise(x0, eps, t)


def test_eta0_step_with_the_true_noise_lands_on_the_forward_process():
    s = sched()
    s.set_timesteps(10)
    t = int(s.timesteps[2])  # 701 -> 601
    x0, eps, xt = _noisy(s, t)
    prev, pred_x0 = s.step(eps, t, xt)
    a_prev = s.alphas_cumprod[t - 100]
    assert torch.allclose(pred_x0, x0, atol=1e-10)
    assert torch.allclose(prev, a_prev**0.5 * x0 + (1 - a_prev) ** 0.5 * eps, atol=1e-10)


def test_v_prediction_and_sample_prediction_agree_with_epsilon():
    t = 501
    results = []
    for kind in ("epsilon", "v_prediction", "sample"):
        s = sched(prediction_type=kind)
        s.set_timesteps(10)
        x0, eps, xt = _noisy(s, t)
        a = s.alphas_cumprod[t]
        out = {"epsilon": eps, "v_prediction": a**0.5 * eps - (1 - a) ** 0.5 * x0, "sample": x0}[kind]
        results.append(s.step(out, t, xt)[0])
    assert torch.allclose(results[0], results[1], atol=1e-10)
    assert torch.allclose(results[0], results[2], atol=1e-10)


def test_eta_adds_scaled_noise_with_the_ddim_sigma():
    s = sched()
    s.set_timesteps(10)
    t, eta = 501, 0.7
    x0, eps, xt = _noisy(s, t)
    noise = torch.ones_like(xt)
    prev, _ = s.step(eps, t, xt, eta=eta, variance_noise=noise)
    a_t, a_prev = s.alphas_cumprod[t], s.alphas_cumprod[t - 100]
    sigma = eta * ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)) ** 0.5  # eq. 16
    expected = a_prev**0.5 * x0 + (1 - a_prev - sigma**2) ** 0.5 * eps + sigma * noise
    assert torch.allclose(prev, expected, atol=1e-10)


@pytest.mark.parametrize("one,expect_x0", [(True, True), (False, False)])
def test_set_alpha_to_one_controls_the_last_step(one, expect_x0):
    s = sched(set_alpha_to_one=one)
    s.set_timesteps(10)
    t = int(s.timesteps[-1])  # 1: the previous timestep is -99
    x0, eps, xt = _noisy(s, t)
    prev, _ = s.step(eps, t, xt)
    assert torch.allclose(prev, x0, atol=1e-10) == expect_x0
    if not one:
        a0 = s.alphas_cumprod[0]
        assert torch.allclose(prev, a0**0.5 * x0 + (1 - a0) ** 0.5 * eps, atol=1e-10)


def test_clip_sample_clamps_predicted_x0():
    s = sched(clip_sample=True, clip_sample_range=1.0)
    s.set_timesteps(10)
    x0, eps, xt = _noisy(s, 901)
    _, pred_x0 = s.step(eps, 901, xt * 0 + 50.0)
    assert float(pred_x0.abs().max()) <= 1.0


def test_img2img_keeps_the_last_strength_fraction_of_steps():
    s = sched()
    s.set_timesteps(10)
    assert s.img2img_timesteps(0.5).tolist() == [401, 301, 201, 101, 1]
    assert s.img2img_timesteps(1.0).tolist() == s.timesteps.tolist()


def test_batched_training_helpers_match_the_scalar_forms():
    s = sched()
    x0, eps = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    t = torch.tensor([10, 900])
    batched = s.add_noise_batch(x0, eps, t)
    for i in range(2):
        assert torch.allclose(batched[i], s.add_noise(x0[i], eps[i], int(t[i])), atol=1e-6)
    v = s.get_velocity(x0, eps, t)
    a = torch.tensor(s.alphas_cumprod[[10, 900]], dtype=torch.float32).reshape(2, 1, 1, 1)
    assert torch.allclose(v, a.sqrt() * eps - (1 - a).sqrt() * x0, atol=1e-6)


def test_against_diffusers_if_installed():
    diffusers = pytest.importorskip("diffusers", reason="diffusers is an optional reference (pip install diffusers)")
    for spacing in ("leading", "trailing", "linspace"):
        for kind in ("epsilon", "v_prediction"):
            kw = dict(beta_schedule="scaled_linear", timestep_spacing=spacing, prediction_type=kind, steps_offset=1 if spacing == "leading" else 0)
            ref = diffusers.DDIMScheduler(beta_start=0.00085, beta_end=0.012, clip_sample=False, set_alpha_to_one=False, **kw)
            ours = sched(**kw)
            ref.set_timesteps(7)
            ours.set_timesteps(7)
            assert ref.timesteps.tolist() == ours.timesteps.tolist()
            g = torch.Generator().manual_seed(3)
            x = torch.randn(1, 4, 8, 8, generator=g)
            x_ref = x.clone()
            for t in ours.timesteps:
                out = torch.randn(1, 4, 8, 8, generator=g) * 0.5
                noise = torch.randn(1, 4, 8, 8, generator=g)
                x = ours.step(out, int(t), x, eta=0.3, variance_noise=noise)[0]
                x_ref = ref.step(out, int(t), x_ref, eta=0.3, variance_noise=noise).prev_sample
            assert torch.allclose(x.float(), x_ref, atol=1e-4), (spacing, kind, float((x - x_ref).abs().max()))
