# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Transformer pieces shared by the encoder and both predictors.

`Block` is a plain pre-LN block (ViT, prefix encoder). `AdaLNBlock` is LeWM's
conditional block: AdaLN-zero modulation from a condition vector, zero-initialised
so every block starts as the identity. With `one_token=True` its attention reduces
to a value/output projection, because attention over a single token is that token.
Leading dimensions are free: (..., L, D) with L tokens (L=1 for one-token blocks).
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F


class Attention(nn.Module):
    """Multi-head self-attention (optionally causal) with its own pre-LayerNorm."""

    def __init__(self, dim: int, heads: int, head_dim: int, *, qkv_bias: bool,
                 dropout: float = 0.0, norm: bool = False) -> None:
        super().__init__()
        self.heads, self.head_dim, self.dropout = heads, head_dim, dropout
        self.norm = nn.LayerNorm(dim) if norm else nn.Identity()
        self.qkv = nn.Linear(dim, 3 * heads * head_dim, bias=qkv_bias)
        self.out = nn.Linear(heads * head_dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        lead, length = x.shape[:-2], x.shape[-2]
        qkv = self.qkv(self.norm(x)).reshape(-1, length, 3, self.heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B', heads, L, head_dim)
        drop = self.dropout if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, is_causal=causal)
        out = out.transpose(1, 2).reshape(*lead, length, self.heads * self.head_dim)
        return self.drop(self.out(out))


class OneTokenMix(nn.Module):
    """Self-attention over one token: softmax weight 1, so only V and O remain."""

    def __init__(self, dim: int, heads: int, head_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.value = nn.Linear(dim, heads * head_dim, bias=False)
        self.out = nn.Linear(heads * head_dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        return self.drop(self.out(self.value(self.norm(x))))


def feed_forward(dim: int, hidden: int, dropout: float = 0.0, norm: bool = False) -> nn.Module:
    """Linear -> GELU -> Linear, with an optional leading LayerNorm (LeWM's FeedForward)."""
    layers = [nn.LayerNorm(dim)] if norm else []
    layers += [nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout),
               nn.Linear(hidden, dim), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(LN(x)), then x + mlp(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, dim // heads, qkv_bias=True, dropout=dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = feed_forward(dim, mlp, dropout)

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), causal)
        return x + self.mlp(self.norm2(x))


class AdaLNBlock(nn.Module):
    """LeWM's conditional block: AdaLN-zero shift/scale/gate from a condition c.

    As in LeWM's code the attention and MLP keep their own affine LayerNorm after
    the modulated, affine-free one.
    """

    def __init__(self, dim: int, heads: int, head_dim: int, mlp: int,
                 dropout: float = 0.0, one_token: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        if one_token:
            self.attn = OneTokenMix(dim, heads, head_dim, dropout)
        else:
            self.attn = Attention(dim, heads, head_dim, qkv_bias=False, dropout=dropout,
                                  norm=True)
        self.mlp = feed_forward(dim, mlp, dropout, norm=True)
        self.modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        # AdaLN-zero: every block starts as the identity map.
        nn.init.zeros_(self.modulation[-1].weight)
        nn.init.zeros_(self.modulation[-1].bias)

    def forward(self, x: torch.Tensor, c: torch.Tensor, causal: bool = False) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(c).chunk(6, dim=-1)
        x = x + gate1 * self.attn(self.norm1(x) * (1 + scale1) + shift1, causal)
        return x + gate2 * self.mlp(self.norm2(x) * (1 + scale2) + shift2)


class Projector(nn.Module):
    """Linear -> BatchNorm1d -> GELU -> Linear over the last dimension.

    BatchNorm, not LayerNorm: a LayerNorm right after a final LayerNorm would keep
    SIGReg from shaping the latent distribution (LeWM).
    """

    def __init__(self, dim_in: int, hidden: int, dim_out: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim_in, hidden), nn.BatchNorm1d(hidden), nn.GELU(),
                                 nn.Linear(hidden, dim_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-1]
        return self.net(x.reshape(-1, x.shape[-1])).reshape(*lead, -1)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """Build a fixed sin/cos position table (length, dim), as in the Transformer paper."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, :dim // 2]
    return table


def sincos_2d(grid: int, dim: int) -> torch.Tensor:
    """2D sin/cos table (grid * grid, dim): half the channels encode rows, half columns."""
    rows = sinusoidal_positions(grid, dim // 2)  # (grid, dim/2)
    cols = sinusoidal_positions(grid, dim - dim // 2)
    return torch.cat([rows[:, None].expand(grid, grid, -1),
                      cols[None].expand(grid, grid, -1)], dim=-1).reshape(grid * grid, dim)


def block_macs(dim: int, heads: int, head_dim: int, mlp: int, tokens: int,
               adaln: bool = False) -> int:
    """Multiply-accumulates of one attention block over `tokens` tokens (causal or not)."""
    inner = heads * head_dim
    linear = tokens * (3 * dim * inner + inner * dim + 2 * dim * mlp)
    attention = 2 * tokens * tokens * inner  # q @ k and weights @ v
    return linear + attention + (tokens * dim * 6 * dim if adaln else 0)


def one_token_block_macs(dim: int, heads: int, head_dim: int, mlp: int) -> int:
    """Multiply-accumulates of one AdaLNBlock with one_token=True, on one token."""
    inner = heads * head_dim
    return 2 * dim * inner + 2 * dim * mlp + 6 * dim * dim


def projector_macs(dim_in: int, hidden: int, dim_out: int) -> int:
    """Multiply-accumulates of a Projector on one vector."""
    return dim_in * hidden + hidden * dim_out
