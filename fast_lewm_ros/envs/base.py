# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Shared machinery of the MuJoCo tasks: offscreen rendering, state and goal API.

A task is one file, envs/<task>.py (+ its MJCF under assets/): the env class with
its success criterion and goal distance, and the exploration policy that collects
its data. Every task is a gymnasium env whose observation is the RGB image of a
fixed camera named 'top'. The simulator state is `[qpos, qvel]` of the task's MJCF model (plus
whatever `_extra_state` adds), so `set_state(get_state())` is exact. The goal lives
in a second MjData, which lets `goal_image()` render it without touching the
current state. One `step` is one primitive action: `substeps` physics steps with
the action held.
"""
from __future__ import annotations

import abc
import os
from pathlib import Path

# Headless software rendering; must be decided before mujoco is imported.
os.environ.setdefault('MUJOCO_GL', 'egl')
# llvmpipe otherwise starts one thread per core and fights torch for them.
os.environ.setdefault('LP_NUM_THREADS', '1')

import gymnasium as gym  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402

ASSETS = Path(__file__).resolve().parent / 'assets'
MIN_IMAGE_SIZE = 16
MAX_IMAGE_SIZE = 448  # the assets' offscreen buffers are this large


def wrap_angle(angle):
    """Angle(s) mapped to [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


class Policy(abc.ABC):
    """An exploration policy: `reset(env, rng)` once per episode, then `act(env)`.

    Policies read the simulator state (they are data generators, not agents) and
    return primitive actions in [-1, 1]. Each task's policy moves with purpose (so a
    state 25 steps later is usually a different, reachable goal) plus smoothed
    noise (so the data also shows off-path actions).
    """

    name = ''  # stored in the HDF5 file's `policy` attribute

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


class MujocoTaskEnv(gym.Env, abc.ABC):
    """Base class: a subclass sets the class attributes and the hooks below."""

    metadata = {'render_modes': ['rgb_array'], 'render_fps': 20}
    env_id = ''          # the gymnasium id it is registered under
    xml_file = ''        # MJCF file under assets/
    action_dim = 2       # primitive action size; actions live in [-1, 1]
    substeps = 5         # physics steps per primitive action
    default_episode_steps = 100  # primitive actions per collected episode
    policy_class: type[Policy] | None = None  # the task's exploration policy

    def __init__(self, image_size: int = 64, render_mode: str | None = 'rgb_array'):
        if not isinstance(image_size, (int, np.integer)) or not (
                MIN_IMAGE_SIZE <= image_size <= MAX_IMAGE_SIZE):
            raise ValueError(f'image_size must be an int in [{MIN_IMAGE_SIZE}, '
                             f'{MAX_IMAGE_SIZE}], got {image_size!r}')
        if render_mode not in (None, 'rgb_array'):
            raise ValueError(f"render_mode must be 'rgb_array' or None, got {render_mode!r}")
        self.image_size = int(image_size)
        self.render_mode = render_mode
        self.model = self._load_model()
        self.data = mujoco.MjData(self.model)
        self._goal = mujoco.MjData(self.model)
        self._renderer: mujoco.Renderer | None = None
        self._frame: np.ndarray | None = None  # cached render of self.data
        self.observation_space = gym.spaces.Box(
            0, 255, (self.image_size, self.image_size, 3), np.uint8)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.action_dim,), np.float32)
        self.state_dim = self.get_state().size
        self.proprio_dim = self.proprio().size

    # ----- hooks for subclasses -----
    def _load_model(self) -> mujoco.MjModel:
        return mujoco.MjModel.from_xml_path(str(ASSETS / self.xml_file))

    @abc.abstractmethod
    def _apply_action(self, action: np.ndarray) -> None:
        """Write the (clipped) action into self.data before every physics step."""

    @abc.abstractmethod
    def _sample_state(self, rng: np.random.Generator) -> np.ndarray:
        """Draw a random valid state, used for the start and for the default goal."""

    @abc.abstractmethod
    def _proprio(self, data: mujoco.MjData) -> np.ndarray:
        """Low-dimensional proprioception of `data`."""

    @abc.abstractmethod
    def _success(self, data: mujoco.MjData, goal: mujoco.MjData) -> bool:
        """Check the paper's success criterion between `data` and `goal`."""

    def _distance(self, data: mujoco.MjData, goal: mujoco.MjData) -> float:
        """Task-space distance in the success criterion's units (default: qpos gap norm)."""
        return float(np.linalg.norm(data.qpos - goal.qpos))

    # ----- state and goal API -----
    def get_state(self) -> np.ndarray:
        """Full simulator state as a 1-D float64 array (a copy)."""
        return self._read_state(self.data)

    def set_state(self, state) -> None:
        """Restore a state returned by get_state() (or a row of an HDF5 file)."""
        self._write_state(self.data, state)
        self._frame = None

    def set_goal_state(self, state) -> None:
        """Set the goal; the current state is not touched."""
        self._write_state(self._goal, state)

    def get_goal_state(self) -> np.ndarray:
        return self._read_state(self._goal)

    def goal_image(self) -> np.ndarray:
        """Render the observation the agent would see at the goal state, uint8 (H, W, 3)."""
        return self._render(self._goal)

    def is_success(self) -> bool:
        """Check the paper's success criterion between the current and the goal state."""
        return bool(self._success(self.data, self._goal))

    def proprio(self) -> np.ndarray:
        return np.asarray(self._proprio(self.data), np.float32)

    def goal_distance(self, state, goal) -> float:
        """Task-space distance between two states (the task module says its units)."""
        return self._distance(*self._scratch(state, goal))

    def solved(self, state, goal) -> bool:
        """Check the success criterion between two states; the env's own are untouched."""
        return bool(self._success(*self._scratch(state, goal)))

    def _scratch(self, state, goal) -> tuple[mujoco.MjData, mujoco.MjData]:
        if not hasattr(self, '_scratch_data'):
            self._scratch_data = (mujoco.MjData(self.model), mujoco.MjData(self.model))
        for data, value in zip(self._scratch_data, (state, goal)):
            self._write_state(data, value)
        return self._scratch_data

    def _read_state(self, data: mujoco.MjData) -> np.ndarray:
        return np.concatenate([data.qpos, data.qvel]).astype(np.float64)

    def _write_state(self, data: mujoco.MjData, state) -> None:
        state = np.asarray(state, np.float64).reshape(-1)
        nq, nv = self.model.nq, self.model.nv
        if state.size != nq + nv:
            raise ValueError(f'{type(self).__name__}: state must have {nq + nv} values '
                             f'(qpos {nq} + qvel {nv}), got {state.size}')
        data.qpos[:] = state[:nq]
        data.qvel[:] = state[nq:]
        data.time = 0.0
        mujoco.mj_forward(self.model, data)

    # ----- gymnasium API -----
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Random start and goal; options {'state': s, 'goal_state': g} fix either."""
        super().reset(seed=seed)
        options = options or {}
        mujoco.mj_resetData(self.model, self.data)
        start = options.get('state')
        goal = options.get('goal_state')
        self.set_state(self._sample_state(self.np_random) if start is None else start)
        self.set_goal_state(self._sample_state(self.np_random) if goal is None else goal)
        return self._observation(), self._info()

    def advance(self, action) -> None:
        """Apply one primitive action to the physics without rendering."""
        action = np.asarray(action, np.float64).reshape(-1)
        if action.size != self.action_dim:
            raise ValueError(f'{type(self).__name__}: action must have {self.action_dim} '
                             f'values, got {action.size}')
        action = np.clip(action, -1.0, 1.0)
        for _ in range(self.substeps):
            self._apply_action(action)
            mujoco.mj_step(self.model, self.data)
        # mj_step leaves positions of bodies from before its integration: refresh
        # them so the image shows exactly the state that get_state() returns.
        mujoco.mj_forward(self.model, self.data)
        self._frame = None

    def step(self, action):
        self.advance(action)
        success = self.is_success()
        return self._observation(), float(success), False, False, self._info(success)

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            return None
        return self._observation().copy()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        super().close()

    # ----- internals -----
    def _info(self, success: bool | None = None) -> dict:
        return {'proprio': self.proprio(), 'state': self.get_state(),
                'success': self.is_success() if success is None else success}

    def _observation(self) -> np.ndarray:
        if self._frame is None:
            self._frame = self._render(self.data)
        return self._frame

    def _before_render(self, data: mujoco.MjData) -> None:
        """Move purely visual bodies (mocap, not in the state) to follow `data`'s state."""

    def _render(self, data: mujoco.MjData) -> np.ndarray:
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self.image_size, self.image_size)
        self._before_render(data)
        self._renderer.update_scene(data, camera='top')
        return self._renderer.render()
