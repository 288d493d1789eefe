"""Load Stable Diffusion UNet weights in diffusers' layout into this repo's UNet.

A standard SD 1.5 checkpoint (diffusers `UNet2DConditionModel`, e.g. unet/diffusion_pytorch_model.bin)
has exactly the shapes of configs/sd15.json; this maps its parameter names onto ours so the UNet can be
re-exported with the adaptor's fused inputs (see README, "Describing a Stable Diffusion 1.5 ONNX export").

    ours                          diffusers
    encoder.time_embed.lin1/2     time_embedding.linear_1/2
    encoder.conv_in               conv_in
    encoder.down[k] (level i, j)  down_blocks.i.resnets.j (+ .attentions.j), then down_blocks.i.downsamplers.0
    encoder.mid1/mid_attn/mid2    mid_block.resnets.0 / attentions.0 / resnets.1
    up[k] (level i, j)            up_blocks.(n-1-i).resnets.j (+ .attentions.j), then .upsamplers.0
    norm_out, conv_out            conv_norm_out, conv_out
"""
from .config import UNetConfig

RES = {"norm1": "norm1", "conv1": "conv1", "temb": "time_emb_proj", "norm2": "norm2", "conv2": "conv2", "skip": "conv_shortcut"}
ATTN = {
    "norm": "norm", "proj_in": "proj_in", "proj_out": "proj_out",
    "norm1": "transformer_blocks.0.norm1", "norm2": "transformer_blocks.0.norm2", "norm3": "transformer_blocks.0.norm3",
    "attn1.to_q": "transformer_blocks.0.attn1.to_q", "attn1.to_k": "transformer_blocks.0.attn1.to_k",
    "attn1.to_v": "transformer_blocks.0.attn1.to_v", "attn1.to_out": "transformer_blocks.0.attn1.to_out.0",
    "attn2.to_q": "transformer_blocks.0.attn2.to_q", "attn2.to_k": "transformer_blocks.0.attn2.to_k",
    "attn2.to_v": "transformer_blocks.0.attn2.to_v", "attn2.to_out": "transformer_blocks.0.attn2.to_out.0",
    "ff.proj": "transformer_blocks.0.ff.net.0.proj", "ff.out": "transformer_blocks.0.ff.net.2",
}


def unet_prefix_map(cfg: UNetConfig) -> dict:
    """Module prefix in our UNet -> module prefix in diffusers' UNet2DConditionModel."""
    n = len(cfg.channels)
    m = {"encoder.time_embed.lin1": "time_embedding.linear_1", "encoder.time_embed.lin2": "time_embedding.linear_2",
         "encoder.conv_in": "conv_in", "norm_out": "conv_norm_out", "conv_out": "conv_out"}

    def layer(ours, theirs, j, attention):
        for a, b in RES.items():
            m[f"{ours}.res.{a}"] = f"{theirs}.resnets.{j}.{b}"
        if attention:
            for a, b in ATTN.items():
                m[f"{ours}.attn.{a}"] = f"{theirs}.attentions.{j}.{b}"

    k = 0
    for i in range(n):
        for j in range(cfg.res_blocks):
            layer(f"encoder.down.{k}", f"down_blocks.{i}", j, cfg.attention[i])
            k += 1
        if i < n - 1:
            m[f"encoder.down.{k}.conv"] = f"down_blocks.{i}.downsamplers.0.conv"
            k += 1
    for a, b in RES.items():
        m[f"encoder.mid1.{a}"] = f"mid_block.resnets.0.{b}"
        m[f"encoder.mid2.{a}"] = f"mid_block.resnets.1.{b}"
    for a, b in ATTN.items():
        m[f"encoder.mid_attn.{a}"] = f"mid_block.attentions.0.{b}"
    k = 0
    for i in reversed(range(n)):
        u = n - 1 - i
        for j in range(cfg.res_blocks + 1):
            layer(f"up.{k}", f"up_blocks.{u}", j, cfg.attention[i])
            k += 1
        if i > 0:
            m[f"up.{k}.conv"] = f"up_blocks.{u}.upsamplers.0.conv"
            k += 1
    return m


def unet_state_from_diffusers(diffusers_state: dict, ours_state: dict, cfg: UNetConfig) -> dict:
    """Our UNet's state dict filled from a diffusers UNet state dict; every key of ours must be found."""
    prefixes = unet_prefix_map(cfg)
    out, missing = {}, []
    for key, value in ours_state.items():
        module, _, param = key.rpartition(".")
        src = prefixes.get(module)
        name = f"{src}.{param}" if src else None
        if name is None or name not in diffusers_state:
            missing.append(key)
            continue
        w = diffusers_state[name]
        if w.shape != value.shape and w.numel() == value.numel():
            w = w.reshape(value.shape)  # proj_in/out stored as Linear in SD 2.x, as 1x1 conv here
        if w.shape != value.shape:
            raise ValueError(f"{key} {tuple(value.shape)} != {name} {tuple(w.shape)}: the config does not match the checkpoint")
        out[key] = w
    if missing:
        raise KeyError(f"{len(missing)} parameters have no diffusers counterpart, e.g. {missing[:3]}")
    return out
