# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Reacher: a planar two-link arm, 2-D joint-velocity actions, goal = a joint pose.

The arm has dm_control's reacher geometry (own MJCF, so it runs on mujoco 4.0.0,
which dm_control 1.0.50 does not support). Velocity rather than torque actions
keep the image a complete description of the state, which a world model with a
history of one frame needs. An action a in [-1, 1]^2 turns each joint at
a * MAX_JOINT_SPEED, at most 0.1 rad per primitive step.

Success (the paper's): every joint within 0.05 rad of the goal configuration; the
shoulder angle is compared modulo 2 pi (it turns freely). Goal distance: the largest
wrapped joint-angle gap in rad. Exploration: random joint targets, each held a
random time.
State: [shoulder, wrist, their velocities] (qpos, qvel). Proprio: [shoulder wrapped
to [-pi, pi), wrist] in radians.
"""
from __future__ import annotations

import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv, Policy, SmoothNoise, wrap_angle

SUCCESS_TOLERANCE = 0.05  # rad, per joint
STEP_TIME = 0.05          # 5 physics steps of 0.01 s
MAX_JOINT_SPEED = 0.1 / STEP_TIME
WRIST_LIMIT = 2.79        # the MJCF's wrist range, rad


class ReacherTargetPolicy(Policy):
    """Move the joints towards random target configurations, held a random time."""

    name = 'reacher_joint_targets'

    def reset(self, env, rng):
        self.rng = rng
        self.noise = SmoothNoise(2, 0.3, 0.8, rng)
        self.target = None
        self.steps_left = 0

    def act(self, env):
        q = env.data.qpos[:2]
        if self.target is None or self.steps_left <= 0:
            limit = 0.95 * WRIST_LIMIT
            self.target = np.array([q[0] + self.rng.uniform(-np.pi, np.pi),
                                    self.rng.uniform(-limit, limit)])
            self.steps_left = int(self.rng.integers(10, 40))
            self.gain = self.rng.uniform(0.3, 1.0)
        self.steps_left -= 1
        gap = self.target - q
        step = np.clip(gap / (MAX_JOINT_SPEED * STEP_TIME), -1, 1)
        return np.clip(self.gain * step + self.noise(), -1, 1).astype(np.float32)


class ReacherEnv(MujocoTaskEnv):
    """Two-link arm; the goal is a joint configuration shown as an image."""

    env_id = 'FastLeWM/Reacher-v0'
    xml_file = 'reacher.xml'
    action_dim = 2
    substeps = 5
    default_episode_steps = 100
    policy_class = ReacherTargetPolicy

    def _apply_action(self, action: np.ndarray) -> None:
        # Re-imposed every physics step; the wrist limit constraint clips it.
        self.data.qvel[:2] = action * MAX_JOINT_SPEED

    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        shoulder = rng.uniform(-np.pi, np.pi)
        wrist = rng.uniform(-0.95 * WRIST_LIMIT, 0.95 * WRIST_LIMIT)
        return np.array([shoulder, wrist, 0.0, 0.0])

    def _proprio(self, data) -> np.ndarray:
        return np.array([wrap_angle(data.qpos[0]), data.qpos[1]])

    def _success(self, data, goal) -> bool:
        return self._distance(data, goal) < SUCCESS_TOLERANCE

    def _distance(self, data, goal) -> float:
        return float(np.abs(wrap_angle(data.qpos[:2] - goal.qpos[:2])).max())
