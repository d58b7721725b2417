# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Exploration policies that cover the states the planner needs, and `rollout`.

Policies read the simulator state (they are data generators, not agents) and
return primitive actions in [-1, 1]. Each task's policy moves with purpose (so a
state 25 steps later is usually a different, reachable goal) plus smoothed noise
(so the data also shows off-path actions). Everything is seeded: the episode with
seed s is the same on every machine and in every worker.
"""
from __future__ import annotations

import abc

import numpy as np

from fast_lewm_ros.envs import resolve_env_id


def episode_seed(seed: int, index: int) -> int:
    """Seed of episode `index` of a run seeded `seed` (independent of worker count)."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


class Policy(abc.ABC):
    """An exploration policy: `reset(env, rng)` once per episode, then `act(env)`."""

    name = ''

    @abc.abstractmethod
    def reset(self, env, rng: np.random.Generator) -> None:
        """Start an episode; `env` is the unwrapped task env."""

    @abc.abstractmethod
    def act(self, env) -> np.ndarray:
        """The next primitive action, float32 in [-1, 1]."""


class SmoothNoise:
    """Ornstein-Uhlenbeck noise: correlated over a few steps, like a human's jitter."""

    def __init__(self, dim: int, scale: float, keep: float, rng: np.random.Generator):
        self.scale, self.keep, self.rng = scale, keep, rng
        self.value = np.zeros(dim)

    def __call__(self) -> np.ndarray:
        fresh = self.rng.normal(0.0, self.scale, self.value.shape)
        self.value = self.keep * self.value + np.sqrt(1 - self.keep ** 2) * fresh
        return self.value


class TwoRoomWaypointPolicy(Policy):
    """Walk to random waypoints in either room, through the door when needed."""

    name = 'tworoom_waypoints'

    def reset(self, env, rng):
        from fast_lewm_ros.envs import tworoom
        self.room, self.rng = tworoom, rng
        self.noise = SmoothNoise(2, 0.35, 0.8, rng)
        self.route: list[np.ndarray] = []
        self.best, self.stalled = np.inf, 0

    def _plan_route(self, position: np.ndarray) -> None:
        target = self.room.sample_position(self.rng)
        self.route = [target]
        if np.sign(target[0]) != np.sign(position[0]):
            # Through the door: a point in front of it, then one behind it.
            y = self.rng.uniform(-0.1, 0.1)
            side = np.sign(position[0])
            self.route = [np.array([side * 0.2, y]), np.array([-side * 0.2, y]), target]
        self.speed = self.rng.uniform(0.5, 1.0)
        self.best, self.stalled = np.inf, 0

    def act(self, env):
        position = env.data.qpos[:2]
        if not self.route or self.rng.random() < 0.01:
            self._plan_route(position)
        gap = self.route[0] - position
        distance = float(np.linalg.norm(gap))
        if distance < 0.06:
            self.route.pop(0)
            self.best = np.inf
            return self.act(env)
        # Give up on a waypoint that a wall keeps us from reaching.
        self.stalled = 0 if distance < self.best - 0.01 else self.stalled + 1
        self.best = min(self.best, distance)
        if self.stalled > 15:
            self.route = []
            return self.act(env)
        step = gap / distance * self.speed
        # Slow down near the waypoint rather than overshoot it.
        step *= min(1.0, distance / (self.speed * self.room.MAX_SPEED * self.room.STEP_TIME))
        return np.clip(step + self.noise(), -1, 1).astype(np.float32)


class ReacherTargetPolicy(Policy):
    """Move the joints towards random target configurations, held a random time."""

    name = 'reacher_joint_targets'

    def reset(self, env, rng):
        from fast_lewm_ros.envs import reacher
        self.arm, self.rng = reacher, rng
        self.noise = SmoothNoise(2, 0.3, 0.8, rng)
        self.target = None
        self.steps_left = 0

    def act(self, env):
        q = env.data.qpos[:2]
        if self.target is None or self.steps_left <= 0:
            limit = 0.95 * self.arm.WRIST_LIMIT
            self.target = np.array([q[0] + self.rng.uniform(-np.pi, np.pi),
                                    self.rng.uniform(-limit, limit)])
            self.steps_left = int(self.rng.integers(10, 40))
            self.gain = self.rng.uniform(0.3, 1.0)
        self.steps_left -= 1
        gap = self.target - q
        step = np.clip(gap / (self.arm.MAX_JOINT_SPEED * self.arm.STEP_TIME), -1, 1)
        return np.clip(self.gain * step + self.noise(), -1, 1).astype(np.float32)


POLICIES = {
    'FastLeWM/TwoRoom-v0': TwoRoomWaypointPolicy,
    'FastLeWM/Reacher-v0': ReacherTargetPolicy,
}


def make_policy(env_id: str) -> Policy:
    """The exploration policy of a task (short name or gymnasium id)."""
    env_id = resolve_env_id(env_id)
    if env_id not in POLICIES:
        raise ValueError(f'no exploration policy for {env_id}; have {list(POLICIES)}')
    return POLICIES[env_id]()


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
    out['state'] = out['state'].astype(np.float64)  # (L + 1, S)
    out['proprio'] = out['proprio'].astype(np.float32)  # (L + 1, P)
    return out
