# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Figures: open-loop error per horizon, and PNG strips / GIFs of episodes.

matplotlib runs on the Agg backend (no display needed); images are written with
Pillow only, so no video codec is required.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from PIL import Image


# One line style per prediction method; one colour per model.
STYLES = {'direct': dict(linestyle='-', marker='o'), 'chained': dict(linestyle='--', marker='s'),
          'persistence': dict(linestyle=':', marker='x'),
          'shuffled': dict(linestyle='-.', marker='^')}


def plot_openloop(path: str | Path, curves: Mapping[str, Mapping[str, Sequence[float]]],
                  title: str = 'Open-loop latent error per horizon') -> Path:
    """Normalised latent error vs horizon k: curves[model][method] = values for k = 1..T."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    longest = 1
    for i, (model, methods) in enumerate(curves.items()):
        for method, values in methods.items():
            k = np.arange(1, len(values) + 1)
            longest = max(longest, len(values))
            ax.plot(k, values, color=f'C{i}', label=f'{model} {method}',
                    **STYLES.get(method, {}))
    ax.set_xlabel('horizon k (action blocks of 5 primitive steps)')
    ax.set_ylabel('latent MSE / mean per-dim latent variance')
    ax.set_title(title, fontsize=10)
    ax.set_xticks(np.arange(1, longest + 1))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=max(1, len(curves)))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def save_episode(directory: str | Path, name: str, frames: np.ndarray, goal: np.ndarray,
                 every: int = 5) -> list[Path]:
    """Write NAME.png (every `every`-th frame, then the goal) and NAME.gif (all frames).

    frames (L, H, W, 3) uint8 from the start to the episode's end; goal (H, W, 3).
    The goal sits at the right of the strip behind a white gap, and beside every
    GIF frame, so the target is always visible.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    height, width = goal.shape[:2]
    gap = np.full((height, 4, 3), 255, np.uint8)
    picks = list(frames[::every])
    if (len(frames) - 1) % every:
        picks.append(frames[-1])  # always show where the episode ended
    strip = np.concatenate([np.concatenate([f, gap], axis=1) for f in picks] + [goal], axis=1)
    png = directory / f'{name}.png'
    Image.fromarray(strip).save(png)
    gif = directory / f'{name}.gif'
    pictures = [Image.fromarray(np.concatenate([f, gap, goal], axis=1)) for f in frames]
    pictures[0].save(gif, save_all=True, append_images=pictures[1:], duration=100, loop=0)
    return [png, gif]
