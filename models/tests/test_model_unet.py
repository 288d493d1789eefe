import torch

from helpers import perturb, tiny_config
from spire.unet import UNet, UNetEncoder, fusion_tensor_names, skip_specs


def _inputs(cfg, B=2, H=8, W=12):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(B, cfg.autoencoder.latent_channels, H, W, generator=g)
    t = torch.tensor([10.0, 700.0])[:B]
    ctx = torch.randn(B, cfg.text_encoder.max_length, cfg.context_dim, generator=g)
    return z, t, ctx


def test_predicts_a_latent_shaped_output():
    cfg = tiny_config()
    z, t, ctx = _inputs(cfg)
    assert UNet(cfg)(z, t, ctx).shape == z.shape


def test_skip_specs_match_the_encoder_features():
    cfg = tiny_config()
    z, t, ctx = _inputs(cfg)
    skips, mid, _ = UNetEncoder(cfg.unet, cfg.autoencoder.latent_channels, cfg.context_dim)(z, t, ctx)
    specs = skip_specs(cfg.unet)
    assert len(specs) == len(skips) + 1 and specs[-1].name == "mid"
    for s, f in zip(specs, skips + [mid]):
        assert f.shape == (2, s.channels, 8 // s.downscale, 12 // s.downscale), s


def _fused(cfg, fill):
    z, *_ = _inputs(cfg)
    out = []
    for s in skip_specs(cfg.unet):
        n = 2 if cfg.adaptor.fusion == "modulation" else 1
        out += [fill((2, s.channels, 8 // s.downscale, 12 // s.downscale)) for _ in range(n)]
    return out


def test_zero_fusion_inputs_are_the_identity():
    for fusion in ("modulation", "additive"):
        cfg = tiny_config(fusion)
        unet = perturb(UNet(cfg)).eval()
        z, t, ctx = _inputs(cfg)
        fused = _fused(cfg, torch.zeros)
        assert len(fused) == len(fusion_tensor_names(cfg.unet, fusion))
        assert torch.allclose(unet(z, t, ctx), unet(z, t, ctx, *fused), atol=1e-6)


def test_modulation_is_one_plus_gamma_times_f_plus_beta():
    # gamma = -1 and beta = 0 on every skip zero the skips: same as feeding zero skip features.
    cfg = tiny_config("modulation")
    unet = perturb(UNet(cfg)).eval()
    z, t, ctx = _inputs(cfg)
    fused = _fused(cfg, torch.zeros)
    for i in range(0, len(fused) - 2, 2):
        fused[i] = -torch.ones_like(fused[i])
    killed = unet(z, t, ctx, *fused)
    assert not torch.allclose(killed, unet(z, t, ctx), atol=1e-4)
    # an additive UNet with r = -f reaches the same result; check on one skip via the hook-free route:
    # beta alone shifts the output too
    fused2 = _fused(cfg, torch.zeros)
    fused2[1] = torch.ones_like(fused2[1])
    assert not torch.allclose(unet(z, t, ctx, *fused2), unet(z, t, ctx), atol=1e-4)


def test_cross_attention_uses_the_prompt():
    cfg = tiny_config()
    unet = perturb(UNet(cfg)).eval()
    z, t, ctx = _inputs(cfg)
    assert (unet(z, t, ctx) - unet(z, t, ctx + 1.0)).abs().max() > 1e-4


def test_timestep_embedding_follows_the_weights_dtype():
    # Half-precision export traces the embedding with low-precision weights: the
    # float32 sinusoids must be cast to the weights' dtype, not fed as they are.
    # (CPU torch has no float16 Linear, so bfloat16 stands in for it here.)
    from spire.layers import TimestepEmbedding

    emb = TimestepEmbedding(32, 64).to(torch.bfloat16)
    out = emb(torch.tensor([999.0, 1.0]))
    assert out.dtype == torch.bfloat16
    assert out.shape == (2, 64)
