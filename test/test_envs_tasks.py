# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The four MuJoCo tasks: gymnasium API, determinism, state and goal API, success."""
import gymnasium as gym
from gymnasium.utils.env_checker import check_env
import numpy as np
import pytest

from fast_lewm_ros.data.start_goal import sample_start_goal
from fast_lewm_ros.envs import ENV_IDS, make, resolve_env_id

SIZE = 64


@pytest.fixture(params=ENV_IDS)
def env(request):
    env = make(request.param, image_size=SIZE)
    yield env
    env.close()


def test_registered_on_import():
    for env_id in ENV_IDS:
        assert env_id in gym.registry
    assert resolve_env_id('tworoom') == 'FastLeWM/TwoRoom-v0'
    with pytest.raises(ValueError, match='unknown env'):
        resolve_env_id('maze')


@pytest.mark.parametrize('env_id', ENV_IDS)
def test_check_env_passes(env_id):
    env = gym.make(env_id, image_size=SIZE)
    check_env(env.unwrapped)
    env.close()


def test_spaces_info_and_clipping(env):
    task = env.unwrapped
    obs, info = env.reset(seed=3)
    assert obs.shape == (SIZE, SIZE, 3) and obs.dtype == np.uint8
    assert np.array_equal(env.render(), obs)
    assert env.action_space.shape == (task.action_dim,)
    assert np.all(env.action_space.low == -1) and np.all(env.action_space.high == 1)
    assert info['state'].dtype == np.float64 and info['state'].shape == (task.state_dim,)
    assert info['proprio'].shape == (task.proprio_dim,)
    # Out-of-range actions are clipped, so 5 and 1 act the same.
    start = task.get_state()
    big = np.full(task.action_dim, 5.0)
    first = env.step(big)[0].copy()
    task.set_state(start)
    second = env.step(np.ones(task.action_dim))[0]
    assert np.array_equal(first, second)
    with pytest.raises(ValueError, match='action must have'):
        task.advance(np.zeros(task.action_dim + 1))


def test_image_size_is_configurable_and_checked():
    env = make('tworoom', image_size=96)
    assert env.reset(seed=0)[0].shape == (96, 96, 3)
    env.close()
    with pytest.raises(ValueError, match='image_size'):
        make('tworoom', image_size=4)


def test_seeded_render_is_deterministic(env):
    other = make(env.spec.id, image_size=SIZE)
    obs_a, _ = env.reset(seed=11)
    obs_b, _ = other.reset(seed=11)
    assert np.array_equal(obs_a, obs_b)
    actions = np.random.default_rng(0).uniform(-1, 1, (8, env.unwrapped.action_dim))
    for a in actions:
        obs_a = env.step(a)[0]
        obs_b = other.step(a)[0]
    assert np.array_equal(obs_a, obs_b)
    # Same state in a fresh env renders the same image.
    other.unwrapped.set_state(env.unwrapped.get_state())
    assert np.array_equal(other.render(), env.render())
    other.close()


def test_set_state_round_trips(env):
    task = env.unwrapped
    env.reset(seed=5)
    rng = np.random.default_rng(1)
    for _ in range(6):
        env.step(rng.uniform(-1, 1, task.action_dim))
    saved = task.get_state()
    actions = rng.uniform(-1, 1, (6, task.action_dim))
    after = [env.step(a)[0].copy() for a in actions]
    task.set_state(saved)
    assert np.array_equal(task.get_state(), saved)
    replay = [env.step(a)[0].copy() for a in actions]
    for a, b in zip(after, replay):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError, match='state must have'):
        task.set_state(saved[:-1])


def test_goal_image_leaves_current_state_alone(env):
    task = env.unwrapped
    obs, _ = env.reset(seed=2)
    before = task.get_state()
    obs = obs.copy()
    goal = task.goal_image()
    assert goal.shape == obs.shape and goal.dtype == np.uint8
    assert np.array_equal(task.get_state(), before)
    assert np.array_equal(env.render(), obs)


def test_paper_start_goal_pairs(env):
    """Goal = state 25 steps later: a different image, success at the goal only."""
    task = env.unwrapped
    pairs = sample_start_goal(4, seed=42, env=env)
    failures_at_start = 0
    for pair in pairs:
        env.reset(seed=0, options={'state': pair.start, 'goal_state': pair.goal})
        start_image = env.render()
        goal_image = task.goal_image()
        changed = np.abs(start_image.astype(int) - goal_image).max(axis=-1) > 30
        assert changed.sum() >= 4, f'goal image of {pair} barely differs from the start'
        failures_at_start += not task.is_success()
        task.set_state(pair.goal)
        assert task.is_success()
        assert np.array_equal(env.render(), goal_image)
    # The protocol keeps pairs whose start already meets the criterion (the cube
    # often rests while the gripper approaches); most must still need work.
    assert failures_at_start >= len(pairs) // 2
