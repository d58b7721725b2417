# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Refit the predictor to the final, frozen encoder (`TrainConfig.refit_steps`).

End to end, the targets of the prediction loss come from the encoder being
trained: the predictor chases a latent that keeps moving, and under a strong SIGReg
it ends well behind it. After training, the encoder is frozen, every frame is
encoded once (eval mode, as the planner encodes) and the predictor alone is trained
on those cached latents with the run's objective minus SIGReg. Each step costs a
predictor pass only, so a refit as long as the run takes minutes, not hours.
"""
from __future__ import annotations

import sys

import h5py
import numpy as np
import torch

from fast_lewm_ros.data.dataset import read_rows, WindowDataset
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.training.losses import prediction_terms
from fast_lewm_ros.training.train_config import lr_at, TrainConfig


@torch.no_grad()
def encode_windows(model: WorldModel, dataset: WindowDataset, device: torch.device,
                   chunk: int = 256) -> dict[str, torch.Tensor]:
    """Every window of `dataset`, each frame encoded once (eval mode).

    Returns latents (W, T+1, D) (padding frames repeat the episode's last real one
    and are masked by length), actions (W, T, A) as the dataset z-scores them, and
    length (W,).
    """
    model.eval()
    T, k = dataset.horizon, dataset.block
    out = {'latents': [], 'actions': [], 'length': []}
    for index, path in enumerate(dataset.catalog.paths):
        pick = np.flatnonzero(dataset.files == index)
        if not len(pick):
            continue
        with h5py.File(path, 'r') as f:
            rows_in_file = len(f['action'])
            z = torch.cat([
                model.encode(torch.from_numpy(
                    dataset.pixels[index][i:i + chunk] if dataset.pixels is not None
                    else read_rows(f, 'pixels', slice(i, i + chunk), path)).to(device))
                for i in range(0, rows_in_file, chunk)])  # (N, D): every row of the file
            raw = torch.from_numpy((f['action'][:].reshape(rows_in_file, -1)))  # (N, a)
        rows = dataset.rows[pick]
        blocks = torch.from_numpy(dataset.blocks[pick])
        last_frame = torch.from_numpy(rows) + k * blocks  # the window's last real frame
        frames = torch.from_numpy(rows[:, None] + k * np.arange(T + 1))
        frames = torch.minimum(frames, last_frame[:, None])  # (W, T+1)
        steps = torch.from_numpy(rows[:, None] + np.arange(T * k))
        steps = steps.clamp_max(rows_in_file - 1)  # (W, T*k)
        actions = raw[steps].reshape(len(rows), T, -1)  # (W, T, k*a)
        actions = (actions - torch.from_numpy(dataset.mean)) / torch.from_numpy(dataset.std)
        real = torch.arange(T)[None] < blocks[:, None]  # (W, T)
        out['latents'].append(z[frames.to(z.device)])
        out['actions'].append((actions * real[..., None]).float().to(device))
        out['length'].append(blocks.to(device))
    return {key: torch.cat(value) for key, value in out.items()}


def _mean_terms(model, config, cache, batch: int = 1024) -> dict[str, float]:
    """Prediction terms over a whole cache (eval mode: no dropout)."""
    model.predictor.eval()
    totals, weight = {}, 0
    with torch.no_grad():
        for i in range(0, len(cache['length']), batch):
            part = {key: value[i:i + batch] for key, value in cache.items()}
            terms = prediction_terms(model, config, part['latents'], part['actions'],
                                     part['length'])
            n = len(part['length'])
            for key, value in terms.items():
                totals[key] = totals.get(key, 0.0) + value.item() * n
            weight += n
    return {key: value / max(1, weight) for key, value in totals.items()}


def refit_predictor(model: WorldModel, config: TrainConfig, train: WindowDataset,
                    val: WindowDataset, device: torch.device) -> dict[str, float]:
    """Train model.predictor for config.refit_steps on frozen latents; return metrics.

    The encoder and its statistics are untouched. Same optimiser, lr schedule,
    batch size and grad clip as the run; the loss is `prediction_terms`.
    """
    from tqdm import tqdm
    caches = [encode_windows(model, data, device) for data in (train, val)]
    before = _mean_terms(model, config, caches[1]) if len(caches[1]['length']) else {}
    params = list(model.predictor.parameters())
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    windows = len(caches[0]['length'])
    for step in tqdm(range(config.refit_steps), desc='refit predictor', file=sys.stderr,
                     dynamic_ncols=True):
        model.predictor.train()
        pick = torch.randint(windows, (config.batch_size,), generator=generator).to(device)
        terms = prediction_terms(model, config, caches[0]['latents'][pick],
                                 caches[0]['actions'][pick], caches[0]['length'][pick])
        if not bool(torch.isfinite(terms['loss'])):
            raise ValueError(f'refit: loss is {terms["loss"].item()} at refit step {step}; '
                             'lower lr or set refit_steps=0')
        for group in optimizer.param_groups:
            group['lr'] = lr_at(config, step, config.refit_steps)
        optimizer.zero_grad(set_to_none=True)
        terms['loss'].backward()
        torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
        optimizer.step()
    model.predictor.eval()
    after = _mean_terms(model, config, caches[1]) if len(caches[1]['length']) else {}
    return {'refit_steps': config.refit_steps, 'refit_windows': windows,
            **{f'refit_val_{key}_before': round(v, 6) for key, v in before.items()},
            **{f'refit_val_{key}_after': round(v, 6) for key, v in after.items()}}
