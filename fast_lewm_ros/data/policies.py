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
        """Return the next primitive action, float32 in [-1, 1]."""


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


class PushTContactPolicy(Policy):
    """Go to a random point of the T's outline, then push through it for a while."""

    name = 'pusht_edge_pushes'

    def reset(self, env, rng):
        from fast_lewm_ros.envs import pusht
        self.task, self.rng = pusht, rng
        self.noise = SmoothNoise(2, 0.2, 0.8, rng)
        edges = np.roll(pusht.T_OUTLINE, -1, axis=0) - pusht.T_OUTLINE
        self.lengths = np.linalg.norm(edges, axis=1)
        self.normals = np.stack([edges[:, 1], -edges[:, 0]], 1) / self.lengths[:, None]
        self.phase, self.steps_left = 'pick', 0

    def _block_to_world(self, env, point):
        x, y, angle = env.data.qpos[2:5]
        c, s = np.cos(angle), np.sin(angle)
        return np.array([x, y]) + np.array([[c, -s], [s, c]]) @ point

    def _pick(self, env):
        self.speed = self.rng.uniform(0.5, 1.0)
        self.steps_left = 40
        if self.rng.random() < 0.15:  # a free move, so pusher-only motion is seen too
            self.phase = 'free'
            self.target = self.rng.uniform(-0.2, 0.2, 2)
            return
        block = env.data.qpos[2:4]
        weights = self.lengths.copy()
        angle = env.data.qpos[4]
        c, s = np.cos(angle), np.sin(angle)
        world_normals = self.normals @ np.array([[c, s], [-s, c]])  # rows rotated by angle
        if np.abs(block).max() > 0.15:
            # Near a wall: prefer pushes that bring the block back to the middle.
            weights *= 0.05 + (world_normals @ block > 0)
        edge = int(self.rng.choice(len(weights), p=weights / weights.sum()))
        corner = self.task.T_OUTLINE[edge]
        point = corner + self.rng.uniform(0.1, 0.9) * (
            self.task.T_OUTLINE[(edge + 1) % len(weights)] - corner)
        self.contact = self._block_to_world(env, point)
        self.push_dir = -world_normals[edge]
        turn = self.rng.uniform(-0.5, 0.5)
        c, s = np.cos(turn), np.sin(turn)
        self.push_dir = np.array([[c, -s], [s, c]]) @ self.push_dir
        self.target = self.contact - self.push_dir * (self.task.PUSHER_RADIUS + 0.015)
        self.phase = 'approach'

    def act(self, env):
        pusher = env.data.qpos[:2]
        self.steps_left -= 1
        if self.phase == 'pick' or self.steps_left <= 0:
            self._pick(env)
        if self.phase in ('approach', 'free'):
            gap = self.target - pusher
            distance = float(np.linalg.norm(gap))
            if distance < 0.008:
                if self.phase == 'free':
                    self.phase = 'pick'
                    return self.act(env)
                self.phase, self.steps_left = 'push', int(self.rng.integers(8, 25))
            else:
                reach = self.task.MAX_SPEED * self.task.STEP_TIME
                step = gap / distance * min(1.0, distance / reach)
                return np.clip(step + self.noise(), -1, 1).astype(np.float32)
        return np.clip(self.push_dir * self.speed + self.noise(), -1, 1).astype(np.float32)


class CubePickPlacePolicy(Policy):
    """Scripted pick-and-place oracle with noise: grasp the cube, carry it, put it down."""

    name = 'cube_pick_place_oracle'
    HIGH = 0.1     # carrying height of the grasp point, m
    # phase -> (height to reach, grip command, steps to hold once there)
    PHASES = {'above': ('high', 1.0, 0), 'descend': ('grasp', 1.0, 0),
              'close': ('grasp', -1.0, 5), 'lift': ('high', -1.0, 0),
              'carry': ('high', -1.0, 0), 'lower': ('place', -1.0, 0),
              'release': ('place', 1.0, 4), 'retreat': ('high', 1.0, 0)}
    ORDER = list(PHASES)

    def reset(self, env, rng):
        from fast_lewm_ros.envs import cube
        self.task, self.rng = cube, rng
        self.noise = SmoothNoise(4, 0.25, 0.7, rng)
        self.phase, self.hold, self.steps_in_phase = 'above', 0, 0
        self._new_place()

    def _new_place(self):
        self.place = self.rng.uniform(-self.task.CUBE_RANGE, self.task.CUBE_RANGE, 2)

    def _next(self):
        index = (self.ORDER.index(self.phase) + 1) % len(self.ORDER)
        self.phase, self.hold, self.steps_in_phase = self.ORDER[index], 0, 0
        if self.phase == 'above':
            self._new_place()

    def act(self, env):
        hand, yaw = env.data.qpos[:3], env.data.qpos[3]
        cube = env.data.qpos[self.task.CUBE_QPOS:self.task.CUBE_QPOS + 3]
        height, grip, hold = self.PHASES[self.phase]
        xy = self.place if self.phase in ('carry', 'lower', 'release') else cube[:2]
        if self.phase in ('close', 'lift', 'retreat'):
            xy = hand[:2]
        z = {'high': self.HIGH, 'grasp': self.task.CUBE_HALF * 0.6,
             'place': self.task.CUBE_HALF + 0.012}[height]
        target = np.array([*xy, z])
        # Turn the fingers square to the cube's faces (a quarter turn is the same).
        quat = env.data.qpos[self.task.CUBE_QPOS + 3:self.task.CUBE_QPOS + 7]
        turn = (self.task.cube_yaw(quat) - yaw + np.pi / 4) % (np.pi / 2) - np.pi / 4
        gap = target - hand
        reach = self.task.MAX_SPEED * self.task.STEP_TIME
        move = np.clip(gap / reach, -1, 1)
        spin = np.clip(turn / (self.task.MAX_YAW_SPEED * self.task.STEP_TIME), -1, 1)
        if self.phase not in ('above', 'descend'):
            spin = 0.0
        self.steps_in_phase += 1
        if np.abs(gap).max() < 0.006:
            self.hold += 1
            if self.hold > hold:
                self._next()
        if self.steps_in_phase > 40:  # stuck (cube dropped or out of reach): start over
            self.phase, self.hold, self.steps_in_phase = 'retreat', 0, 0
        action = np.concatenate([move, [spin]]) + self.noise()
        return np.clip(np.append(action, grip), -1, 1).astype(np.float32)


POLICIES = {
    'FastLeWM/TwoRoom-v0': TwoRoomWaypointPolicy,
    'FastLeWM/Reacher-v0': ReacherTargetPolicy,
    'FastLeWM/PushT-v0': PushTContactPolicy,
    'FastLeWM/Cube-v0': CubePickPlacePolicy,
}


def make_policy(env_id: str) -> Policy:
    """Build the exploration policy of a task (short name or gymnasium id)."""
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
