# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The interface every latent predictor implements; `WorldModel` only talks to this.

A predictor maps a latent z (B, D) and normalised action blocks (B, T, A) to the
latents after each prefix of the blocks. Two implementations exist:
`PrefixPredictor` (Fast-LeWM, one parallel call) and `ARPredictor` (LeWM, one call
per block). A third one is one new file subclassing `Predictor` and one entry in
`fast_lewm_ros.model.predictors.PREDICTORS`; nothing else switches on the name.
A predictor is built as `Cls(config)` from the ModelConfig; the predictor modules
do not import ModelConfig, because model/config.py imports the registry to
validate names.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn


class Predictor(nn.Module, metaclass=ABCMeta):
    """Abstract latent predictor: a subclass that misses a method cannot be built."""

    # Latents of history a prediction may start from: 1 means z (B, D) only; more
    # means z may also be a window (B, L, D) with L <= max_history.
    max_history: int = 1
    # True when every prefix is predicted directly from the one anchor latent z_t,
    # so terminal-only supervision and the self-consistency term make sense.
    direct_prefixes: bool = False

    @abstractmethod
    def training_blocks(self) -> int:
        """Return the action blocks T in one training window (frames = T + 1)."""

    @abstractmethod
    def predict_all(self, z: torch.Tensor, actions: torch.Tensor,
                    history_actions: torch.Tensor | None = None) -> torch.Tensor:
        """Latent after every prefix (B, T, D) from z (B, D) or (B, L, D) and blocks (B, T, A).

        history_actions (B, L - 1, A) are the blocks between the L history latents.
        """

    @abstractmethod
    def predict_final(self, z: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Latent after the whole sequence (B, D); planning calls this."""

    @abstractmethod
    def predict_training(self, latents: torch.Tensor,
                         actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced predictions for a true window, and the persistence baseline.

        latents (B, T + 1, D) are the encoded frames of a window, actions (B, T, A)
        the blocks between them. Returns (pred, baseline), each (B, T, D) or
        broadcastable to it: pred[:, k] estimates latents[:, k + 1]; baseline is the
        "nothing moves" guess the loss reports beside it.
        """

    @abstractmethod
    def encode_actions(self, z: torch.Tensor | None, actions: torch.Tensor) -> torch.Tensor:
        """Action-encoding stage (B, T, D) alone, for the benchmark's time breakdown."""

    @abstractmethod
    def forward_tokens(self, z: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Predictor-core stage (B, T, D) alone, for the benchmark's time breakdown."""

    @abstractmethod
    def macs_final(self, horizon: int) -> int:
        """Analytic multiply-accumulates per candidate of predict_final."""
