# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""LeWM's autoregressive predictor (the baseline): one action block per call.

A causal transformer over a window of up to `history` latents (L tokens, learned
positions 0..L-1); token i carries latent z_i and, through AdaLN-zero in every
block, the embedding of the action block applied at z_i. The output at the last
position, after a final LayerNorm and a BatchNorm projector, is the next latent.
Planning rolls out one block per call, sliding the window, so H blocks cost H
sequential predictor passes.

Two stages, as in the prefix predictor, so the benchmark can time them apart:
  encode_actions(z, actions) -> action tokens (B, T, D) (z is unused here);
  forward_tokens(z, tokens) -> latents (B, T, D) by rollout.
"""
from __future__ import annotations

import torch
from torch import nn

from fast_lewm_ros.model.layers import AdaLNBlock, block_macs, Projector, projector_macs
from fast_lewm_ros.model.predictor import Predictor


class ARPredictor(Predictor):
    """Autoregressive latent predictor (LeWM); see the module docstring."""

    # Each prediction builds on the previous one: prefixes are not direct.
    direct_prefixes = False

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        self.max_history = config.history
        dim = config.latent_dim
        # LeWM's action encoder: Conv1d(k=1) to a few channels (a per-block Linear),
        # then Linear -> SiLU -> Linear.
        self.action_encoder = nn.Sequential(
            nn.Linear(config.block_dim, config.action_channels),
            nn.Linear(config.action_channels, config.action_hidden), nn.SiLU(),
            nn.Linear(config.action_hidden, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, config.history, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.ModuleList(
            AdaLNBlock(dim, config.predictor_heads, config.predictor_head_dim,
                       config.predictor_mlp, config.dropout)
            for _ in range(config.predictor_depth))
        self.norm = nn.LayerNorm(dim)
        self.projector = Projector(dim, config.projector_hidden, dim)

    def encode_actions(self, z: torch.Tensor | None, actions: torch.Tensor) -> torch.Tensor:
        """Embed normalised blocks (B, T, A) as action tokens (B, T, D); z is not needed."""
        return self.action_encoder(actions)

    def window_forward(self, window: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Hidden states (B, L, D) of a causal pass over latents (B, L, D), L <= history."""
        x = window + self.pos_embed[:, :window.shape[1]]
        for block in self.blocks:
            x = block(x, tokens, causal=True)
        return self.norm(x)

    def teacher_forced(self, latents: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Next-latent predictions (B, L, D) for every position of a true sequence.

        Training uses this: position i sees z_0..z_i and predicts z_{i+1}, with the
        same positions the rollout's first `history` steps use.
        """
        return self.projector(self.window_forward(latents, tokens))

    def forward_tokens(self, z: torch.Tensor, tokens: torch.Tensor,
                       history_tokens: torch.Tensor | None = None) -> torch.Tensor:
        """Roll out T blocks: latents (B, T, D) from z (B, D) or a history (B, L0, D).

        tokens (B, T, D) embed the future blocks; with a history of L0 > 1 latents,
        history_tokens (B, L0 - 1, D) embed the blocks applied between them.
        """
        latents = z[:, None] if z.ndim == 2 else z  # (B, L0, D)
        past = latents.shape[1] - 1
        if past:
            if history_tokens is None or history_tokens.shape[1] != past:
                raise ValueError(f'a history of {past + 1} latents needs the {past} action '
                                 f'blocks between them (history_actions (B, {past}, A))')
            tokens = torch.cat([history_tokens, tokens], dim=1)  # (B, L0 - 1 + T, D)
        window, outputs = self.config.history, []
        for _ in range(tokens.shape[1] - past):
            count = latents.shape[1]  # latents so far; token i belongs to latent i
            start = max(0, count - window)
            hidden = self.window_forward(latents[:, start:], tokens[:, start:count])
            outputs.append(self.projector(hidden[:, -1]))  # (B, D)
            latents = torch.cat([latents, outputs[-1][:, None]], dim=1)  # (B, count + 1, D)
        return torch.stack(outputs, dim=1)  # (B, T, D)

    def forward(self, z: torch.Tensor, actions: torch.Tensor,
                history_tokens: torch.Tensor | None = None) -> torch.Tensor:
        """Rollout (B, T, D) from z and normalised blocks (B, T, A)."""
        return self.forward_tokens(z, self.encode_actions(z, actions), history_tokens)

    # ------------------------------------------------------- Predictor interface
    def training_blocks(self) -> int:
        """Train teacher-forced on windows as long as the attention window."""
        return self.config.history

    def predict_all(self, z: torch.Tensor, actions: torch.Tensor,
                    history_actions: torch.Tensor | None = None) -> torch.Tensor:
        """Rollout (B, T, D) from z (B, D), or from a history (B, L, D) + its blocks."""
        hist = None
        if history_actions is not None:
            want = (z.shape[0], z.shape[1] - 1 if z.ndim == 3 else 0, self.config.block_dim)
            if tuple(history_actions.shape) != want:
                raise ValueError(f'history_actions must be (B, L - 1, A) = {want} for z of '
                                 f'shape {tuple(z.shape)}, got {tuple(history_actions.shape)}')
            hist = self.encode_actions(None, history_actions)  # (B, L - 1, D)
        return self(z, actions, hist)

    def predict_final(self, z: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Latent after the whole rollout (B, D): T sequential core passes."""
        return self(z, actions)[:, -1]

    def predict_training(self, latents: torch.Tensor,
                         actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced next latents; persistence = each step's own latent."""
        inputs = latents[:, :-1]  # (B, T, D)
        return self.teacher_forced(inputs, self.encode_actions(None, actions)), inputs

    def macs_final(self, horizon: int) -> int:
        """Analytic multiply-accumulates per candidate of a rollout from one latent."""
        c, dim = self.config, self.config.latent_dim
        macs = horizon * (c.block_dim * c.action_channels
                          + c.action_channels * c.action_hidden + c.action_hidden * dim)
        for step in range(horizon):
            tokens = min(step + 1, c.history)
            macs += c.predictor_depth * block_macs(dim, c.predictor_heads, c.predictor_head_dim,
                                                   c.predictor_mlp, tokens, adaln=True)
            macs += projector_macs(dim, c.projector_hidden, dim)
        return macs
