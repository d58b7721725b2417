# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Push-T: push a T-shaped block with a round pusher, 2-D pusher velocity actions.

Units: as in the original Push-T, the arena is 512 units wide; 1 unit = 1 mm here.
Success (the paper's): pusher and block positions each within 20 units (0.02 m)
of the goal's and the block angle within pi/9. An action a in [-1, 1]^2 sets the
pusher velocity to a * MAX_SPEED (at most 8 units per primitive step); the block
moves only through contact, against table friction.

State: [pusher x, y, block x, y, angle, their velocities] (qpos, qvel), metres and
radians. Proprio: pusher [x, y] in metres.
"""
from __future__ import annotations

import mujoco
import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv

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


def wrap_angle(angle):
    """Angle(s) mapped to [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


class PushTEnv(MujocoTaskEnv):
    """Round pusher and T block; the goal is a pose of both."""

    env_id = 'FastLeWM/PushT-v0'
    xml_file = 'pusht.xml'
    action_dim = 2
    substeps = 5
    default_episode_steps = 100

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
