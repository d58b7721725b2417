# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""planner_node with real rclpy: plans, commands, lifecycle, parameters, faults.

Every test runs the node in-process with a tiny random model (16x16 images) and a
probe node that publishes inputs and records outputs over DDS.
"""
import time

import numpy as np
import pytest
from ros_testing import feed_until, make_planner, params, task_images

from fast_lewm_ros.ros.conversions import numpy_to_image  # noqa: E402

NAME = '/planner_node'
OK, WARN, ERROR = 0, 1, 2


def test_plans_and_commands_from_a_sim_image_and_goal(probe, tiny_checkpoint):
    image, goal = task_images()
    make_planner(probe, tiny_checkpoint, action_low=[-0.2], action_high=[0.3])
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.count(probe.plans) > 0, 'an ActionPlan', sec=7)
    plan = probe.plans[0]
    assert (plan.header.stamp.sec, plan.header.frame_id) == (7, 'cam')
    assert (plan.horizon, plan.action_dim, len(plan.actions)) == (25, 2, 50)
    assert plan.predictor == 'prefix' and plan.planning_time > 0 and np.isfinite(plan.cost)
    actions = np.asarray(plan.actions).reshape(25, 2)
    assert actions.min() >= -0.2 - 1e-6 and actions.max() <= 0.3 + 1e-6  # clipped
    probe.wait(lambda: probe.count(probe.commands) >= 3, what='three commands')
    commands = np.stack(probe.commands[:3])  # (3, 2)
    np.testing.assert_allclose(commands, actions[:3], atol=1e-6)  # the plan, in order
    probe.wait(lambda: probe.diagnosed(NAME, OK, 'active'), what='diagnostics OK')


def test_no_goal_means_no_commands_and_a_warning(probe, tiny_checkpoint):
    image, _ = task_images()
    make_planner(probe, tiny_checkpoint)
    feed_until(probe, image, lambda: probe.diagnosed(NAME, WARN, 'waiting for goal'),
               'WARN waiting for goal')
    time.sleep(0.5)  # an absence can only be checked after some time
    assert probe.count(probe.commands) == 0 and probe.count(probe.plans) == 0


@pytest.mark.parametrize('policy', ['zero', 'hold'])
def test_stale_image_gives_zero_or_held_commands(probe, tiny_checkpoint, policy):
    image, goal = task_images()
    make_planner(probe, tiny_checkpoint, stale_timeout=0.4, stale_policy=policy)
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.count(probe.commands) >= 2, 'first commands')
    stopped = probe.count(probe.diagnostics)  # (a loaded machine may have been stale before)
    probe.wait(lambda: probe.diagnosed(NAME, WARN, 'no image for', since=stopped),
               what='WARN stale image')
    # Commands and diagnostics travel on separate topics, so their order is not
    # kept: look at the newest commands once plenty more have arrived.
    first_stale = probe.count(probe.commands)
    probe.wait(lambda: probe.count(probe.commands) >= first_stale + 8, what='stale commands')
    stale = np.stack(probe.commands[-3:])  # (3, 2)
    if policy == 'zero':
        assert not stale.any()
    else:
        held = stale[0]
        assert held.any() and (stale == held).all()
        assert any((c == held).all() for c in probe.commands[:first_stale])  # a plan action


def _bad_images():
    good = np.zeros((16, 16, 3), np.uint8)
    unknown = numpy_to_image(good)
    unknown.encoding = 'yuv422'
    truncated = numpy_to_image(good)
    truncated.data = bytes(truncated.data)[:100]
    wrong_size = numpy_to_image(np.zeros((20, 20, 3), np.uint8))
    return [('encoding', unknown), ('expects 16x16', wrong_size), ('has 100 bytes', truncated)]


def test_malformed_images_are_errors_and_the_node_keeps_running(probe, tiny_checkpoint):
    image, goal = task_images()
    node = make_planner(probe, tiny_checkpoint)
    for text, msg in _bad_images():
        def sent(msg=msg, text=text):
            probe.image_pub.publish(msg)
            return probe.diagnosed(NAME, ERROR, text)
        probe.wait(sent, what=f'ERROR {text!r}')
    bad_goal = _bad_images()[0][1]
    probe.goal_pub.publish(bad_goal)
    probe.wait(lambda: probe.diagnosed(NAME, ERROR, 'goal: rejected'), what='goal ERROR')
    probe.send_goal(goal, sec=2)
    feed_until(probe, image, lambda: probe.count(probe.plans) > 0, 'a plan after the faults')
    assert node.worker is not None and node.worker._thread.is_alive()


def test_nan_latent_is_an_error(probe, tmp_path):
    import torch

    from fast_lewm_ros.model import ModelConfig, WorldModel
    model = WorldModel(ModelConfig.preset('tiny'))
    with torch.no_grad():  # finite weights (a NaN weight is refused at load) that overflow
        next(model.encoder.parameters()).fill_(3e38)
    model.save(tmp_path / 'nan.safetensors')
    image, goal = task_images()
    make_planner(probe, str(tmp_path / 'nan.safetensors'))
    probe.send_goal(goal)
    probe.wait(lambda: probe.diagnosed(NAME, ERROR, 'NaN'), what='ERROR NaN latent')
    # The goal ERROR stays (no good goal since), and does not hide the waiting cause.
    feed_until(probe, image, lambda: probe.diagnosed(NAME, ERROR, 'waiting for goal'),
               'still alive, still without a goal')
    assert probe.count(probe.commands) == 0


def test_plan_failure_is_an_error_and_planning_recovers(probe, tiny_checkpoint, monkeypatch):
    image, goal = task_images()
    make_planner(probe, tiny_checkpoint)
    from fast_lewm_ros.planning import CEMPlanner

    def explode(*args, **kwargs):
        raise RuntimeError('solver exploded')
    monkeypatch.setattr(CEMPlanner, 'plan', explode)  # every goal gets a new controller
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.diagnosed(NAME, ERROR, 'solver exploded'),
               'ERROR plan failed')
    assert probe.count(probe.plans) == 0
    monkeypatch.undo()
    feed_until(probe, image, lambda: probe.count(probe.plans) > 0, 'a plan after recovery')


def _call(probe, client, request, timeout=15.0):
    assert client.wait_for_service(timeout_sec=timeout), f'{client.srv_name} not available'
    future = client.call_async(request)
    probe.wait(future.done, timeout=timeout, what=f'reply from {client.srv_name}')
    return future.result()


def test_lifecycle_transitions_from_another_node(probe, tiny_checkpoint):
    from lifecycle_msgs.msg import State, Transition
    from lifecycle_msgs.srv import ChangeState, GetState
    image, goal = task_images()
    node = make_planner(probe, tiny_checkpoint, autostart=False)
    change = probe.node.create_client(ChangeState, f'{NAME}/change_state')
    get = probe.node.create_client(GetState, f'{NAME}/get_state')

    def transition(tid):
        return _call(probe, change, ChangeState.Request(transition=Transition(id=tid))).success

    def state():
        return _call(probe, get, GetState.Request()).current_state.id

    assert state() == State.PRIMARY_STATE_UNCONFIGURED and node.model is None
    assert transition(Transition.TRANSITION_CONFIGURE)
    assert state() == State.PRIMARY_STATE_INACTIVE and node.model is not None
    probe.send_goal(goal)
    for _ in range(10):  # inactive: inputs are taken, nothing is commanded
        probe.send_image(image)
    assert transition(Transition.TRANSITION_ACTIVATE)
    assert state() == State.PRIMARY_STATE_ACTIVE
    feed_until(probe, image, lambda: probe.count(probe.commands) >= 2, 'commands when active')
    assert transition(Transition.TRANSITION_DEACTIVATE)
    stopped = probe.count(probe.commands)
    time.sleep(0.5)  # an absence can only be checked after some time
    assert probe.count(probe.commands) == stopped
    assert transition(Transition.TRANSITION_CLEANUP)
    assert state() == State.PRIMARY_STATE_UNCONFIGURED
    assert node.model is None and node.worker is None
    node.set_parameters(params(checkpoint='/nonexistent/model.safetensors'))
    assert not transition(Transition.TRANSITION_CONFIGURE)
    probe.wait(lambda: probe.diagnosed(NAME, ERROR, 'configure failed'), what='ERROR')
    assert state() == State.PRIMARY_STATE_UNCONFIGURED


def test_parameters_from_another_node_apply_or_are_rejected(probe, tiny_checkpoint):
    from rcl_interfaces.srv import SetParameters
    node = make_planner(probe, tiny_checkpoint)
    client = probe.node.create_client(SetParameters, f'{NAME}/set_parameters')

    def set_one(name, value):
        request = SetParameters.Request(parameters=[p.to_parameter_msg()
                                                    for p in params(**{name: value})])
        return _call(probe, client, request).results[0]

    assert set_one('samples', 12).successful
    assert node.settings.samples == 12 and node.worker.controller.config.samples == 12
    assert set_one('stale_policy', 'hold').successful and node.settings.stale_policy == 'hold'
    for name, value, reason in [('elites', 20, 'elites'), ('samples', 1, 'samples'),
                                ('stale_policy', 'sometimes', 'stale_policy'),
                                ('horizon', 9, 'model horizon'),
                                ('action_low', [-1.0, -1.0, -1.0], 'action_dim'),
                                ('device', 'toaster', 'device'),
                                ('autostart', False, 'read-only')]:
        result = set_one(name, value)
        assert not result.successful, f'{name}={value!r} was accepted'
        assert reason in result.reason, result.reason
    assert node.settings.samples == 12 and node.worker.controller.config.elites == 2


def test_image_trigger_answers_each_new_image_once(probe, tiny_checkpoint):
    image, goal = task_images()
    make_planner(probe, tiny_checkpoint, command_trigger='image')
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.count(probe.commands) >= 1, 'a command', sec=5)
    for _ in range(5):  # the same stamp again: a re-sent image, not a new one
        probe.send_image(image, sec=5)
    time.sleep(0.5)  # an absence can only be checked after some time
    assert probe.count(probe.commands) == 1
    feed_until(probe, image, lambda: probe.count(probe.commands) >= 2, 'next command', sec=6)
    time.sleep(0.3)
    assert probe.count(probe.commands) == 2


def test_goal_from_a_best_effort_publisher_and_resized_images(probe, tiny_checkpoint):
    from sensor_msgs.msg import Image

    from fast_lewm_ros.ros import qos
    image, goal = task_images(size=32)
    make_planner(probe, tiny_checkpoint, resize_images=True)
    sensor_goal = probe.node.create_publisher(Image, 'goal_image', qos.SENSOR)

    def fed():  # best effort + volatile: only the planner's best-effort subscription hears it
        sensor_goal.publish(numpy_to_image(goal))
        probe.send_image(image)
        return probe.count(probe.plans) > 0
    probe.wait(fed, what='a plan from a best-effort goal and 32x32 images')
