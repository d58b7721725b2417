# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""A task is one file: goal distance, success and exploration agree; solved pairs are redrawn."""
import numpy as np
import pytest

from fast_lewm_ros.data.episodes import EpisodeWriter
from fast_lewm_ros.data.start_goal import sample_start_goal
from fast_lewm_ros.data.exploration import episode_seed, make_policy, rollout
from fast_lewm_ros.envs import make, resolve_env_id, task_checkpoint, TASKS
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.resources import default_checkpoint

# Goal distance below which each task's success criterion holds (its module says why).
THRESHOLD = {'tworoom': 0.16, 'reacher': 0.05, 'pusht': 1.0, 'cube': 0.04}


@pytest.mark.parametrize('name', list(TASKS))
def test_goal_distance_below_threshold_iff_solved(name):
    env = make(name, render_mode=None)
    task = env.unwrapped
    assert isinstance(make_policy(name), task.policy_class)
    rng = np.random.default_rng(0)
    states = [task._sample_state(rng) for _ in range(40)]
    near = []
    for state in states[:20]:  # goals close to the start, so both outcomes occur
        goal = state.copy()
        goal[:task.model.nq] += rng.normal(0.0, 0.01, task.model.nq) * rng.integers(0, 2)
        near.append((state, goal))
    pairs = near + list(zip(states[20:30], states[30:]))
    outcomes = set()
    for state, goal in pairs:
        distance = task.goal_distance(state, goal)
        solved = task.solved(state, goal)
        assert solved == (distance < THRESHOLD[name]), (name, distance)
        outcomes.add(solved)
        task.set_state(state)
        task.set_goal_state(goal)
        assert task.is_success() == solved
    assert outcomes == {True, False}
    env.close()


def test_solved_pairs_are_redrawn_and_counted(tmp_path):
    path = tmp_path / 'eps.h5'
    meta = dict(env_id='FastLeWM/TwoRoom-v0', image_size=8, action_dim=2, state_dim=4,
                proprio_dim=2, seed=0, episode_steps=40, policy='test')
    rows = 41
    moving = np.zeros((rows, 4))
    moving[:, 0] = np.linspace(0.2, 1.0, rows)  # 0.5 m in 25 steps: never solved at start
    with EpisodeWriter(path, **meta) as writer:
        for state in (np.zeros((rows, 4)), moving):  # the first agent never moves
            writer.append({'pixels': np.zeros((rows, 8, 8, 3), np.uint8),
                           'action': np.zeros((rows, 2), np.float32), 'state': state,
                           'proprio': state[:, :2].astype(np.float32)})
    literal = sample_start_goal(20, seed=42, data=path, keep_solved=True)
    redrawn = sample_start_goal(20, seed=42, data=path)
    solved = [p.episode == 0 for p in literal]
    assert 0 < sum(solved) < 20 and literal.rejected_solved_at_start == 0
    assert all(p.episode == 1 for p in redrawn)
    assert redrawn.rejected_solved_at_start >= sum(solved)
    for was_solved, a, b in zip(solved, literal, redrawn):
        if not was_solved:  # every pair that measures something is the literal one
            assert (a.episode, a.step) == (b.episode, b.step)


def test_on_the_fly_pairs_keep_unsolved_pairs_and_count_rejections():
    literal = sample_start_goal(12, seed=42, env='cube', keep_solved=True)
    redrawn = sample_start_goal(12, seed=42, env='cube')
    task = make('cube', render_mode=None).unwrapped
    solved = [task.solved(p.start, p.goal) for p in literal]
    assert not any(task.solved(p.start, p.goal) for p in redrawn)
    assert redrawn.rejected_solved_at_start >= sum(solved)
    for was_solved, a, b in zip(solved, literal, redrawn):
        if not was_solved:
            np.testing.assert_array_equal(a.goal, b.goal)


def test_cube_exploration_moves_the_cube_in_most_windows():
    env = make('cube', render_mode=None)
    moved = []
    for i in range(4):
        cube = rollout(env, make_policy('cube'), episode_seed(0, i), 200,
                       render=False)['state'][:, 6:9]
        moved += [np.linalg.norm(cube[t + 25] - cube[t]) >= 0.04 for t in range(0, 176, 5)]
    assert np.mean(moved) > 0.7  # 84% over 20 episodes; 74% before the change
    env.close()


def test_task_checkpoint_falls_back_to_the_default():
    for name in TASKS:
        path = task_checkpoint(resolve_env_id(name))
        assert path.name in (f'{name}.safetensors', default_checkpoint().name)
    with pytest.raises(ValueError, match='unknown env'):
        task_checkpoint('nope')


@pytest.mark.parametrize('name', list(TASKS))
def test_every_task_ships_a_model_of_that_task(name):
    # eval/demo/sim_planning pick this file when no checkpoint is given: a model of
    # another task (the Two-Room default) would plan nonsense or not fit the actions.
    path = task_checkpoint(name)
    assert path.name == f'{name}.safetensors'
    model = WorldModel.load(path)
    env = make(name, render_mode=None)
    assert model.training_info['env_id'] == resolve_env_id(name)
    assert model.config.action_dim == env.action_space.shape[0]
    assert model.config.image_size == env.unwrapped.image_size
    env.close()
