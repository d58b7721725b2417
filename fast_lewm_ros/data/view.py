# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm view`: a PNG grid of frames from an episode file, to check data by eye.

One row per episode (frames every `--every` steps, i.e. the frames a model sees
with that frameskip), and a last row with start/goal pairs drawn the paper's way
(goal = the frame 25 primitive steps after the start, same episode).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from fast_lewm_ros.data.episodes import EpisodeFile
from fast_lewm_ros.data.start_goal import GOAL_OFFSET, sample_start_goal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--data', required=True, help='episode file (HDF5) to look at')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--episodes', type=int, default=4, help='episode rows (default 4)')
    parser.add_argument('--frames', type=int, default=8, help='frames per row (default 8)')
    parser.add_argument('--every', type=int, default=None,
                        help='steps between shown frames (default: the file\'s frameskip)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed that picks the episodes and the start/goal pairs')


def save_grid(data, out, episodes: int = 4, frames: int = 8, every: int | None = None,
              seed: int = 0) -> None:
    """Write the PNG grid of `data` (a path) to `out`."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    with EpisodeFile(data) as f:
        every = every or f.frameskip
        chosen = np.sort(rng.choice(f.num_episodes, min(episodes, f.num_episodes),
                                    replace=False))
        pairs = sample_start_goal(max(1, frames // 2), seed, data=f)
        fig, axes = plt.subplots(len(chosen) + 1, frames, squeeze=False,
                                 figsize=(1.6 * frames, 1.75 * (len(chosen) + 1)))
        for r, e in enumerate(chosen):
            pixels = f.episode(int(e), ('pixels',))['pixels']
            for c in range(frames):
                t = c * every
                if t < len(pixels):
                    axes[r, c].imshow(pixels[t], interpolation='nearest')
                    axes[r, c].set_title(f'ep {e} t={t}', fontsize=7)
        for i, pair in enumerate(pairs):
            for j, (step, label) in enumerate(((pair.step, 'start'),
                                               (pair.step + GOAL_OFFSET, 'goal'))):
                ax = axes[-1, 2 * i + j]
                ax.imshow(f.row('pixels', pair.episode, step), interpolation='nearest')
                ax.set_title(f'{label} ep {pair.episode} t={step}', fontsize=7,
                             color='tab:blue' if j == 0 else 'tab:green')
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(f'{f.env_id}, {f.image_size}x{f.image_size}, {f.num_episodes} episodes '
                     f'(last row: start/goal pairs {GOAL_OFFSET} steps apart)', fontsize=9)
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        plt.close(fig)


def main(args: argparse.Namespace) -> int:
    if args.episodes < 1 or args.frames < 2:
        print('fast-lewm view: --episodes must be >= 1 and --frames >= 2', file=sys.stderr)
        return 2
    try:
        save_grid(args.data, args.out, args.episodes, args.frames, args.every, args.seed)
    except (OSError, ValueError) as err:
        print(f'fast-lewm view: {err}', file=sys.stderr)
        return 2
    print(f'wrote {args.out}')
    return 0
