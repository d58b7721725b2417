# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Push-T: push a T-shaped block with a round pusher, 2-D pusher velocity actions.

Units: as in the original Push-T, the arena is 512 units wide; 1 unit = 1 mm here.
Success (the paper's): pusher and block positions each within 20 units (0.02 m)
of the goal's and the block angle within pi/9. Goal distance: the largest of the
three gaps, each divided by its tolerance (success below 1). Exploration: go to a
random point of the T's outline, then push through it. An action a in [-1, 1]^2 sets the
pusher velocity to a * MAX_SPEED (at most 8 units per primitive step); the block
moves only through contact, against table friction.

State: [pusher x, y, block x, y, angle, their velocities] (qpos, qvel), metres and
radians. Proprio: pusher [x, y] in metres.
"""
from __future__ import annotations

import mujoco
import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv, Policy, SmoothNoise, wrap_angle

UNIT = 0.001
POSITION_TOLERANCE = 20 * UNIT
ANGLE_TOLERANCE = np.pi / 9
STEP_TIME = 0.05                  # 5 physics steps of 0.01 s
MAX_SPEED = 8 * UNIT / STEP_TIME  # 8 units per primitive step
PUSHER_RADIUS = 0.015
PUSHER_RANGE = 0.22               # pusher starts within |x|, |y| < this
BLOCK_RANGE = 0.12                # block starts within |x|, |y| < this
# The T's outline in the block frame (centre of mass at the origin): corners in
# order, counter-clockwise. Exploration pushes on its edges.
T_OUTLINE = np.array([[-0.06, 0.04071], [-0.06, 0.01071], [-0.015, 0.01071],
                      [-0.015, -0.07929], [0.015, -0.07929], [0.015, 0.01071],
                      [0.06, 0.01071], [0.06, 0.04071]])


class PushTContactPolicy(Policy):
    """Go to a random point of the T's outline, then push through it for a while."""

    name = 'pusht_edge_pushes'

    def reset(self, env, rng):
        self.rng = rng
        self.noise = SmoothNoise(2, 0.2, 0.8, rng)
        edges = np.roll(T_OUTLINE, -1, axis=0) - T_OUTLINE
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
        corner = T_OUTLINE[edge]
        point = corner + self.rng.uniform(0.1, 0.9) * (
            T_OUTLINE[(edge + 1) % len(weights)] - corner)
        self.contact = self._block_to_world(env, point)
        self.push_dir = -world_normals[edge]
        turn = self.rng.uniform(-0.5, 0.5)
        c, s = np.cos(turn), np.sin(turn)
        self.push_dir = np.array([[c, -s], [s, c]]) @ self.push_dir
        self.target = self.contact - self.push_dir * (PUSHER_RADIUS + 0.015)
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
                reach = MAX_SPEED * STEP_TIME
                step = gap / distance * min(1.0, distance / reach)
                return np.clip(step + self.noise(), -1, 1).astype(np.float32)
        return np.clip(self.push_dir * self.speed + self.noise(), -1, 1).astype(np.float32)


class PushTEnv(MujocoTaskEnv):
    """Round pusher and T block; the goal is a pose of both."""

    env_id = 'FastLeWM/PushT-v0'
    xml_file = 'pusht.xml'
    action_dim = 2
    substeps = 5
    default_episode_steps = 100
    policy_class = PushTContactPolicy

    def _apply_action(self, action: np.ndarray) -> None:
        self.data.qvel[:2] = action * MAX_SPEED

    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        block = np.array([*rng.uniform(-BLOCK_RANGE, BLOCK_RANGE, 2), rng.uniform(-np.pi, np.pi)])
        probe = mujoco.MjData(self.model)
        for _ in range(100):
            # Reject pusher positions that overlap the block.
            pusher = rng.uniform(-PUSHER_RANGE, PUSHER_RANGE, 2)
            probe.qpos[:] = np.concatenate([pusher, block])
            mujoco.mj_forward(self.model, probe)
            if probe.ncon == 0:
                break
        return np.concatenate([probe.qpos, np.zeros(self.model.nv)])

    def _proprio(self, data) -> np.ndarray:
        return data.qpos[:2].copy()

    def _success(self, data, goal) -> bool:
        q, g = data.qpos, goal.qpos
        return bool(np.linalg.norm(q[:2] - g[:2]) < POSITION_TOLERANCE
                    and np.linalg.norm(q[2:4] - g[2:4]) < POSITION_TOLERANCE
                    and abs(wrap_angle(q[4] - g[4])) < ANGLE_TOLERANCE)

    def _distance(self, data, goal) -> float:
        q, g = data.qpos, goal.qpos
        return float(max(np.linalg.norm(q[:2] - g[:2]) / POSITION_TOLERANCE,
                         np.linalg.norm(q[2:4] - g[2:4]) / POSITION_TOLERANCE,
                         abs(wrap_angle(q[4] - g[4])) / ANGLE_TOLERANCE))
