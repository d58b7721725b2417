# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Seeded fuzzing of a running planner_node and sim_node over real DDS.

A planner drives a free-running sim (namespace `robot`) while a fuzzer sends
malformed and random images and goals to the planner, random cmd_action
messages to a second sim (namespace `fuzz`, so the planner's commands stay
apart), and random parameter requests to both. Afterwards: both nodes still
answer, every command the planner sent was finite and inside its bounds, the
process grew by a bounded amount, and no diagnostic message was large.
"""
import os

import numpy as np
import pytest
from rcl_interfaces.srv import SetParameters
from ros_testing import FAST_CEM, params, Probe, save_tiny_checkpoint, task_images
from sensor_msgs.msg import Image
from std_msgs.msg import Float32MultiArray

from fast_lewm_ros.ros import qos
from fast_lewm_ros.ros.planner_node import PlannerNode
from fast_lewm_ros.ros.sim_node import SimNode

ROUNDS = 600
ENCODINGS = ['rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', 'yuv422', '', '16UC1', 'x' * 5000]
# name -> values to draw from: valid ones (kept cheap: the machine has two cores),
# out-of-range ones, wrong types. Bounds get only invalid values, so every
# command must stay inside the default [-1, 1].
PLANNER_VALUES = {
    'samples': [4, 8, 16, 1, -3, 10 ** 12, 'many', 2.5],
    'iterations': [1, 2, 3, 0, 10 ** 9, True],
    'elites': [2, 3, 4, 1, 500, 'x'],
    'horizon': [1, 3, 5, 0, 99],
    'init_std': [0.5, 1.0, 0.0, -1.0, float('nan'), float('inf')],
    'replan_period': [0, 1, 5, -1, 10 ** 6],
    'control_period': [0.02, 0.05, 0.0, -1.0, float('nan')],
    'stale_timeout': [0.5, 2.0, 0.0, float('inf')],
    'stale_policy': ['zero', 'hold', 'sometimes', 3],
    'action_low': [[float('nan')], [2.0], [-1.0, -1.0, -1.0], [], 'low'],
    'action_high': [[float('inf')], [-2.0], [1.0, 1.0, 1.0]],
    'resize_images': [True, False, 'yes'],
    'diagnostics_period': [0.2, 0.5, 0.0, 1e9],
    'seed': [0, 7, -1, 2 ** 40],
    'autostart': [False],
    'no_such_parameter': [1, 'x'],
}
SIM_VALUES = {'max_steps': [5, 50, 0, -2, 'x'], 'auto_reset': [True, False, 2],
              'episodes': [0, 3, -1], 'action_timeout': [0.5, 0.0, float('nan')],
              'frame_id': ['cam', 'x' * 1000, 5], 'env': ['reacher'], 'bogus': [1]}


def _rss_mb() -> float:
    with open(f'/proc/{os.getpid()}/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def _random_image(rng) -> Image:
    """Build an Image whose fields disagree in random ways (or, sometimes, agree)."""
    h, w = (16, 16) if rng.random() < 0.3 else tuple(int(v) for v in rng.integers(0, 40, 2))
    encoding = ENCODINGS[rng.integers(len(ENCODINGS))]
    channels = int(rng.integers(1, 5))
    step = w * channels if rng.random() < 0.7 else int(rng.integers(0, 200))
    size = h * step if rng.random() < 0.7 else int(rng.integers(0, 4000))
    msg = Image(height=h, width=w, encoding=encoding, step=step,
                is_bigendian=int(rng.random() < 0.1))
    msg.data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    msg.header.stamp.sec = int(rng.integers(0, 2 ** 31 - 1))
    return msg


def _random_action(rng) -> Float32MultiArray:
    n = int(rng.choice([0, 1, 2, 2, 2, 3, 1000, 100_000]))
    with np.errstate(over='ignore'):  # float32 overflow to inf is one of the cases
        values = rng.normal(0, 10.0 ** rng.integers(0, 40), n).astype(np.float32)
    if n and rng.random() < 0.5:
        values[rng.integers(n)] = rng.choice([np.nan, np.inf, -np.inf])
    return Float32MultiArray(data=values.tolist())


def _random_request(rng, table) -> SetParameters.Request:
    names = list(table)
    picked = rng.choice(names, size=int(rng.integers(1, 4)), replace=False)
    values = {str(n): table[str(n)][rng.integers(len(table[str(n)]))] for n in picked}
    return SetParameters.Request(parameters=[p.to_parameter_msg() for p in params(**values)])


@pytest.fixture
def probe(rclpy_context):
    probe = Probe(rclpy_context, namespace='robot').start()
    yield probe
    probe.close()


def test_fuzzed_inputs_never_crash_or_command_out_of_bounds(probe, tmp_path):
    rng = np.random.default_rng(12)
    checkpoint = save_tiny_checkpoint(tmp_path)
    context = probe.context
    planner = probe.add(PlannerNode(context=context, namespace='robot', parameter_overrides=params(
        checkpoint=checkpoint, autostart=True, control_period=0.05, stale_timeout=2.0,
        diagnostics_period=0.5, **FAST_CEM)))
    probe.add(SimNode(context=context, namespace='robot', parameter_overrides=params(
        image_size=16, step_period=0.05, image_rate=20.0, max_steps=40)))
    probe.add(SimNode(context=context, namespace='fuzz', parameter_overrides=params(
        image_size=16, step_period=0.05, image_rate=5.0)))
    n = probe.node
    image_pub = n.create_publisher(Image, '/robot/image', qos.SENSOR)
    goal_pub = n.create_publisher(Image, '/robot/goal_image', qos.SENSOR)
    action_pub = n.create_publisher(Float32MultiArray, '/fuzz/cmd_action', qos.COMMANDS)
    clients = [(n.create_client(SetParameters, '/robot/planner_node/set_parameters'),
                PLANNER_VALUES),
               (n.create_client(SetParameters, '/fuzz/sim_node/set_parameters'), SIM_VALUES)]
    for client, _ in clients:
        assert client.wait_for_service(timeout_sec=30)
    probe.wait(lambda: probe.count(probe.commands) > 0, timeout=60,
               what='the planner driving the sim')
    rss_start = _rss_mb()

    for i in range(ROUNDS):
        image_pub.publish(_random_image(rng))
        if i % 4 == 0:
            goal_pub.publish(_random_image(rng))
        action_pub.publish(_random_action(rng))
        if i % 3 == 0:
            client, table = clients[i % 2]
            future = client.call_async(_random_request(rng, table))
            probe.wait(future.done, timeout=30, what=f'parameter reply in round {i}')
    rss_end = _rss_mb()

    # Both nodes answer; the planner still plans and commands from the sim's images.
    _, goal = task_images()
    planner.set_parameters(params(**FAST_CEM, action_low=[-1.0], action_high=[1.0],
                                  control_period=0.05, stale_timeout=2.0, horizon=5,
                                  replan_period=0, init_std=1.0))
    commands = probe.count(probe.commands)
    probe.send_goal(goal, sec=99)
    probe.wait(lambda: probe.count(probe.commands) > commands + 5, timeout=60,
               what='commands after the fuzzing')
    for client, _ in clients:
        future = client.call_async(SetParameters.Request())
        probe.wait(future.done, timeout=30, what='a reply after the fuzzing')
    with probe.lock:
        sent = np.concatenate([np.ravel(c) for c in probe.commands])
        longest = max(len(m) for _, _, m in probe.diagnostics)
    assert np.isfinite(sent).all()
    assert np.abs(sent).max() <= 1.0 + 1e-6
    assert longest < 5000
    assert rss_end - rss_start < 300, f'RSS grew {rss_end - rss_start:.0f} MB'
