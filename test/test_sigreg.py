# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""SIGReg: calibration, anti-collapse gradient, masking."""
import torch

from fast_lewm_ros.model import sigreg


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_gaussian_scores_about_one_and_collapse_far_higher():
    torch.manual_seed(0)
    gaussian = sigreg(torch.randn(256, 32), generator=_gen())
    assert 0.7 < gaussian.item() < 1.5
    collapsed = sigreg(torch.full((256, 32), 0.3) + 1e-3 * torch.randn(256, 32),
                       generator=_gen())
    assert collapsed.item() > 20 * gaussian.item()
    per_step = sigreg(torch.randn(4, 256, 32), generator=_gen())  # (T, B, D)
    assert 0.7 < per_step.item() < 1.5


def test_statistic_runs_over_the_batch_not_along_time():
    # Each time step is a collapsed batch, though the values differ along time.
    z = torch.linspace(-2, 2, 8)[:, None, None].expand(8, 64, 16).contiguous()
    assert sigreg(z, generator=_gen()).item() > 10


def test_gradient_pushes_a_collapsed_batch_apart():
    torch.manual_seed(0)
    z = (0.01 * torch.randn(128, 16)).requires_grad_()
    optimiser = torch.optim.Adam([z], lr=0.02)
    first = None
    for step in range(150):
        loss = sigreg(z, num_projections=256, generator=_gen(step))
        first = loss.item() if first is None else first
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert z.detach().std(0).mean() > 0.3  # from 0.01: the batch spreads out
    assert sigreg(z.detach(), generator=_gen()).item() < first / 5


def test_mask_ignores_padding_and_counts_valid_samples():
    torch.manual_seed(0)
    z = torch.randn(2, 96, 8)
    mask = torch.ones(2, 96, dtype=torch.bool)
    mask[1, 64:] = False
    padded = z.clone()
    padded[1, 64:] = 0.0  # collapsed padding must not count
    masked = sigreg(padded, 128, _gen(), mask=mask)
    by_step = (sigreg(z[0], 128, _gen()) + sigreg(z[1, :64], 128, _gen())) / 2
    torch.testing.assert_close(masked, by_step)
