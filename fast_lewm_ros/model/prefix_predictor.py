# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Fast-LeWM's action-prefix predictor: one call predicts the latent after any prefix.

Two stages, callable (and timeable) separately:
  encode_actions(z, actions) -> prefix tokens (B, T, D): a state token s = MLP(z) at
      position 0 and one token per action block, sinusoidal positions, a causal
      transformer (token k sees only [s, a_1..a_k]), token 0 dropped, LayerNorm.
  forward_tokens(z, prefix) -> latents (B, T, D): each (z, p_k) pair independently
      (horizons folded into the batch): x0 = z + MLP(LN([z, p, z * p])) with a
      zero-initialised last layer, one-token AdaLN-zero blocks conditioned on p,
      final LayerNorm, BatchNorm projector.
Planning needs only the terminal latent, so it runs forward_tokens on the last
prefix token alone: one predictor pass per candidate whatever the horizon.
"""
from __future__ import annotations

import torch
from torch import nn

from fast_lewm_ros.model.layers import (
    AdaLNBlock, Block, block_macs, one_token_block_macs, Projector, projector_macs,
    sinusoidal_positions)
from fast_lewm_ros.model.predictor import Predictor


class PrefixPredictor(Predictor):
    """Action-prefix predictor (Fast-LeWM); see the module docstring."""

    # Every prefix comes straight from z_t: history is the current latent alone.
    max_history = 1
    direct_prefixes = True

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        dim = config.latent_dim
        self.state_mlp = nn.Sequential(
            nn.Linear(dim, config.state_hidden), nn.GELU(), nn.Linear(config.state_hidden, dim)
        ) if config.use_state_token else None
        self.action_mlp = nn.Sequential(
            nn.Linear(config.block_dim, config.action_in),
            nn.Linear(config.action_in, config.action_hidden), nn.SiLU(),
            nn.Linear(config.action_hidden, dim))
        self.register_buffer('positions', sinusoidal_positions(config.horizon + 1, dim),
                             persistent=False)
        self.prefix_blocks = nn.ModuleList(
            Block(dim, config.prefix_heads, config.prefix_mlp, config.dropout)
            for _ in range(config.prefix_depth))
        self.prefix_norm = nn.LayerNorm(dim)
        self.fusion_norm = nn.LayerNorm(3 * dim)
        self.fusion = nn.Sequential(nn.Linear(3 * dim, config.fusion_hidden), nn.GELU(),
                                    nn.Linear(config.fusion_hidden, dim))
        # Zero-initialised fusion: the predictor starts from x0 = z (persistence).
        nn.init.zeros_(self.fusion[-1].weight)
        nn.init.zeros_(self.fusion[-1].bias)
        self.blocks = nn.ModuleList(
            AdaLNBlock(dim, config.predictor_heads, config.predictor_head_dim,
                       config.predictor_mlp, config.dropout, one_token=True)
            for _ in range(config.predictor_depth))
        self.norm = nn.LayerNorm(dim)
        self.projector = Projector(dim, config.projector_hidden, dim)

    def encode_actions(self, z: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Prefix tokens (B, T, D) from z (B, D) and normalised blocks (B, T, A)."""
        horizon = actions.shape[1]
        tokens = self.action_mlp(actions)  # (B, T, D)
        if self.state_mlp is not None:
            state = self.state_mlp(z)[:, None]  # (B, 1, D)
            tokens = torch.cat([state, tokens], dim=1) + self.positions[:horizon + 1]
        else:  # ablation: action tokens keep positions 1..T
            tokens = tokens + self.positions[1:horizon + 1]
        for block in self.prefix_blocks:
            tokens = block(tokens, causal=True)
        if self.state_mlp is not None:
            tokens = tokens[:, 1:]  # (B, T, D): drop the state token's output
        return self.prefix_norm(tokens)

    def forward_tokens(self, z: torch.Tensor, prefix: torch.Tensor) -> torch.Tensor:
        """Latents (B, T', D) after each given prefix token (B, T', D), from z (B, D)."""
        z = z[:, None].expand_as(prefix)  # (B, T', D)
        x = z + self.fusion(self.fusion_norm(torch.cat([z, prefix, z * prefix], dim=-1)))
        for block in self.blocks:
            x = block(x, prefix)
        return self.projector(self.norm(x))  # (B, T', D)

    def forward(self, z: torch.Tensor, actions: torch.Tensor,
                final_only: bool = False) -> torch.Tensor:
        """Latent after every prefix (B, T, D), or after the last one only (B, 1, D)."""
        prefix = self.encode_actions(z, actions)
        return self.forward_tokens(z, prefix[:, -1:] if final_only else prefix)

    # ------------------------------------------------------- Predictor interface
    def training_blocks(self) -> int:
        """Train on windows of the full horizon: every prefix is supervised."""
        return self.config.horizon

    def predict_all(self, z: torch.Tensor, actions: torch.Tensor,
                    history_actions: torch.Tensor | None = None) -> torch.Tensor:
        """Latent after every prefix (B, T, D) in one call; there is no history."""
        if history_actions is not None:
            raise ValueError('the prefix predictor starts from z (B, D) alone; '
                             'history_actions is for the autoregressive predictor')
        return self(z, actions)

    def predict_final(self, z: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Latent after the last prefix (B, D): the core runs on one token per candidate."""
        return self(z, actions, final_only=True)[:, 0]

    def predict_training(self, latents: torch.Tensor,
                         actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Every prefix from the window's first latent; persistence = that latent."""
        return self(latents[:, 0], actions), latents[:, :1]  # (B, T, D), (B, 1, D)

    def macs_final(self, horizon: int) -> int:
        """Analytic multiply-accumulates per candidate of forward(final_only=True)."""
        c, dim = self.config, self.config.latent_dim
        tokens = horizon + (1 if c.use_state_token else 0)
        macs = horizon * (c.block_dim * c.action_in + c.action_in * c.action_hidden
                          + c.action_hidden * dim)
        if c.use_state_token:
            macs += 2 * dim * c.state_hidden
        macs += c.prefix_depth * block_macs(dim, c.prefix_heads, dim // c.prefix_heads,
                                            c.prefix_mlp, tokens)
        macs += 3 * dim * c.fusion_hidden + c.fusion_hidden * dim
        macs += c.predictor_depth * one_token_block_macs(
            dim, c.predictor_heads, c.predictor_head_dim, c.predictor_mlp)
        return macs + projector_macs(dim, c.projector_hidden, dim)
