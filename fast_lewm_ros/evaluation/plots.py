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


def plot_openloop(path: str | Path, curves: Mapping[str, Sequence[float]],
                  title: str = 'Open-loop latent error per horizon') -> Path:
    """Line plot of normalised latent error vs horizon k (blocks), one line per curve."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    styles = {'persistence': dict(color='0.4', linestyle='--'),
              'shuffled': dict(linestyle=':')}
    for name, values in curves.items():
        k = np.arange(1, len(values) + 1)
        style = next((s for key, s in styles.items() if key in name), {})
        ax.plot(k, values, marker='o', label=name, **style)
    ax.set_xlabel('horizon k (action blocks of 5 primitive steps)')
    ax.set_ylabel('latent MSE / mean per-dim latent variance')
    ax.set_title(title)
    ax.set_xticks(np.arange(1, max(len(v) for v in curves.values()) + 1))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
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
