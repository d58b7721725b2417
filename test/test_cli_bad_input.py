# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Errors a user can cause on the command line: one line naming the thing, exit code 2.

Crafted HDF5 files (NaN actions, a broken episode index, corrupted compressed
chunks) go through the real `train` / `openloop` entry points; `collect` writes
to impossible paths and is stopped with SIGTERM like a service manager would.
"""
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
from ros_testing import executable
from test_dataset_windows import write_tiny_dataset

from fast_lewm_ros import cli
from fast_lewm_ros.data.episodes import DataFormatError, EpisodeFile

TRAIN = ['--config', 'tworoom_cpu', '--set', 'model=tiny', 'batch_size=8',
         'sigreg_projections=32', 'max_steps=3', 'log_every=1', 'val_every=3', 'val_batches=1',
         'ckpt_every=3']


def _one_line_error(capsys, *names):
    err = capsys.readouterr().err.strip()
    # A progress bar drawn before the failure ends its own line; it is not an error line.
    lines = [line for line in err.splitlines() if line.strip() and '%|' not in line]
    assert len(lines) == 1, err[-3000:]
    assert 'Traceback' not in err
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def data(tmp_path):
    return write_tiny_dataset(tmp_path / 'tiny.h5', episodes=4)


def _edit(path, column, index, value):
    with h5py.File(path, 'r+') as f:
        f[column][index] = value


@pytest.mark.parametrize('column, index, value, named', [
    ('action', 7, [np.nan, 0.0], 'action'),
    ('action', 40, [np.inf, 1.0], 'action'),
    ('episode_start', 1, -5, 'episode_start'),
    ('episode_length', 2, 0, 'episode_length'),
    ('episode_length', 3, 10 ** 6, 'episode'),
])
def test_crafted_hdf5_is_one_error_in_train_and_openloop(tmp_path, data, capsys, column, index,
                                                         value, named):
    _edit(data, column, index, value)
    with pytest.raises(DataFormatError, match=named):
        EpisodeFile(data)
    assert cli.main(['train', *TRAIN, '--data', str(data), '--out', str(tmp_path / 'o')]) == 2
    _one_line_error(capsys, 'tiny.h5', named)
    assert cli.main(['openloop', '--data', str(data)]) == 2
    _one_line_error(capsys, 'tiny.h5', named)


def test_attributes_that_disagree_with_the_columns(tmp_path, data, capsys):
    with h5py.File(data, 'r+') as f:
        f.attrs['action_dim'] = 3
    with pytest.raises(DataFormatError, match='action_dim'):
        EpisodeFile(data)
    with h5py.File(data, 'r+') as f:
        f.attrs['action_dim'] = 2
        f.attrs['image_size'] = 'big'
    with pytest.raises(DataFormatError, match='image_size'):
        EpisodeFile(data)


def _corrupt_chunks(path, frames):
    with h5py.File(path, 'r') as f:
        infos = [f['pixels'].id.get_chunk_info(i) for i in frames]
    raw = bytearray(path.read_bytes())
    for info in infos:
        raw[info.byte_offset:info.byte_offset + info.size] = b'\xff' * info.size
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize('preload', ['true', 'false'])
def test_corrupted_pixel_chunks_stop_train_with_one_line(tmp_path, data, capsys, preload):
    _corrupt_chunks(data, range(20, 60))
    code = cli.main(['train', *TRAIN, f'preload={preload}', '--data', str(data),
                     '--out', str(tmp_path / 'o')])
    assert code == 2
    _one_line_error(capsys, 'tiny.h5', 'pixels')


def test_collect_to_an_impossible_path_is_one_line(tmp_path, capsys):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a directory')
    for out in (blocker / 'data.h5', tmp_path / 'missing' / ('x' * 300) / 'data.h5'):
        assert cli.main(['collect', '--env', 'tworoom', '--episodes', '1',
                         '--episode-steps', '5', '--out', str(out)]) == 2
        _one_line_error(capsys, 'data.h5')
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / 'locked'
        locked.mkdir(mode=0o500)
        assert cli.main(['collect', '--env', 'tworoom', '--episodes', '1',
                         '--episode-steps', '5', '--out', str(locked / 'data.h5')]) == 2
        _one_line_error(capsys, 'data.h5')


@pytest.mark.parametrize('workers', [1, 2])
def test_sigterm_stops_collect_like_ctrl_c(tmp_path, workers):
    out = tmp_path / 'data.h5'
    proc = subprocess.Popen([executable('fast-lewm'), 'collect', '--env', 'tworoom',
                             '--episodes', '5000', '--episode-steps', '50',
                             '--workers', str(workers), '--out', str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / 'data.h5.tmp').exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / 'data.h5.tmp').exists(), 'collect never started writing'
        time.sleep(0.5 if workers == 1 else 3.0)  # let the workers get going
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert not out.exists() and not (tmp_path / 'data.h5.tmp').exists()
    assert 'Traceback' not in err and 'BrokenPipe' not in err, err[-3000:]
    assert 'terminated' in err
