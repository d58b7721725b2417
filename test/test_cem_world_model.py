# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""CEM over a real (tiny, random) WorldModel: both predictors, one interface."""
import dataclasses

import numpy as np
import pytest
import torch

from fast_lewm_ros.model import ModelConfig, WorldModel
from fast_lewm_ros.planning import (CEMPlanner, LatentCost, PlannerConfig,
                                    RecedingHorizonController)

CONFIG = PlannerConfig(samples=24, iterations=3, elites=4, horizon=3)


def tiny(predictor):
    torch.manual_seed(0)
    return WorldModel(dataclasses.replace(ModelConfig.preset('tiny'),
                                          predictor=predictor)).eval()


def latents(model, batch, seed):
    g = torch.Generator().manual_seed(seed)
    size = model.config.image_size
    pixels = torch.randint(0, 256, (batch, size, size, 3), generator=g, dtype=torch.uint8)
    with torch.inference_mode():
        return model.encode(pixels)  # (B, D)


@pytest.mark.parametrize('predictor', ['prefix', 'autoregressive'])
def test_plan_shapes_and_cost_of_the_plan(predictor):
    model = tiny(predictor)
    z, z_goal = latents(model, 2, 1), latents(model, 2, 2)
    result = CEMPlanner(CONFIG).plan(model, z, z_goal)
    A = model.config.action_block * model.config.action_dim
    assert result.actions.shape == (2, 3, A) and result.cost.shape == (2,)
    with torch.inference_mode():
        final = model.predict_final(z, result.actions)
    torch.testing.assert_close(result.cost, (final - z_goal).pow(2).sum(-1))
    assert (result.cost_history.min(dim=1).values <= result.cost_history[:, 0]).all()


@pytest.mark.parametrize('predictor', ['prefix', 'autoregressive'])
def test_batched_plan_equals_separate_plans(predictor):
    model = tiny(predictor)
    z, z_goal = latents(model, 2, 3), latents(model, 2, 4)
    planner = CEMPlanner(dataclasses.replace(CONFIG, seed=7))
    batched = planner.plan(model, z, z_goal)
    for b in range(2):
        alone = planner.plan(model, z[b:b + 1], z_goal[b:b + 1], seed=7 + b)
        torch.testing.assert_close(batched.actions[b], alone.actions[0], rtol=1e-5, atol=1e-5)


def test_same_seed_same_plan():
    model = tiny('prefix')
    z, z_goal = latents(model, 1, 5), latents(model, 1, 6)
    first = CEMPlanner(CONFIG).plan(model, z, z_goal)
    assert torch.equal(first.actions, CEMPlanner(CONFIG).plan(model, z, z_goal).actions)


def test_self_consistency_cost_adds_the_chaining_gap():
    model = tiny('prefix')
    z, z_goal = latents(model, 2, 7), latents(model, 2, 8)
    A = model.config.action_block * model.config.action_dim
    candidates = torch.randn(2, 5, 3, A, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        plain = LatentCost(model, z, z_goal)(candidates)
        with_gap = LatentCost(model, z, z_goal, beta=2.0, split=1)(candidates)
        flat, zs = candidates.reshape(10, 3, A), z.repeat_interleave(5, dim=0)
        gap = (model.predict_final(zs, flat) - model.predict_chained(zs, flat, 1)[:, -1])
    torch.testing.assert_close(with_gap - plain, 2.0 * gap.pow(2).sum(-1).view(2, 5))
    result = CEMPlanner(dataclasses.replace(CONFIG, beta=1.0, chain_split=1)).plan(
        model, z, z_goal)
    assert torch.isfinite(result.cost).all()


@pytest.mark.parametrize('predictor', ['prefix', 'autoregressive'])
def test_every_block_cost_is_the_mean_over_all_prefixes(predictor):
    model = tiny(predictor)
    z, z_goal = latents(model, 2, 11), latents(model, 2, 12)
    A = model.config.action_block * model.config.action_dim
    candidates = torch.randn(2, 5, 3, A, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        every = LatentCost(model, z, z_goal, goal_cost='every_block')(candidates)
        final = LatentCost(model, z, z_goal)(candidates)
        flat, zs = candidates.reshape(10, 3, A), z.repeat_interleave(5, dim=0)
        prefixes = model.predict(zs, flat).view(2, 5, 3, -1)  # (B, S, T, D)
        gaps = (prefixes - z_goal[:, None, None]).pow(2).sum(-1)  # (B, S, T)
    torch.testing.assert_close(every, gaps.mean(-1))
    torch.testing.assert_close(final, gaps[..., -1], rtol=1e-5, atol=1e-5)
    result = CEMPlanner(dataclasses.replace(CONFIG, goal_cost='every_block')).plan(
        model, z, z_goal)
    assert torch.isfinite(result.cost).all()
    with pytest.raises(ValueError, match="goal_cost must be one of .*'closest'"):
        PlannerConfig(goal_cost='closest')


def test_mismatched_sizes_say_what_was_expected():
    model = tiny('prefix')  # D = 16, blocks of 5 x 2 = 10
    z, z_goal = latents(model, 2, 9), latents(model, 2, 10)
    planner = CEMPlanner(CONFIG)
    with pytest.raises(ValueError, match=r'z must be \(B, D=16\)'):
        planner.plan(model, z[:, :8], z_goal)
    with pytest.raises(ValueError, match=r'z_goal must be \(B, D\) = \(2, 16\)'):
        planner.plan(model, z, z_goal[:1])
    with pytest.raises(ValueError, match=r'init must be \(B, T, A\) = \(2, 3, 10\).*'
                                         r'got shape \(2, 3, 4\)'):
        planner.plan(model, z, z_goal, init=torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r'candidates must be \(B, S, T, A\) with A = 10'):
        LatentCost(model, z, z_goal)(torch.zeros(2, 4, 3, 6))
    model.train()
    with pytest.raises(ValueError, match='training mode'):
        planner.plan(model, z, z_goal)


def test_controller_with_world_model_returns_env_units():
    model = tiny('autoregressive')
    model.set_normalization([1.0, -2.0], [0.5, 3.0])
    ctrl = RecedingHorizonController(model, CONFIG, replan_every=5)
    size = model.config.image_size
    rng = np.random.default_rng(0)
    ctrl.set_goal(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    action = ctrl.act(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    plan, _ = ctrl.current_plan()
    assert action.shape == (1, 2) and plan.actions.shape == (1, 15, 2)
    first = plan.normalised[0, 0, :2].numpy() * np.array([0.5, 3.0]) + np.array([1.0, -2.0])
    np.testing.assert_allclose(action[0], first, rtol=1e-5)
