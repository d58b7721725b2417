# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Start/goal pairs: the evaluation problems, what the sim node resets to.

`sample_start_goal` draws pairs the paper's way (goal = the state GOAL_OFFSET
primitive steps later in the same episode), from a collected file or from
exploration episodes generated on the fly from a seed; by default it redraws
pairs whose start already meets the task's success criterion (they measure
nothing) and counts them. `StartGoalSource` hands them out one episode at a time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fast_lewm_ros.data.episodes import DataFormatError, EpisodeFile

GOAL_OFFSET = 25  # primitive steps between a start and its goal (5 blocks of 5)
EVAL_SEED = 42  # seed of the paper protocol's start/goal pairs
MAX_REDRAWS = 100  # per pair: redraws of a solved-at-start pair before giving up
WINDOWS_PER_EPISODE = 10  # on the fly: redraws inside a pair's episode before a fresh one


@dataclass(frozen=True)
class StartGoal:
    """One evaluation problem: reach `goal` (a simulator state) from `start`."""

    start: np.ndarray  # simulator state at the start, (Q,)
    goal: np.ndarray   # simulator state GOAL_OFFSET primitive steps later, (Q,)
    episode: int       # episode index in the file, or on-the-fly episode number
    step: int          # row of the start inside that episode
    attempt: int = 0   # on the fly: k > 0 when pair `episode` came from its k-th fresh episode


class Pairs(list):
    """A list of StartGoal, and how many draws were redrawn as solved at the start."""

    rejected_solved_at_start = 0


def sample_start_goal(count: int, seed: int = 42, *, data=None, env=None,
                      offset: int = GOAL_OFFSET, episode_steps: int | None = None,
                      keep_solved: bool = False) -> Pairs:
    """Draw `count` start/goal pairs: goal = the state `offset` steps after the start.

    Give `data` (a path or an open EpisodeFile) to draw from collected episodes, or
    `env` (a gymnasium id/short name or an env) to generate one exploration
    episode per pair on the fly, from seeds derived from `seed` (the same pairs on
    every machine). The same `seed` gives the same pairs.

    A pair whose start already meets the success criterion is redrawn unless
    `keep_solved` (the paper's literal draw). Pair i's first draw is the literal
    one and its redraws use a stream of its own, so every other pair is the same
    either way; the result's `rejected_solved_at_start` counts the redraws.
    """
    if (data is None) == (env is None):
        raise ValueError('sample_start_goal needs exactly one of data= or env=')
    if count < 1 or offset < 1:
        raise ValueError(f'count and offset must be >= 1, got {count} and {offset}')
    rng = np.random.default_rng(seed)
    if data is not None:
        return _from_file(data, count, rng, offset, seed, keep_solved)
    return _on_the_fly(env, count, seed, rng, offset, episode_steps, keep_solved)


def _check_redraws(pairs: Pairs, index: int, redraws: int) -> None:
    pairs.rejected_solved_at_start += 1
    if redraws > MAX_REDRAWS:
        raise ValueError(f'pair {index}: {MAX_REDRAWS} draws in a row start already solved; '
                         f'the exploration data barely moves (use keep_solved to keep them)')


def _from_file(data, count, rng, offset, seed=0, keep_solved=True):
    episodes = data if isinstance(data, EpisodeFile) else EpisodeFile(data)
    task = None  # the task's env, to check the success criterion between two states
    try:
        if not episodes.has_state:
            raise DataFormatError(f'{episodes.path} has no `state` column (robot data): '
                                  'start/goal pairs need simulator states')
        usable = np.flatnonzero(episodes.lengths > offset)
        if usable.size == 0:
            raise ValueError(f'{episodes.path}: no episode has more than {offset} rows')
        if not keep_solved:
            from fast_lewm_ros.envs import make
            task = make(episodes.env_id, render_mode=None).unwrapped
        pairs = Pairs()

        def draw(source):
            e = int(source.choice(usable))
            t = int(source.integers(0, episodes.lengths[e] - offset))
            return StartGoal(episodes.row('state', e, t).astype(np.float64),
                             episodes.row('state', e, t + offset).astype(np.float64), e, t)

        for i in range(count):
            pair, redraws = draw(rng), 0
            retry = np.random.default_rng([seed, i, 1])  # pair i's own redraw stream
            while task is not None and task.solved(pair.start, pair.goal):
                redraws += 1
                _check_redraws(pairs, i, redraws)
                pair = draw(retry)
            pairs.append(pair)
        return pairs
    finally:
        if task is not None:
            task.close()
        if episodes is not data:
            episodes.close()


def _on_the_fly(env, count, seed, rng, offset, episode_steps, keep_solved=True):
    from fast_lewm_ros.data.exploration import episode_seed, make_policy, rollout
    from fast_lewm_ros.envs import make
    own = isinstance(env, str)
    env = make(env) if own else env
    try:
        task = env.unwrapped
        steps = episode_steps or task.default_episode_steps
        if steps < offset:
            raise ValueError(f'episode_steps {steps} is shorter than the goal offset {offset}')
        policy = make_policy(task.env_id)
        pairs = Pairs()
        for i in range(count):
            states = rollout(env, policy, episode_seed(seed, i), steps, render=False)['state']
            t, attempt, redraws = int(rng.integers(0, steps + 1 - offset)), 0, 0
            retry = np.random.default_rng([seed, i, 1])  # pair i's own redraw stream
            while not keep_solved and task.solved(states[t], states[t + offset]):
                redraws += 1
                _check_redraws(pairs, i, redraws)
                if redraws % WINDOWS_PER_EPISODE == 0:  # this episode barely moves
                    attempt += 1
                    fresh = int(np.random.SeedSequence([seed, i, attempt]).generate_state(1)[0])
                    states = rollout(env, policy, fresh, steps, render=False)['state']
                t = int(retry.integers(0, steps + 1 - offset))
            pairs.append(StartGoal(states[t], states[t + offset], i, t, attempt))
        return pairs
    finally:
        if own:
            env.close()


class StartGoalSource:
    """Start/goal pair e of `sample_start_goal(seed)`, computed once and cached."""

    def __init__(self, env: str, seed: int, offset: int):
        """`env`: a gymnasium id; exploration runs in an env of its own, not the live one."""
        self.env, self.seed, self.offset = env, seed, offset
        self.pairs: list[StartGoal] = []

    def __getitem__(self, episode: int) -> StartGoal:
        if episode >= len(self.pairs):  # pair i does not depend on how many are drawn
            count = max(episode + 1, 2 * len(self.pairs), 4)
            self.pairs = sample_start_goal(count, self.seed, env=self.env, offset=self.offset)
        return self.pairs[episode]
