# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The installed executables as separate processes: sim_node + planner_node, publish_goal.

They run from the colcon install (the scripts `ros2 run` would start) with the
parameter files from config/, in a namespace, on this test's ROS domain.
"""
import os
from pathlib import Path
import signal
import subprocess

import numpy as np
import pytest
from ros_testing import executable, Probe, task_images

from fast_lewm_ros.ros.conversions import image_to_numpy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Processes:
    """Started processes, stopped with SIGINT (like Ctrl-C) at the end."""

    def __init__(self, tmp_path):
        self.tmp_path, self.procs = tmp_path, []

    def start(self, name, *args):
        log = open(self.tmp_path / f'{name}.log', 'w')
        proc = subprocess.Popen([executable(name), *args], stdout=log,
                                stderr=subprocess.STDOUT, env=dict(os.environ))
        self.procs.append((name, proc, log))
        return proc

    def log(self, name):
        return (self.tmp_path / f'{name}.log').read_text()

    def stop(self):
        codes = {}
        for name, proc, log in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                codes[name] = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
            log.close()
        return codes


@pytest.fixture
def processes(ros_domain, tmp_path):
    procs = Processes(tmp_path)
    yield procs
    procs.stop()


@pytest.fixture
def probe(rclpy_context):
    probe = Probe(rclpy_context, namespace='/robot1').start()
    yield probe
    probe.close()


def test_sim_and_planner_processes_move_the_agent(processes, probe, tiny_checkpoint):
    ns = ['-r', '__ns:=/robot1']
    processes.start('sim_node', '--ros-args', *ns,
                    '--params-file', str(ROOT / 'config' / 'sim.yaml'),
                    '-p', 'lock_step:=true', '-p', 'image_size:=16', '-p', 'max_steps:=1000')
    processes.start('planner_node', '--ros-args', *ns,
                    '--params-file', str(ROOT / 'config' / 'planner.yaml'),
                    '-p', f'checkpoint:={tiny_checkpoint}', '-p', 'samples:=8',
                    '-p', 'iterations:=2', '-p', 'elites:=2', '-p', 'command_trigger:=image',
                    '-p', 'use_sim_time:=true', '-p', 'autostart:=true')
    # Wait on everything the probe must see: each of its subscriptions matches the
    # processes' publishers at its own time (discovery), so a message on one topic
    # says nothing about another. Lock-step keeps the two processes stepping.

    def moved():
        with probe.lock:
            frames = [image_to_numpy(m) for m in probe.images]
            stepped = any(s.step >= 1 for s in probe.statuses)
        return (probe.count(probe.plans) >= 1 and probe.count(probe.commands) >= 10
                and stepped and any((f != frames[0]).any() for f in frames[1:]))

    probe.wait(moved, timeout=90, what=lambda: (  # the logs as they are at the timeout
        'a plan, 10 commands, a step and a moved agent\n'
        f'sim_node:\n{processes.log("sim_node")}\nplanner_node:\n{processes.log("planner_node")}'))
    codes = processes.stop()
    assert codes == {'sim_node': 0, 'planner_node': 0}, codes  # clean Ctrl-C shutdown


def test_planner_process_rejects_an_out_of_range_parameter(processes):
    proc = processes.start('planner_node', '--ros-args', '-p', 'samples:=1')
    assert proc.wait(timeout=60) == 1
    assert 'samples' in processes.log('planner_node')


def test_publish_goal_once_and_latched(processes, probe, tmp_path):
    from PIL import Image
    _, goal = task_images(size=32)
    Image.fromarray(goal).save(tmp_path / 'goal.png')
    once = processes.start('publish_goal', '--file', str(tmp_path / 'goal.png'), '--size', '16',
                           '--ros-args', '-r', '__ns:=/robot1')
    assert once.wait(timeout=60) == 0, processes.log('publish_goal')
    probe.wait(lambda: probe.count(probe.goals) >= 1, what='the goal sent once')
    assert image_to_numpy(probe.goals[0]).shape == (16, 16, 3)
    # Latched, from the task: a subscriber that joins later still receives it.
    processes.start('publish_goal', '--env', 'tworoom', '--size', '16', '--latch',
                    '--ros-args', '-r', '__ns:=/robot1', '-r', 'goal_image:=late_goal')
    late = []
    from sensor_msgs.msg import Image as ImageMsg

    from fast_lewm_ros.ros import qos
    probe.wait(lambda: 'latched' in processes.log('publish_goal'), what='latched publish')
    probe.node.create_subscription(ImageMsg, 'late_goal', late.append, qos.LATCHED)
    probe.wait(lambda: late, what='the latched goal')
    assert image_to_numpy(late[0]).shape == (16, 16, 3)
    assert np.asarray(late[0].data).any()


def test_a_second_ctrl_c_during_teardown_is_not_a_traceback(processes, tiny_checkpoint):
    # `timeout`, launch and shells can signal the whole process group while the node
    # is already shutting down (torch's teardown takes seconds on a busy machine).
    import time
    proc = processes.start('planner_node', '--ros-args', '-p', f'checkpoint:={tiny_checkpoint}',
                           '-p', 'autostart:=true')
    deadline = time.monotonic() + 60
    while 'loaded' not in processes.log('planner_node') and time.monotonic() < deadline:
        assert proc.poll() is None, processes.log('planner_node')
        time.sleep(0.2)
    assert 'loaded' in processes.log('planner_node')
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0, processes.log('planner_node')
    assert 'Traceback' not in processes.log('planner_node')
