# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""How `fast-lewm bench` shows its rows: the printed table and the plan-time plot.

The rows (dicts) are measured and filled in by `fast_lewm_ros.bench`; this module
only formats them.
"""
from __future__ import annotations


def _ms(value) -> str:
    return '-' if value is None else f'{value:.1f}'


def format_row(row: dict) -> str:
    """One table line (also printed as each setting finishes)."""
    return (f'{row["predictor"]:<14} {row["preset"]:<6} {row["horizon"]:>2} '
            f'{row["samples"]:>5} {row["iterations"]:>3} '
            f'{_ms(row["plan_ms_median"]):>9} ±{_ms(row["plan_ms_iqr"]):<7} '
            f'{_ms(row["dynamics_ms_median"]):>9} {_ms(row["action_encoding_ms_median"]):>8} '
            f'{_ms(row["overhead_ms_median"]):>8} {_ms(row["encode_ms_median"]):>6} '
            f'{row["sequential_calls"]:>5} {row["macs_per_candidate"] / 1e6:>8.2f} '
            f'{row["plan_speedup_vs_ar"]:>5.2f}x '
            + ('-' if row['dynamics_speedup_vs_ar'] is None
               else f'{row["dynamics_speedup_vs_ar"]:.2f}x')
            + f' {row["achieved_gflops"]:>7.1f}'
            + ('' if 'matmul_share' not in row else f' ({row["matmul_share"]:.0%})'))


def print_table(rows: list[dict], device: str) -> None:
    print(f'\nPlanning time per full CEM solve, one environment, on {device}')
    print('(ms, median ± IQR; plan = whole solve, dyn = inside predict_final, act = action '
          'encoding part of dyn, ovh = plan - dyn, enc = one image encode; calls = '
          'sequential predictor passes per solve; MMAC = dynamics MACs per candidate; '
          'speed-ups vs the autoregressive rollout: plan, dynamics; GF/s = achieved '
          'GFLOP/s of the solve (share of the fp32 matmul throughput))')
    print(f'{"predictor":<14} {"preset":<6} {"H":>2} {"S":>5} {"I":>3} {"plan":>9} '
          f'{"IQR":<8} {"dyn":>9} {"act":>8} {"ovh":>8} {"enc":>6} {"calls":>5} '
          f'{"MMAC":>8} {"speed-up":>6} {"GF/s":>10}')
    for row in rows:
        print(format_row(row))


def plot_rows(rows: list[dict], path: str, device: str) -> None:
    """Plan time vs horizon, one line per predictor and preset."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    groups: dict = {}
    for row in rows:
        key = (row['predictor'], row['preset'], row['samples'], row['iterations'])
        groups.setdefault(key, []).append(row)
    for (predictor, preset, count, iters), group in sorted(groups.items()):
        if len(group) < 2:
            continue
        group.sort(key=lambda r: r['horizon'])
        ax.plot([r['horizon'] for r in group], [r['plan_ms_median'] for r in group],
                marker='o', linestyle='-' if predictor == 'prefix' else '--',
                label=f'{predictor} ({preset}, {count}x{iters})')
    ax.set_xlabel('horizon (action blocks)')
    ax.set_ylabel('CEM plan time (ms, median)')
    ax.set_title(device, fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
