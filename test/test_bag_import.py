# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm import-bag`: rosbag2 (MCAP, sqlite3) -> HDF5 episodes, exactly, with errors."""
from bag_writing import (float32_array_msg, image_msg, png_msg, twist_msg, twist_stamped_msg,
                         write_bag)
import h5py
import numpy as np
import pytest

from fast_lewm_ros import cli
from fast_lewm_ros.data.bag_import import align, import_bag
from fast_lewm_ros.data.dataset import Catalog
from fast_lewm_ros.data.episodes import EpisodeFile
from fast_lewm_ros.data.start_goal import sample_start_goal

MS = 10**6


def recording(episodes=(7, 5), size=16, dims=2, seed=0, gap_s=3):
    """Frames every 50 ms; after each frame but the last, a command 10 ms later.

    Returns (messages, expected episodes as (pixels, actions)). By the format's
    rule row t's action is the command sent between frame t and frame t+1.
    """
    rng = np.random.default_rng(seed)
    messages, expected, t0 = [], [], 10**9
    for length in episodes:
        pixels = rng.integers(0, 256, (length, size, size, 3), dtype=np.uint8)
        actions = rng.standard_normal((length, dims)).astype(np.float32)
        actions[-1] = 0.0  # the last frame's row is all-zero
        for t in range(length):
            ns = t0 + t * 50 * MS
            messages.append(('/camera/image', ns, image_msg(pixels[t], ns)))
            if t < length - 1:
                messages.append(('/cmd', ns + 10 * MS, float32_array_msg(actions[t])))
        expected.append((pixels, actions))
        t0 += length * 50 * MS + gap_s * 10**9  # a pause: the next episode
    return messages, expected


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_frames_and_actions_come_back_bit_for_bit(tmp_path, storage):
    messages, expected = recording()
    write_bag(tmp_path / 'bag', messages, storage)
    out = tmp_path / 'robot.h5'
    assert cli.main(['import-bag', str(tmp_path / 'bag'), '--image-topic', '/camera/image',
                     '--action-topic', '/cmd', '--out', str(out)]) == 0
    with EpisodeFile(out) as f:
        assert f.num_episodes == len(expected) and not f.has_state
        assert int(f.attrs['action_dim']) == 2 and f.image_size == 16
        for e, (pixels, actions) in enumerate(expected):
            episode = f.episode(e)
            assert set(episode) == {'pixels', 'action', 'proprio'}
            np.testing.assert_array_equal(episode['pixels'], pixels)
            assert episode['action'].dtype == np.float32
            np.testing.assert_array_equal(episode['action'], actions)
    assert not (tmp_path / 'robot.h5.tmp').exists()
    with pytest.raises(ValueError, match='no `state` column'):
        sample_start_goal(1, data=out)
    assert Catalog.open([out]).action_dim == 2


def test_twist_bgr8_and_control_period_resampling(tmp_path):
    # A camera at 25 Hz (40 ms), commands every 20 ms, resampled onto a 100 ms clock.
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (26, 16, 16, 3), dtype=np.uint8)
    messages = [('/img', 10**9 + 40 * MS * i, image_msg(pixels[i], 0, 'bgr8'))
                for i in range(26)]  # 0 .. 1000 ms
    commands = [(0.1 * k, -0.01 * k) for k in range(51)]
    messages += [('/cmd_vel', 10**9 - 5 * MS + 20 * MS * k, twist_msg(*commands[k]))
                 for k in range(51)]
    write_bag(tmp_path / 'bag', messages, 'sqlite3')
    out = tmp_path / 'robot.h5'
    summary = import_bag(tmp_path / 'bag', out, '/img', '/cmd_vel', control_period=0.1,
                         twist_axes=('angular.z', 'linear.x'), progress=False)
    assert summary['episodes'] == 1 and summary['rows'] == 11  # ticks 0, 100, ..., 1000 ms
    with EpisodeFile(out) as f:
        episode = f.episode(0)
    # Tick k (100k ms) holds the newest frame at or before it: frame floor(100k / 40).
    np.testing.assert_array_equal(episode['pixels'], pixels[[(100 * k) // 40
                                                             for k in range(11)]])
    # Row k: the last command strictly before tick k+1 (sent at 20j - 5 ms < 100(k+1)).
    want = [commands[5 * (k + 1)][::-1] for k in range(10)] + [(0.0, 0.0)]
    np.testing.assert_array_equal(episode['action'], np.asarray(want, np.float32))


def test_png_compressed_images_and_twist_stamped(tmp_path):
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    messages = [('/img/compressed', 10**9 + 50 * MS * t, png_msg(pixels[t], 0)) for t in range(4)]
    messages += [('/cmd', 10**9 + 50 * MS * t + MS, twist_stamped_msg(0.5 * t, -t, 0))
                 for t in range(3)]
    write_bag(tmp_path / 'bag', messages)
    import_bag(tmp_path / 'bag', tmp_path / 'x.h5', '/img/compressed', '/cmd', progress=False)
    with EpisodeFile(tmp_path / 'x.h5') as f:
        episode = f.episode(0)
    np.testing.assert_array_equal(episode['pixels'], pixels)
    np.testing.assert_array_equal(episode['action'], [[0, 0], [0.5, -1], [1, -2], [0, 0]])


def test_pauses_in_either_stream_split_episodes():
    ms = np.int64(MS)
    frames = np.arange(0, 40) * 50 * ms  # 0 .. 1950 ms, steady camera
    # Commands until 600 ms, silence until 1800 ms (> 1 s gap), then again.
    commands = np.concatenate([np.arange(0, 13) * 50 * ms + 5 * ms,
                               np.arange(36, 40) * 50 * ms + 5 * ms])
    episodes = align(frames, commands, episode_gap=1.0)
    # Each run of commands: from the frame at or before its first command (0 at 0 ms,
    # 36 at 1800 ms) to the first frame after its last (13 at 650 ms; 39, the last).
    assert [list(rows) for rows, _ in episodes] == [list(range(0, 14)), [36, 37, 38, 39]]
    # Row t's command: the last one strictly before frame t+1; the last row gets -1 (zero).
    assert list(episodes[0][1]) == list(range(13)) + [-1]
    assert list(episodes[1][1]) == [13, 14, 15, -1]
    # A camera gap > episode_gap splits a run too.
    episodes = align(np.delete(frames, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                        19, 20, 21, 22, 23, 24, 25]), commands[:13], 0.5)
    assert [len(rows) for rows, _ in episodes] == [5]


def _import(tmp_path, messages, *extra):
    tmp_path.mkdir(exist_ok=True)
    write_bag(tmp_path / 'bag', messages)
    return cli.main(['import-bag', str(tmp_path / 'bag'), '--out', str(tmp_path / 'x.h5'),
                     *extra])


@pytest.mark.parametrize('case, args, needle', [
    ('missing_topic', ['--image-topic', '/nope', '--action-topic', '/cmd'],
     "has no topic '/nope'; its topics: /camera/image (sensor_msgs/msg/Image), "
     '/cmd (std_msgs/msg/Float32MultiArray)'),
    ('wrong_type', ['--image-topic', '/cmd', '--action-topic', '/cmd'],
     '--image-topic /cmd has type std_msgs/msg/Float32MultiArray'),
    ('bad_axis', ['--image-topic', '/camera/image', '--action-topic', '/cmd',
                  '--twist-axes', 'linear.w'], "--twist-axes 'linear.w'"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, case, args, needle):
    messages, _ = recording(episodes=(3,))
    assert _import(tmp_path, messages, *args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count('\n') == 1 and 'Traceback' not in err
    assert not (tmp_path / 'x.h5').exists() and not (tmp_path / 'x.h5.tmp').exists()


def test_bags_that_cannot_become_episodes(tmp_path, capsys):
    pixels = np.zeros((16, 16, 3), np.uint8)
    no_actions = [('/img', 10**9 + i * MS, image_msg(pixels, 0)) for i in range(3)]
    write_bag(tmp_path / 'a', no_actions, empty_topics={'/cmd': 'geometry_msgs/msg/Twist'})
    assert cli.main(['import-bag', str(tmp_path / 'a'), '--image-topic', '/img',
                     '--action-topic', '/cmd', '--out', str(tmp_path / 'x.h5')]) == 2
    assert 'action topic /cmd has no messages' in capsys.readouterr().err
    mixed = [('/img', 10**9, image_msg(pixels, 0)),
             ('/img', 10**9 + 50 * MS, image_msg(np.zeros((8, 8, 3), np.uint8), 0)),
             ('/cmd', 10**9 + 1, twist_msg(0, 0))]
    assert _import(tmp_path / 'b', mixed, '--image-topic', '/img',
                   '--action-topic', '/cmd') == 2
    assert 'frames of mixed sizes (16x16 and 8x8' in capsys.readouterr().err
    bad = image_msg(pixels, 0)
    bad.encoding = '16UC1'
    assert _import(tmp_path / 'c', [('/img', 10**9, bad), ('/cmd', 10**9, twist_msg(0, 0))],
                   '--image-topic', '/img', '--action-topic', '/cmd') == 2
    assert "Image.encoding '16UC1' is not supported" in capsys.readouterr().err
    late = [('/img', 10**9, image_msg(pixels, 0)), ('/cmd', 5 * 10**9, twist_msg(0, 0))]
    assert _import(tmp_path / 'd', late, '--image-topic', '/img',
                   '--action-topic', '/cmd') == 2
    assert 'nothing to import' in capsys.readouterr().err
    assert cli.main(['import-bag', str(tmp_path / 'none'), '--image-topic', '/i',
                     '--action-topic', '/c', '--out', str(tmp_path / 'x.h5')]) == 2
    assert 'does not exist' in capsys.readouterr().err


def test_train_infers_sizes_from_an_imported_file(tmp_path, capsys):
    messages, _ = recording(episodes=(30, 30, 30, 30), size=16, dims=3)
    write_bag(tmp_path / 'bag', messages)
    out = tmp_path / 'robot.h5'
    import_bag(tmp_path / 'bag', out, '/camera/image', '/cmd', progress=False)
    with h5py.File(out) as f:
        assert 'state' not in f and int(f.attrs['state_dim']) == 0
    # The CPU preset expects 64 px images: training takes the data's 16 px instead.
    assert cli.main(['train', '--config', 'tworoom_cpu', '--data', str(out), '--out',
                     str(tmp_path / 'run'), '--set', 'max_steps=2', 'batch_size=4',
                     'sigreg_projections=16', 'val_batches=1', 'model.encoder_depth=1',
                     'model.predictor_depth=1', 'model.patch_size=8']) == 0
    err = capsys.readouterr().err
    assert 'image_size 16 from the data' in err and 'no simulator state' in err
    from fast_lewm_ros.model import WorldModel
    model = WorldModel.load(tmp_path / 'run' / 'final.safetensors')
    assert model.config.image_size == 16 and model.config.action_dim == 3
