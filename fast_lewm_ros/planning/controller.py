# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Receding-horizon control: plan T blocks, execute K primitive actions, replan.

Used by the ROS planner node and by closed-loop evaluation. Two halves that may
run on different threads:
- `compute_plan(pixels)` encodes the current image, plans (warm-started from the
  previous plan shifted by the actions already handed out) and installs the new
  plan; slow, meant for a worker thread.
- `next_action()` hands out the next primitive action of the installed plan in
  environment units; fast, meant for a control timer.
A lock guards the hand-over, so the reader never sees half a plan. `act(pixels)`
joins both for synchronous loops. Everything is batched over B environments in
lock-step; a single image (H, W, 3) is a batch of one.

Safety lives here, once: a plan whose cost or actions are not finite is rejected
before it becomes visible (PlanRejected; the previous plan stays in force), and
`next_action` only ever returns finite actions within the bounds.
Continuous MPC: actions handed out while a plan was computed are skipped when it
is installed (it was planned from an older image), and `lead_steps` starts the
next plan that many steps before the current one runs out.
"""
from __future__ import annotations

from dataclasses import dataclass
import threading
import time

import numpy as np
import torch

from fast_lewm_ros.planning.cem import PlanCancelled, PlannerConfig, shift_plan
from fast_lewm_ros.planning.mppi import make_planner

# Replan r of a controller uses seed + r * SEED_STRIDE (+ b for environment b), so
# environment b of a batched controller plans like a lone controller seeded seed + b.
SEED_STRIDE = 100_003


class PlanRejected(ValueError):
    """A plan with a non-finite cost or action; it was not installed."""


@dataclass(frozen=True)
class Plan:
    """One installed plan (read-only snapshot)."""

    plan_id: int              # counts plans installed since the controller was made
    normalised: torch.Tensor  # (B, T, A) what the planner returned
    actions: np.ndarray       # (B, T * action_block, action_dim) environment units, clipped
    cost: np.ndarray          # (B,) terminal cost of the plan
    planning_time: float      # seconds: encoding + planning + copy to host
    warm: bool = False        # warm-started from the previous plan (warm_iterations)
    skipped: int = 0          # actions handed out while it was computed (latency)


class RecedingHorizonController:
    """Hold a goal latent and a plan; hand out one action per control step."""

    def __init__(self, world_model, config: PlannerConfig | None = None, *,
                 replan_every: int | None = None, action_low=None, action_high=None,
                 planner=None):
        self.world_model = world_model.eval()  # planning never wants dropout/batch stats
        self.config = config or PlannerConfig()
        self.planner = planner or make_planner(self.config)
        cfg = world_model.config
        self.action_dim, self.action_block = cfg.action_dim, cfg.action_block
        self.steps_per_plan = self.config.horizon * cfg.action_block
        self.replan_every = self.steps_per_plan if replan_every is None else int(replan_every)
        if not 1 <= self.replan_every <= self.steps_per_plan:
            raise ValueError(f'replan_every must be in [1, {self.steps_per_plan}] primitive '
                             f'steps (horizon x action_block), got {replan_every}')
        self.action_low = self._bound(action_low, 'action_low')
        self.action_high = self._bound(action_high, 'action_high')
        self._lock = threading.Lock()        # guards goal, plan and index
        self._plan_lock = threading.Lock()   # one solve at a time
        self._z_goal: torch.Tensor | None = None
        self._goal_version = 0
        self._plan: Plan | None = None
        self._index = 0                      # actions handed out from the current plan
        self._plans = 0
        self._epoch = 0                      # bumped by cancel(); a solve from before stops
        self.lead_steps = 0                  # replan this many steps before the plan ends

    # ---- goal ----------------------------------------------------------------------
    def set_goal(self, pixels) -> None:
        """Encode the goal image(s) once; clears the current plan."""
        self.set_goal_latent(self.encode(pixels))

    def set_goal_latent(self, z_goal: torch.Tensor) -> None:
        with self._lock:
            self._z_goal = z_goal
            self._goal_version += 1
            self._plan, self._index = None, 0

    def cancel(self) -> None:
        """Abandon the running solve (if any) at its next iteration; it returns None."""
        with self._lock:
            self._epoch += 1

    @property
    def epoch(self) -> int:
        """Count of cancel() calls; pass it to compute_plan to catch a cancel before it."""
        with self._lock:
            return self._epoch

    @property
    def has_goal(self) -> bool:
        return self._z_goal is not None

    def encode(self, pixels) -> torch.Tensor:
        """Encode pixels uint8 (H, W, 3) / (B, H, W, 3), numpy or torch, to latents (B, D)."""
        x = torch.as_tensor(np.asarray(pixels) if not torch.is_tensor(pixels) else pixels)
        if x.dim() == 3:
            x = x.unsqueeze(0)  # (1, H, W, 3)
        device = next(self.world_model.parameters()).device
        with torch.inference_mode():
            return self.world_model.encode(x.to(device))  # (B, D)

    # ---- planning (worker side) ------------------------------------------------------
    def compute_plan(self, pixels=None, z: torch.Tensor | None = None,
                     epoch: int | None = None) -> Plan | None:
        """Plan from the current image (or latent) and install the result.

        Returns the installed plan, or None when the goal changed or `cancel()` was
        called while planning (or since `epoch` was read; the result is dropped).
        Raises PlanRejected for a non-finite plan (the previous plan stays installed).
        """
        with self._plan_lock:
            start = time.perf_counter()
            with self._lock:
                if self._z_goal is None:
                    raise RuntimeError('no goal: call set_goal(pixels) before planning')
                z_goal, version = self._z_goal, self._goal_version
                epoch = self._epoch if epoch is None else epoch
                previous, executed = self._plan, self._index
            z = self.encode(pixels) if z is None else z
            if z.shape[0] != z_goal.shape[0]:
                raise ValueError(f'got {z.shape[0]} current image(s) for '
                                 f'{z_goal.shape[0]} goal(s): batch sizes must match')
            init = iterations = None
            if self.config.warm_start and previous is not None and \
                    executed < self.steps_per_plan:  # a spent plan leaves nothing to warm
                init = shift_plan(previous.normalised, executed, self.action_dim)
                iterations = self.config.warm_iterations
            seed = self.config.seed + self._plans * SEED_STRIDE

            def stale() -> bool:  # read without the lock: ints, a late read costs one step
                return version != self._goal_version or epoch != self._epoch

            try:
                result = self.planner.plan(self.world_model, z, z_goal, init, seed=seed,
                                           iterations=iterations, should_stop=stale)
            except PlanCancelled:
                return None
            actions, cost = self._to_env(result.actions), result.cost.float().cpu().numpy()
            if not (np.isfinite(cost).all() and np.isfinite(actions).all()):
                raise PlanRejected(f'plan rejected (cost {cost.tolist()}, '
                                   f'{int((~np.isfinite(actions)).sum())} non-finite '
                                   'actions): the previous plan stays in force')
            with self._lock:
                if stale():
                    return None
                # continuous MPC: the plan starts at the image's time; skip the actions
                # the previous plan handed out since then
                skipped = self._index - executed if self._plan is previous else 0
                skipped = min(max(skipped, 0), self.steps_per_plan)
                plan = Plan(self._plans, result.actions, actions, cost,
                            time.perf_counter() - start, init is not None, skipped)
                self._plan, self._index = plan, skipped
                self._plans += 1
            return plan

    def _to_env(self, normalised: torch.Tensor) -> np.ndarray:
        B = normalised.shape[0]
        primitive = normalised.reshape(B, -1, self.action_dim)  # (B, T * block, action_dim)
        env = self.world_model.denormalize_actions(primitive)
        env = env.detach().float().cpu().numpy() if torch.is_tensor(env) else np.asarray(env)
        return self._clip(env)  # np.clip keeps NaN: compute_plan checks after this

    # ---- acting (control side) -------------------------------------------------------
    @property
    def needs_replan(self) -> bool:
        """Tell whether a plan is due: none, K actions handed out, or <= lead_steps left."""
        with self._lock:
            due = min(self.replan_every, self.steps_per_plan - self.lead_steps)
            return self._plan is None or self._index >= due

    def next_action(self) -> np.ndarray | None:
        """Return the next primitive action (B, action_dim) in env units; None if none is left.

        The one place a command leaves the core: finite and within the bounds, or None.
        """
        with self._lock:
            if self._plan is None or self._index >= self.steps_per_plan:
                return None
            action = self._plan.actions[:, self._index].copy()
            self._index += 1
        if not np.isfinite(action).all():  # cannot happen for an installed plan; never send
            return None
        return self._clip(action)

    def stop_action(self, batch: int = 1) -> np.ndarray:
        """Return the safe stop (B, action_dim): zero, moved into the bounds if need be."""
        return self._clip(np.zeros((batch, self.action_dim), np.float32))

    def _clip(self, action: np.ndarray) -> np.ndarray:
        if self.action_low is not None or self.action_high is not None:
            action = np.clip(action, self.action_low, self.action_high)
        return action.astype(np.float32)

    def act(self, pixels) -> np.ndarray:
        """Replan if due, then return the next action (B, action_dim): a synchronous step."""
        if self.needs_replan:
            self.compute_plan(pixels)
        return self.next_action()

    def current_plan(self) -> tuple[Plan | None, int]:
        """Return the installed plan and how many of its actions have been handed out."""
        with self._lock:
            return self._plan, self._index

    def reset(self) -> None:
        """Forget the plan (new episode); the goal stays until set_goal."""
        with self._lock:
            self._plan, self._index = None, 0

    def _bound(self, value, name: str):
        if value is None:
            return None
        arr = np.broadcast_to(np.asarray(value, dtype=np.float32), (self.action_dim,)) \
            if np.ndim(value) == 0 else np.asarray(value, dtype=np.float32)
        if arr.shape != (self.action_dim,):
            raise ValueError(f'{name} must be a number or {self.action_dim} numbers '
                             f'(action_dim), got shape {arr.shape}')
        return arr
