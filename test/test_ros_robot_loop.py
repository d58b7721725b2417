# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The simulator as the robot: explore, record, import, train, drive it with Twist.

explore_node drives a free-running sim_node; a rosbag2 MCAP writer and
recorder_node record; import-bag; a tiny training run; planner_node with that
checkpoint drives the sim with Twist on cmd_vel. Kept small (16 px) for CI.
"""
from geometry_msgs.msg import Twist
import numpy as np
import pytest
from ros_testing import call_trigger, FAST_CEM, params
from sensor_msgs.msg import Image

pytest.importorskip('rosbags')
from fast_lewm_ros import cli  # noqa: E402
from fast_lewm_ros.data.episodes import EpisodeFile  # noqa: E402
from fast_lewm_ros.ros import qos  # noqa: E402
from fast_lewm_ros.ros.bag_recorder import BagRecorder  # noqa: E402
from fast_lewm_ros.ros.explore_node import ExploreNode  # noqa: E402
from fast_lewm_ros.ros.planner_node import PlannerNode  # noqa: E402
from fast_lewm_ros.ros.recorder_node import RecorderNode  # noqa: E402
from fast_lewm_ros.ros.sim_node import SimNode  # noqa: E402


def test_sim_as_robot_record_import_train_and_drive_with_twist(probe, tmp_path):
    twist = dict(command_type='twist', twist_axes='linear.x angular.z')
    sim = probe.add(SimNode(context=probe.context, parameter_overrides=params(
        image_size=16, max_steps=1000000, step_period=0.05, image_rate=20.0, **twist)))
    recorder = probe.add(RecorderNode(context=probe.context, parameter_overrides=params(
        out_dir=str(tmp_path / 'recorded'), episode_gap=0.5, **twist)))
    bag = BagRecorder(probe.node, tmp_path / 'bag', {
        '/image': (Image, qos.RECORD), '/cmd_vel': (Twist, qos.RECORD)})
    probe.wait(lambda: probe.count(probe.images) > 0, what='the sim camera')
    explorer = probe.add(ExploreNode(context=probe.context, parameter_overrides=params(
        rate=20.0, seed=1, **twist)))
    # Two exploration runs of 40 commands, separated by a pause (~/stop, ~/start).
    for run in range(2):
        start = explorer.sent
        probe.wait(lambda: explorer.sent >= start + 40, timeout=30, what=f'run {run}')
        assert call_trigger(probe, '/explore_node/stop').success
        probe.wait(lambda: len(recorder.files) == run + 1, what=f'recorded episode {run}')
        if run == 0:
            assert call_trigger(probe, '/explore_node/start').success
    bag.close()
    assert sim.step > 60  # the explorer's commands moved the sim

    data = tmp_path / 'robot.h5'
    assert cli.main(['import-bag', str(tmp_path / 'bag'), '--image-topic', '/image',
                     '--action-topic', '/cmd_vel', '--episode-gap', '0.5',
                     '--out', str(data)]) == 0
    with EpisodeFile(data) as f:
        assert f.num_episodes == 2 and f.image_size == 16
        lengths = [int(n) for n in f.lengths]
        actions = np.concatenate([f.episode(e)['action'] for e in range(2)])  # (N, 2)
    with EpisodeFile(recorder.files[0]) as f:
        recorded = int(f.lengths[0])
    # Both recorders heard the same stream; reception times differ by microseconds.
    assert abs(recorded - lengths[0]) <= 2 and min(lengths) >= 30
    assert np.abs(actions).max() <= 1.0 and actions.std() > 0.05

    out = tmp_path / 'run'
    assert cli.main(['train', '--config', 'tworoom_cpu', '--data', str(data), '--out', str(out),
                     '--set', 'model=tiny', 'max_steps=3', 'batch_size=4',
                     'sigreg_projections=16', 'val_batches=1']) == 0

    # The trained model drives the sim through Twist on cmd_vel (the explorer is stopped).
    heard = []
    probe.node.create_subscription(Twist, 'cmd_vel', lambda m: probe._add(heard, m),
                                   qos.COMMANDS)
    steps = sim.step
    probe.add(PlannerNode(context=probe.context, parameter_overrides=params(
        checkpoint=str(out / 'final.safetensors'), autostart=True, control_period=0.05,
        stale_timeout=5.0, **twist, **FAST_CEM)))
    probe.wait(lambda: probe.count(probe.plans) > 0 and probe.count(heard) >= 5
               and sim.step > steps + 5, timeout=30, what='planner Twist commands')
    plan = np.asarray(probe.plans[0].actions).reshape(-1, 2)
    assert any(np.allclose([m.linear.x, m.angular.z], plan[0], atol=1e-6) for m in heard)
