# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Cube: pick and place one cube with a floating two-finger gripper, 5-D actions.

The paper uses OGBench's cube-single. OGBench runs on mujoco 3.17 with
dm-control 1.0.50 (not on mujoco 4.0.0), takes ~20 s to build the env and renders
its arm meshes at ~3 frames/s at 64x64 on our CPUs even with shadows and MSAA
off, so this is an equivalent own-MJCF task with the same action layout:
[dx, dy, dz, dyaw, grip] in [-1, 1]. The first three move the gripper at most
1 cm per primitive step, dyaw turns it at most 0.15 rad, grip sets the finger
opening (-1 closed, +1 fully open). Success (the paper's): the cube within
0.04 m of its goal position. Goal distance: the cube position gap in metres.
Exploration: a scripted, noisy pick-and-place oracle.

State: qpos [hand x, y, z, yaw, finger left, finger right, cube xyz, cube quat]
then qvel (25 values). Proprio: [hand x, y, z, yaw, finger opening].
"""
from __future__ import annotations

import mujoco
import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv, Policy, SmoothNoise

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


class CubePickPlacePolicy(Policy):
    """Scripted pick-and-place oracle with noise: grasp the cube, carry it, put it down."""

    name = 'cube_pick_place_oracle'
    # Why these two: with a 0.1 m carrying height and any place on the table, the
    # cube moved by at least the success radius (4 cm) in only 74% of 25-step
    # windows (26% of start/goal pairs started solved); with these, in 84%.
    HIGH = 0.05      # carrying height of the grasp point, m
    MIN_CARRY = 0.1  # a new place is at least this far from the cube, m
    # phase -> (height to reach, grip command, steps to hold once there)
    PHASES = {'above': ('high', 1.0, 0), 'descend': ('grasp', 1.0, 0),
              'close': ('grasp', -1.0, 5), 'lift': ('high', -1.0, 0),
              'carry': ('high', -1.0, 0), 'lower': ('place', -1.0, 0),
              'release': ('place', 1.0, 4), 'retreat': ('high', 1.0, 0)}
    ORDER = list(PHASES)

    def reset(self, env, rng):
        self.rng = rng
        self.noise = SmoothNoise(4, 0.25, 0.7, rng)
        self.phase, self.hold, self.steps_in_phase = 'above', 0, 0
        self._new_place()

    def _new_place(self):
        self.place = None  # drawn at the next act(), where the cube is known

    def _draw_place(self, cube_xy: np.ndarray) -> np.ndarray:
        """Draw a place on the table at least MIN_CARRY from the cube (gives up after 20 tries)."""
        for _ in range(20):
            place = self.rng.uniform(-CUBE_RANGE, CUBE_RANGE, 2)
            if np.linalg.norm(place - cube_xy) >= self.MIN_CARRY:
                break
        return place

    def _next(self):
        index = (self.ORDER.index(self.phase) + 1) % len(self.ORDER)
        self.phase, self.hold, self.steps_in_phase = self.ORDER[index], 0, 0
        if self.phase == 'above':
            self._new_place()

    def act(self, env):
        hand, yaw = env.data.qpos[:3], env.data.qpos[3]
        cube = env.data.qpos[CUBE_QPOS:CUBE_QPOS + 3]
        if self.place is None:
            self.place = self._draw_place(cube[:2])
        height, grip, hold = self.PHASES[self.phase]
        xy = self.place if self.phase in ('carry', 'lower', 'release') else cube[:2]
        if self.phase in ('close', 'lift', 'retreat'):
            xy = hand[:2]
        z = {'high': self.HIGH, 'grasp': CUBE_HALF * 0.6,
             'place': CUBE_HALF + 0.012}[height]
        target = np.array([*xy, z])
        # Turn the fingers square to the cube's faces (a quarter turn is the same).
        quat = env.data.qpos[CUBE_QPOS + 3:CUBE_QPOS + 7]
        turn = (cube_yaw(quat) - yaw + np.pi / 4) % (np.pi / 2) - np.pi / 4
        gap = target - hand
        reach = MAX_SPEED * STEP_TIME
        move = np.clip(gap / reach, -1, 1)
        spin = np.clip(turn / (MAX_YAW_SPEED * STEP_TIME), -1, 1)
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


class CubeEnv(MujocoTaskEnv):
    """Floating gripper and one cube on a table; the goal is a cube position."""

    env_id = 'FastLeWM/Cube-v0'
    xml_file = 'cube.xml'
    action_dim = 5
    substeps = 10
    default_episode_steps = 200
    policy_class = CubePickPlacePolicy

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

    def _before_render(self, data) -> None:
        # The cube's table marker (cube.xml) lies under the cube, wherever it is.
        data.mocap_pos[0, :2] = data.qpos[CUBE_QPOS:CUBE_QPOS + 2]
        mujoco.mj_kinematics(self.model, data)

    def _proprio(self, data) -> np.ndarray:
        return np.array([*data.qpos[:4], data.qpos[4] + data.qpos[5]])

    def _success(self, data, goal) -> bool:
        return self._distance(data, goal) < SUCCESS_RADIUS

    def _distance(self, data, goal) -> float:
        gap = data.qpos[CUBE_QPOS:CUBE_QPOS + 3] - goal.qpos[CUBE_QPOS:CUBE_QPOS + 3]
        return float(np.linalg.norm(gap))
