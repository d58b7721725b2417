# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm collect`: exploration episodes of a MuJoCo task into an HDF5 file.

Episode i is generated from the seed episode_seed(seed, i) by whichever worker
takes it, and episodes are written in index order, so the file's content does not
depend on --workers. Workers are spawned processes with their own env (and their
own offscreen renderer). The file is written as OUT.tmp and renamed at the end:
an interrupted run leaves OUT untouched.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time

from tqdm import tqdm

from fast_lewm_ros import interrupts
from fast_lewm_ros.data.episodes import EpisodeWriter
from fast_lewm_ros.data.exploration import episode_seed, make_policy, rollout
from fast_lewm_ros.envs import make, resolve_env_id, TASKS

_WORKER = {}  # per-process env, policy and settings, set by _init_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--env', required=True,
                        help=f'task: one of {list(TASKS)} or its gymnasium id')
    parser.add_argument('--episodes', type=int, required=True, help='number of episodes')
    parser.add_argument('--out', required=True, help='output HDF5 file (FILE.h5)')
    parser.add_argument('--workers', type=int, default=1,
                        help='worker processes, each with its own env (default 1)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base seed; episode i uses a seed derived from (seed, i)')
    parser.add_argument('--image-size', type=int, default=64,
                        help='square observation size in pixels (default 64)')
    parser.add_argument('--episode-steps', type=int, default=None,
                        help='primitive actions per episode (default: the task\'s, '
                             'e.g. 100 for Two-Room); each episode stores steps + 1 frames')
    parser.add_argument('--random-actions', type=float, default=0.0, metavar='SHARE',
                        help='share of 10-40 step segments in which uniform random actions '
                             'replace the task policy (default 0: the policy alone); shows '
                             'the model the jittery sequences a sampling planner tries')


def _init_worker(env_id: str, image_size: int, seed: int, steps: int,
                 random_actions: float) -> None:
    _WORKER.update(env=make(env_id, image_size=image_size),
                   policy=make_policy(env_id, random_actions), seed=seed, steps=steps)


def _init_pool_worker(*settings) -> None:
    # Ctrl-C reaches the whole process group: the parent alone winds down (it
    # terminates the pool), so workers print no KeyboardInterrupt tracebacks.
    # Only in pool processes: with --workers 1 the parent itself must stay
    # interruptible (and the processes it starts must not inherit SIG_IGN).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(*settings)


def _collect_one(index: int) -> dict:
    w = _WORKER
    return rollout(w['env'], w['policy'], episode_seed(w['seed'], index), w['steps'])


def _close_worker() -> None:
    if 'env' in _WORKER:
        _WORKER.pop('env').close()


def collect(env_id: str, episodes: int, out, *, workers: int = 1, seed: int = 0,
            image_size: int = 64, episode_steps: int | None = None,
            random_actions: float = 0.0, progress: bool = True) -> dict:
    """Collect `episodes` episodes into `out`; returns timing numbers."""
    env_id = resolve_env_id(env_id)
    if episodes < 1 or workers < 1:
        raise ValueError(f'--episodes and --workers must be >= 1, got {episodes}, {workers}')
    probe = make(env_id, image_size=image_size)
    task = probe.unwrapped
    steps = episode_steps or task.default_episode_steps
    if steps < 1:
        raise ValueError(f'--episode-steps must be >= 1, got {steps}')
    meta = dict(env_id=env_id, image_size=image_size, action_dim=task.action_dim,
                state_dim=task.state_dim, proprio_dim=task.proprio_dim, seed=seed,
                episode_steps=steps, policy=make_policy(env_id, random_actions).name)
    probe.close()
    settings = (env_id, image_size, seed, steps, random_actions)
    start = time.perf_counter()
    # The bar starts once the output file exists: a bad --out is then one line.
    with EpisodeWriter(out, **meta) as writer, tqdm(
            total=episodes, unit='ep', desc=env_id, disable=not progress) as bar:
        if workers == 1:
            _init_worker(*settings)
            try:
                for index in range(episodes):
                    writer.append(_collect_one(index))
                    bar.update()
                    interrupts.check()
            finally:
                _close_worker()
        else:
            # spawn, not fork: a forked child would share the parent's GL state.
            ctx = multiprocessing.get_context('spawn')
            pool = ctx.Pool(workers, initializer=_init_pool_worker, initargs=settings)
            try:
                for episode in pool.imap(_collect_one, range(episodes)):
                    writer.append(episode)
                    bar.update()
                    interrupts.check()
                pool.close()
            except BaseException:
                pool.terminate()
                raise
            finally:
                pool.join()
    seconds = time.perf_counter() - start
    frames = episodes * (steps + 1)
    return {'seconds': seconds, 'episodes': episodes, 'frames': frames,
            'frames_per_second': frames / seconds}


def main(args: argparse.Namespace) -> int:
    try:
        stats = collect(args.env, args.episodes, args.out, workers=args.workers,
                        seed=args.seed, image_size=args.image_size,
                        episode_steps=args.episode_steps,
                        random_actions=args.random_actions)
    except ValueError as err:
        print(f'fast-lewm collect: {err}', file=sys.stderr)
        return 2
    except OSError as err:  # --out in a missing, read-only or impossible place
        reason = err.strerror or ' '.join(str(err).split())
        print(f'fast-lewm collect: cannot write --out {args.out}: {reason}', file=sys.stderr)
        return 2
    size_mb = os.path.getsize(args.out) / 2 ** 20
    print(f'wrote {args.out}: {stats["episodes"]} episodes, {stats["frames"]} frames, '
          f'{size_mb:.1f} MiB in {stats["seconds"]:.1f} s '
          f'({stats["frames_per_second"]:.0f} frames/s, {args.workers} workers)')
    return 0
