# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""SIGReg: LeWM's only anti-collapse term, made correct under data-parallel training.

For embeddings (T, B, D): project onto M random unit directions, compare the
empirical characteristic function over the batch with the standard normal one,
exp(-t^2/2), at K = 17 knots on [0, 3] (trapezoid weights doubled to cover
[-3, 3], times the window exp(-t^2/2)); squared gap, times batch size, averaged
over directions and time steps. Statistics run over the batch at each time step,
never along time. N(0, I) samples score about 1, a collapsed batch tens of times more.

Under torch.distributed the characteristic-function sums and the sample counts are
all-reduced across ranks with gradients kept, so each rank's loss is the loss of
the global batch and data-parallel training optimises the same objective as one
process. (LeWM's code computes it per rank, a different and noisier objective.)
"""
from __future__ import annotations

import torch
import torch.distributed as dist


def _all_reduce_with_grad(x: torch.Tensor) -> torch.Tensor:
    from torch.distributed.nn.functional import all_reduce
    return all_reduce(x)


def sigreg(embeddings: torch.Tensor, num_projections: int = 1024,
           generator: torch.Generator | None = None, mask: torch.Tensor | None = None,
           knots: int = 17, t_max: float = 3.0, distributed: bool | None = None
           ) -> torch.Tensor:
    """Sketched Epps-Pulley normality statistic of (T, B, D) or (B, D) embeddings.

    generator: draws the M directions (fresh per call); under DDP seed it
        identically on every rank, the directions must match.
    mask: optional (T, B) (or (B,)) bool/float weights; only valid samples count,
        and the batch-size factor is the number of valid samples at each step.
    distributed: all-reduce the statistics across ranks; default: when
        torch.distributed is initialised.
    """
    x = embeddings.float()
    if x.ndim == 2:
        x = x[None]  # (1, B, D)
        mask = None if mask is None else mask[None]
    if x.ndim != 3:
        raise ValueError(f'sigreg expects (T, B, D) or (B, D) embeddings, got '
                         f'{tuple(embeddings.shape)}')
    if distributed is None:
        distributed = dist.is_available() and dist.is_initialized()
    dim = x.shape[-1]
    gen_device = generator.device if generator is not None else x.device
    directions = torch.randn(dim, num_projections, generator=generator, device=gen_device)
    directions = (directions / directions.norm(dim=0)).to(x.device)  # (D, M) unit columns
    t = torch.linspace(0.0, t_max, knots, device=x.device)  # (K,)
    window = torch.exp(-t.square() / 2)  # (K,) the N(0, 1) characteristic function
    weights = torch.full((knots,), 2 * t_max / (knots - 1), device=x.device)
    weights[[0, -1]] /= 2  # trapezoid on [0, t_max], doubled for [-t_max, t_max]
    weights = weights * window

    phase = (x @ directions).unsqueeze(-1) * t  # (T, B, M, K)
    if mask is None:
        weight = x.new_ones(x.shape[:2])  # (T, B)
    else:
        weight = mask.to(x.device, torch.float32)
    cos_sum = torch.einsum('tbmk,tb->tmk', phase.cos(), weight)  # (T, M, K)
    sin_sum = torch.einsum('tbmk,tb->tmk', phase.sin(), weight)
    count = weight.sum(1).detach()  # (T,)
    if distributed:
        cos_sum = _all_reduce_with_grad(cos_sum)
        sin_sum = _all_reduce_with_grad(sin_sum)
        count = count.clone()
        dist.all_reduce(count)
    denom = count.clamp_min(1.0)[:, None, None]
    err = (cos_sum / denom - window).square() + (sin_sum / denom).square()  # (T, M, K)
    statistic = (err @ weights) * count[:, None]  # (T, M)
    valid = count > 0
    return statistic[valid].mean()
