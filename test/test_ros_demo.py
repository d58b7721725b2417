# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm demo` end to end, and lock-step runs that repeat exactly."""
import json
import os
import subprocess

import numpy as np
import pytest
from ros_testing import executable

from fast_lewm_ros.resources import default_checkpoint  # noqa: E402

FAST = ['--samples', '8', '--iterations', '2', '--elites', '2']


def run_demo(out, *args):
    result = subprocess.run([executable('fast-lewm'), 'demo', '--out', str(out), *args],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, json.loads((out / 'summary.json').read_text())


def test_demo_runs_reports_and_repeats_exactly(ros_domain, tmp_path, tiny_checkpoint):
    from PIL import Image
    args = ['--checkpoint', tiny_checkpoint, '--episodes', '2', '--max-steps', '12', *FAST]
    stdout, summary = run_demo(tmp_path / 'a', *args)
    assert [r['episode'] for r in summary['episodes']] == [0, 1]
    for row in summary['episodes']:
        assert row['steps'] >= 1 and row['plans'] >= 1
        assert row['first_command_latency_ms'] > 0 and row['planning_ms_mean'] > 0
    assert 'success' in stdout and 'first cmd ms' in stdout
    strip = np.asarray(Image.open(tmp_path / 'a' / 'episode0.png'))
    assert strip.shape[0] == 32 and strip.shape[1] > 32 * 3  # goal + several frames
    assert (tmp_path / 'a' / 'episode0.gif').stat().st_size > 0
    # Lock-step: the same trajectory again, however busy the machine is.
    run_demo(tmp_path / 'b', *args)
    np.testing.assert_array_equal(strip, np.asarray(Image.open(tmp_path / 'b' / 'episode0.png')))
    assert (summary['goal_cost'], summary['noise_beta']) == ('final', 0.0)  # planner.yaml


def test_demo_takes_the_planner_settings_reacher_and_cube_need(ros_domain, tmp_path,
                                                               tiny_checkpoint):
    stdout, summary = run_demo(tmp_path, '--checkpoint', tiny_checkpoint, '--episodes', '1',
                               '--max-steps', '6', '--goal-cost', 'every_block',
                               '--noise-beta', '2', *FAST)
    assert (summary['goal_cost'], summary['noise_beta']) == ('every_block', 2.0)
    assert 'every_block goal cost, noise beta 2' in stdout


def test_demo_names_a_missing_checkpoint(ros_domain, tmp_path):
    result = subprocess.run([executable('fast-lewm'), 'demo', '--checkpoint',
                             str(tmp_path / 'none.safetensors')], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and 'none.safetensors' in result.stdout


def test_default_checkpoint_moves_the_agent_toward_the_goal(ros_domain, tmp_path):
    try:
        checkpoint = default_checkpoint()
    except FileNotFoundError:
        pytest.skip('checkpoints/default.safetensors is not there yet')
    _, summary = run_demo(tmp_path, '--checkpoint', str(checkpoint), '--episodes', '2')
    rows = summary['episodes']  # planner.yaml's CEM budget, the paper's
    assert sum(r['final_distance'] for r in rows) < sum(r['start_distance'] for r in rows)
