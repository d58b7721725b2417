# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm eval`: closed-loop success under the paper protocol, paired across methods.

Start/goal pairs (goal = the state 25 primitive steps later in an exploration
episode) come from a held-out HDF5 file (--data) or from exploration episodes
generated from --seed. `fast-lewm collect` derives episode i's seed from
(--seed, i), with --seed 0 for training files and 1 for validation by
convention; the default eval seed 42 gives a disjoint stream, and a seed or file
that a checkpoint was trained on is refused. Every checkpoint and the random
baseline run on the same pairs; episode i plans with the same seed for every
method, so differences come from the models. Results do not depend on --batch
(up to float rounding of batched matrix products, ~1e-8 in a final distance).
"""
from __future__ import annotations

import argparse
from dataclasses import asdict
import json
from pathlib import Path
import platform
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from fast_lewm_ros.data.episodes import EpisodeFile
from fast_lewm_ros.data.start_goal import EVAL_SEED, GOAL_OFFSET, sample_start_goal
from fast_lewm_ros.envs import resolve_env_id, task_checkpoint
from fast_lewm_ros.evaluation.closed_loop import BUDGET, run_planner, run_random
from fast_lewm_ros.evaluation.plots import save_episode
from fast_lewm_ros.evaluation.stats import (fingerprint, paired_comparison, time_summary,
                                            wilson_interval)
from fast_lewm_ros.model import CheckpointError, WorldModel
from fast_lewm_ros.planning import PlannerConfig
from fast_lewm_ros.planning.costs import GOAL_COSTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = PlannerConfig()
    parser.add_argument('--checkpoint', action='append', metavar='CKPT',
                        help='model file; repeat to compare several on the same episodes '
                             '(default: checkpoints/<task>.safetensors, else the default model)')
    parser.add_argument('--env', required=True, help='task, e.g. tworoom or reacher')
    parser.add_argument('--episodes', type=int, default=50, help='episodes (default 50)')
    parser.add_argument('--seed', type=int, default=EVAL_SEED,
                        help=f'seed of the start/goal pairs (default {EVAL_SEED}, the paper\'s)')
    parser.add_argument('--data', metavar='HELDOUT.h5',
                        help='draw the pairs from this held-out episode file instead of '
                             'generating exploration episodes from --seed')
    parser.add_argument('--json', metavar='FILE', help='write the full results here')
    parser.add_argument('--random-baseline', action=argparse.BooleanOptionalAction,
                        default=True, help='also run a uniform random policy (default on)')
    parser.add_argument('--samples', type=int, default=defaults.samples,
                        help=f'CEM candidates per iteration (default {defaults.samples})')
    parser.add_argument('--iterations', type=int, default=defaults.iterations,
                        help=f'CEM iterations per plan (default {defaults.iterations})')
    parser.add_argument('--warm-iterations', type=int, default=None,
                        help='CEM iterations of a replan warm-started from the shifted '
                             'previous plan, with --replan-every below the plan length '
                             '(default: --iterations)')
    parser.add_argument('--elites', type=int, default=defaults.elites,
                        help=f'CEM elites (default {defaults.elites})')
    parser.add_argument('--horizon', type=int, default=None,
                        help='planning horizon in blocks (default: the model\'s, 5)')
    parser.add_argument('--replan-every', type=int, default=None,
                        help='primitive steps executed per plan (default: all, 25)')
    parser.add_argument('--solver', choices=('cem', 'mppi'), default=defaults.solver,
                        help='planner (default cem, the paper\'s)')
    parser.add_argument('--beta', type=float, default=defaults.beta,
                        help='self-consistency weight (default 0)')
    parser.add_argument('--noise-beta', type=float, default=defaults.noise_beta,
                        help='colour of the CEM sampling noise over time, 1/f^beta '
                             '(default 0: white, the paper\'s; 2: smooth, iCEM)')
    parser.add_argument('--goal-cost', choices=GOAL_COSTS, default=defaults.goal_cost,
                        help='latents compared with the goal: final (the paper\'s, after '
                             'the whole plan) or every_block (mean over every prefix: '
                             'reach the goal early and stay)')
    parser.add_argument('--planner-seed', type=int, default=0,
                        help='episode i plans with seed planner_seed + i (default 0)')
    parser.add_argument('--budget', type=int, default=BUDGET,
                        help=f'primitive steps per episode (default {BUDGET})')
    parser.add_argument('--keep-solved-pairs', action='store_true',
                        help='keep start/goal pairs whose start already meets the success '
                             'criterion (the paper\'s literal draw; default: redraw them)')
    parser.add_argument('--goal-offset', type=int, default=GOAL_OFFSET,
                        help=f'steps from start to goal in the source episode '
                             f'(default {GOAL_OFFSET})')
    parser.add_argument('--batch', type=int, default=1,
                        help='episodes planned together in lock-step (default 1); '
                             'results are the same for any value (up to float rounding), '
                             'only speed changes')
    parser.add_argument('--device', default='cpu', help='torch device (default cpu)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s choice); use 1 when other '
                             'jobs share the cores (2 threads on 2 busy cores: up to 20x slower)')
    parser.add_argument('--video', metavar='DIR', help='save PNG strips and GIFs here')
    parser.add_argument('--video-episodes', type=int, default=3,
                        help='episodes per method to save with --video (default 3)')


def _load(path: str, env_id: str, device: str) -> WorldModel:
    if not Path(path).is_file():
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    model = WorldModel.load(path, map_location=device)
    trained_on = model.training_info.get('env_id')
    if trained_on and resolve_env_id(trained_on) != env_id:
        raise ValueError(f'checkpoint {path} was trained on {trained_on}, not {env_id}')
    return model


def _check_not_training_data(model: WorldModel, path: str, args, env_id: str) -> None:
    """Refuse pairs drawn from a checkpoint's own training episodes."""
    for data in model.training_info.get('data', []):
        if args.data and Path(data).resolve() == Path(args.data).resolve():
            raise ValueError(f'--data {args.data} is a training file of {path}; '
                             f'use a held-out file')
        if not args.data and Path(data).is_file():
            with EpisodeFile(data) as f:
                if int(f.attrs['seed']) == args.seed and f.env_id == env_id:
                    raise ValueError(f'--seed {args.seed} generates the episodes of {data}, '
                                     f'which trained {path}; pick another seed (e.g. 42)')


def summarise(name: str, records: list[dict], calls: list[dict] | None = None) -> dict:
    """Success rate, Wilson 95% interval, steps and plan-time statistics of one method."""
    wins = sum(r['success'] for r in records)
    steps = [r['steps_to_success'] for r in records if r['success']]
    low, high = wilson_interval(wins, len(records))
    summary = {'name': name, 'episodes': len(records), 'successes': wins,
               'success_rate': wins / len(records), 'wilson95': [low, high],
               'mean_steps_to_success': float(np.mean(steps)) if steps else None}
    if calls is not None:
        summary['plan_time'] = time_summary([c['seconds'] for c in calls])
        summary['plan_time']['batch'] = max((c['batch'] for c in calls), default=0)
        warm = [c['seconds'] for c in calls if c.get('warm')]
        if warm:  # warm replans against the cold first plans of the same run
            cold = [c['seconds'] for c in calls if not c.get('warm')]
            summary['replan_time'] = time_summary(warm)
            summary['cold_plan_time'] = time_summary(cold)
            summary['replan_over_cold'] = float(np.median(warm) / np.median(cold))
        episode_totals = [sum(r['plan_times']) for r in records]
        summary['plan_time_per_episode'] = time_summary(episode_totals)
    summary['records'] = records
    return summary


def evaluate(args) -> dict:
    """Run every method on the same pairs; the JSON-ready result."""
    env_id = resolve_env_id(args.env)
    paths = args.checkpoint or [str(task_checkpoint(env_id))]
    models = [_load(p, env_id, args.device) for p in paths]
    if args.data:
        with EpisodeFile(args.data) as f:
            if f.env_id != env_id:
                raise ValueError(f'--data {args.data} holds {f.env_id} episodes, not {env_id}')
    for model, path in zip(models, paths):
        _check_not_training_data(model, path, args, env_id)
    horizon = args.horizon or models[0].config.horizon
    planner = PlannerConfig(solver=args.solver, samples=args.samples,
                            iterations=args.iterations, warm_iterations=args.warm_iterations,
                            elites=args.elites, horizon=horizon,
                            beta=args.beta, noise_beta=args.noise_beta,
                            goal_cost=args.goal_cost, seed=args.planner_seed)
    source = {'data': args.data} if args.data else {'env': env_id}
    pairs = sample_start_goal(args.episodes, args.seed, offset=args.goal_offset,
                              keep_solved=args.keep_solved_pairs, **source)
    result = {'env': env_id, 'episodes': len(pairs), 'seed': args.seed, 'data': args.data,
              'keep_solved_pairs': args.keep_solved_pairs,
              'pairs_rejected_solved_at_start': pairs.rejected_solved_at_start,
              'pairs_sha256': fingerprint([a for p in pairs for a in (p.start, p.goal)]),
              'protocol': {'budget': args.budget, 'goal_offset': args.goal_offset,
                           'replan_every': args.replan_every, 'batch': args.batch,
                           'planner': asdict(planner)},
              'machine': {'platform': platform.platform(), 'processor': platform.processor(),
                          'torch_threads': torch.get_num_threads(), 'device': args.device},
              'methods': []}
    recorded = set(range(args.video_episodes)) if args.video else set()
    for i, (path, model) in enumerate(zip(paths, models)):
        name = f'{model.config.predictor}:{path}'
        name = name if paths.count(path) == 1 else f'{name}#{i}'
        start = time.perf_counter()
        with tqdm(total=len(pairs), desc=model.config.predictor, unit='ep') as bar:
            records, extras = run_planner(
                model, pairs, env_id, planner, batch=args.batch, budget=args.budget,
                replan_every=args.replan_every, record_frames=recorded, on_episode=bar.update)
        summary = summarise(name, records, extras['plan_calls'])
        summary.update(checkpoint=path, predictor=model.config.predictor,
                       model_config=asdict(model.config),
                       seconds=time.perf_counter() - start)
        result['methods'].append(summary)
        for index, (frames, goal) in extras['frames'].items():
            tag = f'{len(result["methods"]) - 1}_{model.config.predictor}_ep{index:03d}'
            save_episode(args.video, tag, frames, goal)
    if args.random_baseline:
        start = time.perf_counter()
        with tqdm(total=len(pairs), desc='random', unit='ep') as bar:
            records = run_random(pairs, env_id, args.seed, budget=args.budget,
                                 on_episode=bar.update)
        summary = summarise('random', records)
        summary.update(predictor='random', seconds=time.perf_counter() - start)
        result['methods'].append(summary)
    first = result['methods'][0]
    result['success_rate'] = first['success_rate']
    wins = [r['success'] for r in first['records']]
    result['paired_vs_first'] = {
        m['name']: paired_comparison(wins, [r['success'] for r in m['records']])
        for m in result['methods'][1:]}
    return result


def format_table(result: dict) -> str:
    """Plain-text success table, one row per method."""
    lines = [f'{result["env"]}: {result["episodes"]} paired episodes '
             f'(pairs sha256 {result["pairs_sha256"][:12]}; '
             f'{result["pairs_rejected_solved_at_start"]} solved-at-start draws redrawn)',
             f'{"method":<48} {"success":>8} {"95% CI":>15} {"plan s (median)":>16}']
    for m in result['methods']:
        low, high = m['wilson95']
        plan = m.get('plan_time', {}).get('median_s')
        plan_text = '-' if plan is None else f'{plan:.3f}'
        lines.append(f'{m["name"][-48:]:<48} {m["success_rate"]:>8.1%} '
                     f'{f"[{low:.1%}, {high:.1%}]":>15} {plan_text:>16}')
    for m in result['methods']:
        if 'replan_time' in m:
            lines.append(f'{m["name"][-40:]}: warm replan median '
                         f'{m["replan_time"]["median_s"]:.3f} s = '
                         f'{m["replan_over_cold"]:.1%} of a cold plan '
                         f'({m["cold_plan_time"]["median_s"]:.3f} s)')
    for name, cmp in result['paired_vs_first'].items():
        lines.append(f'vs {name[-40:]}: only first {cmp["only_a"]}, only this '
                     f'{cmp["only_b"]}, McNemar p = {cmp["mcnemar_p"]:.3g}')
    return '\n'.join(lines)


def main(args: argparse.Namespace) -> int:
    if args.threads is not None:
        torch.set_num_threads(max(1, args.threads))
    try:
        result = evaluate(args)
    except (ValueError, OSError, CheckpointError) as err:  # OSError: unreadable HDF5 chunk
        print(f'fast-lewm eval: {" ".join(str(err).split())}', file=sys.stderr)
        return 2
    print(format_table(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
        print(f'wrote {args.json}')
    return 0
