# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Planner ranking check: model costs vs simulated costs of the same candidate plans.

CEM only needs the model to rank candidates, not to predict latents exactly. For
each start/goal problem we plan once with the real planner, then score S
candidate action sequences two ways:
- model cost: the planner's own cost (squared latent distance of the predicted
  terminal latent to the goal latent);
- true costs from simulating each candidate from the start state: the task
  distance of the simulated terminal state to the goal (success-criterion units)
  and the squared latent distance of the rendered terminal image to the goal.
Half the candidates come from CEM's first-iteration distribution (mean 0,
std init_std), half from a narrow cloud around the final plan (where the elites
are chosen late in a solve). We report Spearman's rho per problem for all, wide
and near candidates, and the overlap of the model's and the simulator's top-k
(k = elites), which is what a CEM update actually uses.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import stats
import torch

from fast_lewm_ros.data.start_goal import StartGoal
from fast_lewm_ros.envs import make
from fast_lewm_ros.planning import CEMPlanner, LatentCost, PlannerConfig


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman rank correlation; None (JSON null) when either side is constant."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(stats.spearmanr(x, y).statistic)


def top_overlap(model_cost: np.ndarray, true_cost: np.ndarray, k: int) -> float:
    """Fraction of the model's k lowest-cost candidates among the simulator's k lowest."""
    return len(set(np.argsort(model_cost)[:k]) & set(np.argsort(true_cost)[:k])) / k


def _candidates(plan: torch.Tensor, samples: int, init_std: float, near_std: float,
                seed: int) -> torch.Tensor:
    """(S, T, A): S // 2 from N(0, init_std^2), the rest from N(plan, near_std^2)."""
    gen = torch.Generator(device=plan.device).manual_seed(seed)
    noise = torch.randn(samples, *plan.shape, generator=gen, device=plan.device)
    wide = samples // 2
    return torch.cat([init_std * noise[:wide], plan + near_std * noise[wide:]])  # (S, T, A)


def _summary(values: list[float | None]) -> dict:
    """Mean and median over problems, skipping undefined ones (a constant cost)."""
    x = np.asarray([v for v in values if v is not None], np.float64)
    if x.size == 0:
        return {'mean': None, 'median': None, 'undefined': len(values)}
    return {'mean': float(x.mean()), 'median': float(np.median(x)),
            'undefined': len(values) - int(x.size)}


def to_env_actions(model, blocks: torch.Tensor) -> np.ndarray:
    """Normalised blocks (S, T, A) -> environment-unit primitive actions (S, T * block, adim)."""
    with torch.inference_mode():
        primitive = blocks.reshape(blocks.shape[0], -1, model.config.action_dim)
        return model.denormalize_actions(primitive).float().cpu().numpy()


@torch.inference_mode()
def _simulate(env, model, start: np.ndarray, goal: np.ndarray, actions: np.ndarray,
              z_goal: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Task distance (S,) and latent cost (S,) of env-unit actions (S, T * block, adim)."""
    task = env.unwrapped
    distances, images = [], []
    for sequence in actions:
        task.set_state(start)
        for action in sequence:
            task.advance(action)
        distances.append(task.goal_distance(task.get_state(), goal))
        images.append(task.render())
    device = z_goal.device
    z = model.encode(torch.from_numpy(np.stack(images)).to(device))  # (S, D)
    latent = (z - z_goal).pow(2).sum(-1).cpu().numpy()
    return np.asarray(distances), latent


def ranking_check(model, env_id: str, pairs: Sequence[StartGoal],
                  planner: PlannerConfig | None = None, *, samples: int = 256,
                  near_std: float = 0.25, seed: int = 0) -> dict:
    """Rank correlations between model and simulated costs over `pairs` (JSON-ready)."""
    planner = planner or PlannerConfig()
    if samples < 4:
        raise ValueError(f'ranking needs at least 4 candidates, got {samples}')
    model.eval()
    env = make(env_id, image_size=model.config.image_size)
    task = env.unwrapped
    device = next(model.parameters()).device
    cfg = model.config
    keys = ('rho_distance', 'rho_latent', 'rho_distance_wide', 'rho_distance_near',
            'top_overlap')
    problems = []
    try:
        for i, pair in enumerate(pairs):
            env.reset(options={'state': pair.start, 'goal_state': pair.goal})
            with torch.inference_mode():
                z = model.encode(torch.from_numpy(task.render()[None]).to(device))  # (1, D)
                z_goal = model.encode(torch.from_numpy(task.goal_image()[None]).to(device))
            plan = CEMPlanner(planner).plan(model, z, z_goal, seed=planner.seed + i)
            cands = _candidates(plan.actions[0], samples, planner.init_std, near_std,
                                seed + i)  # (S, T, A)
            with torch.inference_mode():
                model_cost = LatentCost(model, z, z_goal)(cands.unsqueeze(0))[0].cpu().numpy()
            box = (env.action_space.low, env.action_space.high)
            env_actions = np.clip(to_env_actions(model, cands), *box)  # (S, T * block, adim)
            distance, latent = _simulate(env, model, pair.start, pair.goal, env_actions,
                                         z_goal)
            plan_actions = np.clip(to_env_actions(model, plan.actions), *box)
            plan_distance, _ = _simulate(env, model, pair.start, pair.goal, plan_actions,
                                         z_goal)
            wide = samples // 2
            problems.append({
                'index': i, 'rho_distance': spearman(model_cost, distance),
                'rho_latent': spearman(model_cost, latent),
                'rho_distance_wide': spearman(model_cost[:wide], distance[:wide]),
                'rho_distance_near': spearman(model_cost[wide:], distance[wide:]),
                'top_overlap': top_overlap(model_cost, distance, planner.elites),
                'plan_true_distance': float(plan_distance[0]),
                'best_true_distance': float(distance.min())})
    finally:
        env.close()
    summary = {key: _summary([p[key] for p in problems]) for key in keys}
    return {'env': env_id, 'predictor': cfg.predictor, 'problems': len(problems),
            'samples': samples, 'near_std': near_std, 'elites': planner.elites,
            'summary': summary, 'per_problem': problems}
