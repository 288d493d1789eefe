"""Text encoder: a causal transformer in the shape of CLIP's text tower.

token + position embedding -> `layers` pre-LN blocks (causal self-attention,
MLP) -> final LayerNorm. The output is the last hidden state (B, L, D); the
UNet cross-attends to it for the semantic prompt, the adaptor for the
restoration prompt (the same frozen encoder embeds both; see README).
"""
import torch
import torch.nn as nn

from .config import TextEncoderConfig
from .layers import Attention, FeedForward


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads, qkv_bias=True)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = FeedForward(width, "gelu")

    def forward(self, x, mask):
        # x: (B, L, D); mask: (1, 1, L, L) additive causal mask
        x = x + self.attn(self.ln1(x), mask=mask)
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    def __init__(self, cfg: TextEncoderConfig):
        super().__init__()
        self.cfg = cfg
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.width)
        self.position_embedding = nn.Parameter(torch.zeros(cfg.max_length, cfg.width))
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding, std=0.01)
        self.blocks = nn.ModuleList([Block(cfg.width, cfg.heads) for _ in range(cfg.layers)])
        self.final_ln = nn.LayerNorm(cfg.width)

    def forward(self, input_ids):
        # input_ids: (B, L) int64, L <= max_length -> last hidden state (B, L, D)
        L = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.position_embedding[:L]  # (B, L, D)
        # causal mask: position i attends to positions <= i (large negative, not -inf, so no NaN anywhere)
        mask = torch.triu(torch.full((L, L), -1e9, device=x.device, dtype=x.dtype), diagonal=1)[None, None]
        for block in self.blocks:
            x = block(x, mask)
        return self.final_ln(x)
