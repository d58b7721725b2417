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


def make_policy(env_id: str) -> Policy:
    """Build the exploration policy of a task (short name or gymnasium id)."""
    cls = task_class(env_id)
    if cls.policy_class is None:
        raise ValueError(f'no exploration policy for {cls.env_id}')
    return cls.policy_class()


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
