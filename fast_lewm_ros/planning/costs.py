# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The planner's one question to a world model: how far from the goal does this end.

`LatentCost` turns candidates (B, S, T, A) into costs (B, S): the squared L2
distance between `predict_final(z, actions)` and the goal latent (goal_cost
'final', the paper's), or its mean over the latents after every prefix
`predict(z, actions)` (goal_cost 'every_block'), plus an optional
self-consistency term beta * ||predict_final - chained||^2, where the chained
estimate predicts the first `split` blocks, then the rest from that prediction. The prefix
predictor answers `predict_final` from its last prefix token in one call, the
autoregressive one by rolling out T calls: the planner does not care which.
"""
from __future__ import annotations

from contextlib import nullcontext

import torch

# 'final': the latent after the whole plan; 'every_block': the mean over all prefixes.
GOAL_COSTS = ('final', 'every_block')


def block_size(world_model) -> int:
    """Return A, the size of one normalised action block the model expects."""
    return world_model.config.action_block * world_model.config.action_dim


def check_inputs(world_model, z: torch.Tensor, z_goal: torch.Tensor,
                 init: torch.Tensor | None, horizon: int) -> int:
    """Raise a ValueError naming what was expected; return the block size A."""
    cfg = world_model.config
    A, D = block_size(world_model), cfg.latent_dim
    if getattr(world_model, 'training', False):
        raise ValueError('world model is in training mode (dropout, BatchNorm batch '
                         'statistics): call world_model.eval() before planning')
    if z.dim() not in (2, 3) or z.shape[-1] != D:
        raise ValueError(f'z must be (B, D={D}) (or a (B, W, D) history), '
                         f'got shape {tuple(z.shape)}')
    B = z.shape[0]
    if tuple(z_goal.shape) != (B, D):
        raise ValueError(f'z_goal must be (B, D) = {(B, D)} to match z, '
                         f'got shape {tuple(z_goal.shape)}')
    if z_goal.device != z.device:
        raise ValueError(f'z is on {z.device} but z_goal is on {z_goal.device}')
    if init is not None:
        if tuple(init.shape) != (B, horizon, A):
            raise ValueError(
                f'init must be (B, T, A) = {(B, horizon, A)} (T = planner horizon, '
                f'A = action_block {cfg.action_block} x action_dim {cfg.action_dim}), '
                f'got shape {tuple(init.shape)}')
        if init.device != z.device:
            raise ValueError(f'init is on {init.device} but z is on {z.device}')
    return A


class LatentCost:
    """cost(candidates (B, S, T, A)) -> (B, S), latents repeated once per candidate."""

    def __init__(self, world_model, z: torch.Tensor, z_goal: torch.Tensor,
                 beta: float = 0.0, split: int = 2, bf16: bool = False, compiled=None,
                 goal_cost: str = 'final'):
        if goal_cost not in GOAL_COSTS:
            raise ValueError(f'goal_cost must be one of {GOAL_COSTS}, got {goal_cost!r}')
        self.world_model, self.z, self.z_goal = world_model, z, z_goal
        self.beta, self.split, self.bf16, self.compiled = beta, split, bf16, compiled
        self.goal_cost = goal_cost
        self._repeated: dict = {}

    def __call__(self, candidates: torch.Tensor) -> torch.Tensor:
        A = block_size(self.world_model)
        if candidates.dim() != 4 or candidates.shape[-1] != A:
            raise ValueError(
                f'candidates must be (B, S, T, A) with A = {A} (action_block x action_dim '
                f'of the world model), got shape {tuple(candidates.shape)}')
        B, S, T, _ = candidates.shape
        if S not in self._repeated:  # every candidate starts from its environment's latent
            self._repeated[S] = self.z.repeat_interleave(S, dim=0)  # (B * S, D) or (B * S, L, D)
        z = self._repeated[S]
        actions = candidates.reshape(B * S, T, A)  # (B * S, T, A)
        predict_final = self.compiled or self.world_model.predict_final
        # the weight-cast cache only lives inside one autocast region, and must be
        # off while a CUDA graph is captured
        autocast = (torch.autocast('cuda', dtype=torch.bfloat16, cache_enabled=False)
                    if self.bf16 else nullcontext())
        with autocast:
            if self.goal_cost == 'every_block':
                z_all = self.world_model.predict(z, actions).float().view(B, S, T, -1)
                cost = (z_all - self.z_goal[:, None, None]).pow(2).sum(-1).mean(-1)  # (B, S)
                z_hat = z_all[:, :, -1]  # (B, S, D)
            else:
                z_hat = predict_final(z, actions).float().view(B, S, -1)  # (B, S, D)
                cost = (z_hat - self.z_goal.unsqueeze(1)).pow(2).sum(-1)  # (B, S)
            if self.beta > 0:
                # == predict_chained(z, actions, split)[:, -1], terminal latents only
                z_mid = predict_final(z, actions[:, :self.split])  # (B * S, D)
                z_chain = predict_final(z_mid, actions[:, self.split:])  # (B * S, D)
                gap = (z_hat - z_chain.float().view(B, S, -1)).pow(2).sum(-1)  # (B, S)
                cost = cost + self.beta * gap
        return cost
