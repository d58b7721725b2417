# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Two-Room: a point mass in two rooms joined by a door, 2-D velocity actions.

Units: the paper's arena is 224 units wide; here 1 unit = 0.01 m, so the arena is
2.24 m and the camera (orthographic, top-down) shows exactly that square. Success
is the paper's: the agent within 16 units (0.16 m) of the goal position.
An action a in [-1, 1]^2 sets the agent velocity to a * MAX_SPEED, so one
primitive step moves it at most 4 units per axis; walls stop it.

State: [x, y, vx, vy] in metres (qpos, qvel). Proprio: [x, y] in metres.
"""
from __future__ import annotations

import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv

UNIT = 0.01                     # metres per task unit
SUCCESS_RADIUS = 16 * UNIT      # the paper's 16 units
AGENT_RADIUS = 0.09
WALL_HALF = 0.04                # the middle wall spans |x| < WALL_HALF
INNER = 1.08                    # inner faces of the outer walls
DOOR_HALF = 0.24                # the door spans |y| < DOOR_HALF
STEP_TIME = 0.05                # 5 physics steps of 0.01 s
MAX_SPEED = 4 * UNIT / STEP_TIME  # 4 units per primitive step


class TwoRoomEnv(MujocoTaskEnv):
    """Point mass in two rooms; the goal is a position anywhere in either room."""

    env_id = 'FastLeWM/TwoRoom-v0'
    xml_file = 'tworoom.xml'
    action_dim = 2
    substeps = 5
    default_episode_steps = 100

    def _apply_action(self, action: np.ndarray) -> None:
        # Velocity control: the commanded velocity is re-imposed every physics
        # step, the contact solver then removes any part that goes into a wall.
        self.data.qvel[:2] = action * MAX_SPEED

    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate([sample_position(rng), np.zeros(2)])

    def _proprio(self, data) -> np.ndarray:
        return data.qpos[:2].copy()

    def _success(self, data, goal) -> bool:
        return float(np.linalg.norm(data.qpos[:2] - goal.qpos[:2])) < SUCCESS_RADIUS


def sample_position(rng: np.random.Generator) -> np.ndarray:
    """Draw a uniformly random free agent position in either room, metres."""
    margin = AGENT_RADIUS + 0.01
    x = rng.uniform(WALL_HALF + margin, INNER - margin)
    y = rng.uniform(-INNER + margin, INNER - margin)
    side = 1.0 if rng.random() < 0.5 else -1.0
    return np.array([side * x, y])
