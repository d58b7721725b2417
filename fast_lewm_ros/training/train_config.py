# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""TrainConfig: everything `fast-lewm train` needs besides the data on disk."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from fast_lewm_ros.strict_config import ConfigError, from_dict
from fast_lewm_ros.model.model_config import ModelConfig
from fast_lewm_ros.model.predictors import PREDICTORS


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; defaults follow the papers' released configs."""

    # Model preset (config/models/<name>.yaml) and field overrides on top of it.
    model: str = 'cpu'
    model_overrides: dict = field(default_factory=dict)
    # 'prefix' (Fast-LeWM) or 'autoregressive' (LeWM); overrides the model's field.
    predictor: str = 'prefix'
    # HDF5 episode files (docs/data_format.md); --data replaces them.
    data: tuple[str, ...] = ()
    # Fraction of episodes held out for validation (split by episode).
    val_fraction: float = 0.1
    # Windows per optimiser step (global, split across DDP ranks).
    batch_size: int = 128
    # AdamW; linear warm-up over warmup_fraction of the steps, then cosine to 0.
    lr: float = 5e-5
    weight_decay: float = 1e-3
    warmup_fraction: float = 0.01
    grad_clip: float = 1.0
    # Length of training: epochs over all windows, unless max_steps > 0 (then steps).
    epochs: int = 10
    max_steps: int = 0
    # Loss = prediction MSE + sigreg_lambda * SIGReg (+ beta * self-consistency).
    sigreg_lambda: float = 0.09
    sigreg_projections: int = 1024
    beta: float = 0.0
    # Ablation: supervise only the last prefix of each window (prefix model).
    terminal_only: bool = False
    # After end-to-end training, fit the predictor alone to the final, frozen
    # encoder for this many steps (same lr schedule, batch and loss without SIGReg,
    # on latents cached once). Trained jointly, the predictor chases targets that
    # move with the encoder; with a strong SIGReg it ends far behind them (Reacher,
    # lambda 1: 25-step error 0.37 of the latent variance, 0.11 after a refit that
    # takes ~2 min on one CPU thread). 0 = off (the paper's recipe).
    refit_steps: int = 0
    # DataLoader worker processes (0 = load in the training process).
    num_workers: int = 0
    # Decompress all pixels into memory first (64x64: ~12 KB a frame); else read
    # frames from disk per window.
    preload: bool = False
    # torch CPU threads (0 = torch's default). On a shared machine 1 can be far
    # faster than an oversubscribed 2.
    num_threads: int = 0
    # Intervals in optimiser steps: log train metrics, validate, write checkpoints.
    log_every: int = 50
    val_every: int = 500
    val_batches: int = 20
    ckpt_every: int = 1000
    # Seed for the split, the model init, the data order and SIGReg's directions.
    seed: int = 0
    # 'auto' (cuda if available), 'cpu' or 'cuda'; bf16 autocast is used on CUDA only.
    device: str = 'auto'

    def __post_init__(self) -> None:
        if self.predictor not in PREDICTORS:
            raise ConfigError(f'TrainConfig.predictor must be one of {tuple(PREDICTORS)}, got '
                              f'{self.predictor!r}')
        if self.refit_steps < 0:
            raise ConfigError(f'TrainConfig.refit_steps must be >= 0, got {self.refit_steps}')
        if self.batch_size < 1 or not 0 <= self.val_fraction < 1:
            raise ConfigError(f'TrainConfig: batch_size must be >= 1 and val_fraction in '
                              f'[0, 1), got {self.batch_size} and {self.val_fraction}')
        if self.device not in ('auto', 'cpu', 'cuda'):
            raise ConfigError(f"TrainConfig.device must be 'auto', 'cpu' or 'cuda', got "
                              f'{self.device!r}')

    def model_config(self, **data_fields) -> ModelConfig:
        """Build the ModelConfig: preset, overrides, predictor switch and data-derived fields."""
        base = ModelConfig.preset(self.model)
        values = {**self.model_overrides, 'predictor': self.predictor, **data_fields}
        return from_dict(ModelConfig, values, source='model_overrides', base=base)


def _floats(cls: type, values: dict) -> dict:
    """YAML 1.1 reads '1e-3' (no dot) as a string; accept it for float fields."""
    kinds = {f.name: f.type for f in dataclasses.fields(cls)}
    out = {}
    for key, value in values.items():
        if kinds.get(key) in (float, 'float') and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass  # from_dict reports the bad value with its key
        out[key] = value
    return out


def apply_overrides(config: TrainConfig, overrides: dict, source: str) -> TrainConfig:
    """Apply `key=value` overrides; `model.KEY` keys go to model_overrides."""
    model_keys = _floats(ModelConfig, {k[len('model.'):]: v for k, v in overrides.items()
                                       if k.startswith('model.')})
    plain = _floats(TrainConfig, {k: v for k, v in overrides.items()
                                  if not k.startswith('model.')})
    if model_keys:
        known = {f.name for f in dataclasses.fields(ModelConfig)}
        unknown = sorted(set(model_keys) - known)
        if unknown:
            raise ConfigError(f'{source}: unknown model key(s) {unknown}; known: {sorted(known)}')
        plain['model_overrides'] = {**config.model_overrides, **model_keys}
    return from_dict(TrainConfig, plain, source=source, base=config)


def lr_at(config: TrainConfig, step: int, total: int) -> float:
    """Linear warm-up over warmup_fraction of the steps, then cosine to 0."""
    warm = max(1, round(config.warmup_fraction * total))
    if step < warm:
        return config.lr * (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return config.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
