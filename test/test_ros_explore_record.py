# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""explore_node (bounded smooth noise, dead-man, ~/stop) and recorder_node (topics -> HDF5)."""
import time

from geometry_msgs.msg import Twist
import numpy as np
from ros_testing import call_trigger, params

from fast_lewm_ros.data.episodes import EpisodeFile  # noqa: E402
from fast_lewm_ros.ros import commands, qos  # noqa: E402
from fast_lewm_ros.ros.explore_node import ExploreNode, OrnsteinUhlenbeck  # noqa: E402
from fast_lewm_ros.ros.recorder_node import RecorderNode  # noqa: E402

WARN = 1


def test_noise_is_seeded_bounded_and_smooth():
    a, b = (OrnsteinUhlenbeck(2, 0.6, 1.0, seed=3) for _ in range(2))
    xs = np.array([a.step(0.05) for _ in range(4000)])  # (N, 2)
    np.testing.assert_array_equal(xs, np.array([b.step(0.05) for _ in range(4000)]))
    assert np.abs(xs).max() <= 1.0 and xs.std() > 0.3  # explores most of the range
    steps = np.abs(np.diff(xs, axis=0)).mean()  # ~0.22 of unrelated pairs at k = e^-0.05
    assert steps < 0.3 * np.abs(xs[1:] - xs[np.random.default_rng(0).permutation(3999)]).mean()


def test_explorer_stays_in_bounds_stops_on_a_dead_camera_and_on_request(probe):
    probe.add(ExploreNode(context=probe.context, parameter_overrides=params(
        action_low=[-0.5, 0.0], action_high=[0.5, 2.0], rate=50.0, deadman_timeout=0.3)))
    image = np.zeros((8, 8, 3), np.uint8)
    probe.wait(lambda: probe.send_image(image) or probe.count(probe.commands) >= 20,
               what='twenty commands while images arrive')
    sent = np.stack(probe.commands[:20])  # (20, 2)
    assert (sent[:, 0] >= -0.5).all() and (sent[:, 0] <= 0.5).all()
    assert (sent[:, 1] >= 0.0).all() and (sent[:, 1] <= 2.0).all()
    # Dead-man: images stop -> one zero command, then silence and a warning.
    probe.wait(lambda: probe.diagnosed('/explore_node', WARN, 'no image'), what='dead-man')
    count = probe.count(probe.commands)
    np.testing.assert_array_equal(probe.commands[-1], [0.0, 0.0])
    probe.wait(lambda: probe.send_image(image) or probe.count(probe.commands) > count + 5,
               what='commands again once images return')
    assert call_trigger(probe, '/explore_node/stop').success
    probe.wait(lambda: probe.commands[-1].tolist() == [0.0, 0.0], what='the zero command')
    stopped = probe.count(probe.commands)
    for _ in range(10):  # an absence can only be checked over some time (10 ticks of 50 Hz)
        probe.send_image(image)
        time.sleep(0.05)
    assert probe.count(probe.commands) == stopped
    assert call_trigger(probe, '/explore_node/start').success
    probe.wait(lambda: probe.send_image(image) or probe.count(probe.commands) > stopped,
               what='commands after ~/start')


def test_recorder_writes_one_file_per_episode_with_the_format_alignment(probe, tmp_path):
    recorder = probe.add(RecorderNode(context=probe.context, parameter_overrides=params(
        out_dir=str(tmp_path), command_type='twist', episode_gap=0.5)))
    pub = probe.node.create_publisher(Twist, 'cmd_vel', qos.COMMANDS)
    probe.wait(lambda: pub.get_subscription_count() > 0 and probe.image_pub
               .get_subscription_count() > 0, what='the recorder subscribed')
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
    sent = []
    for t in range(6):  # image t, then (but for the last) the command that answers it
        probe.send_image(frames[t], sec=t + 1)
        probe.wait(lambda: len(recorder._frames) > t, what=f'frame {t} recorded')
        if t < 5:
            sent.append(rng.uniform(-1, 1, 2).astype(np.float32))
            pub.publish(commands.to_message('twist', sent[-1], ('linear.x', 'angular.z')))
            probe.wait(lambda: len(recorder._commands) > t, what=f'command {t} recorded')
    probe.wait(lambda: len(recorder.files) == 1, what='the pause ends the episode')
    with EpisodeFile(recorder.files[0]) as f:
        episode = f.episode(0)
        assert not f.has_state and f.num_episodes == 1
    np.testing.assert_array_equal(episode['pixels'], frames)
    np.testing.assert_array_equal(episode['action'], np.stack(sent + [np.zeros(2, np.float32)]))
    assert not list(tmp_path.glob('*.tmp'))
    # ~/new_episode writes what has been recorded so far.
    for t in range(3):
        probe.send_image(frames[t], sec=20 + t)
        probe.wait(lambda: len(recorder._frames) > t, what='frames of episode 2')
        pub.publish(commands.to_message('twist', sent[t], ('linear.x', 'angular.z')))
        probe.wait(lambda: len(recorder._commands) > t, what='commands of episode 2')
    probe.send_image(frames[3], sec=30)
    probe.wait(lambda: len(recorder._frames) > 3, what='the last frame')
    assert 'wrote 1 episode' in call_trigger(probe, '/recorder_node/new_episode').message
    with EpisodeFile(recorder.files[1]) as f:
        assert f.episode(0)['pixels'].shape == (4, 8, 8, 3)
