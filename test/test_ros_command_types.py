# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Command types robot drivers take: planner_node publishes them, sim_node consumes them."""
from geometry_msgs.msg import Twist
import numpy as np
import pytest
from ros_testing import FAST_CEM, params, task_images
from std_msgs.msg import Float64MultiArray

from fast_lewm_ros.ros import commands, qos  # noqa: E402
from fast_lewm_ros.ros.planner_node import PlannerNode  # noqa: E402
from fast_lewm_ros.ros.sim_node import SimNode  # noqa: E402


def consume(probe, msg_type, topic):
    """Record every message of `msg_type` on `topic` (a stand-in for the robot's driver)."""
    received = []
    probe.node.create_subscription(msg_type, topic, lambda m: probe._add(received, m),
                                   qos.COMMANDS)
    return received


def drive(probe, checkpoint, received, cli_args=None, **overrides):
    """Run a planner on a Two-Room image and goal until three commands arrive; the plan."""
    values = dict(checkpoint=checkpoint, autostart=True, control_period=0.05,
                  stale_timeout=5.0, action_low=[-0.2], action_high=[0.3], **FAST_CEM)
    values.update(overrides)
    probe.add(PlannerNode(context=probe.context, parameter_overrides=params(**values),
                          cli_args=cli_args))
    image, goal = task_images()
    probe.send_goal(goal)

    def fed():
        probe.send_image(image, sec=3)
        return probe.count(probe.plans) > 0 and probe.count(received) >= 3
    probe.wait(fed, timeout=20.0, what='a plan and three commands')
    return np.asarray(probe.plans[0].actions).reshape(-1, 2)  # (25, 2)


def test_planner_drives_a_twist_consumer_on_cmd_vel(probe, tiny_checkpoint):
    received = consume(probe, Twist, 'cmd_vel')
    actions = drive(probe, tiny_checkpoint, received, command_type='twist',
                    twist_axes='angular.z linear.x')
    got = np.array([[m.angular.z, m.linear.x] for m in received[:3]])  # (3, 2)
    np.testing.assert_allclose(got, actions[:3], rtol=1e-5, atol=1e-6)
    assert all(m.linear.y == m.linear.z == m.angular.x == m.angular.y == 0.0
               for m in received[:3])
    assert probe.count(probe.commands) == 0  # nothing on cmd_action


def test_planner_drives_a_ros2_control_forward_command_controller(probe, tiny_checkpoint):
    received = consume(probe, Float64MultiArray, 'arm_controller/commands')
    actions = drive(probe, tiny_checkpoint, received, command_type='float64_array',
                    cli_args=['--ros-args', '-r', 'cmd_action:=arm_controller/commands'])
    got = np.array([m.data for m in received[:3]])
    np.testing.assert_allclose(got, actions[:3], rtol=1e-5, atol=1e-6)


def test_planner_rejects_twist_axes_that_do_not_fit_the_model(probe, tiny_checkpoint):
    node = probe.add(PlannerNode(context=probe.context, parameter_overrides=params(
        checkpoint=tiny_checkpoint, command_type='twist', twist_axes='linear.x')))
    node.trigger_configure()  # fails: 1 field, the model has 2
    probe.wait(lambda: probe.diagnosed('/planner_node', 2, 'twist_axes'),
               what='ERROR naming twist_axes')
    assert node.model is None


def test_messages_round_trip_and_refuse_non_finite():
    action = np.array([0.25, -0.5], np.float32)
    for kind in commands.COMMAND_TYPES:
        axes = ('linear.x', 'angular.z')
        msg = commands.to_message(kind, action, axes)
        assert isinstance(msg, commands.message_type(kind))
        np.testing.assert_array_equal(commands.from_message(msg, axes), action)
    with pytest.raises(ValueError, match='non-finite'):
        commands.to_message('twist', [np.nan, 0.0], axes)
    with pytest.raises(ValueError, match='twist_axes'):
        commands.parse_axes('linear.x linear.x')


@pytest.mark.parametrize('kind', ['twist', 'twist_stamped', 'float64_array'])
def test_sim_node_steps_with_each_command_type(probe, kind):
    # Remapped, as for a ros2_control controller (and because one DDS participant,
    # the probe's, cannot hold two types on cmd_action).
    topic = 'arm_controller/commands' if kind == 'float64_array' else 'cmd_vel'
    sim = probe.add(SimNode(context=probe.context, parameter_overrides=params(
        image_size=16, lock_step=True, command_type=kind),
        cli_args=['--ros-args', '-r', f'{commands.topic(kind)}:={topic}']))
    probe.wait(lambda: probe.count(probe.images) > 0, what='the first image')
    pub = probe.node.create_publisher(commands.message_type(kind), topic, qos.COMMANDS)
    before = sim.task.get_state().copy()

    def sent():
        pub.publish(commands.to_message(kind, [1.0, 0.0], ('linear.x', 'angular.z')))
        return sim.step >= 1
    probe.wait(sent, what=f'a step driven by {kind}')
    assert not np.allclose(sim.task.get_state(), before)  # the command moved the agent
