# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""scripts/gpu_check.sh --dry: every stage of the GPU check, on the CPU at a tiny size."""
import json
from pathlib import Path
import subprocess

ROOT = Path(__file__).resolve().parent.parent


def test_gpu_check_dry_mode_runs_every_stage_on_a_cpu(tmp_path):
    out = tmp_path / 'gpu_check'
    done = subprocess.run([str(ROOT / 'scripts' / 'gpu_check.sh'), '--dry', str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = (out / 'summary.txt').read_text()
    assert 'gpu_check dry, device cpu' in summary and 'all checks passed' in summary
    correctness = json.loads((out / 'correctness.json').read_text())
    assert correctness['passed'] and correctness['checks'][0]['max_abs_diff'] == 0.0
    rows = json.loads((out / 'bench_cpu.json').read_text())['rows']
    assert {r['predictor'] for r in rows} == {'prefix', 'autoregressive'}
    assert all(r['achieved_gflops'] > 0 for r in rows)
    assert (out / 'train_run' / 'final.safetensors').is_file()
