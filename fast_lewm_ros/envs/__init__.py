# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""MuJoCo tasks of the paper as gymnasium envs, registered on import.

`gym.make('FastLeWM/TwoRoom-v0', image_size=64)` etc. Every env observes an RGB
uint8 (image_size, image_size, 3) image and exposes on `env.unwrapped`:
`get_state()`, `set_state(state)`, `set_goal_state(state)`, `goal_image()` and
`is_success()`; `info` carries 'proprio', 'state' and 'success'.
"""
from __future__ import annotations

import importlib
import os

# Headless software rendering, decided before anything imports mujoco (see base.py).
os.environ.setdefault('MUJOCO_GL', 'egl')
os.environ.setdefault('LP_NUM_THREADS', '1')

import gymnasium as gym  # noqa: E402

# Short names accepted by the command line, and the gymnasium ids they stand for.
TASKS = {
    'tworoom': ('FastLeWM/TwoRoom-v0', 'fast_lewm_ros.envs.tworoom:TwoRoomEnv'),
    'reacher': ('FastLeWM/Reacher-v0', 'fast_lewm_ros.envs.reacher:ReacherEnv'),
    'pusht': ('FastLeWM/PushT-v0', 'fast_lewm_ros.envs.pusht:PushTEnv'),
    'cube': ('FastLeWM/Cube-v0', 'fast_lewm_ros.envs.cube:CubeEnv'),
}
ENV_IDS = tuple(env_id for env_id, _ in TASKS.values())


def resolve_env_id(name: str) -> str:
    """Map 'tworoom' or 'FastLeWM/TwoRoom-v0' (any case) to the gymnasium id."""
    for short, (env_id, _) in TASKS.items():
        if name.lower() in (short, env_id.lower(), env_id.split('/')[1].lower()):
            return env_id
    raise ValueError(f'unknown env {name!r}; expected one of {list(TASKS)} or {list(ENV_IDS)}')


def task_class(name: str) -> type:
    """Return the env class of a task (short name or id) without building an env."""
    module, cls = TASKS[short_name(name)][1].split(':')
    return getattr(importlib.import_module(module), cls)


def short_name(name: str) -> str:
    """Map any accepted spelling of a task to its short name, e.g. 'tworoom'."""
    env_id = resolve_env_id(name)
    return next(short for short, (known, _) in TASKS.items() if known == env_id)


def task_checkpoint(name: str):
    """Return a task's shipped model, checkpoints/<task>.safetensors, else the default."""
    from fast_lewm_ros.resources import default_checkpoint, share_path
    try:
        return share_path('checkpoints', f'{short_name(name)}.safetensors')
    except FileNotFoundError:
        return default_checkpoint()


def make(name: str, **kwargs) -> gym.Env:
    """gym.make for a short name or id, without gymnasium's passive checker."""
    return gym.make(resolve_env_id(name), disable_env_checker=True, **kwargs)


for _env_id, _entry_point in TASKS.values():
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point=_entry_point)
