# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm eval`: statistics, paired episodes, batch independence, the CLI end to end."""
import json

import numpy as np
import pytest
from test_eval_helpers import save_tiny, tiny_episodes, tiny_model

from fast_lewm_ros.cli import main
from fast_lewm_ros.data.start_goal import sample_start_goal
from fast_lewm_ros.evaluation.closed_loop import run_planner, run_random
from fast_lewm_ros.evaluation.stats import (fingerprint, linear_fit, paired_comparison,
                                            wilson_interval)
from fast_lewm_ros.planning import PlannerConfig

SMALL = ['--samples', '12', '--iterations', '2', '--elites', '3']


def test_wilson_interval_known_values():
    # 0/10: upper bound z^2 / (n + z^2); 5/10 and 10/10 from the closed form.
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson_interval(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert wilson_interval(10, 10) == pytest.approx((0.72247, 1.0), abs=1e-5)
    with pytest.raises(ValueError, match='successes'):
        wilson_interval(11, 10)


def test_paired_comparison_and_fit():
    a = [True] * 6 + [False] * 4
    b = [False] * 6 + [False] * 3 + [True]
    cmp = paired_comparison(a, b)
    assert (cmp['both'], cmp['only_a'], cmp['only_b'], cmp['neither']) == (0, 6, 1, 3)
    assert cmp['mcnemar_p'] == pytest.approx(2 * 8 / 128)  # P(X <= 1 or X >= 6), X ~ B(7, .5)
    assert paired_comparison([True], [True])['mcnemar_p'] == 1.0
    assert linear_fit([1, 2, 3], [1.0, 3.0, 5.0])['slope'] == pytest.approx(2.0)


def test_results_do_not_depend_on_batch_size():
    pairs = sample_start_goal(3, seed=42, env='tworoom', episode_steps=40)
    model = tiny_model('prefix')
    planner = PlannerConfig(samples=12, iterations=2, elites=3, seed=5)
    runs = [run_planner(model, pairs, 'FastLeWM/TwoRoom-v0', planner, batch=b, budget=12,
                        replan_every=5, warmup=False)[0] for b in (1, 3)]
    for one, three in zip(*runs):
        assert one['success'] == three['success']
        assert one['steps_to_success'] == three['steps_to_success']
        assert one['final_distance'] == pytest.approx(three['final_distance'], abs=1e-6)
        assert len(one['plan_times']) == len(three['plan_times']) == 3  # steps 0, 5, 10
    # a different planner seed changes the plans, so the check above is not vacuous
    other = run_planner(model, pairs, 'FastLeWM/TwoRoom-v0', PlannerConfig(
        samples=12, iterations=2, elites=3, seed=6), batch=3, budget=12, replan_every=5,
        warmup=False)[0]
    assert [r['final_distance'] for r in other] != [r['final_distance'] for r in runs[0]]


def test_random_baseline_is_seeded_and_can_succeed():
    pairs = sample_start_goal(4, seed=3, env='tworoom', episode_steps=30)
    near = [type(p)(p.start, p.start, p.episode, p.step) for p in pairs]  # goal == start
    records = run_random(near, 'tworoom', seed=1, budget=5)
    assert all(r['success'] and r['steps_to_success'] == 1 for r in records)
    first, again = (run_random(pairs, 'tworoom', seed=1, budget=10) for _ in range(2))
    assert [r['final_distance'] for r in first] == [r['final_distance'] for r in again]


def test_eval_cli_pairs_methods_and_writes_json(tmp_path):
    prefix = save_tiny(tmp_path / 'prefix.safetensors', 'prefix')
    ar = save_tiny(tmp_path / 'ar.safetensors', 'autoregressive')
    out = tmp_path / 'eval.json'
    rc = main(['eval', '--checkpoint', prefix, '--checkpoint', ar, '--env', 'tworoom',
               '--episodes', '3', '--budget', '10', '--batch', '2', '--json', str(out),
               '--video', str(tmp_path / 'video'), '--video-episodes', '1'] + SMALL)
    assert rc == 0
    result = json.loads(out.read_text())
    assert 0.0 <= result['success_rate'] <= 1.0
    names = [m['predictor'] for m in result['methods']]
    assert names == ['prefix', 'autoregressive', 'random']
    assert result['success_rate'] == result['methods'][0]['success_rate']
    starts = [[r['start_state'] + r['goal_state'] for r in m['records']]
              for m in result['methods']]
    assert starts[0] == starts[1] == starts[2] and len(starts[0]) == 3
    pairs = sample_start_goal(3, seed=42, env='tworoom')
    assert result['pairs_sha256'] == fingerprint([a for p in pairs for a in (p.start, p.goal)])
    for m in result['methods']:
        low, high = m['wilson95']
        assert 0.0 <= low <= m['success_rate'] <= high <= 1.0
    assert result['methods'][0]['plan_time']['count'] == 2  # 2 batches x 1 plan
    assert set(result['paired_vs_first']) == {m['name'] for m in result['methods'][1:]}
    assert {p.name for p in (tmp_path / 'video').iterdir()} == {
        '0_prefix_ep000.png', '0_prefix_ep000.gif',
        '1_autoregressive_ep000.png', '1_autoregressive_ep000.gif'}


def test_eval_cli_draws_pairs_from_a_heldout_file(tmp_path):
    data = tiny_episodes(tmp_path / 'held.h5', steps=30)
    ckpt = save_tiny(tmp_path / 'm.safetensors', 'prefix')
    out = tmp_path / 'eval.json'
    assert main(['eval', '--checkpoint', ckpt, '--env', 'tworoom', '--episodes', '2',
                 '--data', data, '--budget', '5', '--no-random-baseline',
                 '--json', str(out)] + SMALL) == 0
    result = json.loads(out.read_text())
    assert [m['predictor'] for m in result['methods']] == ['prefix']
    expected = sample_start_goal(2, seed=42, data=data)
    got = result['methods'][0]['records']
    np.testing.assert_array_equal([r['start_state'] for r in got], [p.start for p in expected])


def test_eval_cli_refuses_training_episodes_and_wrong_task(tmp_path, capsys):
    train = tiny_episodes(tmp_path / 'train.h5', steps=30, seed=42)
    ckpt = save_tiny(tmp_path / 'm.safetensors', 'prefix', data=[train])
    assert main(['eval', '--checkpoint', ckpt, '--env', 'tworoom', '--episodes', '1']
                + SMALL) == 2
    assert 'pick another seed' in capsys.readouterr().err
    assert main(['eval', '--checkpoint', ckpt, '--env', 'tworoom', '--episodes', '1',
                 '--data', train] + SMALL) == 2
    assert 'held-out' in capsys.readouterr().err
    assert main(['eval', '--checkpoint', ckpt, '--env', 'reacher', '--episodes', '1']
                + SMALL) == 2
    assert 'trained on FastLeWM/TwoRoom-v0' in capsys.readouterr().err
    assert main(['eval', '--checkpoint', str(tmp_path / 'none.safetensors'), '--env',
                 'tworoom', '--episodes', '1']) == 2
    assert 'does not exist' in capsys.readouterr().err
