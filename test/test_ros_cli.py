# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The `ros2` command line as a user types it: ros2 launch, lifecycle, param, topic pub.

Every command is a subprocess of the real `ros2` (a ROS 2 distribution's, or the
one `bash ../shared/ros2cli/install.sh .venv` puts into the venv; .ci/run does
that). Where there is none the tests skip and say so, unless
FAST_LEWM_REQUIRE_ROS2=1 (set by .ci/run) turns the skip into a failure.
Each test uses its own ROS domain (discovery on localhost), polls every answer
with a timeout and retries (the CLI races listed in notes/platform.md), and
stops what it started: the launch with SIGINT, as Ctrl-C does, then the daemon.
The planner runs a tiny random model with a small CEM budget: these tests are
about the plumbing, not about planning quality.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
import random
import re
import shutil
import signal
import subprocess
import sys
import time

from conftest import wait_for
import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ROS2 = shutil.which('ros2')
if ROS2 is None:
    reason = ('the ros2 command is not installed (launch, launch_ros and ros2cli are not on '
              'PyPI): `make ros2cli` (bash ../shared/ros2cli/install.sh .venv, as .ci/run does) '
              'or source a ROS 2 distribution')
    if os.environ.get('FAST_LEWM_REQUIRE_ROS2') == '1':
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)
from ros_testing import save_tiny_checkpoint  # noqa: E402 - skips without rclpy / messages

TINY = 16          # the tiny model's image size
CAMERA = 96        # the robot camera's size: another size, resized by the planner
STOP_WITHIN = 15   # s: Ctrl-C must end a launch this fast


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Tiny checkpoint, a fast planner parameter file and camera/goal YAML files."""
    from PIL import Image

    from fast_lewm_ros import envs
    out = tmp_path_factory.mktemp('cli')
    params = yaml.safe_load((ROOT / 'config' / 'planner.yaml').read_text())
    params['/**/planner_node']['ros__parameters'].update(samples=8, iterations=2, elites=2)
    (out / 'planner.yaml').write_text(yaml.safe_dump(params))
    env = envs.make('tworoom', image_size=CAMERA)
    try:
        obs, _ = env.reset(seed=0)
        Image.fromarray(obs).save(out / 'camera.png')
        Image.fromarray(env.unwrapped.goal_image()).save(out / 'goal.png')
    finally:
        env.close()
    for name in ('camera', 'goal'):
        text = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'img2yaml.py'),
                               str(out / f'{name}.png')], capture_output=True, text=True,
                              timeout=60, check=True).stdout
        (out / f'{name}.yaml').write_text(text)
    return {'checkpoint': save_tiny_checkpoint(out), 'params': str(out / 'planner.yaml'),
            'camera': out / 'camera.yaml', 'goal': out / 'goal.yaml', 'dir': out}


class Ros2:
    """`ros2` subprocesses on one ROS domain; everything started is stopped in close()."""

    def __init__(self, tmp_path: Path):
        self.env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(1, 200)),
                        ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST', PYTHONUNBUFFERED='1')
        self.tmp_path = tmp_path
        self.background: list[tuple[subprocess.Popen, Path]] = []

    def run(self, *args, stdin: Path | None = None, timeout: float = 30) -> tuple[int, str]:
        """Run `ros2 ARGS` once; return (exit code, stdout + stderr); -1 on a hang."""
        source = open(stdin) if stdin else subprocess.DEVNULL
        try:
            done = subprocess.run([ROS2, *args], stdin=source, capture_output=True, text=True,
                                  env=self.env, timeout=timeout)
            return done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as err:  # a CLI service call can hang (platform.md)
            return -1, f'timed out after {timeout} s: {err.stdout or ""}'
        finally:
            if stdin:
                source.close()

    def until(self, *args, expect: str, within: float = 90, timeout: float = 30,
              stdin: Path | None = None) -> str:
        """Run `ros2 ARGS` until its output contains `expect` (regex); return that output.

        Retried for `within` seconds: a node still importing torch on a loaded machine
        is 'Node not found' for a while, and a service call may hang (each call gets
        `timeout`).
        """
        outputs, deadline = [], time.monotonic() + within
        while not outputs or time.monotonic() < deadline:
            code, out = self.run(*args, stdin=stdin, timeout=timeout)
            if re.search(expect, out, re.M):
                return out
            outputs.append(f'[exit {code}] {out.strip()[-300:]}')
            time.sleep(0.5)  # a pause between retries, not a wait for a condition
        raise AssertionError(f'`ros2 {" ".join(args)}` never printed {expect!r} in '
                             f'{len(outputs)} tries; the last ones:\n' + '\n'.join(outputs[-5:]))

    def start(self, name: str, *args, stdin: Path | None = None) -> subprocess.Popen:
        """Start `ros2 ARGS` in the background, its output in NAME.log."""
        log = self.tmp_path / f'{name}.log'
        with open(log, 'w') as out, open(stdin or os.devnull) as source:
            proc = subprocess.Popen([ROS2, *args], stdin=source, stdout=out,
                                    stderr=subprocess.STDOUT, env=self.env,
                                    start_new_session=True)  # SIGINT reaches it alone
        self.background.append((proc, log))
        return proc

    def log(self, proc: subprocess.Popen) -> str:
        return next(log for p, log in self.background if p is proc).read_text()

    def wait_log(self, proc: subprocess.Popen, text: str, timeout: float = 90) -> None:
        assert wait_for(lambda: text in self.log(proc), timeout=timeout), \
            f'{text!r} not in the log:\n{self.log(proc)[-3000:]}'

    def interrupt(self, proc: subprocess.Popen) -> int | None:
        """Send SIGINT (Ctrl-C); return the exit code, or None if it outlived STOP_WITHIN."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        for proc, _ in self.background:
            if self.interrupt(proc) is None:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its processes
                proc.wait()
        self.run('daemon', 'stop', timeout=30)


@pytest.fixture
def ros2(tmp_path):
    cli = Ros2(tmp_path)
    yield cli
    cli.close()


def command(text: str) -> np.ndarray:
    """Parse the `data:` list of a `ros2 topic echo` of a Float32MultiArray."""
    block = text.split('data:', 1)[1].split('---', 1)[0]
    return np.array([float(v) for v in re.findall(r'^- (\S+)$', block, re.M)])


def assert_stopped_cleanly(ros2: Ros2, launch: subprocess.Popen, nodes: list[str]) -> None:
    code = ros2.interrupt(launch)
    log = ros2.log(launch)
    assert code == 0, f'launch exit code {code} after Ctrl-C:\n{log[-3000:]}'
    for node in nodes:
        assert f'[{node}-' in log and re.search(rf'\[{node}-\d+\]: process has finished '
                                                'cleanly', log), log[-3000:]
    assert 'Traceback' not in log, log


def test_show_args_documents_every_argument_and_bad_values_fail(ros2):
    for name, arguments in [
            ('planner.launch.py', ['namespace', 'checkpoint', 'params_file', 'device', 'use_sim',
                                   'autostart', 'resize_images', 'image_topic', 'goal_topic',
                                   'cmd_topic']),
            ('sim_planning.launch.py', ['env', 'checkpoint', 'device', 'lock_step',
                                        'image_size', 'namespace'])]:
        out = ros2.until('launch', 'fast_lewm_ros', name, '--show-args', expect='Arguments')
        for argument in arguments:
            # 'name':\n    description\n    (default: ...)
            assert re.search(rf"'{argument}':\n\s+\S.*\n(\s+.*\n)*?\s+\(default: ", out), \
                f'{name}: {argument} is not documented:\n{out}'
    code, out = ros2.run('launch', 'fast_lewm_ros', 'planner.launch.py', 'resize_images:=maybe',
                         timeout=60)
    assert code != 0 and "resize_images:='maybe' must be 'true' or 'false'" in out, out


def test_planner_launch_remapped_camera_resized_commands_params_and_ctrl_c(ros2, files):
    """The issue's robot case: namespace, a 96x96 camera elsewhere, resize_images:=true."""
    launch = ros2.start('launch', 'launch', 'fast_lewm_ros', 'planner.launch.py',
                        'namespace:=robot1', 'image_topic:=/camera/image_raw',
                        'resize_images:=true', f'checkpoint:={files["checkpoint"]}',
                        f'params_file:={files["params"]}')
    ros2.until('lifecycle', 'get', '/robot1/planner_node', expect=r'^active \[3\]')
    ros2.start('camera', 'topic', 'pub', '-r', '10', '--stdin', '/camera/image_raw',
               'sensor_msgs/msg/Image', stdin=files['camera'])
    ros2.until('topic', 'pub', '--once', '--keep-alive', '1', '--max-wait-time-secs', '15',
               '--stdin', '/robot1/goal_image', 'sensor_msgs/msg/Image',
               stdin=files['goal'], expect='publishing #1')
    ros2.wait_log(launch, 'new goal encoded')
    out = ros2.until('topic', 'echo', '--once', '--timeout', '15', '/robot1/cmd_action',
                     'std_msgs/msg/Float32MultiArray', expect='data:')
    action = command(out)
    assert action.shape == (2,) and all(math.isfinite(v) and abs(v) <= 1 for v in action)
    assert 'rejected' not in ros2.log(launch)  # 96x96 camera and goal were resized

    ros2.until('param', 'get', '/robot1/planner_node', 'resize_images',
               expect='Boolean value is: True')
    ros2.until('param', 'set', '/robot1/planner_node', 'samples', '16',
               expect='Set parameter successful')
    out = ros2.until('param', 'set', '/robot1/planner_node', 'elites', '1000',
                     expect='Setting parameter failed')
    assert 'elites' in out, out
    ros2.until('param', 'get', '/robot1/planner_node', 'elites',
               expect='Integer value is: 2')
    assert_stopped_cleanly(ros2, launch, ['planner_node'])


def test_planner_launch_lifecycle_by_hand_and_a_resent_goal(ros2, files):
    """autostart:=false: waiting is logged; lifecycle transitions; a rejected goal re-sent."""
    launch = ros2.start('launch', 'launch', 'fast_lewm_ros', 'planner.launch.py',
                        'namespace:=robot1', 'autostart:=false',
                        f'checkpoint:={files["checkpoint"]}', f'params_file:={files["params"]}')
    ros2.wait_log(launch, 'waiting for a lifecycle manager')
    node = '/robot1/planner_node'
    ros2.until('lifecycle', 'get', node, expect=r'^unconfigured \[1\]')
    for transition, state in [('configure', r'^inactive \[2\]'), ('activate', r'^active \[3\]')]:
        ros2.until('lifecycle', 'set', node, transition, expect='Transitioning successful')
        ros2.until('lifecycle', 'get', node, expect=state)
    # A 96x96 goal is rejected (resize_images false): logged once, with the way out.
    goal = ('topic', 'pub', '--once', '--keep-alive', '1', '--max-wait-time-secs', '15',
            '--stdin', f'{node.rsplit("/", 1)[0]}/goal_image', 'sensor_msgs/msg/Image')
    ros2.until(*goal, stdin=files['goal'], expect='publishing #1')
    ros2.wait_log(launch, 'goal rejected (last good kept): image is 96x96, the model expects '
                          '16x16 (set resize_images:=true to resize)')
    ros2.until('param', 'set', node, 'resize_images', 'true', expect='Set parameter successful')
    # The same bytes again (ros2 topic pub stamps 0): accepted now, not dropped as a duplicate.
    ros2.until(*goal, stdin=files['goal'], expect='publishing #1')
    ros2.wait_log(launch, 'new goal encoded')
    assert ros2.log(launch).count('goal rejected') == 1
    for transition, state in [('deactivate', r'^inactive \[2\]'),
                              ('cleanup', r'^unconfigured \[1\]')]:
        ros2.until('lifecycle', 'set', node, transition, expect='Transitioning successful')
        ros2.until('lifecycle', 'get', node, expect=state)
    assert_stopped_cleanly(ros2, launch, ['planner_node'])


def test_sim_planning_launch_closes_the_loop_in_a_namespace(ros2, files):
    launch = ros2.start('launch', 'launch', 'fast_lewm_ros', 'sim_planning.launch.py',
                        'namespace:=robot2', f'checkpoint:={files["checkpoint"]}',
                        f'image_size:={TINY}', f'planner_params:={files["params"]}',
                        'device:=cpu')
    ros2.until('lifecycle', 'get', '/robot2/planner_node', expect=r'^active \[3\]')
    # Lock-step: each command steps the sim, whose next image brings the next command.
    out = ros2.until('topic', 'echo', '--once', '--timeout', '15', '/robot2/cmd_action',
                     'std_msgs/msg/Float32MultiArray', expect='data:')
    assert command(out).shape == (2,)
    ros2.until('topic', 'echo', '--once', '--timeout', '15', '/clock',
               'rosgraph_msgs/msg/Clock', expect='clock:')
    assert_stopped_cleanly(ros2, launch, ['sim_node', 'planner_node'])


def test_sim_planning_launch_with_a_wrong_image_size_says_why_it_stalls(ros2, files):
    launch = ros2.start('launch', 'launch', 'fast_lewm_ros', 'sim_planning.launch.py',
                        f'checkpoint:={files["checkpoint"]}', 'image_size:=32',
                        f'planner_params:={files["params"]}')
    ros2.wait_log(launch, 'image rejected (last good kept): image is 32x32, the model '
                          'expects 16x16')
    assert_stopped_cleanly(ros2, launch, ['sim_node', 'planner_node'])
    assert ros2.log(launch).count('image rejected') == 1  # throttled: once per cause
