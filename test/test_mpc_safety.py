# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""A command is finite and within bounds, and a non-finite plan never becomes visible.

Crafted models (issue 12): a NaN in the action normalisation statistics makes every
denormalised action NaN; an inf predictor weight makes every cost NaN. Either plan
must be rejected with an error, the previous good plan (or nothing) stays in force,
and the one exit of commands, `next_action`, never hands out NaN or an action
outside the bounds.
"""
import numpy as np
import pytest
import torch

from fast_lewm_ros.model import ModelConfig, WorldModel
from fast_lewm_ros.planning import PlannerConfig, RecedingHorizonController

CONFIG = PlannerConfig(samples=8, iterations=2, elites=2, horizon=2)


def tiny_model() -> WorldModel:
    torch.manual_seed(0)
    return WorldModel(ModelConfig.preset('tiny')).eval()


def images(model, seed=0):
    """Draw (current, goal) random uint8 images at the model's input size."""
    rng = np.random.default_rng(seed)
    size = model.config.image_size
    return (rng.integers(0, 256, (size, size, 3), dtype=np.uint8),
            rng.integers(0, 256, (size, size, 3), dtype=np.uint8))


def nan_action_mean(model):
    with torch.no_grad():
        model.action_mean[0] = float('nan')


def inf_predictor_weight(model):
    with torch.no_grad():
        next(model.predictor.parameters()).view(-1)[0] = float('inf')


def controller(model, **kwargs):
    return RecedingHorizonController(model, CONFIG, replan_every=1, action_low=-0.5,
                                     action_high=0.5, **kwargs)


@pytest.mark.parametrize('craft', [nan_action_mean, inf_predictor_weight])
def test_non_finite_plan_is_rejected_and_the_previous_plan_stays(craft):
    model = tiny_model()
    ctrl = controller(model)
    image, goal = images(model)
    ctrl.set_goal(goal)
    good = ctrl.compute_plan(image)
    assert np.isfinite(good.actions).all() and np.isfinite(good.cost).all()
    craft(model)
    with pytest.raises(ValueError, match='plan rejected'):
        ctrl.compute_plan(image)
    plan, index = ctrl.current_plan()
    assert plan is good and index == 0  # the good plan is still in force
    steps = good.actions.shape[1]
    commands = [ctrl.next_action() for _ in range(steps)]
    np.testing.assert_array_equal(np.stack(commands), good.actions.transpose(1, 0, 2))
    assert ctrl.next_action() is None  # then nothing, never a NaN


@pytest.mark.parametrize('craft', [nan_action_mean, inf_predictor_weight])
def test_a_crafted_model_never_yields_a_command(craft):
    model = tiny_model()
    craft(model)
    ctrl = controller(model)
    image, goal = images(model)
    ctrl.set_goal(goal)
    with pytest.raises(ValueError, match='plan rejected'):
        ctrl.compute_plan(image)
    assert ctrl.current_plan() == (None, 0) and ctrl.next_action() is None


def test_commands_stay_within_bounds_and_the_stop_is_inside_them():
    model = tiny_model()
    with torch.no_grad():
        model.action_std.fill_(100.0)  # denormalised actions far outside [-0.5, 0.5]
    ctrl = RecedingHorizonController(model, CONFIG, action_low=[0.1, -0.5], action_high=0.5)
    image, goal = images(model)
    ctrl.set_goal(goal)
    ctrl.compute_plan(image)
    commands = np.stack([ctrl.next_action() for _ in range(10)])  # (10, 1, action_dim)
    assert commands[..., 0].min() >= 0.1 and commands.max() <= 0.5
    assert commands.min() >= -0.5
    np.testing.assert_array_equal(ctrl.stop_action(), np.float32([[0.1, 0.0]]))
