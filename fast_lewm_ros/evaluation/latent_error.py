# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Open-loop latent error per horizon on held-out windows, and direct-vs-chained agreement.

A window holds frames t, t+5, ..., t+5T of one episode and the T action blocks
between them. For horizon k = 1..T the error of a prediction zhat_k of the latent
z_k of frame t+5k is

    e_k = mean over windows and latent dims of (zhat_k - z_k)^2 / v,

v = the mean per-dimension variance of the true latents over all frames of all
windows. Dividing by v makes models with different latent scales comparable:
predicting the latent mean everywhere scores about 1. Each model is measured in
its own latent space, with its own encoder, on the same windows.

Predictions compared (rows of the result):
- direct: `predict(z_t, a_1..a_T)`, every prefix in one call (for the
  autoregressive model this is its own T-step rollout);
- chained: `predict_chained(z_t, a, [1] * T)`, one block at a time, each step
  starting from the previous prediction;
- persistence: zhat_k = z_t (no dynamics at all);
- shuffled: `predict` with another window's actions (actions rolled by one
  across the randomly ordered windows), which shows how much the actions matter.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from fast_lewm_ros.data.episodes import EpisodeFile
from fast_lewm_ros.evaluation.stats import linear_fit

METHODS = ('direct', 'chained', 'persistence', 'shuffled')


@dataclass(frozen=True)
class Windows:
    """Held-out windows, the same for every model."""

    pixels: np.ndarray   # (V, T + 1, H, W, 3) uint8
    actions: np.ndarray  # (V, T, block * action_dim) environment units
    episode: np.ndarray  # (V,) source episode
    step: np.ndarray     # (V,) row of the first frame inside the episode
    env_id: str
    block: int


def sample_windows(path: str | Path, horizon: int, max_windows: int = 256,
                   seed: int = 0) -> Windows:
    """Up to `max_windows` full-length windows drawn uniformly (without replacement)."""
    with EpisodeFile(path) as f:
        block = f.frameskip
        span = block * horizon  # primitive steps from the first to the last frame
        candidates = [(e, t) for e in range(f.num_episodes)
                      for t in range(int(f.lengths[e]) - span)]
        if not candidates:
            raise ValueError(f'{path}: no episode has {span + 1} rows for a window of '
                             f'{horizon} blocks of {block}')
        rng = np.random.default_rng(seed)
        chosen = rng.permutation(len(candidates))[:max_windows]
        pixels, actions = [], []
        for c in chosen:
            e, t = candidates[c]
            row = int(f.starts[e]) + t
            pixels.append(f.file['pixels'][row:row + span + 1:block])  # (T + 1, H, W, 3)
            actions.append(f.file['action'][row:row + span].reshape(horizon, -1))  # (T, A)
        return Windows(np.stack(pixels), np.stack(actions).astype(np.float32),
                       np.array([candidates[c][0] for c in chosen]),
                       np.array([candidates[c][1] for c in chosen]), f.env_id, block)


def normalised_error(z_true: torch.Tensor, z_pred: torch.Tensor, variance: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per-horizon error (T,) and its standard error over windows (T,).

    z_true, z_pred (V, T, D); variance = the mean per-dim latent variance v.
    """
    per_window = (z_pred - z_true).pow(2).mean(-1) / variance  # (V, T)
    mean = per_window.mean(0).double().cpu().numpy()
    sem = (per_window.std(0) / per_window.shape[0] ** 0.5).double().cpu().numpy() \
        if per_window.shape[0] > 1 else np.zeros(per_window.shape[1])
    return mean, sem


def _batched(fn, *tensors: torch.Tensor, batch: int) -> torch.Tensor:
    return torch.cat([fn(*(t[i:i + batch] for t in tensors))
                      for i in range(0, tensors[0].shape[0], batch)])


@torch.inference_mode()
def encode_windows(model, windows: Windows, batch: int = 64) -> torch.Tensor:
    """Encode every frame of every window: true latents (V, T + 1, D)."""
    count, frames = windows.pixels.shape[:2]
    device = next(model.parameters()).device
    flat = torch.from_numpy(windows.pixels.reshape(count * frames, *windows.pixels.shape[2:]))
    z = _batched(lambda x: model.encode(x.to(device)), flat, batch=batch)  # (V * (T + 1), D)
    return z.view(count, frames, -1)  # (V, T + 1, D)


def _check(model, windows: Windows) -> None:
    c = model.config
    image = windows.pixels.shape[2]
    horizon, width = windows.actions.shape[1:]
    if c.image_size != image or c.action_block != windows.block or c.block_dim != width:
        raise ValueError(f'model (image {c.image_size}, block {c.action_block}, A '
                         f'{c.block_dim}) does not fit the data (image {image}, block '
                         f'{windows.block}, A {width})')
    if horizon > c.horizon:
        raise ValueError(f'windows of {horizon} blocks exceed the model horizon {c.horizon}')


@torch.inference_mode()
def latent_errors(model, windows: Windows, batch: int = 64) -> dict:
    """Per-horizon errors of every method, growth slopes and direct-vs-chained agreement."""
    _check(model, windows)
    model.eval()
    z = encode_windows(model, windows, batch)  # (V, T + 1, D)
    horizon = z.shape[1] - 1
    variance = float(z.reshape(-1, z.shape[-1]).var(0).mean())
    if variance <= 0:
        raise ValueError('the true latents have zero variance (collapsed encoder?)')
    z0, target = z[:, 0], z[:, 1:]  # (V, D), (V, T, D)
    actions = model.normalize_actions(torch.from_numpy(windows.actions)).to(z.device)
    preds = {
        'direct': _batched(model.predict, z0, actions, batch=batch),  # (V, T, D)
        'chained': _batched(lambda a, b: model.predict_chained(a, b, [1] * horizon),
                            z0, actions, batch=batch),
        'persistence': z0.unsqueeze(1).expand_as(target),
        'shuffled': _batched(model.predict, z0, actions.roll(1, dims=0), batch=batch),
    }
    k = np.arange(1, horizon + 1)
    result = {'predictor': model.config.predictor, 'windows': int(z.shape[0]),
              'latent_variance': variance, 'horizon': k.tolist(),
              'error': {}, 'sem': {}, 'slope': {}}
    for name, pred in preds.items():
        mean, sem = normalised_error(target, pred, variance)
        result['error'][name] = mean.tolist()
        result['sem'][name] = sem.tolist()
        result['slope'][name] = linear_fit(k, mean)
    gap, _ = normalised_error(preds['direct'], preds['chained'], variance)
    result['agreement'] = {'direct_vs_chained': gap.tolist(),
                           'direct_error': result['error']['direct'],
                           'chained_error': result['error']['chained']}
    return result


def format_agreement(name: str, result: dict) -> str:
    """Per-horizon table: ||direct - chained||^2 / v beside each one's error."""
    a = result['agreement']
    lines = [f'{name}: direct vs chained (normalised by latent variance '
             f'{result["latent_variance"]:.4g})',
             f'{"k":>3} {"|direct-chained|^2":>19} {"direct err":>11} {"chained err":>12}']
    for k, gap, d, c in zip(result['horizon'], a['direct_vs_chained'], a['direct_error'],
                            a['chained_error']):
        lines.append(f'{k:>3} {gap:>19.4f} {d:>11.4f} {c:>12.4f}')
    return '\n'.join(lines)
