# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Soak benchmark: planner_node drives a free-running sim_node for minutes; report drift.

Both nodes run in this process over real DDS (one executor thread, as `fast-lewm
demo` does; the planner plans on its own thread). A monitor node records every
ActionPlan, cmd_action, EpisodeStatus and /diagnostics message. Every
--report-every seconds it prints a line; at the end a JSON summary: resident
memory over time, plans, commands (all finite?), command gaps and planning-time
percentiles, image-to-command latency percentiles (from the planner's
diagnostics) and episodes reached.

  scripts/with_env.sh python scripts/soak.py --minutes 10 --json results/soak.json
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import random
import sys
import threading
import time

import numpy as np


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    with open(f'/proc/{os.getpid()}/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def percentiles(values) -> dict:
    """Return p50/p90/p99/max of `values` (milliseconds), or {} when there are none."""
    if len(values) == 0:
        return {}
    v = np.asarray(values, np.float64)
    return {k: round(float(np.percentile(v, q)), 2) for k, q in
            (('p50', 50), ('p90', 90), ('p99', 99), ('max', 100))}


class Monitor:
    """Record what the nodes publish; thread-safe counters."""

    def __init__(self, node, max_steps: int):
        from diagnostic_msgs.msg import DiagnosticArray
        from std_msgs.msg import Float32MultiArray

        from fast_lewm_ros.msg import ActionPlan, EpisodeStatus
        from fast_lewm_ros.ros import qos
        self.lock = threading.Lock()
        self.plan_ms, self.gap_ms, self.latency_ms = [], [], []
        self.plans = self.commands = self.nonfinite = self.episodes = self.successes = 0
        self.errors = 0
        self._last_command = None
        node.create_subscription(ActionPlan, 'action_plan', self.on_plan, qos.COMMANDS)
        node.create_subscription(Float32MultiArray, 'cmd_action', self.on_command, qos.COMMANDS)
        node.create_subscription(EpisodeStatus, 'episode_status', self.on_status, qos.COMMANDS)
        node.create_subscription(DiagnosticArray, '/diagnostics', self.on_diagnostics, 50)

    def on_plan(self, msg) -> None:
        with self.lock:
            self.plans += 1
            self.plan_ms.append(msg.planning_time * 1e3)

    def on_command(self, msg) -> None:
        now = time.monotonic()
        with self.lock:
            self.commands += 1
            self.nonfinite += int(not np.isfinite(np.asarray(msg.data)).all())
            if self._last_command is not None:
                self.gap_ms.append((now - self._last_command) * 1e3)
            self._last_command = now

    def on_status(self, msg) -> None:
        if msg.done:
            with self.lock:
                self.episodes += 1
                self.successes += int(msg.success)

    def on_diagnostics(self, msg) -> None:
        for status in msg.status:
            if not status.name.endswith('planner_node'):
                continue
            with self.lock:
                self.errors += int(status.level[0] == 2)
                for kv in status.values:
                    if kv.key == 'latency_image_to_command_ms':
                        self.latency_ms.append(float(kv.value))


def run(args) -> dict:
    """Run the soak; return the summary."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from fast_lewm_ros.envs import task_checkpoint
    from fast_lewm_ros.model import WorldModel
    from fast_lewm_ros.ros.planner_node import PlannerNode
    from fast_lewm_ros.ros.sim_node import SimNode
    checkpoint = Path(args.checkpoint) if args.checkpoint else task_checkpoint(args.env)
    size = WorldModel.load(checkpoint).config.image_size
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(os.environ.get('ROS_DOMAIN_ID', '0')))
    nodes = []
    try:
        nodes.append(SimNode(context=context, namespace='soak', parameter_overrides=[
            Parameter('env', value=args.env), Parameter('image_size', value=size),
            Parameter('step_period', value=args.step_period),
            Parameter('image_rate', value=args.image_rate),
            Parameter('max_steps', value=args.max_steps)]))
        nodes.append(PlannerNode(context=context, namespace='soak', parameter_overrides=[
            Parameter('checkpoint', value=str(checkpoint)), Parameter('autostart', value=True),
            Parameter('samples', value=args.samples),
            Parameter('iterations', value=args.iterations),
            Parameter('elites', value=args.elites),
            Parameter('control_period', value=args.step_period)]))
        monitor_node = Node('soak_monitor', namespace='soak', context=context)
        nodes.append(monitor_node)
        monitor = Monitor(monitor_node, args.max_steps)
        executor = SingleThreadedExecutor(context=context)
        for node in nodes:
            executor.add_node(node)
        start = time.monotonic()
        samples = [(0.0, round(rss_mb(), 1))]
        next_report = args.report_every
        while time.monotonic() - start < args.minutes * 60:
            executor.spin_once(timeout_sec=0.05)
            elapsed = time.monotonic() - start
            if elapsed >= next_report:
                next_report += args.report_every
                samples.append((round(elapsed, 1), round(rss_mb(), 1)))
                with monitor.lock:
                    print(f'{elapsed:7.0f} s  rss {samples[-1][1]:7.1f} MB  plans '
                          f'{monitor.plans:6d}  commands {monitor.commands:7d}  episodes '
                          f'{monitor.episodes:4d} ({monitor.successes} reached)', flush=True)
        wall = time.monotonic() - start
    finally:
        for node in reversed(nodes):
            node.destroy_node()
        context.try_shutdown()
    with monitor.lock:
        return {
            'env': args.env, 'checkpoint': str(checkpoint), 'minutes': round(wall / 60, 2),
            'samples': args.samples, 'iterations': args.iterations,
            'step_period_s': args.step_period, 'image_rate_hz': args.image_rate,
            'rss_mb': samples, 'rss_growth_mb': round(samples[-1][1] - samples[1][1], 1)
            if len(samples) > 2 else None,
            'plans': monitor.plans, 'commands': monitor.commands,
            'commands_per_s': round(monitor.commands / wall, 2),
            'nonfinite_commands': monitor.nonfinite,
            'episodes': monitor.episodes, 'episodes_reached': monitor.successes,
            'planner_error_messages': monitor.errors,
            'plan_ms': percentiles(monitor.plan_ms),
            'command_gap_ms': percentiles(monitor.gap_ms),
            'image_to_command_ms': percentiles(monitor.latency_ms),
            'cpu_count': os.cpu_count(), 'load_avg_1m_at_end': round(os.getloadavg()[0], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--minutes', type=float, default=10.0)
    parser.add_argument('--env', default='tworoom')
    parser.add_argument('--checkpoint', help="default: the task's shipped checkpoint")
    parser.add_argument('--samples', type=int, default=300)
    parser.add_argument('--iterations', type=int, default=30)
    parser.add_argument('--elites', type=int, default=30)
    parser.add_argument('--step-period', type=float, default=0.05,
                        help='sim step and planner control period, s (0.05 = 20 Hz)')
    parser.add_argument('--image-rate', type=float, default=20.0)
    parser.add_argument('--max-steps', type=int, default=50, help='primitive steps per episode')
    parser.add_argument('--report-every', type=float, default=60.0, help='seconds')
    parser.add_argument('--json', help='write the summary here')
    args = parser.parse_args()
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    os.environ.setdefault('ROS_DOMAIN_ID', str(random.randint(100, 200)))
    import torch
    torch.set_num_threads(1)
    summary = run(args)
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
