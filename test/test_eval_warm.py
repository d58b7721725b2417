# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm eval --warm-iterations`: warm replans timed apart from the cold first plans."""
import json

from test_eval_helpers import save_tiny

from fast_lewm_ros.cli import main


def test_eval_warm_iterations_reports_replan_time_against_cold_plans(tmp_path, capsys):
    path = save_tiny(tmp_path / 'prefix.safetensors', 'prefix')
    out = tmp_path / 'eval.json'
    rc = main(['eval', '--checkpoint', path, '--env', 'tworoom', '--episodes', '2',
               '--budget', '10', '--replan-every', '5', '--warm-iterations', '1',
               '--samples', '12', '--iterations', '4', '--elites', '3',
               '--no-random-baseline', '--json', str(out)])
    assert rc == 0
    result = json.loads(out.read_text())
    assert result['protocol']['planner']['warm_iterations'] == 1
    method = result['methods'][0]
    # 2 episodes x 10 steps, a plan every 5: one cold and one warm plan per episode
    assert method['plan_time']['count'] == 4
    assert method['replan_time']['count'] == 2 and method['cold_plan_time']['count'] == 2
    ratio = method['replan_time']['median_s'] / method['cold_plan_time']['median_s']
    assert abs(method['replan_over_cold'] - ratio) <= 1e-9
    assert 'of a cold plan' in capsys.readouterr().out
