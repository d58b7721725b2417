# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm openloop`: latent error per horizon on held-out episodes, several models.

For every checkpoint, on the same held-out windows: direct prediction, the same
model chained block by block, persistence (zhat = z_t) and shuffled actions,
each normalised by the model's own latent variance (see
evaluation/latent_error.py), with linear growth slopes and a direct-vs-chained
agreement table. Give a prefix and an autoregressive checkpoint to compare them.
`--ranking` adds the planner ranking check (evaluation/ranking.py) on start/goal
pairs drawn from the same file.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

import torch

from fast_lewm_ros.data.start_goal import sample_start_goal
from fast_lewm_ros.evaluation.latent_error import (format_agreement, latent_errors, METHODS,
                                                   sample_windows)
from fast_lewm_ros.evaluation.plots import plot_openloop
from fast_lewm_ros.model import CheckpointError, WorldModel
from fast_lewm_ros.planning import PlannerConfig
from fast_lewm_ros.resources import default_checkpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = PlannerConfig()
    parser.add_argument('--checkpoint', action='append', metavar='CKPT',
                        help='model file; repeat for several (e.g. prefix and '
                             'autoregressive); default: the shipped default model')
    parser.add_argument('--data', required=True, metavar='FILE.h5',
                        help='held-out episode file (never the training file)')
    parser.add_argument('--json', metavar='FILE', help='write the full results here')
    parser.add_argument('--plot', metavar='FILE.png', help='error-vs-horizon plot')
    parser.add_argument('--max-windows', type=int, default=256,
                        help='held-out windows, drawn at random (default 256)')
    parser.add_argument('--horizon', type=int, default=None,
                        help='blocks per window (default: the smallest model horizon)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the window draw and of the ranking problems')
    parser.add_argument('--batch', type=int, default=64, help='windows per forward pass')
    parser.add_argument('--device', default='cpu', help='torch device (default cpu)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s choice); use 1 when other '
                             'jobs share the cores (2 threads on 2 busy cores: up to 20x slower)')
    parser.add_argument('--ranking', action='store_true',
                        help='also run the planner ranking check (model vs simulated costs)')
    parser.add_argument('--ranking-problems', type=int, default=20,
                        help='start/goal problems for --ranking (default 20)')
    parser.add_argument('--ranking-samples', type=int, default=256,
                        help='candidates scored per problem for --ranking (default 256)')
    parser.add_argument('--samples', type=int, default=defaults.samples,
                        help=f'CEM candidates of the --ranking plan (default {defaults.samples})')
    parser.add_argument('--iterations', type=int, default=defaults.iterations,
                        help=f'CEM iterations of the --ranking plan '
                             f'(default {defaults.iterations})')
    parser.add_argument('--elites', type=int, default=defaults.elites,
                        help=f'CEM elites, also the top-k of the overlap '
                             f'(default {defaults.elites})')


def _labels(models: list[WorldModel]) -> list[str]:
    """'prefix' / 'autoregressive', numbered when a kind appears more than once."""
    kinds = [m.config.predictor for m in models]
    return [k if kinds.count(k) == 1 else f'{k}[{i}]' for i, k in enumerate(kinds)]


def format_errors(label: str, result: dict) -> str:
    """Per-horizon error table of one model, with growth slopes."""
    lines = [f'{label}: normalised latent error on {result["windows"]} windows',
             f'{"k":>3} ' + ' '.join(f'{m:>12}' for m in METHODS)]
    for i, k in enumerate(result['horizon']):
        lines.append(f'{k:>3} ' + ' '.join(f'{result["error"][m][i]:>12.4f}' for m in METHODS))
    lines.append('slope ' + ' '.join(f'{result["slope"][m]["slope"]:>12.4f}' for m in METHODS))
    return '\n'.join(lines)


def run(args) -> dict:
    """Measure every checkpoint on the same windows; the JSON-ready result."""
    paths = args.checkpoint or [str(default_checkpoint())]
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f'checkpoint {path} does not exist')
    models = [WorldModel.load(p, map_location=args.device) for p in paths]
    horizon = args.horizon or min(m.config.horizon for m in models)
    if args.max_windows < 2:
        raise ValueError(f'--max-windows must be >= 2 (shuffling needs two), '
                         f'got {args.max_windows}')
    windows = sample_windows(args.data, horizon, args.max_windows, args.seed)
    result = {'data': args.data, 'env': windows.env_id, 'horizon': horizon,
              'windows': int(len(windows.episode)), 'seed': args.seed,
              'note': 'errors are MSE / mean per-dim variance of each model\'s own true '
                      'latents; each model is measured in its own latent space',
              'models': []}
    for label, path, model in zip(_labels(models), paths, models):
        errors = latent_errors(model, windows, args.batch)
        errors.update(label=label, checkpoint=path)
        result['models'].append(errors)
    if args.ranking:
        from fast_lewm_ros.evaluation.ranking import ranking_check
        pairs = sample_start_goal(args.ranking_problems, args.seed, data=args.data)
        planner = PlannerConfig(samples=args.samples, iterations=args.iterations,
                                elites=args.elites, horizon=horizon)
        result['ranking'] = []
        for label, model in zip(_labels(models), models):
            check = ranking_check(model, windows.env_id, pairs, planner,
                                  samples=args.ranking_samples, seed=args.seed)
            check['label'] = label
            result['ranking'].append(check)
    return result


def format_ranking(check: dict) -> str:
    """One line: mean rank correlations and top-k overlap over the problems."""
    s = {k: ('undefined' if v['mean'] is None else f'{v["mean"]:.3f}')
         for k, v in check['summary'].items()}
    return (f'{check["label"]}: ranking over {check["problems"]} problems x '
            f'{check["samples"]} candidates: Spearman(model, task distance) mean '
            f'{s["rho_distance"]} (wide {s["rho_distance_wide"]}, near plan '
            f'{s["rho_distance_near"]}), Spearman(model, simulated latent) '
            f'{s["rho_latent"]}, top-{check["elites"]} overlap {s["top_overlap"]}')


def main(args: argparse.Namespace) -> int:
    if args.threads is not None:
        torch.set_num_threads(max(1, args.threads))
    try:
        result = run(args)
    except (ValueError, OSError, CheckpointError) as err:  # OSError: unreadable HDF5 chunk
        print(f'fast-lewm openloop: {" ".join(str(err).split())}', file=sys.stderr)
        return 2
    for model in result['models']:
        print(format_errors(model['label'], model))
        print(format_agreement(model['label'], model))
    for check in result.get('ranking', []):
        print(format_ranking(check))
    if args.plot:
        curves = {m['label']: {name: m['error'][name] for name in METHODS}
                  for m in result['models']}
        plot_openloop(args.plot, curves, title=f'{result["env"]}: open-loop latent error, '
                                               f'{result["windows"]} held-out windows')
        print(f'wrote {args.plot}')
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
        print(f'wrote {args.json}')
    return 0
