"""Model configuration: one dataclass per part and a top-level SpireConfig.

Sizes live in models/configs/<size>.json (tiny, small, sd15, fixture) and are
loaded with `SpireConfig.load(path)`; keys missing from a JSON file keep the
defaults below, unknown keys are an error.
"""
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TextEncoderConfig:
    vocab_size: int = 49408  # token embedding rows; must cover every id the tokenizer emits
    max_length: int = 77  # context length L (position embeddings); prompts are padded/truncated to it
    width: int = 768  # hidden size D; the UNet and adaptor cross-attend to (B, L, D)
    layers: int = 12  # pre-LN transformer blocks
    heads: int = 12  # attention heads per block


@dataclass
class AutoencoderConfig:
    in_channels: int = 3  # RGB
    latent_channels: int = 4  # channels of the latent z
    channels: list = field(default_factory=lambda: [128, 256, 512, 512])  # width per level; factor = 2**(levels-1)
    res_blocks: int = 2  # resblocks per level in the encoder (decoder uses res_blocks + 1)
    mid_attention: bool = True  # self-attention in the middle block (costly at high resolution)
    groups: int = 32  # GroupNorm groups (capped at the channel count)
    scale_factor: float = 0.18215  # z fed to the UNet is mean * scale_factor; 0 = measure it (1 / std of the
    #                                 latent means) after the vae stage and store it in the run's config.json

    @property
    def downsampling_factor(self) -> int:
        return 2 ** (len(self.channels) - 1)


@dataclass
class UNetConfig:
    channels: list = field(default_factory=lambda: [320, 640, 1280, 1280])  # width per level
    res_blocks: int = 2  # resblocks per level on the way down (up path uses res_blocks + 1)
    attention: list = field(default_factory=lambda: [True, True, True, False])  # transformer after each resblock, per level
    heads: int = 8  # attention heads in every transformer block
    groups: int = 32  # GroupNorm groups (capped at the channel count)
    ff: str = "geglu"  # transformer MLP: "geglu" (Stable Diffusion) or "gelu"
    dropout: float = 0.0  # dropout inside resblocks
    norm_eps: float = 1e-5  # GroupNorm epsilon of resblocks and the output norm (SD: 1e-5; transformers use 1e-6)


@dataclass
class AdaptorConfig:
    fusion: str = "modulation"  # "modulation": f' = (1 + gamma) * f + beta;  "additive" (ControlNet): f' = f + r
    cond_channels: int = 16  # channels of E'(y), the downsampled degraded image concatenated to z_t
    cond_hidden: list = field(default_factory=lambda: [16, 32, 96, 256])  # E' widths; len-1 stride-2 convs must reach latent size


@dataclass
class RestorerConfig:
    enabled: bool = True  # export a pixel-space restorer (faithful mode)
    channels: int = 64  # feature width
    blocks: int = 4  # FiLM-modulated residual blocks
    unshuffle: int = 1  # work at 1/unshuffle resolution on unshuffle^2 x 3 channels (FFDNet-style); 1 = full resolution
    init: str = "default"  # conv init: "default" (PyTorch's) or "kaiming" (He-normal, residual branches x0.2)
    prompt_pool: str = "mean"  # how the restoration prompt (B, L, D) becomes one vector: "mean", or "attention"
    #                            (a learned query attends over the tokens, then a 2-layer MLP)
    degradation_input: bool = False  # also take the parsed prompt as numbers (prompts.degradation_vector, input
    #                                  "degradation" (B, K)): an MLP adds it to the pooled prompt vector
    block: str = "film"  # residual block: "film" (conv-SiLU-conv, FiLM on its output: today's), or "gated"
    #                      (NAFNet-style: channel LayerNorm + FiLM, 1x1 conv to 2C, depthwise 3x3, SimpleGate, 1x1;
    #                      then LayerNorm + FiLM, 1x1 to 2C, SimpleGate, 1x1; learned residual scales starting at 0)
    levels: int = 0  # U-shaped: downsampling levels after the unshuffle (0 = one resolution, today's); each halves
    #                  the resolution (3x3 stride-2 conv) and doubles the width, skips added on the way up
    level_blocks: int = 1  # U-shaped: blocks per encoder level and per decoder level (`blocks` run at the bottom)


@dataclass
class EstimatorConfig:
    enabled: bool = False  # export a degradation estimator (estimator/model.onnx: the auto restoration prompt)
    channels: list = field(default_factory=lambda: [32, 48, 64])  # pixel branch widths at 1/2, 1/4, 1/8 resolution
    block_channels: int = 32  # block branch: one position per 8x8 block (JPEG's grid)
    trunk_channels: int = 64  # trunk and head width
    patch: int = 128  # patch side the estimator reads (training crop and the engine's patches), a multiple of 8
    max_patches: int = 16  # patches per photo, spread evenly over it


@dataclass
class SchedulerConfig:
    # Field names and meanings follow diffusers' DDIMScheduler so scheduler_config.json reads the same.
    num_train_timesteps: int = 1000  # T
    beta_start: float = 0.00085
    beta_end: float = 0.012
    beta_schedule: str = "scaled_linear"  # "linear" or "scaled_linear"
    prediction_type: str = "epsilon"  # what the UNet predicts: "epsilon", "v_prediction" or "sample"
    timestep_spacing: str = "leading"  # "leading", "trailing" or "linspace"
    steps_offset: int = 1  # added to "leading" timesteps (Stable Diffusion uses 1)
    set_alpha_to_one: bool = False  # alpha_cumprod of the step after t=0: 1.0, or alphas_cumprod[0]
    clip_sample: bool = False  # clamp predicted x0 to +-clip_sample_range
    clip_sample_range: float = 1.0


@dataclass
class TrainConfig:
    image_size: int = 512  # training crop (pixels)
    batch_size: int = 4
    lr: dict = field(default_factory=lambda: {"vae": 1e-4, "unet": 1e-4, "adaptor": 1e-4, "restorer": 2e-4, "estimator": 1e-3})
    steps: dict = field(default_factory=lambda: {"vae": 1000, "unet": 1000, "adaptor": 1000, "restorer": 500, "estimator": 500})
    kl_weight: float = 1e-6  # KL term of the autoencoder loss
    prompt_dropout: float = 0.1  # semantic prompt replaced by "" this often (classifier-free guidance)
    train_text_encoder: bool = True  # train the text encoder with the UNet prior (no pretrained CLIP here)
    datasets: list = field(  # training sets, as datasets.TRAINING_SETS names them (training splits only)
        default_factory=lambda: ["coco-train2017", "bsds500-train", "bsds500-val432", "t91", "sun-hays80"]
    )
    crop: dict = field(default_factory=dict)  # per-stage crop size override, e.g. {"restorer": 96}; default image_size
    batch: dict = field(default_factory=dict)  # per-stage batch size override; default batch_size
    restorer_loss: str = "l1"  # "l1", or "mse" (optimises PSNR directly; learned faster in a short CPU budget)
    adaptor_restored: float = 0.0  # adaptor stage: this fraction of samples sees clamp(restorer(y)) (faithful mode)
    adaptor_from_condition: float = 0.0  # adaptor stage: this fraction starts from the condition's latent (img2img)
    adaptor_from_max_t: int = 500  # ... noised to a timestep below this
    restorer_mixer: str = "spire"  # restorer samples: "spire" (degradations.make_training_sample), or "auto"
    #                                (auto_samples.make_auto_training_sample: the auto prompt and the blind prompt with
    #                                what the run's estimator.pt reads; needs it in the run folder); or "denoise" (degradations.make_denoise_sample: Gaussian noise only, to compare architectures)
    restorer_distill: float = 0.0  # restorer stage: loss = (1 - w) loss(out, clean) + w loss(out, teacher), the
    #                                teacher being the 8-view self-ensemble of teacher_restorer.pt in the run folder
    restorer_teacher: dict = field(default_factory=dict)  # the teacher's restorer options over this config's (e.g.
    #                                                        {"block": "film", "levels": 0}: today's restorer)
    auto_mix: dict = field(default_factory=dict)  # "auto" mixer probabilities: p_realesrgan, p_everyday, p_blind, p_auto
    lr_schedule: str = "constant"  # "constant", or "cosine": lr * (0.1 + 0.9 * (1 + cos(pi * step / steps)) / 2)
    log_every: int = 10
    ckpt_every: int = 200


@dataclass
class SpireConfig:
    name: str = "sd15"
    image_size: int = 512  # native resolution (pixels) the model was trained at
    tokenizer: str = "vocab"  # tokenizer folder, relative to models/ (HF layout) or "clip" for the CLIP BPE
    text_encoder: TextEncoderConfig = field(default_factory=TextEncoderConfig)
    autoencoder: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    adaptor: AdaptorConfig = field(default_factory=AdaptorConfig)
    restorer: RestorerConfig = field(default_factory=RestorerConfig)
    estimator: EstimatorConfig = field(default_factory=EstimatorConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    @property
    def context_dim(self) -> int:
        return self.text_encoder.width

    @property
    def latent_size(self) -> int:
        return self.image_size // self.autoencoder.downsampling_factor

    @staticmethod
    def load(path) -> "SpireConfig":
        return SpireConfig.from_dict(json.loads(Path(path).read_text()))

    @staticmethod
    def from_dict(d: dict) -> "SpireConfig":
        return _build(SpireConfig, d, "config")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _build(cls, d: dict, where: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; allowed: {sorted(known)}")
    kwargs = {}
    for k, v in d.items():
        sub = known[k].default_factory if known[k].default_factory is not dataclasses.MISSING else None
        if sub is not None and dataclasses.is_dataclass(sub):
            kwargs[k] = _build(sub, v, f"{where}.{k}")
        else:
            kwargs[k] = v
    return cls(**kwargs)


def config_path(size: str) -> Path:
    return Path(__file__).resolve().parent.parent / "configs" / f"{size}.json"
