# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm collect` and `fast-lewm view` through the real command line."""
import subprocess

import h5py
import numpy as np
import pytest
from ros_testing import executable

from fast_lewm_ros import cli
from fast_lewm_ros.data import collect
from fast_lewm_ros.data.episodes import EpisodeFile, EpisodeWriter
from fast_lewm_ros.data.exploration import make_policy, rollout
from fast_lewm_ros.envs import ENV_IDS, make


def run(*argv):
    return cli.main([str(a) for a in argv])


def test_one_worker_collect_leaves_ctrl_c_working(tmp_path):
    # With --workers 1 the episodes are collected in this process: it must not
    # ignore SIGINT afterwards (nor pass SIG_IGN on to every process it starts).
    import signal
    before = signal.getsignal(signal.SIGINT)
    assert run('collect', '--env', 'tworoom', '--episodes', 1, '--episode-steps', 10,
               '--out', tmp_path / 'x.h5', '--workers', 1) == 0
    assert signal.getsignal(signal.SIGINT) is before


def test_collect_is_independent_of_worker_count(tmp_path):
    one, two = tmp_path / 'one.h5', tmp_path / 'two.h5'
    common = ['--env', 'tworoom', '--episodes', 3, '--episode-steps', 30, '--seed', 4]
    assert run('collect', *common, '--out', one, '--workers', 1) == 0
    assert run('collect', *common, '--out', two, '--workers', 2) == 0
    with h5py.File(one, 'r') as a, h5py.File(two, 'r') as b:
        for name in ('pixels', 'action', 'state', 'proprio', 'episode_length'):
            assert np.array_equal(a[name][:], b[name][:]), name
        assert a.attrs['seed'] == 4 and a.attrs['episode_steps'] == 30
    with EpisodeFile(one) as f:
        ep = f.episode(2)
        assert len(ep['pixels']) == 31 and not ep['action'][-1].any()
        # Stored states replay: the env renders the stored frame from the stored state.
        env = make('tworoom', image_size=64)
        env.reset(seed=0)
        env.unwrapped.set_state(ep['state'][10])
        assert np.array_equal(env.render(), ep['pixels'][10])
        assert np.array_equal(env.step(ep['action'][10])[0], ep['pixels'][11])
        env.close()


def test_installed_command_collects_with_spawned_workers(tmp_path):
    # Spawned workers re-import the console script as __mp_main__; a wrapper
    # without a __main__ guard re-ran the whole command in every worker (which
    # then failed to lock the output file, and the pool restarted them forever).
    out = tmp_path / 'data.h5'
    result = subprocess.run([executable('fast-lewm'), 'collect', '--env', 'tworoom',
                             '--episodes', '2', '--episode-steps', '10', '--workers', '2',
                             '--out', str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    with EpisodeFile(out) as f:
        assert f.num_episodes == 2


def test_interrupted_collect_leaves_no_output(tmp_path, monkeypatch):
    out = tmp_path / 'data.h5'
    calls = []

    def fail_after_one(self, episode):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        real_append(self, episode)

    real_append = EpisodeWriter.append
    monkeypatch.setattr(EpisodeWriter, 'append', fail_after_one)
    with pytest.raises(KeyboardInterrupt):
        collect.collect('tworoom', 3, out, episode_steps=30, progress=False)
    assert not out.exists() and not (tmp_path / 'data.h5.tmp').exists()


def test_collect_rejects_bad_arguments(tmp_path, capsys):
    assert run('collect', '--env', 'maze', '--episodes', 1, '--out', tmp_path / 'x.h5') == 2
    assert 'unknown env' in capsys.readouterr().err


@pytest.mark.parametrize('env_id', ENV_IDS)
def test_exploration_moves_the_task(env_id):
    """Each policy changes the task state within 25 steps (what goals are made of)."""
    env = make(env_id, image_size=64)
    episode = rollout(env, make_policy(env_id), seed=1, steps=50, render=False)
    env.close()
    assert episode['action'].shape == (51, env.unwrapped.action_dim)
    assert np.all(np.abs(episode['action']) <= 1)
    moved = np.abs(episode['proprio'][25:] - episode['proprio'][:-25]).max()
    assert moved > 0.01


def test_random_action_segments_mix_jitter_into_the_policy(tmp_path):
    """--random-actions replaces some segments by i.i.d. uniform actions, reproducibly."""
    env = make('reacher', image_size=64)
    plain = rollout(env, make_policy('reacher'), seed=3, steps=200, render=False)['action']
    mixed = rollout(env, make_policy('reacher', 0.5), seed=3, steps=200, render=False)['action']
    again = rollout(env, make_policy('reacher', 0.5), seed=3, steps=200, render=False)['action']
    env.close()
    assert np.array_equal(mixed, again) and np.all(np.abs(mixed) <= 1)
    # Step-to-step change: the policy's smooth actions vs uniform noise (mean |a - a'| = 2/3).
    jitter = np.abs(np.diff(mixed[:-1], axis=0)).mean(axis=1)
    assert np.abs(np.diff(plain[:-1], axis=0)).mean() < 0.3
    assert (jitter > 0.4).mean() > 0.15  # some segments are random...
    assert (jitter < 0.3).mean() > 0.15  # ...and some are the policy's
    out = tmp_path / 'mixed.h5'
    assert run('collect', '--env', 'reacher', '--episodes', 1, '--episode-steps', 10,
               '--random-actions', 0.5, '--out', out) == 0
    with h5py.File(out, 'r') as f:
        assert f.attrs['policy'] == 'reacher_joint_targets+random0.5'
    assert run('collect', '--env', 'reacher', '--episodes', 1, '--random-actions', 2,
               '--out', tmp_path / 'x.h5') == 2


def test_view_writes_png(tmp_path):
    data = tmp_path / 'd.h5'
    assert run('collect', '--env', 'reacher', '--episodes', 2, '--episode-steps', 30,
               '--out', data) == 0
    png = tmp_path / 'grid.png'
    assert run('view', '--data', data, '--out', png, '--episodes', 2, '--frames', 4) == 0
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert run('view', '--data', tmp_path / 'none.h5', '--out', png) == 2
