# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm bench`: planning time, prefix (Fast-LeWM) vs autoregressive (LeWM).

Both predictors are built from the same preset with the same seed (so the same
encoder weights), planned with the same CEM budget on the same device, and timed
in alternation (prefix solve, autoregressive solve, prefix, ...) so that load from
other processes hits both alike. Per full CEM solve we record the wall time
(synchronised on GPU), the time inside `predict_final` (dynamics), the part of it
spent in the predictor's action encoding (`predictor.encode_actions`; for the
prefix model this includes its causal prefix encoder), and CEM overhead = plan -
dynamics; medians and IQRs over repeats, warm-up excluded. Sequential predictor
calls are counted by a hook on the predictor core's first block (one pass each).

Models are built with horizon = the longest swept horizon, so that T = 10 blocks
is a valid input; for random weights this changes only the prefix model's table of
sinusoidal positions. Weights are random: timing does not depend on training.

Each row also says how much of the machine a solve uses: FLOPs per solve
(2 x dynamics MACs per candidate x samples x (iterations + 1)) over its median
time, against the fp32 matmul throughput measured first on the same device and
threads. `--compile` torch.compiles predict_final (CPU or CUDA); its one-off cost
shows in `first_solve_ms` (the warm-up solve), not in the timed repeats.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import platform
import sys
import time

import numpy as np
import torch

from fast_lewm_ros.bench_report import format_row, plot_rows, print_table
from fast_lewm_ros.model import ModelConfig, PREDICTORS, WorldModel
from fast_lewm_ros.planning import CEMPlanner, PlannerConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:N] (default cpu)')
    parser.add_argument('--preset', nargs='+', default=None,
                        help='model presets; each gets a row at --base-horizon x '
                             '--base-samples (default: cpu paper; --quick: cpu)')
    parser.add_argument('--sweep-presets', nargs='*', default=None,
                        help='presets that also get the horizon and samples sweeps '
                             '(default: the first preset; none with --quick)')
    parser.add_argument('--horizons', nargs='+', type=int, default=None,
                        help='horizon sweep in blocks (default 1 2 5 10)')
    parser.add_argument('--samples', nargs='+', type=int, default=None,
                        help='samples sweep (default 30 300 3000)')
    parser.add_argument('--base-horizon', type=int, default=5,
                        help='horizon of the main rows and of the samples sweep (default 5)')
    parser.add_argument('--base-samples', type=int, default=300,
                        help='samples of the main rows and of the horizon sweep (default 300)')
    parser.add_argument('--iterations', type=int, default=30, help='CEM iterations (30)')
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed solves per setting and predictor (default 7; --quick 3)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed solves first (1)')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--seed', type=int, default=0, help='model and planner seed (0)')
    parser.add_argument('--bf16', action='store_true', help='bf16 autocast (CUDA only)')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile predict_final (CPU or CUDA; compiled once per '
                             'model, during the warm-up solve)')
    parser.add_argument('--cuda-graph', action='store_true',
                        help='replay each solve as one CUDA graph (CUDA only; no breakdown)')
    parser.add_argument('--quick', action='store_true',
                        help='one matched pair: cpu preset, H = 5, 300 x 30, 3 repeats')
    parser.add_argument('--json', metavar='FILE', help='write the results as JSON')
    parser.add_argument('--plot', metavar='PNG', help='plan time vs horizon plot')


def main(args: argparse.Namespace) -> int:
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        print('fast-lewm bench: --device cuda but torch sees no CUDA device', file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    presets = args.preset or (['cpu'] if args.quick else ['cpu', 'paper'])
    sweep = args.sweep_presets if args.sweep_presets is not None else (
        [] if args.quick else presets[:1])
    horizons = args.horizons or [1, 2, 5, 10]
    samples = args.samples or [30, 300, 3000]
    repeats = args.repeats or (3 if args.quick else 7)
    info = device_info(device)
    info['matmul_gflops'] = matmul_gflops(device)
    print(f'device: {info["name"]}; torch {torch.__version__}; {repeats} repeats after '
          f'{args.warmup} warm-up; seed {args.seed}; fp32 matmul '
          f'{info["matmul_gflops"]:.1f} GFLOP/s', flush=True)
    unknown = sorted(set(sweep) - set(presets))
    if unknown:
        print(f'fast-lewm bench: --sweep-presets {unknown} are not among --preset {presets}',
              file=sys.stderr)
        return 2
    try:  # check every setting before spending minutes on the first
        plans = {preset: _configs(args, preset in sweep, horizons, samples)
                 for preset in presets if ModelConfig.preset(preset)}
    except ValueError as err:
        print(f'fast-lewm bench: {err}', file=sys.stderr)
        return 2
    rows = []
    for preset, configs in plans.items():
        models = build_models(preset, max(c.horizon for c in configs), device, args.seed)
        for config in configs:
            pair = measure_pair(models, preset, config, repeats, args.warmup, args.seed)
            for row in pair:
                row['matmul_share'] = row['achieved_gflops'] / info['matmul_gflops']
            rows += pair
            for row in pair:
                print(format_row(row), flush=True)
    settings = dict(presets=presets, sweep_presets=sweep, horizons=horizons, samples=samples,
                    base_horizon=args.base_horizon, base_samples=args.base_samples,
                    iterations=args.iterations, repeats=repeats, warmup=args.warmup,
                    seed=args.seed, bf16=args.bf16, cuda_graph=args.cuda_graph,
                    compile=args.compile)
    report = {'device': info['name'], 'device_info': info, 'torch': torch.__version__,
              'created': datetime.datetime.now().isoformat(timespec='seconds'),
              'settings': settings, 'rows': rows}
    print_table(rows, info['name'])
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)
        print(f'wrote {args.json}')
    if args.plot:
        plot_rows(rows, args.plot, info['name'])
        print(f'wrote {args.plot}')
    return 0


def _configs(args, sweep: bool, horizons, samples) -> list[PlannerConfig]:
    """List the main setting, plus the horizon and samples sweeps around it."""
    settings = {(args.base_horizon, args.base_samples)}
    if sweep:
        settings |= {(h, args.base_samples) for h in horizons}
        settings |= {(args.base_horizon, s) for s in samples}
    # 10% elites as in the paper's 30 of 300, at most 30, at least 2
    return [PlannerConfig(samples=count, iterations=args.iterations, horizon=horizon,
                          elites=max(2, min(30, count // 10)), seed=args.seed,
                          bf16=args.bf16, cuda_graph=args.cuda_graph, compile=args.compile)
            for horizon, count in sorted(settings)]


def device_info(device: torch.device) -> dict:
    """Name the hardware: CPU model and threads, or the GPU."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    info = {'cpu': cpu, 'threads': torch.get_num_threads(), 'type': device.type}
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
        info['name'] = f'{info["gpu"]} (CUDA {torch.version.cuda})'
    else:
        plural = 's' if info['threads'] != 1 else ''
        info['name'] = f'CPU {cpu}, {info["threads"]} torch thread{plural}'
    return info


def matmul_gflops(device: torch.device, n: int = 1024, repeats: int = 5) -> float:
    """Measure fp32 (n x n) @ (n x n) throughput, GFLOP/s (median), with torch's threads."""
    a, b = (torch.randn(n, n, device=device) for _ in range(2))
    times = []
    for _ in range(repeats + 1):  # the first call is a warm-up
        _sync(device)
        start = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / float(np.median(times[1:])) / 1e9


def build_models(preset: str, horizon: int, device: torch.device, seed: int) -> dict:
    """Both predictors on one preset; seeding first gives them the same encoder."""
    base = ModelConfig.preset(preset)
    models = {}
    for predictor in PREDICTORS:
        torch.manual_seed(seed)
        config = dataclasses.replace(base, predictor=predictor,
                                     horizon=max(horizon, base.horizon))
        models[predictor] = WorldModel(config).to(device).eval()
    return models


class _Probe:
    """Time spent inside wrapped methods (perf_counter on CPU, CUDA events on GPU)."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == 'cuda'
        self.spans: dict = {}
        self.wrapped: list = []

    def wrap(self, owner, method: str, key: str) -> None:
        original = getattr(owner, method)

        def timed(*args, **kwargs):
            if self.cuda:
                start, end = (torch.cuda.Event(enable_timing=True) for _ in range(2))
                start.record()
                out = original(*args, **kwargs)
                end.record()
                self.spans.setdefault(key, []).append((start, end))
            else:
                start = time.perf_counter()
                out = original(*args, **kwargs)
                self.spans.setdefault(key, []).append(time.perf_counter() - start)
            return out
        setattr(owner, method, timed)  # an instance attribute shadows the method
        self.wrapped.append((owner, method))

    def take_ms(self, key: str) -> float:
        """Total milliseconds under `key` since the last take; call after a sync."""
        spans = self.spans.pop(key, [])
        if self.cuda:
            return float(sum(s.elapsed_time(e) for s, e in spans))
        return 1000.0 * sum(spans)

    def restore(self) -> None:
        for owner, method in self.wrapped:
            delattr(owner, method)
        self.wrapped.clear()


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def measure_pair(models: dict, preset: str, config: PlannerConfig, repeats: int,
                 warmup: int, seed: int) -> list[dict]:
    """Alternate full solves of both predictors; one row each."""
    device = next(models['prefix'].parameters()).device
    breakdown = not config.cuda_graph  # a replayed graph has no Python calls to time
    gen = torch.Generator().manual_seed(seed)
    size = models['prefix'].config.image_size
    pixels = torch.randint(0, 256, (2, size, size, 3), generator=gen, dtype=torch.uint8)
    state = {}
    for name, model in models.items():
        probe = _Probe(device)
        with torch.inference_mode():
            latents = model.encode(pixels.to(device))  # (2, D): start and goal
        if breakdown:
            probe.wrap(model, 'predict_final', 'dynamics')
            probe.wrap(model.predictor, 'encode_actions', 'action_encoding')
        passes = [0]
        hook = model.predictor.blocks[0].register_forward_pre_hook(
            lambda *_, p=passes: p.__setitem__(0, p[0] + 1))
        state[name] = dict(model=model, probe=probe, hook=hook, passes=passes,
                           z=latents[:1], z_goal=latents[1:], planner=CEMPlanner(config),
                           times={k: [] for k in ('plan', 'dynamics', 'action_encoding',
                                                  'encode')})
    try:
        for rep in range(warmup + repeats):
            for name, s in state.items():
                s['passes'][0] = 0
                _sync(device)
                start = time.perf_counter()
                s['planner'].plan(s['model'], s['z'], s['z_goal'])
                _sync(device)
                plan_ms = 1000.0 * (time.perf_counter() - start)
                dyn, act = s['probe'].take_ms('dynamics'), s['probe'].take_ms('action_encoding')
                start = time.perf_counter()
                with torch.inference_mode():
                    s['model'].encode(pixels[:1].to(device))
                _sync(device)
                if rep == 0:
                    s['first_solve_ms'] = plan_ms  # includes any torch.compile
                if rep >= warmup:
                    t = s['times']
                    t['plan'].append(plan_ms)
                    t['dynamics'].append(dyn)
                    t['action_encoding'].append(act)
                    t['encode'].append(1000.0 * (time.perf_counter() - start))
    finally:
        for s in state.values():
            s['probe'].restore()
            s['hook'].remove()
    rows = [_row(name, preset, config, s, breakdown) for name, s in state.items()]
    ar = rows[1]
    for row in rows:
        row['plan_speedup_vs_ar'] = ar['plan_ms_median'] / row['plan_ms_median']
        row['dynamics_speedup_vs_ar'] = (ar['dynamics_ms_median'] / row['dynamics_ms_median']
                                         if breakdown else None)
    return rows


def _stats(values) -> tuple[float, float]:
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(med), float(q3 - q1)


def _row(name: str, preset: str, config: PlannerConfig, s: dict, breakdown: bool) -> dict:
    t, model = s['times'], s['model']
    row = {'predictor': name, 'preset': preset, 'horizon': config.horizon,
           'samples': config.samples, 'iterations': config.iterations,
           'elites': config.elites, 'repeats': len(t['plan']),
           'bf16': config.bf16, 'cuda_graph': config.cuda_graph}
    row['plan_ms_median'], row['plan_ms_iqr'] = _stats(t['plan'])
    if breakdown:
        overhead = np.subtract(t['plan'], t['dynamics'])
        row['dynamics_ms_median'], row['dynamics_ms_iqr'] = _stats(t['dynamics'])
        row['action_encoding_ms_median'], row['action_encoding_ms_iqr'] = _stats(
            t['action_encoding'])
        row['overhead_ms_median'], row['overhead_ms_iqr'] = _stats(overhead)
    else:
        for key in ('dynamics', 'action_encoding', 'overhead'):
            row[f'{key}_ms_median'] = row[f'{key}_ms_iqr'] = None
    row['encode_ms_median'], row['encode_ms_iqr'] = _stats(t['encode'])
    row['sequential_calls'] = s['passes'][0]
    row['macs_per_candidate'] = model.dynamics_macs(config.horizon)
    row['compile'] = config.compile
    row['first_solve_ms'] = s.get('first_solve_ms')
    # every iteration scores S candidates, plus one final cost of the mean
    row['plan_gflop'] = (2 * row['macs_per_candidate'] * config.samples
                         * (config.iterations + 1) / 1e9)
    row['achieved_gflops'] = row['plan_gflop'] / (row['plan_ms_median'] / 1e3)
    return row
