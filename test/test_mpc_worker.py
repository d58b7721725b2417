# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The planning thread without ROS: cancellation, safe commands, continuous MPC.

A plan of 2000 samples x 10000 iterations takes many minutes on a tiny model; a
new goal, new settings, deactivation and stop must each abandon it (the issue:
the node stalled for minutes and cleanup left the thread running).
"""
from dataclasses import replace
import threading
import time

import numpy as np
import pytest
import torch

from conftest import wait_for
from fast_lewm_ros.model import ModelConfig, WorldModel
from fast_lewm_ros.planning import PlannerConfig, RecedingHorizonController
from fast_lewm_ros.planning.mpc import Frame, PlanningWorker

LONG = PlannerConfig(samples=2000, iterations=10000, elites=30, horizon=2)
SHORT = PlannerConfig(samples=8, iterations=2, elites=2, horizon=2, warm_iterations=1)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return WorldModel(ModelConfig.preset('tiny')).eval()


class Harness:
    """A worker whose controllers use `self.config`, and what it reported."""

    def __init__(self, model, config, trigger='timer'):
        self.model, self.config = model, config
        self.plans, self.errors, self.commands = [], [], []
        self.worker = PlanningWorker(self.factory, on_plan=self._plan,
                                     on_command=lambda a, f: self.commands.append(a),
                                     on_goal=lambda f: None,
                                     on_error=lambda s, e: self.errors.append((s, e)),
                                     trigger=trigger, control_period=0.05)
        rng = np.random.default_rng(0)
        size = model.config.image_size
        self.images = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(2)]
        self.seq = 0

    def factory(self, goal):
        return RecedingHorizonController(self.model, replace(self.config, seed=goal),
                                         action_low=-1.0, action_high=1.0)

    def _plan(self, plan, frame):
        self.plans.append(plan)

    def frame(self, which):
        self.seq += 1
        return Frame(self.images[which], None, 'cam', 0, time.monotonic(), self.seq)

    def start_long_plan(self):
        self.worker.start()
        self.worker.set_active(True)
        self.worker.submit_goal(self.frame(1))
        self.worker.submit_image(self.frame(0), act=False)
        assert wait_for(lambda: self.worker.planning_since is not None, timeout=30), \
            'the long plan never started'


@pytest.mark.parametrize('event', ['goal', 'settings', 'deactivate', 'stop'])
def test_a_running_plan_is_abandoned(model, event):
    h = Harness(model, LONG)
    h.start_long_plan()
    h.config = SHORT  # what a new goal or new settings plan with
    started = time.monotonic()
    if event == 'goal':
        h.worker.submit_goal(h.frame(0))
    elif event == 'settings':
        h.worker.rebuild()
    elif event == 'deactivate':
        h.worker.set_active(False)
    else:
        assert h.worker.stop(timeout=30)
    # ten minutes is what the long plan would take; the poll is generous, not a bound
    assert wait_for(lambda: h.worker.planning_since is None, timeout=30)
    print(f'{event}: running plan abandoned after {time.monotonic() - started:.3f} s')
    if event in ('goal', 'settings'):  # planning goes on with the new goal / settings
        h.worker.submit_image(h.frame(0), act=False)
        assert wait_for(lambda: len(h.plans) > 0, timeout=30)
    assert all(p.normalised.shape[0] == 1 for p in h.plans) and not h.errors
    assert h.worker.stop(timeout=30) and not h.worker._thread.is_alive()


def test_stop_ends_the_thread_even_while_planning(model):
    h = Harness(model, LONG)
    h.start_long_plan()
    assert h.worker.stop(timeout=30)
    assert not h.worker._thread.is_alive() and h.plans == []


def test_continuous_mpc_replans_warm_and_ahead_of_time(model):
    h = Harness(model, SHORT)
    h.worker.start()
    h.worker.set_active(True)
    h.worker.submit_goal(h.frame(1))
    commands = []

    def control():  # the node's control timer: one command per period
        while len(commands) < 40:
            h.worker.submit_image(h.frame(0), act=False)
            commands.append(h.worker.next_command())
            time.sleep(0.01)

    timer = threading.Thread(target=control)
    timer.start()
    timer.join(60)
    assert h.worker.stop(timeout=30) and not timer.is_alive()
    assert len(h.plans) >= 2 and any(p.warm for p in h.plans[1:])
    assert h.worker.controller.lead_steps >= 2  # planning time + margin, in periods
    sent = [c for c in commands if c is not None]
    assert sent and all(np.isfinite(c).all() and np.abs(c).max() <= 1.0 for c in sent)
    assert not h.errors


def test_a_non_finite_plan_is_an_error_and_no_command(model):
    bad = WorldModel(model.config).eval()
    bad.load_state_dict(model.state_dict())
    with torch.no_grad():
        bad.action_mean[0] = float('nan')
    h = Harness(bad, SHORT, trigger='image')
    h.worker.start()
    h.worker.set_active(True)
    h.worker.submit_goal(h.frame(1))
    for _ in range(3):
        h.worker.submit_image(h.frame(0), act=True)
        assert wait_for(lambda: len(h.errors) > 0, timeout=30)
    assert h.worker.stop(timeout=30)
    assert h.commands == [] and h.plans == []
    source, err = h.errors[0]
    assert source == 'plan' and 'plan rejected' in str(err)


def test_once_commanding_a_missing_plan_gives_the_safe_stop_not_silence(model):
    h = Harness(model, SHORT)
    h.worker.set_active(True)
    assert h.worker.next_command() is None  # no plan yet since activation: nothing to send
    ctrl = h.worker.controller
    ctrl.set_goal(h.images[1])
    plan = ctrl.compute_plan(h.images[0])
    sent = [h.worker.next_command() for _ in range(ctrl.steps_per_plan)]
    np.testing.assert_array_equal(np.stack(sent), plan.actions[0])
    stop = ctrl.stop_action()[0]
    np.testing.assert_array_equal(h.worker.next_command(), stop)  # the plan ran out
    ctrl.set_goal(h.images[0])  # a new goal: its first plan is not ready yet
    np.testing.assert_array_equal(h.worker.next_command(), stop)
    assert h.worker.stops == 2
    h.worker.set_active(False)
    h.worker.set_active(True)
    assert h.worker.next_command() is None  # re-activated: silent until the next plan


def test_an_image_to_act_on_that_arrives_before_the_goal_is_answered_once_it_does(model):
    # Lock-step: the simulator sends one image and waits for the command; re-sending
    # it under the same stamp earns no second request (planner_node dedupes stamps).
    # If the goal is encoded after that image arrived, the request must still be
    # answered, or simulator and planner wait on each other forever.
    h = Harness(model, SHORT, trigger='image')
    h.worker.start()
    h.worker.set_active(True)
    h.worker.submit_image(h.frame(0), act=True)  # before any goal
    time.sleep(0.3)  # the worker looks at the request while it has no goal
    assert h.commands == []
    h.worker.submit_goal(h.frame(1))
    assert wait_for(lambda: len(h.commands) == 1, timeout=30), 'the request was dropped'
    assert h.worker.stop(timeout=30)
