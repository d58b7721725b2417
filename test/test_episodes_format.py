# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""HDF5 episode files: writer, checked reader, and the paper's start/goal sampler."""
import h5py
import numpy as np
import pytest

from fast_lewm_ros.data.episodes import DataFormatError, EpisodeFile, EpisodeWriter
from fast_lewm_ros.data.start_goal import GOAL_OFFSET, sample_start_goal

META = dict(env_id='FastLeWM/TwoRoom-v0', image_size=8, action_dim=2, state_dim=4,
            proprio_dim=2, seed=0, episode_steps=30, policy='test')


def fake_episode(rows, offset):
    """Rows whose values encode (offset + step), so reads can be checked exactly."""
    steps = offset + np.arange(rows)
    return {'pixels': np.broadcast_to(steps[:, None, None, None] % 256,
                                      (rows, 8, 8, 3)).astype(np.uint8),
            'action': np.stack([steps, -steps], 1).astype(np.float32),
            'state': np.stack([steps] * 4, 1).astype(np.float64),
            'proprio': np.stack([steps] * 2, 1).astype(np.float32)}


@pytest.fixture
def episode_file(tmp_path):
    path = tmp_path / 'eps.h5'
    with EpisodeWriter(path, **META) as writer:
        writer.append(fake_episode(31, 0))
        writer.append(fake_episode(40, 1000))
    return path


def test_writer_follows_the_documented_layout(episode_file):
    assert not episode_file.with_name('eps.h5.tmp').exists()
    with h5py.File(episode_file, 'r') as f:
        assert f['pixels'].chunks == (1, 8, 8, 3)
        assert f['pixels'].compression is not None
        assert f['episode_start'][:].tolist() == [0, 31]
        assert f['episode_length'][:].tolist() == [31, 40]
        assert f['state'].dtype == np.float64 and f['action'].dtype == np.float32
        for key in ('format_version', 'env_id', 'image_size', 'frameskip', 'action_dim',
                    'state_dim', 'proprio_dim', 'seed', 'num_episodes', 'episode_steps',
                    'policy', 'versions', 'created'):
            assert key in f.attrs, key
        assert f.attrs['num_episodes'] == 2 and f.attrs['frameskip'] == 5
        assert 'mujoco' in f.attrs['versions']


def test_reader_returns_episode_rows(episode_file):
    with EpisodeFile(episode_file) as f:
        assert f.num_episodes == 2 and f.env_id == META['env_id'] and f.image_size == 8
        second = f.episode(1)
        assert second['state'][0, 0] == 1000 and len(second['state']) == 40
        assert f.row('pixels', 1, 3)[0, 0, 0] == (1003 % 256)
        with pytest.raises(IndexError):
            f.episode(2)


def test_failed_write_leaves_no_file(tmp_path):
    path = tmp_path / 'out.h5'
    path.write_bytes(b'previous')
    with pytest.raises(RuntimeError):
        with EpisodeWriter(path, **META) as writer:
            writer.append(fake_episode(31, 0))
            raise RuntimeError('interrupted')
    assert path.read_bytes() == b'previous'
    assert not (tmp_path / 'out.h5.tmp').exists()


def test_writer_rejects_wrong_shapes(tmp_path):
    bad = fake_episode(31, 0)
    bad['action'] = bad['action'][:, :1]
    with pytest.raises(ValueError, match="'action'"):
        with EpisodeWriter(tmp_path / 'x.h5', **META) as writer:
            writer.append(bad)


def test_foreign_file_names_file_and_missing_column(tmp_path):
    path = tmp_path / 'foreign.h5'
    with h5py.File(path, 'w') as f:
        f['pixels'] = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(DataFormatError, match=r"foreign\.h5.*missing column 'action'"):
        EpisodeFile(path)
    (tmp_path / 'text.h5').write_text('not hdf5')
    with pytest.raises(DataFormatError, match='text.h5'):
        EpisodeFile(tmp_path / 'text.h5')
    with pytest.raises(FileNotFoundError, match='absent.h5'):
        EpisodeFile(tmp_path / 'absent.h5')


def test_truncated_file_is_reported(episode_file):
    with h5py.File(episode_file, 'a') as f:
        f['proprio'].resize(50, axis=0)
    with pytest.raises(DataFormatError, match=r"eps\.h5.*'proprio'.*truncated"):
        EpisodeFile(episode_file)


def test_start_goal_from_file_is_the_state_25_steps_later(episode_file):
    pairs = sample_start_goal(20, seed=42, data=episode_file)
    assert len(pairs) == 20
    for pair in pairs:
        base = 0 if pair.episode == 0 else 1000
        assert pair.start[0] == base + pair.step
        assert pair.goal[0] == base + pair.step + GOAL_OFFSET
    again = sample_start_goal(20, seed=42, data=episode_file)
    assert [(p.episode, p.step) for p in pairs] == [(p.episode, p.step) for p in again]
    other = sample_start_goal(20, seed=7, data=episode_file)
    assert [(p.episode, p.step) for p in pairs] != [(p.episode, p.step) for p in other]


def test_start_goal_on_the_fly_is_seeded():
    first = sample_start_goal(3, seed=42, env='reacher', episode_steps=40)
    second = sample_start_goal(3, seed=42, env='reacher', episode_steps=40)
    for a, b in zip(first, second):
        assert np.array_equal(a.start, b.start) and np.array_equal(a.goal, b.goal)
        assert a.step + GOAL_OFFSET <= 40
    with pytest.raises(ValueError, match='exactly one'):
        sample_start_goal(1)
    with pytest.raises(ValueError, match='shorter than the goal offset'):
        sample_start_goal(1, env='reacher', episode_steps=10)
