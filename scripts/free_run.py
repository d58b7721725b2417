# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Measure free-run MPC through `ros2 launch`: command gaps and success.

Starts `ros2 launch fast_lewm_ros sim_planning.launch.py lock_step:=false` (wall-clock
simulation, timer commands: what a robot sees) in an isolated ROS domain, listens
to cmd_action and episode_status until --episodes episodes have ended, then stops
the launch. Reports the gap between consecutive commands in control periods
(within episodes; the gap at an episode change, where the new goal's first plan is
cold, separately: a gap is "at a goal change" when a goal image reached this
probe within it or up to GOAL_SLACK before it, since the planner may get the goal
a little before the probe does) and the success rate. Usage:

    scripts/with_env.sh python scripts/free_run.py --episodes 10 [--json FILE]
        [--arg warm_iterations:=3 ...]  (planner parameters, via planner_params)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time

import numpy as np

GOAL_SLACK = 0.25  # seconds: goal receipt here vs at the planner (two DDS subscribers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--episodes', type=int, default=10)
    parser.add_argument('--control-period', type=float, default=0.05,
                        help='the planner control_period the gaps are measured in (0.05)')
    parser.add_argument('--arg', action='append', default=[], metavar='NAME:=VALUE',
                        help='planner parameter, e.g. warm_iterations:=3 (repeatable)')
    parser.add_argument('--timeout', type=float, default=900.0)
    parser.add_argument('--json', help='write the result here')
    args = parser.parse_args()

    os.environ['ROS_DOMAIN_ID'] = str(random.randint(1, 200))
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from sensor_msgs.msg import Image
    from std_msgs.msg import Float32MultiArray

    from fast_lewm_ros.msg import EpisodeStatus
    from fast_lewm_ros.ros import qos

    extra = _planner_params(args.arg, args.control_period)
    cmd = ['ros2', 'launch', 'fast_lewm_ros', 'sim_planning.launch.py', 'lock_step:=false',
           f'planner_params:={extra}']
    rclpy.init()
    node = rclpy.create_node('free_run_probe')
    lock = threading.Lock()
    commands: list[tuple[float, int]] = []   # (monotonic receipt time, episode)
    episodes: dict[int, bool] = {}           # episode -> success, once done
    goals: list[float] = []                  # monotonic receipt times of goal images
    state = {'episode': -1}

    def on_command(msg):
        with lock:
            commands.append((time.monotonic(), state['episode']))

    def on_status(msg):
        with lock:
            state['episode'] = msg.episode
            if msg.done:
                episodes[msg.episode] = bool(msg.success)

    node.create_subscription(Float32MultiArray, 'cmd_action', on_command, qos.COMMANDS)
    node.create_subscription(EpisodeStatus, 'episode_status', on_status, qos.COMMANDS)
    node.create_subscription(Image, 'goal_image', lambda m: goals.append(time.monotonic()),
                             qos.LATCHED)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    launch = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while time.monotonic() - started < args.timeout:
            executor.spin_once(timeout_sec=0.05)
            with lock:
                if len(episodes) >= args.episodes + 1:  # the first may have begun unseen
                    break
    finally:
        os.killpg(launch.pid, signal.SIGINT)
        try:
            launch.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(launch.pid, signal.SIGKILL)
            launch.wait(10)
        node.destroy_node()
        rclpy.try_shutdown()
    result = _summary(commands, episodes, goals, args)
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return 0


def _planner_params(pairs: list[str], control_period: float) -> str:
    """Write the default planner.yaml plus NAME:=VALUE overrides to a temporary file."""
    import yaml

    from fast_lewm_ros.resources import share_path
    data = yaml.safe_load(share_path('config', 'planner.yaml').read_text())
    section = next(iter(data.values()))['ros__parameters']
    section['control_period'] = control_period
    for pair in pairs:
        name, value = pair.split(':=', 1)
        section[name] = yaml.safe_load(value)
    handle = tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False)
    yaml.safe_dump(data, handle)
    handle.close()
    return handle.name


def _summary(commands, episodes, goals, args) -> dict:
    times = np.array([t for t, _ in commands])
    eps = np.array([e for _, e in commands])
    done = sorted(episodes)[1:args.episodes + 1]  # drop the first: it may have begun unseen
    goals = np.sort(goals)
    inside, change = [], []
    for i in range(1, len(commands)):
        if eps[i - 1] not in done and eps[i] not in done:
            continue
        gap = (times[i] - times[i - 1]) / args.control_period
        new_goal = np.any((goals > times[i - 1] - GOAL_SLACK) & (goals < times[i]))
        (change if new_goal else inside).append(gap)

    def stats(g):
        g = np.asarray(g)
        return {} if g.size == 0 else {
            'count': int(g.size), 'median': float(np.median(g)),
            'p95': float(np.percentile(g, 95)), 'max': float(g.max())}

    successes = sum(episodes[e] for e in done)
    return {'episodes': len(done), 'successes': int(successes),
            'success_rate': successes / max(len(done), 1),
            'control_period_s': args.control_period, 'planner_overrides': args.arg,
            'gap_in_periods_all': stats(np.diff(times) / args.control_period),
            'gap_in_periods_within_episodes': stats(inside),
            'gap_in_periods_at_episode_change': stats(change),
            'cpu_count': os.cpu_count(), 'load_average_1min': os.getloadavg()[0],
            'command_times_s': (times - times[0]).round(4).tolist() if len(times) else [],
            'command_episodes': eps.tolist(),
            'goal_times_s': (goals - times[0]).round(4).tolist() if len(times) else []}


if __name__ == '__main__':
    raise SystemExit(main())
