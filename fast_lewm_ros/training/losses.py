# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The training objective, as one nn.Module so DDP can wrap it.

Prefix model (Fast-LeWM): mean over prefixes k of MSE(zhat_{t+k}, z_{t+k}), where
all zhat come from one call on z_t, plus lambda * SIGReg over every encoded frame
(per time step, over the batch), plus optionally beta * ||zhat_T - ztilde_T||^2
(self-consistency: the terminal predicted directly vs chained through the latent
predicted after T // 2 blocks). Targets come from the same online encoder: no
stop-gradient, no EMA.
Autoregressive model (LeWM): teacher-forced next-latent MSE over a window of
`history` blocks, plus lambda * SIGReg.
Only real frames are encoded (short windows near an episode's end are padded).
"""
from __future__ import annotations

import torch
from torch import nn

from fast_lewm_ros.model import sigreg, WorldModel
from fast_lewm_ros.training.train_config import TrainConfig


def _masked_mean(err: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return (err * weight).sum() / weight.sum().clamp_min(1.0)


@torch.no_grad()
def collapse_metrics(z: torch.Tensor) -> dict[str, float]:
    """Mean per-dimension std and effective rank (exp of singular-value entropy)."""
    z = z.float()
    centred = z - z.mean(0)
    singular = torch.linalg.svdvals(centred)
    p = singular / singular.sum().clamp_min(1e-12)
    entropy = -(p * p.clamp_min(1e-12).log()).sum()
    return {'latent_std': z.std(0).mean().item(), 'effective_rank': entropy.exp().item()}


def prediction_terms(model: WorldModel, config: TrainConfig, z: torch.Tensor,
                     actions: torch.Tensor, length: torch.Tensor) -> dict[str, torch.Tensor]:
    """Compute the objective without SIGReg: prediction MSE (+ beta * self-consistency).

    z (B, T+1, D): the latents of each window's frames (padding frames past `length`
    are ignored); actions (B, T, A); length (B,) real blocks. Returns 'loss',
    'pred_loss', 'persistence_loss' (the baseline) and, with beta > 0, 'consistency'.
    """
    horizon = actions.shape[1]
    index = torch.arange(horizon, device=length.device)
    block_mask = (index[None] < length[:, None]).float()  # (B, T)
    target = z[:, 1:]  # (B, T, D)
    pred, baseline = model.predict_training(z, actions)  # (B, T, D), broadcastable
    weight = block_mask
    if config.terminal_only and model.direct_prefixes:
        weight = nn.functional.one_hot((length - 1).clamp_min(0), horizon).float()
    pred_loss = _masked_mean((pred - target).float().square().mean(-1), weight)
    with torch.no_grad():
        persistence = _masked_mean((baseline - target).float().square().mean(-1), weight)
    out = {'loss': pred_loss, 'pred_loss': pred_loss, 'persistence_loss': persistence}
    if config.beta > 0 and model.direct_prefixes and horizon > 1:
        split = horizon // 2
        chained = model.predict_final(pred[:, split - 1], actions[:, split:])  # (B, D)
        full = (length == horizon).float()
        consistency = _masked_mean((pred[:, -1] - chained).float().square().mean(-1), full)
        out['loss'] = pred_loss + config.beta * consistency
        out['consistency'] = consistency
    return out


class WorldModelLoss(nn.Module):
    """forward(pixels, actions, length, step) -> dict of scalar losses (+ latents)."""

    def __init__(self, model: WorldModel, config: TrainConfig) -> None:
        super().__init__()
        self.model, self.config = model, config

    def forward(self, pixels: torch.Tensor, actions: torch.Tensor, length: torch.Tensor,
                step: int, distributed: bool | None = None) -> dict[str, torch.Tensor]:
        batch, frames = pixels.shape[:2]
        index = torch.arange(frames, device=length.device)
        frame_mask = index[None] <= length[:, None]  # (B, T+1) real frames
        flat = frame_mask.flatten().nonzero().squeeze(1)
        z_real = self.model.encode(pixels.flatten(0, 1)[flat])  # (n, D) real frames only
        z = z_real.new_zeros(batch * frames, z_real.shape[-1]).index_copy(0, flat, z_real)
        z = z.view(batch, frames, -1)  # (B, T+1, D)
        out = prediction_terms(self.model, self.config, z, actions, length)
        generator = torch.Generator(device=z.device).manual_seed(
            self.config.seed * 1_000_003 + step)  # identical directions on every rank
        reg = sigreg(z.transpose(0, 1), self.config.sigreg_projections, generator,
                     mask=frame_mask.T, distributed=distributed)
        out['sigreg'] = reg
        out['loss'] = out['loss'] + self.config.sigreg_lambda * reg
        out['latents'] = z_real.detach()
        return out
