# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Rendering throughput of every task, the README's table in "Tasks and data".

Usage: scripts/with_env.sh python scripts/render_fps.py [STEPS]
One process, headless (MUJOCO_GL from the environment, egl via with_env.sh). For
each task and image size: frames per second of render() alone on a fixed state,
and of step(random action) + render(), over STEPS (default 300) steps after one
warm-up frame.
"""
import sys
import time

import numpy as np

from fast_lewm_ros.envs import make

TASKS = ('tworoom', 'reacher', 'pusht', 'cube')
SIZES = (64, 224)


def fps(call, steps: int) -> float:
    call()  # warm-up: creates the GL context and uploads the model
    start = time.perf_counter()
    for _ in range(steps):
        call()
    return steps / (time.perf_counter() - start)


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    header = ['task'] + [f'{kind} fps {size}²' for size in SIZES
                         for kind in ('render', 'step+render')]
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for task in TASKS:
        row = [task]
        for size in SIZES:
            env = make(task, image_size=size)
            env.reset(seed=0)
            rng = np.random.default_rng(0)
            # render() caches the frame of an unchanged state, so time the renderer itself.
            render_only = fps(lambda: env.unwrapped._render(env.unwrapped.data), steps)

            def step_and_render():
                *_, terminated, truncated, _ = env.step(
                    rng.uniform(-1, 1, env.action_space.shape))
                if terminated or truncated:
                    env.reset()
                return env.render()
            row += [f'{render_only:.0f}', f'{fps(step_and_render, steps):.0f}']
            env.close()
        print('| ' + ' | '.join(row) + ' |')


if __name__ == '__main__':
    main()
