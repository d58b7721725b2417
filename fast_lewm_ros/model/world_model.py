# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""WorldModel: encoder + predictor (prefix or autoregressive) + action normalisation.

The public surface the planner, evaluation and benchmark code against:
  encode(pixels) -> (B, D)
  predict(z, actions) -> (B, T, D)        latent after every action prefix
  predict_final(z, actions) -> (B, D)     == predict(...)[:, -1]
  predict_chained(z, actions, split)      self-consistency / block-by-block chaining
  dynamics_macs(horizon) -> int           analytic MACs per candidate of predict_final
  normalize_actions / denormalize_actions environment units <-> z-scored units
  save(path) / WorldModel.load(path)      one safetensors file, never unpickled
The predictor's two stages are public for timing: `predictor.encode_actions(z, a)`
(action encoding; for the prefix model it includes the state token and the causal
prefix encoder) and `predictor.forward_tokens(z, tokens)` (the predictor core).
Predictions are meant for eval mode: the BatchNorm projectors mix samples in
train mode.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from fast_lewm_ros.model.checkpoint import load_world_model, save_world_model
from fast_lewm_ros.model.model_config import ModelConfig
from fast_lewm_ros.model.encoder import Encoder
from fast_lewm_ros.model.predictors import PREDICTORS


class WorldModel(nn.Module):
    """JEPA world model: pixels -> latent, (latent, action blocks) -> future latents."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else ModelConfig()
        c = self.config
        self.encoder = Encoder(c)
        self.predictor = PREDICTORS[c.predictor](c)  # the interface in model/predictor.py
        # Dataset statistics (training split), per primitive action / proprio dimension.
        self.register_buffer('action_mean', torch.zeros(c.action_dim))
        self.register_buffer('action_std', torch.ones(c.action_dim))
        self.register_buffer('proprio_mean', torch.zeros(c.proprio_dim))
        self.register_buffer('proprio_std', torch.ones(c.proprio_dim))
        self.training_info: dict = {}

    # ---------------------------------------------------------------- encoding
    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        """Latents (B, D) of uint8 (B, H, W, 3) or normalised float (B, 3, H, W) images."""
        return self.encoder(pixels)

    # -------------------------------------------------------------- prediction
    def _check(self, z: torch.Tensor, actions: torch.Tensor) -> None:
        c = self.config
        if actions.ndim != 3 or actions.shape[-1] != c.block_dim:
            raise ValueError(
                f'actions must be (B, T, {c.block_dim}) normalised blocks (action_block '
                f'{c.action_block} x action_dim {c.action_dim}), got {tuple(actions.shape)}')
        if not 1 <= actions.shape[1] <= c.horizon:
            raise ValueError(f'actions hold {actions.shape[1]} blocks; the model predicts '
                             f'1 to {c.horizon} (ModelConfig.horizon)')
        takes_history = self.predictor.max_history > 1
        if not (z.ndim == 2 or (takes_history and z.ndim == 3)) or z.shape[-1] != c.latent_dim:
            want = '(B, D) or (B, L, D)' if takes_history else '(B, D)'
            raise ValueError(f'z must be {want} with D = {c.latent_dim}, got {tuple(z.shape)}')
        if z.shape[0] != actions.shape[0]:
            raise ValueError(f'z has batch {z.shape[0]} but actions have batch '
                             f'{actions.shape[0]}')

    def predict(self, z: torch.Tensor, actions: torch.Tensor,
                history_actions: torch.Tensor | None = None) -> torch.Tensor:
        """Latent after every action prefix (B, T, D) in one call.

        z: (B, D), or for the autoregressive model a history (B, L, D) whose L - 1
        connecting blocks come in history_actions (B, L - 1, A).
        actions: (B, T, A) normalised blocks, 1 <= T <= horizon.
        """
        self._check(z, actions)
        return self.predictor.predict_all(z, actions, history_actions)

    def predict_final(self, z: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Latent after the whole sequence (B, D); the prefix model runs its core once."""
        self._check(z, actions)
        return self.predictor.predict_final(z, actions)

    def predict_training(self, latents: torch.Tensor,
                         actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training predictions and persistence baseline, each (B, T, D) (or broadcastable).

        latents (B, T + 1, D): the encoded frames of true windows; actions (B, T, A).
        """
        return self.predictor.predict_training(latents, actions)

    @property
    def direct_prefixes(self) -> bool:
        """Return True when every prefix comes from one anchor (terminal-only / beta apply)."""
        return self.predictor.direct_prefixes

    def training_blocks(self) -> int:
        """Return the action blocks per training window (horizon, or the AR attention window)."""
        return self.predictor.training_blocks()

    def predict_chained(self, z: torch.Tensor, actions: torch.Tensor,
                        split: int | Sequence[int] = 1) -> torch.Tensor:
        """Latents (B, T, D) predicted segment by segment from predicted latents.

        split: an int s gives two segments, the first s blocks then the rest (the
        paper's self-consistency estimate uses s = 2 of 5); a sequence gives the
        segment lengths, e.g. [1] * T chains block by block. Within a segment the
        model predicts every prefix directly; each segment starts from the latent
        predicted at the end of the previous one. [:, -1] is the chained terminal.
        """
        horizon = actions.shape[1]
        segments = [split, horizon - split] if isinstance(split, int) else list(split)
        segments = [s for s in segments if s != 0]
        if sum(segments) != horizon or min(segments) < 0:
            raise ValueError(f'split {split!r} does not cut {horizon} blocks into segments')
        outputs, start = [], 0
        for length in segments:
            outputs.append(self.predict(z, actions[:, start:start + length]))
            z, start = outputs[-1][:, -1], start + length
        return torch.cat(outputs, dim=1)

    def dynamics_macs(self, horizon: int | None = None) -> int:
        """Analytic multiply-accumulates per candidate of predict_final (encoder excluded)."""
        return self.predictor.macs_final(self.config.horizon if horizon is None else horizon)

    # ------------------------------------------------------------ normalisation
    def set_normalization(self, action_mean: Any, action_std: Any,
                          proprio_mean: Any = None, proprio_std: Any = None) -> None:
        """Store dataset statistics (per primitive action / proprio dimension)."""
        pairs = [('action', action_mean, action_std, self.config.action_dim),
                 ('proprio', proprio_mean, proprio_std, self.config.proprio_dim)]
        for name, mean, std, dim in pairs:
            if mean is None:
                continue
            mean = torch.as_tensor(np.asarray(mean, np.float32)).reshape(-1)
            std = torch.as_tensor(np.asarray(std, np.float32)).reshape(-1)
            if mean.numel() != dim or std.numel() != dim:
                raise ValueError(f'{name} statistics have {mean.numel()}/{std.numel()} '
                                 f'values, the model expects {dim}')
            if (std <= 0).any():
                raise ValueError(f'{name} std must be positive, got {std.tolist()}')
            getattr(self, f'{name}_mean').copy_(mean)
            getattr(self, f'{name}_std').copy_(std)

    def normalization(self) -> dict:
        """Return the statistics as plain lists (they also travel in checkpoint metadata)."""
        return {k: getattr(self, k).tolist()
                for k in ('action_mean', 'action_std', 'proprio_mean', 'proprio_std')}

    def _stats(self, actions: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = torch.as_tensor(actions, dtype=torch.float32, device=self.action_mean.device)
        reps = {self.config.action_dim: 1, self.config.block_dim: self.config.action_block}
        if x.shape[-1] not in reps:
            raise ValueError(f'actions have last dimension {x.shape[-1]}; expected '
                             f'action_dim {self.config.action_dim} (primitive) or '
                             f'{self.config.block_dim} (blocks of {self.config.action_block})')
        rep = reps[x.shape[-1]]
        return x, self.action_mean.repeat(rep), self.action_std.repeat(rep)

    def normalize_actions(self, env_actions: Any) -> Any:
        """Environment units -> z-scored, for (..., action_dim) or (..., A) blocks."""
        x, mean, std = self._stats(env_actions)
        out = (x - mean) / std
        return out.cpu().numpy() if isinstance(env_actions, np.ndarray) else out

    def denormalize_actions(self, norm_actions: Any) -> Any:
        """Z-scored -> environment units, for (..., action_dim) or (..., A) blocks."""
        x, mean, std = self._stats(norm_actions)
        out = x * std + mean
        return out.cpu().numpy() if isinstance(norm_actions, np.ndarray) else out

    # -------------------------------------------------------------- checkpoints
    def save(self, path: str | Path, training: dict | None = None) -> None:
        """Write one .safetensors file (weights, config, statistics, training info)."""
        save_world_model(self, path, training)

    @classmethod
    def load(cls, path: str | Path, map_location: Any = 'cpu') -> 'WorldModel':
        """Load a checkpoint written by `save`, in eval mode; never unpickles."""
        return load_world_model(cls, path, map_location)

    def num_parameters(self) -> dict:
        """Trainable parameter counts: encoder, predictor, total."""
        def count(m: nn.Module) -> int:
            return sum(p.numel() for p in m.parameters())
        return {'encoder': count(self.encoder), 'predictor': count(self.predictor),
                'total': count(self)}
