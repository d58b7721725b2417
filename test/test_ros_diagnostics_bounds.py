# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Diagnostics stay small and quiet, parameters are checked per request, plan ids count on.

Real rclpy nodes in-process with a probe node (test/ros_testing.py), as in
test_ros_planner_node.py; the bad-parameter-file check runs the installed
executable.
"""
import subprocess
import time

from conftest import wait_for
import numpy as np
from ros_testing import executable, feed_until, make_planner, params, task_images
from sensor_msgs.msg import Image
from std_msgs.msg import Float32MultiArray

from fast_lewm_ros.ros import diagnostics
from fast_lewm_ros.ros.diagnostics import ERROR, OK, StatusBoard, WARN
from fast_lewm_ros.ros.sim_node import SimNode

NAME = '/planner_node'


def test_board_bounds_text_lists_every_cause_and_expires_events():
    board = StatusBoard('/n')
    board.set('goal', ERROR, 'unsupported encoding ' + 'x' * 100_000, hold=1.0)
    board.set('image_stream', WARN, 'no image for 1.00 s')
    board.value('huge', 'y' * 100_000)
    level, text = board.summary()
    assert level == ERROR and 'no image for' in text  # the ERROR does not hide the WARN
    assert len(text) < 1000
    msg = board.message(None)
    assert all(len(kv.value) < 1000 for kv in msg.status[0].values)
    board.set('image_stream', WARN, 'no image for 1.05 s')  # only a number changed
    time.sleep(diagnostics.MIN_INTERVAL)
    assert not board.changed()
    assert wait_for(lambda: board.summary()[0] == WARN, timeout=5)  # the event expired
    assert board.changed()


def _rate(probe, name, seconds):
    start = probe.count(probe.diagnostics)
    time.sleep(seconds)  # a rate can only be measured over some time
    with probe.lock:
        return sum(1 for n, _, _ in probe.diagnostics[start:] if n == name) / seconds


def test_stale_warning_is_not_republished_every_tick(probe, tiny_checkpoint):
    image, goal = task_images()
    make_planner(probe, tiny_checkpoint, control_period=0.005, stale_timeout=0.2,
                 diagnostics_period=1.0)
    probe.send_goal(goal)
    feed_until(probe, image, lambda: probe.count(probe.commands) >= 2, 'first commands')
    probe.wait(lambda: probe.diagnosed(NAME, WARN, 'no image for',
                                       since=max(0, probe.count(probe.diagnostics) - 1)),
               what='stale WARN')
    assert _rate(probe, NAME, 1.5) < 10  # was one per control tick (~200/s)


def test_rejected_goal_does_not_hide_other_causes(probe, tiny_checkpoint):
    image, _ = task_images()
    make_planner(probe, tiny_checkpoint)
    bad = Image(height=16, width=16, encoding='q' * 100_000, step=48, data=bytes(768))
    probe.goal_pub.publish(bad)
    probe.wait(lambda: probe.diagnosed(NAME, ERROR, 'waiting for goal'), timeout=20,
               what='ERROR that still shows the goal WARN')
    with probe.lock:
        assert max(len(m) for _, _, m in probe.diagnostics) < 2000


def test_plan_ids_count_on_across_goals(probe, tiny_checkpoint):
    image, goal = task_images()
    _, other_goal = task_images(seed=3)
    make_planner(probe, tiny_checkpoint)
    probe.send_goal(goal, sec=1)
    feed_until(probe, image, lambda: probe.count(probe.plans) >= 1, 'a plan', sec=2)
    first = probe.count(probe.plans)
    probe.send_goal(other_goal, sec=3)
    feed_until(probe, image, lambda: probe.count(probe.plans) >= first + 1,
               'a plan for the second goal', sec=4)
    ids = [p.plan_id for p in probe.plans]
    assert ids == sorted(set(ids)), ids  # never restarts at 0


def test_parameter_request_is_checked_as_a_whole(probe, tiny_checkpoint):
    from rcl_interfaces.srv import SetParameters
    node = make_planner(probe, tiny_checkpoint, samples=100, elites=10)
    client = probe.node.create_client(SetParameters, f'{NAME}/set_parameters')
    assert client.wait_for_service(timeout_sec=15)

    def request(**values):
        future = client.call_async(SetParameters.Request(
            parameters=[p.to_parameter_msg() for p in params(**values)]))
        probe.wait(future.done, what='set_parameters reply')
        return future.result().results

    results = request(elites=150, samples=200)  # elites > the old samples, <= the new
    assert all(r.successful for r in results), [r.reason for r in results]
    assert (node.settings.samples, node.settings.elites) == (200, 150)
    refused = request(elites=500)[0]
    assert not refused.successful and 'elites' in refused.reason
    unknown = request(samplez=5)[0]
    assert not unknown.successful
    assert 'samplez' in unknown.reason and 'samples' in unknown.reason, unknown.reason


def test_sim_node_summarises_a_huge_bad_command(probe):
    probe.add(SimNode(context=probe.context, parameter_overrides=params(
        image_size=16, lock_step=True, max_steps=3, seed=42)))
    probe.wait(lambda: probe.count(probe.images) > 0, timeout=30, what='first sim image')
    huge = Float32MultiArray()
    huge.data = np.zeros(1_000_000, np.float32).tolist()
    probe.cmd_pub.publish(huge)
    probe.wait(lambda: probe.diagnosed('/sim_node', ERROR, 'got 1000000'), timeout=30,
               what='the ERROR for a 1M-value command')
    with probe.lock:
        assert max(len(m) for n, _, m in probe.diagnostics if n == '/sim_node') < 2000
    probe.send_action([0.1, 0.0])  # a good command clears it
    probe.wait(lambda: probe.diagnosed('/sim_node', OK, '', since=probe.count(
        probe.diagnostics) - 1), timeout=30, what='OK again')


def test_bad_parameter_file_is_one_message_without_traceback(tmp_path, ros_domain):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('/**:\n  ros__parameters:\n    samples: -5\n')
    result = subprocess.run([executable('planner_node'), '--ros-args', '--params-file',
                             str(bad)], capture_output=True, text=True, timeout=60)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and 'samples' in out
    assert 'Traceback' not in out and 'AttributeError' not in out, out[-3000:]


PUBLISH_HUGE_FRAMES = """
import time
import rclpy
from sensor_msgs.msg import Image
from fast_lewm_ros.ros import qos
rclpy.init()
node = rclpy.create_node('huge_camera')
pub = node.create_publisher(Image, 'image', qos.SENSOR)
deadline = time.monotonic() + 30
while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
    rclpy.spin_once(node, timeout_sec=0.1)
frame = Image(height=4000, width=4000, encoding='rgb8', step=12000, data=bytes(48_000_000))
for _ in range(4):
    pub.publish(frame)
    time.sleep(0.5)
"""


def test_frames_dropped_by_the_middleware_are_counted(probe, tiny_checkpoint):
    import sys

    from diagnostic_msgs.msg import DiagnosticArray
    make_planner(probe, tiny_checkpoint)
    lost = []
    probe.node.create_subscription(DiagnosticArray, '/diagnostics', lambda msg: lost.extend(
        kv.value for s in msg.status for kv in s.values if kv.key == 'image_messages_lost'), 10)
    subprocess.run([sys.executable, '-c', PUBLISH_HUGE_FRAMES], timeout=90, check=True)
    probe.wait(lambda: len(lost) > 0, timeout=20, what='image_messages_lost on /diagnostics')
    assert int(lost[-1]) >= 1
