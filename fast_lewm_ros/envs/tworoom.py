# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Two-Room: a point mass in two rooms joined by a door, 2-D velocity actions.

Goal distance: the agent position gap in metres. Exploration: waypoints in
either room, through the door when needed.

Units: the paper's arena is 224 units wide; here 1 unit = 0.01 m, so the arena is
2.24 m and the camera (orthographic, top-down) shows exactly that square. Success
is the paper's: the agent within 16 units (0.16 m) of the goal position.
An action a in [-1, 1]^2 sets the agent velocity to a * MAX_SPEED, so one
primitive step moves it at most 4 units per axis; walls stop it.

State: [x, y, vx, vy] in metres (qpos, qvel). Proprio: [x, y] in metres.
"""
from __future__ import annotations

import numpy as np

from fast_lewm_ros.envs.base import MujocoTaskEnv, Policy, SmoothNoise

UNIT = 0.01                     # metres per task unit
SUCCESS_RADIUS = 16 * UNIT      # the paper's 16 units
AGENT_RADIUS = 0.09
WALL_HALF = 0.04                # the middle wall spans |x| < WALL_HALF
INNER = 1.08                    # inner faces of the outer walls
DOOR_HALF = 0.24                # the door spans |y| < DOOR_HALF
STEP_TIME = 0.05                # 5 physics steps of 0.01 s
MAX_SPEED = 4 * UNIT / STEP_TIME  # 4 units per primitive step


class TwoRoomWaypointPolicy(Policy):
    """Walk to random waypoints in either room, through the door when needed."""

    name = 'tworoom_waypoints'

    def reset(self, env, rng):
        self.rng = rng
        self.noise = SmoothNoise(2, 0.35, 0.8, rng)
        self.route: list[np.ndarray] = []
        self.best, self.stalled = np.inf, 0

    def _plan_route(self, position: np.ndarray) -> None:
        target = sample_position(self.rng)
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
        step *= min(1.0, distance / (self.speed * MAX_SPEED * STEP_TIME))
        return np.clip(step + self.noise(), -1, 1).astype(np.float32)


class TwoRoomEnv(MujocoTaskEnv):
    """Point mass in two rooms; the goal is a position anywhere in either room."""

    env_id = 'FastLeWM/TwoRoom-v0'
    xml_file = 'tworoom.xml'
    action_dim = 2
    substeps = 5
    default_episode_steps = 100
    policy_class = TwoRoomWaypointPolicy

    def _apply_action(self, action: np.ndarray) -> None:
        # Velocity control: the commanded velocity is re-imposed every physics
        # step, the contact solver then removes any part that goes into a wall.
        self.data.qvel[:2] = action * MAX_SPEED

    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate([sample_position(rng), np.zeros(2)])

    def _proprio(self, data) -> np.ndarray:
        return data.qpos[:2].copy()

    def _success(self, data, goal) -> bool:
        return self._distance(data, goal) < SUCCESS_RADIUS

    def _distance(self, data, goal) -> float:
        return float(np.linalg.norm(data.qpos[:2] - goal.qpos[:2]))


def sample_position(rng: np.random.Generator) -> np.ndarray:
    """Draw a uniformly random free agent position in either room, metres."""
    margin = AGENT_RADIUS + 0.01
    x = rng.uniform(WALL_HALF + margin, INNER - margin)
    y = rng.uniform(-INNER + margin, INNER - margin)
    side = 1.0 if rng.random() < 0.5 else -1.0
    return np.array([side * x, y])
