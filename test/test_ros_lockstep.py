# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Lock-step evaluation through ROS equals the core closed-loop evaluation, episode by episode.

sim_node (lock-step) and planner_node (one command per image, simulated time)
talk over DDS; `fast-lewm eval`'s loop runs the same controller in-process. Same
start/goal pairs, same seeds: the same trajectories, whatever the CPU load.
"""
import numpy as np
import pytest
from ros_testing import FAST_CEM, params, Probe, save_tiny_checkpoint

from fast_lewm_ros.ros.planner_node import PlannerNode  # noqa: E402
from fast_lewm_ros.ros.sim_node import SimNode  # noqa: E402

EPISODES, BUDGET = 2, 12


def test_ros_lock_step_reproduces_the_core_evaluation(rclpy_context, tmp_path):
    from fast_lewm_ros.data.start_goal import sample_start_goal
    from fast_lewm_ros.evaluation.closed_loop import goal_distance, run_planner
    from fast_lewm_ros.model import WorldModel
    from fast_lewm_ros.planning import PlannerConfig
    checkpoint = save_tiny_checkpoint(tmp_path)
    outcome = {}

    def observe(sim, frame, stamp_ns):
        if sim.done:
            task = sim.task
            outcome[sim.episode] = (sim.success, goal_distance(task, task.get_state(),
                                                               task.get_goal_state()))
    probe = Probe(rclpy_context).start()
    try:
        probe.add(SimNode(context=rclpy_context, observer=observe, parameter_overrides=params(
            image_size=16, lock_step=True, max_steps=BUDGET, seed=42, episodes=EPISODES)))
        probe.add(PlannerNode(context=rclpy_context, parameter_overrides=params(
            checkpoint=checkpoint, command_trigger='image', use_sim_time=True, autostart=True,
            seed=0, **FAST_CEM)))
        probe.wait(lambda: len(outcome) == EPISODES, timeout=60, what='two episodes')
    finally:
        probe.close()
    pairs = sample_start_goal(EPISODES, 42, env='tworoom')
    records, _ = run_planner(WorldModel.load(checkpoint), pairs, 'FastLeWM/TwoRoom-v0',
                             PlannerConfig(seed=0, **FAST_CEM), budget=BUDGET, warmup=False)
    for episode, record in enumerate(records):
        success, distance = outcome[episode]
        assert success == record['success']
        assert distance == pytest.approx(record['final_distance'], abs=1e-9)
    assert np.ptp([d for _, d in outcome.values()]) > 0  # two different episodes
