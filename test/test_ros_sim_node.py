# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""sim_node with real rclpy: lock-step stepping, /clock, goals, reset, bad actions, free-run."""
import time

import numpy as np
import pytest
from ros_testing import params

from fast_lewm_ros.ros.conversions import image_to_numpy  # noqa: E402
from fast_lewm_ros.data.start_goal import StartGoalSource  # noqa: E402
from fast_lewm_ros.ros.sim_node import SimNode  # noqa: E402

NAME = '/sim_node'
ERROR = 2


def make_sim(probe, **overrides):
    values = dict(image_size=16, lock_step=True, max_steps=3, seed=42)
    values.update(overrides)
    return probe.add(SimNode(context=probe.context, parameter_overrides=params(**values)))


def goal_image(pair):
    """Render the goal image of `pair` with an env of the test's own."""
    from fast_lewm_ros import envs
    env = envs.make('tworoom', image_size=16)
    try:
        env.reset(options={'state': pair.start, 'goal_state': pair.goal})
        return env.unwrapped.goal_image()
    finally:
        env.close()


def stamp_s(msg):
    return msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec


def test_lock_step_advances_once_per_command_and_publishes_clock(probe):
    sim = make_sim(probe)
    # The goal is latched: the probe subscribed before the sim existed, and any
    # later subscriber would receive it as well.
    probe.wait(lambda: probe.count(probe.goals) >= 1 and probe.count(probe.images) >= 1,
               what='goal and first image')
    pair = StartGoalSource('tworoom', 42, 25)[0]  # the paper-protocol pair 0
    np.testing.assert_allclose(sim.task.get_goal_state(), pair.goal)
    np.testing.assert_array_equal(image_to_numpy(probe.goals[0]), goal_image(pair))
    start = sim.task.get_state()[:2].copy()
    for step in (1, 2):
        probe.send_action([1.0, 0.0])
        probe.wait(lambda: any(s.step == step for s in probe.statuses), what=f'step {step}')
    assert sim.task.get_state()[0] > start[0]  # moved along +x
    probe.wait(lambda: probe.count(probe.clocks) >= 3, what='/clock')
    clock = [c.clock.sec + 1e-9 * c.clock.nanosec for c in probe.clocks]
    assert clock == sorted(clock) and clock[-1] == pytest.approx(clock[0] + 2 * 0.05)
    images = sorted(stamp_s(m) for m in probe.images)
    assert images[-1] == pytest.approx(clock[-1])  # the image of the newest step


def test_wrong_size_action_is_an_error_and_ignored(probe):
    sim = make_sim(probe)
    probe.wait(lambda: probe.count(probe.images) >= 1, what='first image')

    def sent():
        probe.send_action([0.1, 0.2, 0.3])
        return probe.diagnosed(NAME, ERROR, 'expected 2 finite values')
    probe.wait(sent, what='ERROR wrong-size action')
    assert sim.step == 0
    probe.send_action([float('nan'), 0.0])
    probe.send_action([0.5, 0.5])
    probe.wait(lambda: sim.step == 1, what='a good action still steps')


def test_episodes_end_reset_and_the_reset_service(probe):
    from std_srvs.srv import Trigger
    sim = make_sim(probe, max_steps=2)
    probe.wait(lambda: probe.count(probe.goals) >= 1, what='first goal')
    for _ in range(2):
        probe.send_action([0.0, 1.0])
    probe.wait(lambda: any(s.done and s.episode == 0 for s in probe.statuses), what='done')
    probe.wait(lambda: any(s.episode == 1 and s.step == 0 for s in probe.statuses),
               what='auto reset to episode 1')
    probe.wait(lambda: probe.count(probe.goals) >= 2, what='the new goal')
    client = probe.node.create_client(Trigger, f'{NAME}/reset')
    assert client.wait_for_service(timeout_sec=10)
    future = client.call_async(Trigger.Request())
    probe.wait(future.done, what='reset reply')
    assert future.result().success and sim.episode == 2 and sim.step == 0
    pair = StartGoalSource('tworoom', 42, 25)[2]
    np.testing.assert_allclose(sim.task.get_goal_state(), pair.goal)


def test_episode_limit_and_no_terminal_image_in_lock_step(probe):
    sim = make_sim(probe, max_steps=1, episodes=1)
    probe.wait(lambda: probe.count(probe.images) >= 1, what='first image')
    probe.send_action([0.0, 0.0])
    probe.wait(lambda: any(s.done for s in probe.statuses), what='done')
    time.sleep(0.8)  # longer than republish_period: an absence needs time
    assert sim.episode == 0 and sim.done
    assert {stamp_s(m) for m in probe.images} == {0.05}  # only the first observation


def test_free_run_applies_the_latest_command_every_step(probe):
    sim = make_sim(probe, lock_step=False, step_period=0.02, image_rate=50.0, max_steps=10000,
                   action_timeout=0.3)
    x0 = sim.task.get_state()[0]
    probe.wait(lambda: probe.count(probe.images) >= 3, what='camera images')

    def pushed():
        probe.send_action([-1.0, 0.0] if x0 > 0 else [1.0, 0.0])
        return abs(sim.task.get_state()[0] - x0) > 0.05
    probe.wait(pushed, what='the agent to move with the command')
    assert probe.count(probe.clocks) == 0  # /clock only in lock-step
    steps = sim.step
    probe.wait(lambda: sim.step > steps + 5, what='steps without commands')
