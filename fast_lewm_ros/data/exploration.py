# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Exploration episodes: `make_policy` finds a task's policy, `rollout` runs it.

Each task's exploration policy lives beside its env in envs/<task>.py (the env
class names it in `policy_class`). Everything is seeded: the episode with seed s
is the same on every machine and in every worker.
"""
from __future__ import annotations

import numpy as np

from fast_lewm_ros.envs import task_class
from fast_lewm_ros.envs.base import Policy


def episode_seed(seed: int, index: int) -> int:
    """Seed of episode `index` of a run seeded `seed` (independent of worker count)."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def make_policy(env_id: str, random_actions: float = 0.0) -> Policy:
    """Build the exploration policy of a task (short name or gymnasium id).

    With `random_actions` > 0 that share of the episode's segments is replaced by
    uniform random actions (`RandomSegments`); 0 gives the task's policy unchanged.
    """
    cls = task_class(env_id)
    if cls.policy_class is None:
        raise ValueError(f'no exploration policy for {cls.env_id}')
    if not 0.0 <= random_actions <= 1.0:
        raise ValueError(f'--random-actions must be in [0, 1], got {random_actions}')
    policy = cls.policy_class()
    return RandomSegments(policy, random_actions) if random_actions > 0 else policy


class RandomSegments(Policy):
    """A task's policy with some segments of uniform random actions in [-1, 1].

    Why: a sampling planner (CEM, MPPI) scores action sequences that jitter from
    step to step, and a world model trained only on a purposeful policy's smooth
    actions has never seen what such sequences do. On Reacher, CEM found plans the
    model scored as good as the true solution that ended ~1 rad from the goal
    (session 5). Segments last 10-40 steps; each is random with probability
    `share`, drawn from a stream of its own so the task policy's draws are unchanged.
    """

    def __init__(self, policy: Policy, share: float) -> None:
        self.policy, self.share = policy, share
        self.name = f'{policy.name}+random{share:g}'

    def reset(self, env, rng: np.random.Generator) -> None:
        self.rng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
        self.policy.reset(env, rng)
        self.steps_left, self.random = 0, False

    def act(self, env) -> np.ndarray:
        if self.steps_left <= 0:
            self.steps_left = int(self.rng.integers(10, 41))
            self.random = bool(self.rng.random() < self.share)
        self.steps_left -= 1
        if self.random:
            return self.rng.uniform(-1.0, 1.0, env.action_dim).astype(np.float32)
        return self.policy.act(env)


def rollout(env, policy: Policy, seed: int, steps: int, render: bool = True) -> dict:
    """One exploration episode of `steps` primitive actions, as rows of the HDF5 format.

    Returns arrays with steps + 1 rows: 'state', 'proprio', 'action' (the last row
    all zeros, never applied) and, when `render`, 'pixels'.
    """
    task = env.unwrapped
    obs, _ = env.reset(seed=seed)
    policy.reset(task, np.random.default_rng([seed, 1]))
    rows = {'state': [], 'proprio': [], 'action': []}
    if render:
        rows['pixels'] = []
    for t in range(steps + 1):
        rows['state'].append(task.get_state())
        rows['proprio'].append(task.proprio())
        if render:
            rows['pixels'].append(obs.copy())
        if t == steps:
            rows['action'].append(np.zeros(task.action_dim, np.float32))
            break
        action = np.asarray(policy.act(task), np.float32)
        rows['action'].append(action)
        if render:
            obs = env.step(action)[0]
        else:
            task.advance(action)
    out = {k: np.stack(v) for k, v in rows.items()}
    out['state'] = out['state'].astype(np.float64)  # (F, Q)
    out['proprio'] = out['proprio'].astype(np.float32)  # (F, P)
    return out
