# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm demo`: the sim bridge and the planner as ROS 2 nodes in one process.

Runs a few Two-Room episodes (start/goal pairs of the paper protocol, seed 42)
in lock-step: the sim advances one step per command and publishes /clock, the
planner follows simulated time and answers every image with one command, so
success does not depend on CPU speed. Everything flows over ROS topics (one
executor, one DDS participant per node). Prints per-episode success, planning
time and end-to-end latency (wall time from publishing an image to receiving
the command that answers it), and saves a PNG strip, a GIF and summary.json.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
import time

import numpy as np

from fast_lewm_ros.data.start_goal import EVAL_SEED
from fast_lewm_ros.planning.costs import GOAL_COSTS

STRIP_EVERY = 5   # primitive steps between frames of the PNG strip
SCALE = 2         # upscaling of the saved frames (nearest neighbour)


def add_arguments(parser) -> None:
    parser.add_argument('--checkpoint', default='',
                        help='world model (.safetensors); default: the shipped checkpoint')
    parser.add_argument('--episodes', type=int, default=3, help='episodes to run (3)')
    parser.add_argument('--env', default='FastLeWM/TwoRoom-v0', help='task (Two-Room)')
    parser.add_argument('--seed', type=int, default=EVAL_SEED,
                        help=f'start/goal pair seed ({EVAL_SEED})')
    parser.add_argument('--max-steps', type=int, default=50, help='step budget (50, paper)')
    parser.add_argument('--samples', type=int, help='CEM samples (default: planner.yaml)')
    parser.add_argument('--iterations', type=int, help='CEM iterations (planner.yaml)')
    parser.add_argument('--elites', type=int, help='CEM elites (planner.yaml)')
    parser.add_argument('--goal-cost', choices=GOAL_COSTS,
                        help='final or every_block (planner.yaml; Reacher and Cube plan '
                             'best with every_block, checkpoints/README.md)')
    parser.add_argument('--noise-beta', type=float,
                        help='CEM noise colour, 0 white, 2 smooth (planner.yaml)')
    parser.add_argument('--out', default='demo_out', help='output folder (./demo_out)')
    parser.add_argument('--timeout', type=float, default=900.0,
                        help='give up after this many seconds (900)')
    parser.add_argument('--visible', action='store_true',
                        help='let other processes see the demo (topics under /fast_lewm_demo, '
                             'and /clock); by default DDS discovery is off, so the demo '
                             'cannot disturb (or be disturbed by) a running ROS system')


class Recorder:
    """Collects what the demo reports: per-episode outcome, frames, plan timings."""

    def __init__(self):
        self.episodes: dict[int, dict] = {}
        self.frames: list[np.ndarray] = []  # episode 0, every step
        self.goal: np.ndarray | None = None
        self.plans: list[tuple[int, float]] = []  # (image stamp ns, planning seconds)

    def observe(self, sim, frame, stamp_ns) -> None:
        from fast_lewm_ros.evaluation.closed_loop import goal_distance
        task = sim.task  # distance in the success criterion's units (Two-Room: metres)
        distance = goal_distance(task, task.get_state(), task.get_goal_state())
        record = self.episodes.setdefault(sim.episode, {'start_ns': stamp_ns,
                                                        'start_distance': distance})
        record.update(steps=sim.step, success=sim.success, done=sim.done,
                      final_distance=distance)
        if sim.episode == 0:
            self.frames.append(frame)
            if self.goal is None:  # rendered here, on the sim's thread
                self.goal = sim.task.goal_image()

    def on_plan(self, msg) -> None:
        stamp = msg.header.stamp.sec * 10 ** 9 + msg.header.stamp.nanosec
        self.plans.append((stamp, msg.planning_time))

    def finished(self) -> int:
        return sum(1 for r in self.episodes.values() if r['done'])


def main(args) -> int:
    from fast_lewm_ros.envs import task_checkpoint
    try:  # default: checkpoints/<task>.safetensors, else checkpoints/default.safetensors
        checkpoint = Path(args.checkpoint) if args.checkpoint else task_checkpoint(args.env)
    except (FileNotFoundError, ValueError) as err:  # ValueError: an unknown --env
        print(f'fast-lewm demo: no default checkpoint ({err}); pass --checkpoint FILE')
        return 2
    if not checkpoint.is_file():
        print(f'fast-lewm demo: checkpoint {checkpoint} does not exist')
        return 2
    if args.episodes < 1:
        print(f'fast-lewm demo: --episodes must be >= 1, got {args.episodes}')
        return 2
    from fast_lewm_ros.model import WorldModel
    config = WorldModel.load(checkpoint).config
    recorder = Recorder()
    started = time.monotonic()
    latencies, settings, ok = _run(args, checkpoint, config, recorder)
    wall = time.monotonic() - started
    if not ok:
        print(f'fast-lewm demo: only {recorder.finished()} of {args.episodes} episodes '
              f'finished within --timeout {args.timeout} s')
    summary = _report(args, checkpoint, config, recorder, latencies, settings, wall)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'summary.json').write_text(json.dumps(summary, indent=2))
    saved = _save_media(recorder, out)
    print('saved ' + ', '.join(str(p) for p in saved + [out / 'summary.json']))
    return 0 if ok else 1


def _run(args, checkpoint, config, recorder):
    """Spin sim + planner + a monitor until the episodes are done; return the stats."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from fast_lewm_ros.msg import ActionPlan
    from fast_lewm_ros.resources import share_path
    from fast_lewm_ros.ros import qos
    from fast_lewm_ros.ros.planner_node import PlannerNode
    from fast_lewm_ros.ros.sim_node import SimNode

    def files(name):
        return ['--ros-args', '--params-file', str(share_path('config', name))]

    cem = [Parameter(k, value=getattr(args, k))
           for k in ('samples', 'iterations', 'elites', 'goal_cost', 'noise_beta')
           if getattr(args, k) is not None]
    if not args.visible:  # nodes in this process still talk to each other
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'OFF'
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(os.environ.get('ROS_DOMAIN_ID', '0')))
    ns = 'fast_lewm_demo'
    nodes = []
    try:
        sim = SimNode(context=context, namespace=ns, observer=recorder.observe,
                      cli_args=files('sim.yaml'),
                      parameter_overrides=[
                          Parameter('env', value=args.env),
                          Parameter('image_size', value=config.image_size),
                          Parameter('lock_step', value=True),
                          Parameter('max_steps', value=args.max_steps),
                          Parameter('seed', value=args.seed),
                          Parameter('episodes', value=args.episodes)])
        nodes.append(sim)
        planner = PlannerNode(context=context, namespace=ns, cli_args=files('planner.yaml'),
                              parameter_overrides=cem + [
                                  Parameter('checkpoint', value=str(checkpoint)),
                                  Parameter('command_trigger', value='image'),
                                  Parameter('use_sim_time', value=True),
                                  Parameter('autostart', value=True)])
        nodes.append(planner)
        monitor = Node('demo_monitor', namespace=ns, context=context)
        nodes.append(monitor)
        monitor.create_subscription(ActionPlan, 'action_plan', recorder.on_plan, qos.COMMANDS)
        executor = SingleThreadedExecutor(context=context)
        for node in nodes:
            executor.add_node(node)
        deadline = time.monotonic() + args.timeout
        while recorder.finished() < args.episodes and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.1)
        ok = recorder.finished() >= args.episodes
        return list(sim.latencies), planner.settings, ok
    finally:
        for node in reversed(nodes):
            node.destroy_node()
        context.try_shutdown()


def _report(args, checkpoint, config, recorder, latencies, settings, wall) -> dict:
    rows = []
    starts = sorted((r['start_ns'], e) for e, r in recorder.episodes.items())
    for index, (start_ns, episode) in enumerate(starts):
        if episode >= args.episodes or not recorder.episodes[episode]['done']:
            continue
        end_ns = starts[index + 1][0] if index + 1 < len(starts) else float('inf')
        plan_s = [t for stamp, t in recorder.plans if start_ns <= stamp < end_ns]
        lat = [s for e, _, s in latencies if e == episode]
        first = [s for e, step, s in latencies if e == episode and step == 0]
        rec = recorder.episodes[episode]
        rows.append({'episode': episode, 'success': bool(rec['success']),
                     'steps': int(rec['steps']), 'plans': len(plan_s),
                     'start_distance': rec['start_distance'],
                     'final_distance': rec['final_distance'],
                     'planning_ms_mean': 1e3 * float(np.mean(plan_s)) if plan_s else None,
                     'first_command_latency_ms': 1e3 * first[0] if first else None,
                     'step_latency_ms_median': 1e3 * float(np.median(lat)) if lat else None})
    successes = sum(r['success'] for r in rows)
    print(f'fast-lewm demo: {args.env}, {checkpoint} ({config.predictor} predictor, '
          f'{config.image_size}px), CEM {settings.samples} samples x {settings.iterations} '
          f'iterations, {settings.elites} elites, {settings.goal_cost} goal cost, noise beta '
          f'{settings.noise_beta:g}, lock-step, {os.cpu_count()} CPU cores')
    print(f'{"episode":>7} {"success":>7} {"steps":>5} {"distance":>15} {"plans":>5} '
          f'{"plan ms":>8} {"first cmd ms":>12} {"step ms (median)":>16}')

    def fmt(value, width):
        return f'{value:>{width}.1f}' if value is not None else f'{"-":>{width}}'

    for r in rows:
        distance = f'{r["start_distance"]:.3f} -> {r["final_distance"]:.3f}'
        print(f'{r["episode"]:>7} {"yes" if r["success"] else "no":>7} {r["steps"]:>5} '
              f'{distance:>15} {r["plans"]:>5} {fmt(r["planning_ms_mean"], 8)} '
              f'{fmt(r["first_command_latency_ms"], 12)} {fmt(r["step_latency_ms_median"], 16)}')
    print(f'success {successes}/{len(rows)}; wall time {wall:.1f} s')
    return {'env': args.env, 'checkpoint': str(checkpoint), 'predictor': config.predictor,
            'samples': settings.samples, 'iterations': settings.iterations,
            'elites': settings.elites, 'goal_cost': settings.goal_cost,
            'noise_beta': settings.noise_beta, 'seed': args.seed, 'max_steps': args.max_steps,
            'cpu_count': os.cpu_count(), 'episodes': rows, 'successes': successes,
            'success_rate': successes / len(rows) if rows else 0.0, 'wall_s': wall}


def _save_media(recorder: Recorder, out: Path) -> list[Path]:
    """episode0.png (goal, then every STRIP_EVERY-th frame and the last) and episode0.gif."""
    from PIL import Image as PILImage
    if not recorder.frames:
        return []
    frames = recorder.frames
    picks = list(range(0, len(frames), STRIP_EVERY))
    if picks[-1] != len(frames) - 1:
        picks.append(len(frames) - 1)
    size = frames[0].shape[0] * SCALE
    gap = np.full((size, 4, 3), 255, np.uint8)  # white separator after the goal

    def big(frame):  # (H, W, 3) -> (H * SCALE, W * SCALE, 3)
        return np.asarray(PILImage.fromarray(frame).resize((size, size), PILImage.NEAREST))

    goal = big(recorder.goal)
    strip = np.concatenate([goal, gap] + [big(frames[i]) for i in picks], axis=1)
    paths = [out / 'episode0.png', out / 'episode0.gif']
    PILImage.fromarray(strip).save(paths[0])
    movie = [PILImage.fromarray(np.concatenate([goal, gap, big(f)], axis=1)) for f in frames]
    movie[0].save(paths[1], save_all=True, append_images=movie[1:], duration=100, loop=0)
    return paths
