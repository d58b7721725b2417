# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""planner_node over DDS: no NaN command, non-finite plans reported, stalls cancelled.

Issue 12 items 1-2 (a checkpoint whose action_mean holds a NaN sent NaN commands;
an inf predictor weight gave cost = nan while /diagnostics said OK) and issue 15
(a 2000 x 10000 plan stalled the node for minutes; cleanup left the thread running).
The crafted values are written into the loaded model, so the test does not depend
on what checkpoint loading accepts.
"""
import time

import numpy as np
import pytest
from ros_testing import params, task_images
import torch

from test_ros_planner_node import feed_until, make_planner, NAME

WARN, ERROR = 1, 2


def _nan_action_mean(model):
    model.action_mean[0] = float('nan')


def _inf_predictor_weight(model):
    next(model.predictor.parameters()).view(-1)[0] = float('inf')


@pytest.mark.parametrize('craft', [_nan_action_mean, _inf_predictor_weight])
def test_non_finite_plans_are_errors_and_never_commands(probe, tiny_checkpoint, craft):
    image, goal = task_images()
    node = make_planner(probe, tiny_checkpoint, replan_period=1, control_period=0.01)
    with torch.no_grad():
        craft(node.model)
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.diagnosed(NAME, ERROR, 'plan rejected'),
               'ERROR plan rejected')
    for _ in range(20):  # keep the planner busy for a while: still nothing goes out
        probe.send_image(image)
        time.sleep(0.02)
    assert probe.count(probe.commands) == 0 and probe.count(probe.plans) == 0


def test_a_stalled_plan_ends_on_parameter_change_deactivate_and_cleanup(probe,
                                                                        tiny_checkpoint):
    image, goal = task_images()
    node = make_planner(probe, tiny_checkpoint, plan_deadline=0.3)
    node.set_parameters(params(samples=2000, elites=30, iterations=10000))
    probe.send_goal(goal)
    feed_until(probe, image, lambda: node.worker.planning_since is not None, 'a long plan')
    probe.wait(lambda: probe.diagnosed(NAME, WARN, 'plan running for'), what='deadline WARN')
    # a parameter change abandons it; planning goes on with the new settings
    node.set_parameters(params(samples=8, elites=2, iterations=2))
    feed_until(probe, image, lambda: probe.count(probe.plans) > 0, 'a plan with new settings')
    # deactivate abandons a running plan too
    node.set_parameters(params(samples=2000, elites=30, iterations=10000))
    feed_until(probe, image, lambda: node.worker.planning_since is not None, 'a long plan')
    node.trigger_deactivate()
    probe.wait(lambda: node.worker.planning_since is None, what='deactivate abandons it')
    # and cleanup leaves no thread behind, even while a plan runs
    node.trigger_activate()
    feed_until(probe, image, lambda: node.worker.planning_since is not None, 'a long plan')
    thread = node.worker._thread
    node.trigger_deactivate()
    node.trigger_cleanup()
    assert node.worker is None and not thread.is_alive()
    assert all(np.isfinite(c).all() for c in probe.commands)
