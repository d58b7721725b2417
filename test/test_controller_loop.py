# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Receding-horizon controller: action hand-out, replanning, warm start, threads."""
from types import SimpleNamespace
import threading

import numpy as np
import pytest
import torch

from fast_lewm_ros.planning import CEMPlanner, PlannerConfig, RecedingHorizonController

CONFIG = PlannerConfig(samples=32, iterations=4, elites=4, horizon=3)


class LinearWorld(torch.nn.Module):
    """A world model with known dynamics: z_final = z + sum of actions (elementwise).

    Latent D = 4 = block size (action_block 2 x action_dim 2); an image's latent is
    its top-left pixel's first four channel values / 255 (RGBA-free: 3 + brightness).
    """

    def __init__(self):
        super().__init__()
        self.config = SimpleNamespace(action_dim=2, action_block=2, horizon=3, latent_dim=4,
                                      predictor='prefix')
        self.scale = torch.nn.Parameter(torch.ones(()))

    def encode(self, pixels):
        p = pixels[:, 0, 0].float() / 255  # (B, 3)
        return torch.cat([p, p.mean(dim=1, keepdim=True)], dim=1)  # (B, 4)

    def predict_final(self, z, actions):
        return z + self.scale * 0.1 * actions.sum(dim=1)  # (B, D)

    def denormalize_actions(self, norm):
        return norm * 2.0 + 1.0


def image(value, batch=None):
    img = np.full((8, 8, 3), value, dtype=np.uint8)
    return img if batch is None else np.stack([img] * batch)


class SpyPlanner(CEMPlanner):
    """Records every init it is given; optionally blocks until released."""

    def __init__(self, config, gate=None):
        super().__init__(config)
        self.inits, self.gate, self.started = [], gate, threading.Event()

    def plan(self, world_model, z, z_goal, init=None, seed=None, **kwargs):
        self.inits.append(None if init is None else init.clone())
        self.iterations = kwargs.get('iterations')
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        return super().plan(world_model, z, z_goal, init, seed, **kwargs)


def test_hands_out_denormalised_actions_and_replans_every_k():
    planner = SpyPlanner(CONFIG)
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, replan_every=4, planner=planner)
    assert ctrl.steps_per_plan == 6
    ctrl.set_goal(image(200))
    actions = [ctrl.act(image(100)) for _ in range(9)]
    assert len(planner.inits) == 3  # steps 0, 4 and 8
    assert planner.inits[0] is None  # cold start
    assert all(a.shape == (1, 2) and a.dtype == np.float32 for a in actions)
    plan, index = ctrl.current_plan()
    assert index == 1 and plan.plan_id == 2
    expected = plan.normalised.reshape(1, 6, 2).numpy() * 2 + 1
    np.testing.assert_allclose(plan.actions, expected, rtol=1e-6)
    np.testing.assert_array_equal(actions[8], plan.actions[:, 0])


def test_warm_start_is_the_shifted_previous_plan():
    planner = SpyPlanner(CONFIG)
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, replan_every=2, planner=planner)
    ctrl.set_goal(image(200))
    ctrl.act(image(100))
    first, _ = ctrl.current_plan()
    ctrl.act(image(100))
    ctrl.act(image(100))  # replans after 2 primitive steps = one block
    shifted = torch.cat([first.normalised[:, 1:], torch.zeros(1, 1, 4)], dim=1)
    assert torch.equal(planner.inits[1], shifted)


def test_clips_to_env_bounds_and_checks_them():
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, action_low=[0.5, -1.0],
                                     action_high=1.5)
    ctrl.set_goal(image(255))
    plan = ctrl.compute_plan(image(0))
    assert plan.actions[..., 0].min() >= 0.5 and plan.actions.max() <= 1.5
    with pytest.raises(ValueError, match=r'action_low must be a number or 2 numbers'):
        RecedingHorizonController(LinearWorld(), CONFIG, action_low=[0, 0, 0])
    with pytest.raises(ValueError, match=r'replan_every must be in \[1, 6\]'):
        RecedingHorizonController(LinearWorld(), CONFIG, replan_every=7)


def test_plan_reaches_goal_in_the_linear_world():
    world = LinearWorld()
    ctrl = RecedingHorizonController(world, PlannerConfig(horizon=3))
    ctrl.set_goal(image(180))
    plan = ctrl.compute_plan(image(100))
    z, z_goal = world.encode(torch.as_tensor(image(100, 1))), world.encode(
        torch.as_tensor(image(180, 1)))
    assert torch.allclose(world.predict_final(z, plan.normalised), z_goal, atol=1e-3)
    assert plan.cost.shape == (1,) and plan.cost[0] < 1e-5


def test_batched_controller_equals_lone_controllers():
    world = LinearWorld()
    goals, starts = np.stack([image(200), image(30)]), np.stack([image(90), image(120)])
    batched = RecedingHorizonController(world, CONFIG, replan_every=3)
    batched.set_goal(goals)
    out = np.stack([batched.act(starts) for _ in range(7)])  # (steps, B, action_dim)
    for b in range(2):
        lone = RecedingHorizonController(world, PlannerConfig(
            samples=32, iterations=4, elites=4, horizon=3, seed=b), replan_every=3)
        lone.set_goal(goals[b])
        np.testing.assert_array_equal(
            np.stack([lone.act(starts[b]) for _ in range(7)])[:, 0], out[:, b])


def test_actions_flow_while_a_plan_is_computed_on_another_thread():
    gate = threading.Event()
    planner = SpyPlanner(CONFIG)
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, planner=planner)
    ctrl.set_goal(image(200))
    assert ctrl.next_action() is None and ctrl.needs_replan  # nothing planned yet
    old = ctrl.compute_plan(image(100))
    planner.gate = gate
    worker = threading.Thread(target=ctrl.compute_plan, args=(image(120),))
    worker.start()
    assert planner.started.wait(10)
    # the control side is not blocked by the solve and keeps reading the old plan
    np.testing.assert_array_equal(ctrl.next_action(), old.actions[:, 0])
    np.testing.assert_array_equal(ctrl.next_action(), old.actions[:, 1])
    gate.set()
    worker.join(10)
    new, index = ctrl.current_plan()
    # continuous MPC: the new plan starts at the image's time, so the two actions
    # handed out while it was computed are skipped (latency compensation)
    assert new.plan_id == old.plan_id + 1 and index == 2 and new.skipped == 2
    # warm start is shifted by the actions handed out before the image was given
    # (none here), not by those read while the solve ran
    assert torch.equal(planner.inits[-1], old.normalised)
    np.testing.assert_array_equal(ctrl.next_action(), new.actions[:, 2])
    for _ in range(3):
        ctrl.next_action()
    assert ctrl.next_action() is None  # plan exhausted and no new one


def test_goal_change_while_planning_drops_the_stale_plan():
    gate = threading.Event()
    planner = SpyPlanner(CONFIG, gate=gate)
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, planner=planner)
    ctrl.set_goal(image(200))
    result = []
    worker = threading.Thread(target=lambda: result.append(ctrl.compute_plan(image(100))))
    worker.start()
    assert planner.started.wait(10)
    ctrl.set_goal(image(10))
    gate.set()
    worker.join(10)
    assert result == [None] and ctrl.current_plan() == (None, 0)


def test_errors_name_what_was_expected():
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG)
    with pytest.raises(RuntimeError, match='no goal'):
        ctrl.compute_plan(image(0))
    ctrl.set_goal(image(0, batch=2))
    with pytest.raises(ValueError, match=r'1 current image\(s\) for 2 goal\(s\)'):
        ctrl.compute_plan(image(0))


def test_warm_replans_use_warm_iterations_and_a_spent_plan_plans_cold():
    config = PlannerConfig(samples=32, iterations=4, elites=4, horizon=3, warm_iterations=1)
    planner = SpyPlanner(config)
    ctrl = RecedingHorizonController(LinearWorld(), config, replan_every=2, planner=planner)
    ctrl.set_goal(image(200))
    first = ctrl.compute_plan(image(100))
    assert planner.iterations is None and not first.warm  # cold: the config's 4
    ctrl.next_action(), ctrl.next_action()
    second = ctrl.compute_plan(image(100))
    assert planner.iterations == 1 and second.warm
    for _ in range(6):
        ctrl.next_action()  # the whole plan is spent: nothing is left to warm-start from
    third = ctrl.compute_plan(image(100))
    assert planner.inits[-1] is None and planner.iterations is None and not third.warm


def test_lead_steps_start_the_next_plan_before_the_current_one_runs_out():
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG)  # replan after all 6 steps
    ctrl.set_goal(image(200))
    ctrl.compute_plan(image(100))
    ctrl.lead_steps = 2
    for _ in range(3):
        ctrl.next_action()
    assert not ctrl.needs_replan
    ctrl.next_action()
    assert ctrl.needs_replan  # 2 steps left = the planning time, in control periods


def test_cancel_abandons_the_running_solve_and_keeps_the_plan():
    gate = threading.Event()
    planner = SpyPlanner(PlannerConfig(samples=8, iterations=10 ** 6, elites=2, horizon=3))
    ctrl = RecedingHorizonController(LinearWorld(), CONFIG, planner=planner)
    ctrl.set_goal(image(200))
    result = []
    worker = threading.Thread(target=lambda: result.append(ctrl.compute_plan(image(100))))
    planner.gate = gate
    worker.start()
    assert planner.started.wait(10)
    ctrl.cancel()
    gate.set()
    worker.join(30)  # a million iterations would take many minutes
    assert not worker.is_alive() and result == [None] and ctrl.current_plan() == (None, 0)
