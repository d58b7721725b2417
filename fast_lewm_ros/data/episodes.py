# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""HDF5 episode files (docs/data_format.md): writer and checked reader.

`EpisodeWriter` writes to FILE.tmp and renames it to FILE only when closed after
success, so an interrupted collection never leaves a half-written FILE behind.
`EpisodeFile` checks a file before anyone reads it: a foreign or truncated file
gives an error naming the file and what is missing. Start/goal pairs drawn from
these files live in data/start_goal.py.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import h5py
import numpy as np

FORMAT_VERSION = 1
FRAMESKIP = 5
COLUMNS = ('pixels', 'action', 'state', 'proprio')
OPTIONAL = ('state',)  # robot recordings (fast-lewm import-bag) have no simulator state
INDEX = ('episode_start', 'episode_length')
ATTRS = ('format_version', 'env_id', 'image_size', 'frameskip', 'action_dim', 'state_dim',
         'proprio_dim', 'seed', 'num_episodes', 'episode_steps', 'policy', 'versions',
         'created')


class DataFormatError(ValueError):
    """An HDF5 file that does not follow docs/data_format.md."""


def package_versions() -> str:
    """JSON of the versions that shape the data, for the `versions` attribute."""
    import gymnasium

    import fast_lewm_ros
    # Through envs.base, which picks the headless GL backend before mujoco loads.
    from fast_lewm_ros.envs.base import mujoco
    return json.dumps({'fast_lewm_ros': fast_lewm_ros.__version__,
                       'mujoco': mujoco.__version__, 'gymnasium': gymnasium.__version__,
                       'numpy': np.__version__, 'h5py': h5py.__version__})


class EpisodeWriter:
    """Append episodes (dicts of per-step rows) to a new HDF5 file.

    Use as a context manager: on a clean exit the file is completed and renamed
    from `path.tmp` to `path`; on an exception the temporary file is deleted.
    """

    def __init__(self, path, *, env_id: str, image_size: int, action_dim: int,
                 state_dim: int | None, proprio_dim: int, seed: int, episode_steps: int,
                 policy: str, frameskip: int = FRAMESKIP):
        self.path = Path(path)
        self.tmp_path = self.path.with_name(self.path.name + '.tmp')
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = h5py.File(self.tmp_path, 'w')
        p = image_size
        self.file.create_dataset('pixels', (0, p, p, 3), np.uint8, maxshape=(None, p, p, 3),
                                 chunks=(1, p, p, 3), compression='lzf')
        # state_dim None: no `state` column (robot data); its attribute is then 0.
        self.columns = COLUMNS if state_dim is not None else \
            tuple(c for c in COLUMNS if c not in OPTIONAL)
        for name, dim, dtype in (('action', action_dim, np.float32),
                                 ('state', state_dim, np.float64),
                                 ('proprio', proprio_dim, np.float32)):
            if name not in self.columns:
                continue
            # A zero-width column (no proprio) cannot have a zero chunk dimension.
            self.file.create_dataset(name, (0, dim), dtype, maxshape=(None, dim or None),
                                     chunks=(1024, max(dim, 1)), compression='lzf')
        for name in INDEX:
            self.file.create_dataset(name, (0,), np.int64, maxshape=(None,), chunks=(1024,))
        attrs = self.file.attrs
        attrs.update({'format_version': FORMAT_VERSION, 'env_id': env_id,
                      'image_size': image_size, 'frameskip': frameskip,
                      'action_dim': action_dim, 'state_dim': state_dim or 0,
                      'proprio_dim': proprio_dim, 'seed': seed, 'num_episodes': 0,
                      'episode_steps': episode_steps, 'policy': policy,
                      'versions': package_versions(),
                      'created': datetime.datetime.now(datetime.timezone.utc).isoformat()})
        self.rows = 0
        self.episodes = 0

    def append(self, episode: dict) -> None:
        """Write one episode: arrays 'pixels', 'action', 'state', 'proprio' of equal length."""
        length = len(episode['pixels'])
        for name in self.columns:
            rows = np.asarray(episode[name])
            dataset = self.file[name]
            if rows.shape[0] != length or rows.shape[1:] != dataset.shape[1:]:
                raise ValueError(f'{self.path}: episode column {name!r} has shape {rows.shape}, '
                                 f'expected ({length}, *{dataset.shape[1:]})')
            dataset.resize(self.rows + length, axis=0)
            dataset[self.rows:] = rows
        for name, value in (('episode_start', self.rows), ('episode_length', length)):
            self.file[name].resize(self.episodes + 1, axis=0)
            self.file[name][self.episodes] = value
        self.rows += length
        self.episodes += 1

    def close(self) -> None:
        """Complete the file and move it into place."""
        self.file.attrs['num_episodes'] = self.episodes
        self.file.close()
        os.replace(self.tmp_path, self.path)

    def abort(self) -> None:
        """Drop the temporary file; `path` is left as it was."""
        self.file.close()
        self.tmp_path.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()


class EpisodeFile:
    """Read-only access to an episode file, checked against docs/data_format.md."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f'episode file {self.path} does not exist')
        try:
            self.file = h5py.File(self.path, 'r')
        except OSError as err:
            raise DataFormatError(f'{self.path} is not a readable HDF5 file ({err})') from None
        try:
            self._check()
        except Exception:
            self.file.close()
            raise

    def _check(self) -> None:
        where = f'{self.path} (see docs/data_format.md)'
        for name in COLUMNS + INDEX:
            if name not in self.file and name not in OPTIONAL:
                raise DataFormatError(f'{where}: missing column {name!r}')
        for name in ATTRS:
            if name not in self.file.attrs:
                raise DataFormatError(f'{where}: missing attribute {name!r}')
        version = int(self.file.attrs['format_version'])
        if version != FORMAT_VERSION:
            raise DataFormatError(f'{where}: format_version {version}, expected {FORMAT_VERSION}')
        self.starts = self.file['episode_start'][:]
        self.lengths = self.file['episode_length'][:]
        if len(self.starts) != len(self.lengths) or len(self.starts) == 0:
            raise DataFormatError(f'{where}: episode_start/episode_length are empty or differ '
                                  f'in length ({len(self.starts)} vs {len(self.lengths)})')
        rows = int((self.starts + self.lengths).max())
        self.columns = tuple(c for c in COLUMNS if c in self.file)
        for name in self.columns:
            if self.file[name].shape[0] < rows:
                raise DataFormatError(f'{where}: column {name!r} has {self.file[name].shape[0]}'
                                      f' rows, the episode index needs {rows} (truncated?)')
        self._check_contents(where)

    def _check_contents(self, where: str) -> None:
        """Check attribute types, the episode index and the values training trusts."""
        sizes = {}
        for name in ('image_size', 'frameskip', 'action_dim', 'proprio_dim'):
            value, least = self.file.attrs[name], 0 if name == 'proprio_dim' else 1
            if not isinstance(value, (int, np.integer)) or value < least:
                raise DataFormatError(f'{where}: attribute {name} must be an integer >= {least}, '
                                      f'got {str(value)[:40]!r}')
            sizes[name] = int(value)
        side = sizes['image_size']
        for name, tail, attr in (('pixels', (side, side, 3), 'image_size'),
                                 ('action', (sizes['action_dim'],), 'action_dim'),
                                 ('proprio', (sizes['proprio_dim'],), 'proprio_dim')):
            column = self.file[name]
            if not isinstance(column, h5py.Dataset) or column.shape[1:] != tail or (
                    name == 'pixels' and column.dtype != np.uint8):
                raise DataFormatError(f'{where}: column {name!r} is {getattr(column, "shape", "")}'
                                      f' {getattr(column, "dtype", "a group")}, attribute {attr} '
                                      f'says (N, {", ".join(map(str, tail))})')
        for name, values, least in (('episode_start', self.starts, 0),
                                    ('episode_length', self.lengths, 1)):
            if values.ndim != 1 or values.dtype.kind not in 'iu':
                raise DataFormatError(f'{where}: {name} must be 1-D integers, got '
                                      f'{values.shape} {values.dtype}')
            if (values < least).any():
                bad = int(np.flatnonzero(values < least)[0])
                raise DataFormatError(f'{where}: {name}[{bad}] is {int(values[bad])}, must be '
                                      f'>= {least}')
        order = np.argsort(self.starts, kind='stable')
        ends = (self.starts + self.lengths)[order]
        overlap = np.flatnonzero(self.starts[order][1:] < ends[:-1])
        if overlap.size:
            a, b = int(order[overlap[0]]), int(order[overlap[0] + 1])
            raise DataFormatError(f'{where}: episodes {a} and {b} overlap in '
                                  f'episode_start/episode_length')
        rows, step = int(ends.max()), 1 << 20  # slices bound the memory a crafted file costs
        for name in ('action', 'proprio'):
            for begin in range(0, rows, step):
                try:
                    finite = np.isfinite(self.file[name][begin:min(rows, begin + step)])
                except OSError as err:  # a chunk that fails to decompress
                    raise DataFormatError(f'{where}: column {name!r} is corrupted near row '
                                          f'{begin}: {" ".join(str(err).split())[:200]}'
                                          ) from None
                if not finite.all():
                    bad = begin + int(np.flatnonzero(~finite.all(axis=1))[0])
                    raise DataFormatError(f'{where}: column {name!r} row {bad} holds NaN/inf')

    @property
    def attrs(self) -> dict:
        return dict(self.file.attrs)

    @property
    def num_episodes(self) -> int:
        return len(self.starts)

    @property
    def env_id(self) -> str:
        return str(self.file.attrs['env_id'])

    @property
    def image_size(self) -> int:
        return int(self.file.attrs['image_size'])

    @property
    def frameskip(self) -> int:
        return int(self.file.attrs['frameskip'])

    @property
    def has_state(self) -> bool:
        """Tell whether the file holds simulator states (robot recordings do not)."""
        return 'state' in self.columns

    def episode(self, index: int, columns=None) -> dict:
        """Read the rows of episode `index` for each of `columns` (default: all), as arrays."""
        columns = self.columns if columns is None else columns
        if not 0 <= index < self.num_episodes:
            raise IndexError(f'{self.path}: episode {index} out of range '
                             f'[0, {self.num_episodes})')
        begin = int(self.starts[index])
        end = begin + int(self.lengths[index])
        return {name: self.file[name][begin:end] for name in columns}

    def row(self, column: str, index: int, step: int) -> np.ndarray:
        """Row `step` of episode `index` in one column."""
        if not 0 <= step < int(self.lengths[index]):
            raise IndexError(f'{self.path}: step {step} outside episode {index} '
                             f'of {int(self.lengths[index])} rows')
        return self.file[column][int(self.starts[index]) + step]

    def close(self) -> None:
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
