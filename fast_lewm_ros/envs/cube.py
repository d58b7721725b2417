# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Cube: pick and place one cube with a floating two-finger gripper, 5-D actions.

The paper uses OGBench's cube-single. OGBench runs on mujoco 3.17 with
dm-control 1.0.50 (not on mujoco 4.0.0), takes ~20 s to build the env and renders
its arm meshes at ~3 frames/s at 64x64 on our CPUs even with shadows and MSAA
off, so this is an equivalent own-MJCF task with the same action layout:
[dx, dy, dz, dyaw, grip] in [-1, 1]. The first three move the gripper at most
1 cm per primitive step, dyaw turns it at most 0.15 rad, grip sets the finger
opening (-1 closed, +1 fully open). Success (the paper's): the cube within
0.04 m of its goal position.

State: qpos [hand x, y, z, yaw, finger left, finger right, cube xyz, cube quat]
then qvel (25 values). Proprio: [hand x, y, z, yaw, finger opening].
"""
from __future__ import annotations

import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv

SUCCESS_RADIUS = 0.04       # m, the paper's criterion
STEP_TIME = 0.05            # 10 physics steps of 0.005 s
MAX_SPEED = 0.01 / STEP_TIME
MAX_YAW_SPEED = 0.15 / STEP_TIME
MAX_FINGER = 0.05           # per-finger opening range of the MJCF, m
CUBE_HALF = 0.02
CUBE_RANGE = 0.15           # cube starts within |x|, |y| < this
CUBE_QPOS = 6               # index of the cube's position in qpos


def cube_yaw(quat) -> float:
    """Yaw of a (w, x, y, z) quaternion, radians."""
    w, x, y, z = quat
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


class CubeEnv(MujocoTaskEnv):
    """Floating gripper and one cube on a table; the goal is a cube position."""

    env_id = 'FastLeWM/Cube-v0'
    xml_file = 'cube.xml'
    action_dim = 5
    substeps = 10
    default_episode_steps = 200

    def _apply_action(self, action: np.ndarray) -> None:
        self.data.qvel[:3] = action[:3] * MAX_SPEED
        self.data.qvel[3] = action[3] * MAX_YAW_SPEED
        self.data.ctrl[:] = (action[4] + 1) / 2 * MAX_FINGER

    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        hand = [*rng.uniform(-0.18, 0.18, 2), rng.uniform(0.06, 0.2), rng.uniform(-1.5, 1.5)]
        yaw = rng.uniform(-np.pi, np.pi)
        cube = [*rng.uniform(-CUBE_RANGE, CUBE_RANGE, 2), CUBE_HALF,
                np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]
        qpos = np.array(hand + [MAX_FINGER * 0.8] * 2 + cube)
        return np.concatenate([qpos, np.zeros(self.model.nv)])

    def _proprio(self, data) -> np.ndarray:
        return np.array([*data.qpos[:4], data.qpos[4] + data.qpos[5]])

    def _success(self, data, goal) -> bool:
        gap = data.qpos[CUBE_QPOS:CUBE_QPOS + 3] - goal.qpos[CUBE_QPOS:CUBE_QPOS + 3]
        return float(np.linalg.norm(gap)) < SUCCESS_RADIUS
