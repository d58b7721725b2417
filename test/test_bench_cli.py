# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm bench` through the real CLI entry point, at a tiny budget."""
import json

from fast_lewm_ros import cli

REQUIRED = ('predictor', 'preset', 'horizon', 'samples', 'iterations', 'plan_ms_median',
            'dynamics_ms_median')


def test_bench_quick_writes_matched_pair_json(tmp_path, capsys):
    out = tmp_path / 'bench.json'
    code = cli.main(['bench', '--quick', '--base-samples', '20', '--iterations', '2',
                     '--repeats', '1', '--warmup', '0', '--json', str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert 'CPU' in report['device'] and report['device'] in capsys.readouterr().out
    rows = report['rows']
    assert [r['predictor'] for r in rows] == ['prefix', 'autoregressive']
    for row in rows:
        assert all(key in row for key in REQUIRED)
        assert (row['preset'], row['horizon'], row['samples'], row['iterations']) == (
            'cpu', 5, 20, 2)
        assert 0 < row['dynamics_ms_median'] <= row['plan_ms_median']
        assert 0 < row['action_encoding_ms_median'] <= row['dynamics_ms_median']
    prefix, ar = rows
    # 2 iterations + the final cost of the plan: 3 cost calls; the rollout makes 5 passes each
    assert prefix['sequential_calls'] == 3 and ar['sequential_calls'] == 15
    assert prefix['macs_per_candidate'] < ar['macs_per_candidate']
    assert ar['plan_speedup_vs_ar'] == 1.0
    # the share of the machine a solve uses: FLOPs of 3 cost calls x 20 candidates
    assert report['device_info']['matmul_gflops'] > 0
    for row in rows:
        assert row['plan_gflop'] * 1e9 == 2 * row['macs_per_candidate'] * 20 * 3
        assert row['achieved_gflops'] > 0 and row['matmul_share'] > 0


def test_bench_sweeps_horizon_and_samples_and_plots(tmp_path):
    out, png = tmp_path / 'sweep.json', tmp_path / 'sweep.png'
    code = cli.main(['bench', '--preset', 'tiny', '--horizons', '1', '7', '--samples', '8',
                     '--base-horizon', '2', '--base-samples', '6', '--iterations', '1',
                     '--repeats', '2', '--json', str(out), '--plot', str(png)])
    assert code == 0 and png.stat().st_size > 0
    rows = json.loads(out.read_text())['rows']
    settings = sorted({(r['horizon'], r['samples']) for r in rows})
    assert settings == [(1, 6), (2, 6), (2, 8), (7, 6)]  # horizon sweep + samples sweep
    calls = {(r['predictor'], r['horizon']): r['sequential_calls'] for r in rows}
    # horizon 7 > the preset's trained 5: the bench model is built for the longest one
    assert calls[('prefix', 7)] == 2 and calls[('autoregressive', 7)] == 14


def test_bench_rejects_a_sweep_preset_it_does_not_measure(capsys):
    assert cli.main(['bench', '--preset', 'tiny', '--sweep-presets', 'paper']) == 2
    assert "--sweep-presets ['paper'] are not among --preset ['tiny']" in capsys.readouterr().err


def test_bench_reports_bad_settings_before_measuring(capsys):
    assert cli.main(['bench', '--preset', 'tiny', '--base-samples', '1']) == 2
    assert 'samples must be >= 2, got 1' in capsys.readouterr().err
    assert cli.main(['bench', '--preset', 'nosuch']) == 2
    assert "unknown model preset 'nosuch'" in capsys.readouterr().err
