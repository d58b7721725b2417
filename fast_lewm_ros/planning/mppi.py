# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""MPPI: the CEM planner's sampling loop with a softmax-weighted update.

Every candidate contributes to the new mean and std with weight
softmax(-(cost - min cost) / (temperature * cost spread)). Dividing by the spread
(the std of the costs across candidates) makes `temperature` independent of the
latent's scale, which differs between models; small temperatures approach
"keep the best candidate", large ones the plain sample mean. Candidate 0 is still
the current mean, and noise, seeding, batching and warm start are CEM's.
"""
from __future__ import annotations

import torch

from fast_lewm_ros.planning.cem import CEMPlanner, PlannerConfig


class MPPIPlanner(CEMPlanner):
    """Model predictive path integral control over normalised action blocks."""

    def _update(self, candidates, cost, mean, std):
        spread = cost.std(dim=1, keepdim=True).clamp_min(1e-8)  # (B, 1)
        logits = -(cost - cost.min(dim=1, keepdim=True).values) / (
            self.config.temperature * spread)
        w = torch.softmax(logits, dim=1)[:, :, None, None]  # (B, S, 1, 1)
        mean = (w * candidates).sum(dim=1)  # (B, T, A)
        var = (w * (candidates - mean.unsqueeze(1)).pow(2)).sum(dim=1)  # (B, T, A)
        return mean, var.sqrt().clamp_min(self.config.min_std)


def make_planner(config: PlannerConfig | None = None) -> CEMPlanner:
    """Build the planner `config.solver` names ('cem' or 'mppi')."""
    config = config or PlannerConfig()
    return MPPIPlanner(config) if config.solver == 'mppi' else CEMPlanner(config)
