# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The windowed training dataset over HDF5 episodes (docs/data_format.md)."""
import h5py
import numpy as np
import pytest

from fast_lewm_ros.data.dataset import Catalog, WindowDataset


def write_tiny_dataset(path, episodes=6, rows=31, size=16, seed=0):
    """Write a tiny file in the docs/data_format.md layout: a bright square moved by actions.

    Written with h5py directly (not EpisodeWriter) so the test pins the format itself.
    """
    rng = np.random.default_rng(seed)
    pixels, actions, states, proprio, starts = [], [], [], [], []
    for e in range(episodes):
        starts.append(e * rows)
        act = rng.uniform(-1, 1, (rows, 2)).astype(np.float32)
        act[-1] = 0  # the last row's action is never applied
        pos = np.clip(np.cumsum(np.vstack([rng.uniform(4, 12, (1, 2)), act[:-1]]), 0), 1, 14)
        for p in pos:
            img = np.full((size, size, 3), 20, np.uint8)
            r, c = int(p[0]), int(p[1])
            img[r - 1:r + 2, c - 1:c + 2] = (250, 200, 50)
            pixels.append(img)
        actions.append(act)
        states.append(np.hstack([pos, np.zeros_like(pos)]))
        proprio.append(pos.astype(np.float32))
    with h5py.File(path, 'w') as f:
        f.create_dataset('pixels', data=np.stack(pixels), chunks=(1, size, size, 3),
                         compression='lzf')
        f.create_dataset('action', data=np.concatenate(actions))
        f.create_dataset('state', data=np.concatenate(states).astype(np.float64))
        f.create_dataset('proprio', data=np.concatenate(proprio))
        f.create_dataset('episode_start', data=np.array(starts, np.int64))
        f.create_dataset('episode_length', data=np.full(episodes, rows, np.int64))
        f.attrs.update({'format_version': 1, 'env_id': 'FastLeWM/TwoRoom-v0',
                        'image_size': size, 'frameskip': 5, 'action_dim': 2, 'state_dim': 4,
                        'proprio_dim': 2, 'seed': seed, 'num_episodes': episodes,
                        'episode_steps': rows - 1, 'policy': 'test', 'versions': '{}',
                        'created': 'test'})
    return path


@pytest.fixture
def tiny_file(tmp_path):
    return write_tiny_dataset(tmp_path / 'tiny.h5')


def test_windows_follow_the_format(tiny_file):
    catalog = Catalog.open([tiny_file])
    assert (catalog.num_episodes, catalog.image_size, catalog.action_dim) == (6, 16, 2)
    stats = catalog.statistics(np.arange(6))
    mean, std = stats['action_mean'], stats['action_std']
    data = WindowDataset(catalog, np.array([1]), horizon=5, block=5, action_mean=mean,
                         action_std=std)
    # 30 applied actions: starts 0..25 have >= 1 block; start t has min(5, (30 - t) // 5).
    assert len(data) == 26
    assert [int(data[t]['length']) for t in (0, 5, 6, 20, 25)] == [5, 5, 4, 2, 1]
    item = data[6]
    with h5py.File(tiny_file, 'r') as f:
        row = 31 + 6
        np.testing.assert_array_equal(item['pixels'][:5].numpy(), f['pixels'][row:row + 21:5])
        raw = f['action'][row:row + 20].reshape(4, 10)
    np.testing.assert_allclose(item['actions'][:4].numpy() * np.tile(std, 5) + np.tile(mean, 5),
                               raw, rtol=1e-5, atol=1e-5)
    assert not item['pixels'][5:].any() and not item['actions'][4:].any()  # padding
    preloaded = WindowDataset(catalog, np.array([1]), horizon=5, block=5, action_mean=mean,
                              action_std=std, pixels=catalog.read_pixels())
    for t in (0, 6, 25):
        for key in ('pixels', 'actions', 'length'):
            assert (preloaded[t][key] == data[t][key]).all()


def test_split_is_by_episode_and_stats_exclude_unapplied_rows(tiny_file):
    catalog = Catalog.open([tiny_file])
    train, val = catalog.split(0.34, seed=3)
    assert len(val) == 2 and not set(train) & set(val) and len(train) + len(val) == 6
    with h5py.File(tiny_file, 'r') as f:
        act = f['action'][:].reshape(6, 31, 2)[train, :30].reshape(-1, 2)
    stats = catalog.statistics(train)
    np.testing.assert_allclose(stats['action_mean'], act.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats['action_std'], act.std(0), rtol=1e-5)


def test_mismatched_files_are_refused(tmp_path):
    a = write_tiny_dataset(tmp_path / 'a.h5')
    b = write_tiny_dataset(tmp_path / 'b.h5', size=8)
    with pytest.raises(ValueError, match='b.h5'):
        Catalog.open([a, b])
    with pytest.raises(ValueError, match='no data files'):
        Catalog.open([])
