# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Closed-loop episodes under the paper protocol, for a planner or a random policy.

An episode starts the simulator at `pair.start`, shows the planner the image of
`pair.goal`, and runs `budget` primitive actions; it succeeds if the task's
criterion holds after any of them. The planner is the ROS node's own
`RecedingHorizonController`, so what is measured here is what runs on a robot.

Episodes run B at a time in lock-step through one batched controller. Episode i
always plans with seed `planner.seed + i` (replan r adds r * SEED_STRIDE inside
the controller), whatever B is and whichever other episodes share its batch, so
results do not depend on --batch. Episodes that already succeeded keep stepping
(their outcome is fixed) until every episode of the batch has succeeded or the
budget is spent.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from fast_lewm_ros.data.start_goal import StartGoal
from fast_lewm_ros.envs import make
from fast_lewm_ros.planning import PlannerConfig, RecedingHorizonController

BUDGET = 50  # primitive steps per episode (paper protocol)


def goal_distance(task, state: np.ndarray, goal: np.ndarray) -> float:
    """Task-space distance between two simulator states, in the success criterion's units.

    The task decides (`task.goal_distance`, documented in envs/<task>.py), e.g.
    Two-Room: agent position gap in metres (success < 0.16).
    """
    return task.goal_distance(state, goal)


def _reset(env, pair: StartGoal) -> None:
    env.reset(options={'state': pair.start, 'goal_state': pair.goal})


def _record(index: int, pair: StartGoal, success_step: int | None, task,
            end_distance: float) -> dict:
    """Per-episode record (JSON-ready); the episode ends at its first success."""
    return {'index': index, 'source_episode': int(pair.episode), 'source_step': int(pair.step),
            'start_state': pair.start.tolist(), 'goal_state': pair.goal.tolist(),
            'success': success_step is not None,
            'steps_to_success': success_step,
            'start_distance': goal_distance(task, pair.start, pair.goal),
            'final_distance': end_distance}


def run_planner(world_model, pairs: Sequence[StartGoal], env_id: str,
                planner: PlannerConfig, *, batch: int = 1, budget: int = BUDGET,
                replan_every: int | None = None, record_frames: Sequence[int] = (),
                warmup: bool = True, on_episode: Callable[[], None] | None = None
                ) -> tuple[list[dict], dict]:
    """Run every pair with the receding-horizon controller; (records, extras).

    warmup: plan once for the first batch before timing anything and discard the
    result (torch's first calls allocate and pick kernels; it would skew plan times).

    extras: 'plan_calls' (seconds and batch size of every batched plan call) and
    'frames' {episode index: (frames (budget + 1, H, W, 3), goal image)} for the
    episodes listed in record_frames.
    """
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    size = world_model.config.image_size
    envs = [make(env_id, image_size=size) for _ in range(min(batch, len(pairs)))]
    records, calls, frames = [], [], {}
    try:
        if warmup and pairs:
            _warm_up(world_model, envs, pairs, planner)
        for first in range(0, len(pairs), batch):
            chunk = list(pairs[first:first + batch])
            tasks = [env.unwrapped for env in envs[:len(chunk)]]
            for env, pair in zip(envs, chunk):
                _reset(env, pair)
            space = envs[0].action_space
            controller = RecedingHorizonController(
                world_model, replace(planner, seed=planner.seed + first),
                replan_every=replan_every, action_low=space.low, action_high=space.high)
            controller.set_goal(np.stack([task.goal_image() for task in tasks]))
            times = [[] for _ in chunk]
            keep = {b: [tasks[b].render()] for b in range(len(chunk))
                    if first + b in record_frames}
            success: list[int | None] = [None] * len(chunk)
            end = [0.0] * len(chunk)  # goal distance at the first success or the budget
            for step in range(1, budget + 1):
                if controller.needs_replan:
                    plan = controller.compute_plan(np.stack([t.render() for t in tasks]))
                    calls.append({'seconds': plan.planning_time, 'batch': len(chunk),
                                  'warm': plan.warm})
                    for t in times:
                        t.append(plan.planning_time)
                actions = controller.next_action()  # (B, action_dim)
                for b, (task, pair) in enumerate(zip(tasks, chunk)):
                    task.advance(actions[b])
                    if success[b] is not None:
                        continue  # outcome fixed; it only keeps the batch in lock-step
                    if task.is_success() or step == budget:
                        end[b] = goal_distance(task, task.get_state(), pair.goal)
                        success[b] = step if task.is_success() else None
                    if b in keep:
                        keep[b].append(task.render())
                if all(s is not None for s in success):
                    break
            for b, (task, pair) in enumerate(zip(tasks, chunk)):
                record = _record(first + b, pair, success[b], task, end[b])
                record['plan_times'] = times[b]
                records.append(record)
                if b in keep:
                    frames[first + b] = (np.stack(keep[b]), task.goal_image())
                if on_episode is not None:
                    on_episode()
    finally:
        for env in envs:
            env.close()
    return records, {'plan_calls': calls, 'frames': frames}


def _warm_up(world_model, envs, pairs: Sequence[StartGoal], planner: PlannerConfig) -> None:
    tasks = [env.unwrapped for env in envs]
    for env, pair in zip(envs, pairs):
        _reset(env, pair)
    controller = RecedingHorizonController(world_model, planner)
    controller.set_goal(np.stack([task.goal_image() for task in tasks]))
    controller.compute_plan(np.stack([task.render() for task in tasks]))


def run_random(pairs: Sequence[StartGoal], env_id: str, seed: int, *, budget: int = BUDGET,
               on_episode: Callable[[], None] | None = None) -> list[dict]:
    """Uniform random actions in the action box; episode i draws from rng([seed, i])."""
    env = make(env_id, render_mode=None)
    task = env.unwrapped
    records = []
    try:
        for index, pair in enumerate(pairs):
            rng = np.random.default_rng([seed, index])
            _reset(env, pair)
            success = None
            for step in range(1, budget + 1):
                task.advance(rng.uniform(env.action_space.low, env.action_space.high))
                if task.is_success():
                    success = step
                    break
            record = _record(index, pair, success, task,
                             goal_distance(task, task.get_state(), pair.goal))
            record['plan_times'] = []
            records.append(record)
            if on_episode is not None:
                on_episode()
    finally:
        env.close()
    return records
