# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Training windows over HDF5 episode files (docs/data_format.md).

A window starting at row t with T blocks holds frames t, t+k, ..., t+kT (k = the
block size = frameskip, 5) and the action blocks action[t+kj : t+k(j+1)], each
flattened to k * action_dim values and z-scored with training-split statistics.
Every row can start a window; T is the longest available <= horizon, and shorter
windows (near an episode's end) are padded, with `length` saying how many blocks
are real. The split into training and validation is by episode, so no validation
frame is ever seen in training.
"""
from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
from typing import Sequence

import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

from fast_lewm_ros.data.episodes import DataFormatError, EpisodeFile


def read_rows(f: h5py.File, column: str, rows: slice, path) -> np.ndarray:
    """Read f[column][rows]; a corrupted chunk is a DataFormatError naming file and rows."""
    try:
        return f[column][rows]
    except OSError as err:  # h5py reports a chunk that fails to decompress as OSError
        where = f'rows {rows.start}:{rows.stop}' if rows.start is not None else 'all rows'
        reason = ' '.join(str(err).split())[:200]
        raise DataFormatError(f'{path}: column {column!r} is corrupted ({where}): '
                              f'{reason}') from None


@dataclass(frozen=True)
class Catalog:
    """The episodes of one or more files of the same task."""

    paths: tuple[Path, ...]
    episode_file: np.ndarray   # (E,) index into paths
    episode_start: np.ndarray  # (E,) first row in its file
    episode_rows: np.ndarray   # (E,) rows (observations) per episode
    env_id: str
    image_size: int
    action_dim: int
    proprio_dim: int
    frameskip: int

    @classmethod
    def open(cls, paths: Sequence[str | Path]) -> 'Catalog':
        """Read and check the index of every file; all must be the same task and sizes."""
        if not paths:
            raise ValueError('no data files given (set `data` in the training config or '
                             'pass --data FILE.h5)')
        files, starts, rows, meta = [], [], [], None
        for i, path in enumerate(paths):
            with EpisodeFile(path) as f:
                attrs = f.attrs
                this = (str(attrs['env_id']), int(attrs['image_size']),
                        int(attrs['action_dim']), int(attrs['proprio_dim']),
                        int(attrs['frameskip']))
                if meta is not None and this != meta:
                    raise DataFormatError(
                        f'{path}: (env_id, image_size, action_dim, proprio_dim, frameskip) = '
                        f'{this}, but {paths[0]} has {meta}; train on one task at a time')
                meta = this
                files.append(np.full(f.num_episodes, i))
                starts.append(f.starts.astype(np.int64))
                rows.append(f.lengths.astype(np.int64))
        return cls(tuple(Path(p) for p in paths), np.concatenate(files), np.concatenate(starts),
                   np.concatenate(rows), *meta)

    def read_pixels(self) -> list[np.ndarray]:
        """Every file's pixels in memory (decompressing once beats per-frame reads)."""
        arrays = []
        for path in self.paths:
            with h5py.File(path, 'r') as f:
                arrays.append(read_rows(f, 'pixels', slice(None), path))
        return arrays

    @property
    def num_episodes(self) -> int:
        return len(self.episode_start)

    def split(self, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Episode ids (train, val), split at random by episode."""
        order = np.random.default_rng(seed).permutation(self.num_episodes)
        n_val = int(round(val_fraction * self.num_episodes))
        if val_fraction > 0 and self.num_episodes >= 2:
            n_val = min(max(n_val, 1), self.num_episodes - 1)
        return np.sort(order[n_val:]), np.sort(order[:n_val])

    def statistics(self, episodes: np.ndarray) -> dict[str, np.ndarray]:
        """Per-dimension mean/std of applied actions and of proprio over `episodes`."""
        acts, props = [], []
        for i, path in enumerate(self.paths):
            chosen = episodes[self.episode_file[episodes] == i]
            if chosen.size == 0:
                continue
            with h5py.File(path, 'r') as f:
                action, proprio = f['action'][:], f['proprio'][:]
            for e in chosen:
                begin, n = self.episode_start[e], self.episode_rows[e]
                acts.append(action[begin:begin + n - 1])  # the last row was never applied
                props.append(proprio[begin:begin + n])
        if not acts:
            raise ValueError('no training episodes to compute action statistics from')
        act, prop = np.concatenate(acts).astype(np.float64), np.concatenate(props)

        def std(x: np.ndarray) -> np.ndarray:  # constant dimensions keep unit scale
            s = x.std(0) if len(x) else np.ones(x.shape[1])
            return np.where(s > 1e-6, s, 1.0)
        return {'action_mean': act.mean(0), 'action_std': std(act),
                'proprio_mean': prop.mean(0) if len(prop) else np.zeros(self.proprio_dim),
                'proprio_std': std(prop.astype(np.float64))}


class WindowDataset(Dataset):
    """Windows of up to `horizon` blocks: dicts of pixels, actions, length.

    pixels (horizon+1, H, W, 3) uint8, actions (horizon, A) float32 z-scored, and
    length (int): real blocks; padding frames are zeros and padding blocks zeros.
    """

    def __init__(self, catalog: Catalog, episodes: np.ndarray, horizon: int, block: int,
                 action_mean: np.ndarray, action_std: np.ndarray, min_blocks: int = 1,
                 pixels: list[np.ndarray] | None = None) -> None:
        self.catalog, self.horizon, self.block = catalog, horizon, block
        self.pixels = pixels  # Catalog.read_pixels(), or None to read frames from disk
        mean = np.asarray(action_mean, np.float32)
        std = np.asarray(action_std, np.float32)
        if mean.shape != (catalog.action_dim,) or std.shape != (catalog.action_dim,):
            raise ValueError(f'action statistics must have {catalog.action_dim} values, got '
                             f'{mean.shape} and {std.shape}')
        self.mean, self.std = np.tile(mean, block), np.tile(std, block)  # (A,)
        files, rows, blocks = [], [], []
        for e in np.asarray(episodes, np.int64):
            applied = int(catalog.episode_rows[e]) - 1
            starts = np.arange(max(0, applied - block * min_blocks + 1))
            files.append(np.full(len(starts), catalog.episode_file[e]))
            rows.append(catalog.episode_start[e] + starts)
            blocks.append(np.minimum(horizon, (applied - starts) // block))
        self.files = np.concatenate(files) if files else np.zeros(0, np.int64)
        self.rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        self.blocks = np.concatenate(blocks) if blocks else np.zeros(0, np.int64)
        self._handles: dict[int, h5py.File] = {}
        self._pid = None

    def __len__(self) -> int:
        return len(self.rows)

    def _file(self, index: int) -> h5py.File:
        if self._pid != os.getpid():  # h5py handles must not cross a fork
            self._handles, self._pid = {}, os.getpid()
        if index not in self._handles:
            self._handles[index] = h5py.File(self.catalog.paths[index], 'r')
        return self._handles[index]

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        f = self._file(int(self.files[i]))
        row, n, k = int(self.rows[i]), int(self.blocks[i]), self.block
        size = self.catalog.image_size
        pixels = np.zeros((self.horizon + 1, size, size, 3), np.uint8)
        if self.pixels is None:
            path = self.catalog.paths[int(self.files[i])]
            pixels[:n + 1] = read_rows(f, 'pixels', slice(row, row + k * n + 1, k), path)
        else:
            pixels[:n + 1] = self.pixels[int(self.files[i])][row:row + k * n + 1:k]
        # pixels (n+1, H, W, 3): frames row, row + k, ..., row + k * n
        actions = np.zeros((self.horizon, k * self.catalog.action_dim), np.float32)
        raw = f['action'][row:row + k * n].reshape(n, -1)  # (n, A): block j = rows kj..kj+k-1
        actions[:n] = (raw - self.mean) / self.std
        return {'pixels': torch.from_numpy(pixels), 'actions': torch.from_numpy(actions),
                'length': torch.tensor(n)}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state['_handles'], state['_pid'] = {}, None
        return state
