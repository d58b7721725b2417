# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""CEM/MPPI solver core on analytic costs: convergence, seeding, batching, errors."""
import pytest
import torch

from fast_lewm_ros.planning import (CEMPlanner, make_planner, MPPIPlanner, PlannerConfig,
                                    shift_plan)

SMALL = dict(samples=100, iterations=25, elites=20, horizon=3)


def quadratic(target):
    """cost(candidates (B, S, T, A)) = ||candidates - target||^2, optimum at target."""
    return lambda c: (c - target.unsqueeze(1)).pow(2).sum(dim=(2, 3))  # (B, S)


def test_cem_converges_to_quadratic_optimum():
    target = torch.tensor([[[0.5, -0.3], [1.2, 0.0], [-0.8, 0.4]],
                           [[-1.0, 0.2], [0.3, 0.9], [0.0, -1.5]]])  # (B=2, T=3, A=2)
    # the paper's budget (300 samples, 30 elites, 30 iterations) finds optima up to
    # 1.5 prior stds away to ~1e-6; smaller budgets can collapse the std early
    result = CEMPlanner(PlannerConfig(horizon=3)).optimize(quadratic(target),
                                                           torch.zeros_like(target))
    assert result.actions.shape == (2, 3, 2)
    assert torch.allclose(result.actions, target, atol=1e-4)
    assert result.cost.shape == (2,) and (result.cost < 1e-6).all()
    # the best cost never gets worse: candidate 0 re-evaluates the refitted mean
    assert result.cost_history.shape == (2, 30)
    assert (result.cost_history[:, -1] < result.cost_history[:, 0]).all()


def test_mppi_converges_to_quadratic_optimum():
    target = torch.tensor([[[0.5, -0.3], [1.2, 0.0], [-0.8, 0.4]]])
    planner = make_planner(PlannerConfig(solver='mppi', temperature=0.3, **SMALL))
    assert isinstance(planner, MPPIPlanner)
    result = planner.optimize(quadratic(target), torch.zeros_like(target))
    assert torch.allclose(result.actions, target, atol=1e-3)


def test_candidate_zero_is_the_mean():
    seen = []

    def cost(c):
        seen.append(c.clone())
        return c.pow(2).sum(dim=(2, 3))

    mean = torch.full((1, 2, 2), 0.7)
    CEMPlanner(PlannerConfig(samples=8, iterations=1, elites=2, horizon=2)).optimize(cost, mean)
    assert torch.equal(seen[0][:, 0], mean)
    assert not torch.equal(seen[0][:, 1], mean)


def test_same_seed_same_result_other_seed_differs():
    target = torch.randn(2, 3, 2, generator=torch.Generator().manual_seed(1))
    make = lambda seed: CEMPlanner(PlannerConfig(seed=seed, **SMALL)).optimize(  # noqa: E731
        quadratic(target), torch.zeros_like(target)).actions
    assert torch.equal(make(3), make(3))
    assert not torch.equal(make(3), make(4))


@pytest.mark.parametrize('solver', ['cem', 'mppi'])
def test_batched_equals_separate_plans(solver):
    target = torch.randn(3, 3, 2, generator=torch.Generator().manual_seed(2))
    init = torch.randn(3, 3, 2, generator=torch.Generator().manual_seed(3)) * 0.1
    planner = make_planner(PlannerConfig(solver=solver, seed=10, **SMALL))
    batched = planner.optimize(quadratic(target), init)
    for b in range(3):
        alone = planner.optimize(quadratic(target[b:b + 1]), init[b:b + 1], seed=10 + b)
        assert torch.equal(batched.actions[b], alone.actions[0])
        assert torch.equal(batched.cost[b], alone.cost[0])


def test_action_bounds_clamp_every_candidate():
    target = torch.full((1, 2, 2), 3.0)  # optimum outside the bounds
    planner = CEMPlanner(PlannerConfig(norm_action_low=-1.0, norm_action_high=1.0, samples=64,
                                       iterations=15, elites=16, horizon=2))
    result = planner.optimize(quadratic(target), torch.zeros(1, 2, 2))
    assert result.actions.max() <= 1.0
    assert torch.allclose(result.actions, torch.ones(1, 2, 2), atol=0.01)


def test_warm_start_shift():
    plan = torch.arange(1, 13, dtype=torch.float32).reshape(1, 3, 4)  # 3 blocks of 2 x dim 2
    # one block (two primitive actions of size 2) executed: blocks move up, zeros at the end
    expected = torch.tensor([[[5., 6., 7., 8.], [9., 10., 11., 12.], [0., 0., 0., 0.]]])
    assert torch.equal(shift_plan(plan, 2, action_dim=2), expected)
    # a primitive step that splits a block
    assert torch.equal(shift_plan(plan, 1, action_dim=2)[0, 0], torch.tensor([3., 4., 5., 6.]))
    assert torch.equal(shift_plan(plan, 0, action_dim=2), plan)
    assert torch.equal(shift_plan(plan, 99, action_dim=2), torch.zeros_like(plan))
    with pytest.raises(ValueError, match='not a multiple of action_dim 3'):
        shift_plan(plan, 1, action_dim=3)


def test_wrong_cost_shape_says_what_was_expected():
    planner = CEMPlanner(PlannerConfig(samples=4, iterations=1, elites=2, horizon=2))
    with pytest.raises(ValueError, match=r'shape \(B, S\) = \(1, 4\).*got \(1, 4, 2\)'):
        planner.optimize(lambda c: c.pow(2).sum(dim=3), torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r'shape \(B, S\) = \(1, 4\).*got \(4,\)'):
        planner.optimize(lambda c: c.pow(2).sum(dim=(0, 2, 3)), torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r'initial mean must be \(B, T, A\)'):
        planner.optimize(lambda c: c.sum(dim=(2, 3)), torch.zeros(2, 3))


@pytest.mark.parametrize('field, value, message', [
    ('elites', 1, 'elites must be in'), ('samples', 1, 'samples must be'),
    ('solver', 'ilqr', 'solver must be one of'), ('init_std', 0.0, 'init_std'),
    ('beta', 1.0, 'chain_split must be in')])
def test_config_rejects_bad_values(field, value, message):
    kwargs = {'horizon': 2, 'chain_split': 2, field: value}
    with pytest.raises(ValueError, match=message):
        PlannerConfig(**kwargs)


def test_coloured_noise_is_smooth_over_primitive_steps_with_unit_variance():
    from fast_lewm_ros.planning.cem import coloured
    white = torch.randn(4000, 5, 10, generator=torch.Generator().manual_seed(0))  # T=5, A=5x2
    for beta in (1.0, 2.0):
        noise = coloured(white, beta, action_dim=2).reshape(4000, 25, 2)  # (S, steps, adim)
        var = noise.var(dim=0)  # per step and channel
        assert torch.allclose(var, torch.ones_like(var), atol=0.12), var
        # neighbouring primitive steps (also across block borders) are correlated
        lag1 = (noise[:, 1:] * noise[:, :-1]).mean(dim=0).mean()
        assert lag1 > (0.3 if beta == 1.0 else 0.7), (beta, lag1)
        # channels stay independent
        assert abs(float((noise[..., 0] * noise[..., 1]).mean())) < 0.05
    flat = white.reshape(4000, 25, 2)
    assert abs(float((flat[:, 1:] * flat[:, :-1]).mean())) < 0.05  # white: no correlation


def test_coloured_noise_planner_still_converges_and_zero_beta_is_unchanged():
    target = torch.tensor([[[0.5, -0.3], [1.2, 0.0], [-0.8, 0.4]]])  # (B=1, T=3, A=2)
    smooth = CEMPlanner(PlannerConfig(noise_beta=2.0, **SMALL)).optimize(
        quadratic(target), torch.zeros_like(target), action_dim=1)
    assert float((smooth.actions - target).abs().max()) < 0.2  # white: < 0.1
    white = CEMPlanner(PlannerConfig(**SMALL))
    again = CEMPlanner(PlannerConfig(noise_beta=0.0, **SMALL))
    assert torch.equal(white.sample_noise(target, seed=3), again.sample_noise(target, seed=3))
    with pytest.raises(ValueError, match='noise_beta'):
        PlannerConfig(noise_beta=-1)
