# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Real-time MPC: one planning thread that encodes goals and plans off the caller's thread.

Needs no ROS: the planner node and `fast-lewm demo` use it through its callbacks,
and `fast-lewm eval` runs the same `RecedingHorizonController` synchronously.
The caller's thread only hands inputs over (`submit_goal`, `submit_image`) and
takes commands out (`next_command`), so it never queues behind a plan that takes
seconds. The worker plans when the receding-horizon controller needs a new plan:
- trigger 'timer' (continuous MPC): from the newest image, never twice from the
  same image, while the caller's control timer takes one command per control
  period. Replanning starts early enough (from the measured planning time) that
  the plan in force never runs out, and a new plan skips the steps executed while
  it was computed;
- trigger 'image': for every image the node asks it to act on, it replans if due
  and then emits that image's command itself (one command per observation: a
  lock-step simulation then advances exactly as a synchronous `act()` loop).
Every goal gets a fresh controller from `factory(g)` (g counts goals), so goal
g plans with its own seeds whatever came before: a lock-step episode through
ROS reproduces `fast-lewm eval` episode g exactly. Faults (NaN latents, a
failing or non-finite plan) go to `on_error`; the last good goal and plan stay in
place and the thread keeps running. A running plan is abandoned at its next CEM
iteration on a new goal, new settings, `set_active(False)` and `stop()`.
"""
from __future__ import annotations

from dataclasses import dataclass
import math
import threading
import time
from typing import Callable

import numpy as np
import torch

# Continuous MPC starts the next plan this many control periods more than the
# planning time (an average of recent plans) before the current plan runs out.
LEAD_MARGIN = 2


@dataclass(frozen=True)
class Frame:
    """A checked image: pixels plus where and when it came from."""

    pixels: np.ndarray   # (H, W, 3) uint8 RGB at the model's input size
    stamp: object        # builtin_interfaces/Time of the message header
    frame_id: str
    received_ns: int     # node clock (ROS time) at receipt, for staleness
    received_s: float    # time.monotonic() at receipt, for latency
    seq: int             # receipt counter


class PlanningWorker:
    """Goal encoding and planning on a thread of its own."""

    def __init__(self, factory: Callable, *, on_plan: Callable, on_command: Callable,
                 on_goal: Callable, on_error: Callable, trigger: str = 'timer',
                 control_period: float = 0.05):
        self._on_plan, self._on_command = on_plan, on_command
        self._on_goal, self._on_error = on_goal, on_error
        self._cond = threading.Condition()
        self._factory = factory
        self._goals = 0                             # goals encoded so far
        self._controller = factory(0)
        self._z_goal: torch.Tensor | None = None   # last good goal latent (1, D)
        self._pending_goal: Frame | None = None
        self._act_on: Frame | None = None           # trigger 'image': frame to answer
        self._latest: Frame | None = None
        self._planned_seq = -1
        self._stop = False
        self._active = False
        self.trigger = trigger
        self.control_period = control_period
        self._plan_seconds: float | None = None    # running mean of recent planning times
        self.planning_since: float | None = None   # time.monotonic() when the plan began
        self.stops = 0              # safe stops sent because no plan was in force
        self._commanding = False    # a command was sent since activation
        self._thread = threading.Thread(target=self._run, name='fast_lewm_planner',
                                        daemon=True)

    # ---- executor side -------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """End the thread (a running plan is abandoned); True if it ended within timeout."""
        with self._cond:
            self._stop = True
            self._active = False
            self._controller.cancel()
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        """Plan and command (True) or not; deactivating abandons the running plan."""
        with self._cond:
            self._active = active
            self._commanding = False
            if not active:
                self._controller.cancel()
            self._cond.notify_all()

    @property
    def controller(self):
        with self._cond:
            return self._controller

    def next_command(self) -> np.ndarray | None:
        """Take the next action (action_dim,) of the plan in force: finite, in bounds.

        None before the first plan since activation. After that the command stream
        does not pause: the safe stop is sent while a plan has run out before the
        next one arrived, or while a new goal's first plan is computed (`stops`).
        """
        controller = self.controller
        action = controller.next_action()  # (1, action_dim) or None
        self.notify()  # a replan may be due now
        if action is None and self._commanding:
            self.stops += 1
            action = controller.stop_action()
        self._commanding = self._commanding or action is not None
        return None if action is None else action[0]

    def stop_command(self) -> np.ndarray:
        """Return the safe stop (action_dim,): zero within the bounds."""
        return self.controller.stop_action()[0]

    @property
    def latest(self) -> Frame | None:
        return self._latest

    @property
    def has_goal(self) -> bool:
        return self._z_goal is not None

    def submit_goal(self, frame: Frame) -> None:
        """Queue a goal image; the running plan (aimed at the old goal) is abandoned."""
        with self._cond:
            self._pending_goal = frame
            self._controller.cancel()
            self._cond.notify_all()

    def submit_image(self, frame: Frame, act: bool) -> None:
        with self._cond:
            self._latest = frame
            if act:
                self._act_on = frame
            self._cond.notify_all()

    def rebuild(self) -> None:
        """Apply new settings: a new controller for the current goal (the plan starts over)."""
        with self._cond:
            controller = self._factory(max(self._goals - 1, 0))
            if self._z_goal is not None:
                controller.set_goal_latent(self._z_goal)
            self._controller.cancel()
            self._controller = self._lead(controller)
            self._act_on = None
            self._cond.notify_all()

    def notify(self) -> None:
        """Wake the thread: the timer has handed out an action, a replan may be due."""
        with self._cond:
            self._cond.notify_all()

    def _lead(self, controller):
        """Set how early continuous MPC replans (timer trigger); return the controller."""
        if self.trigger == 'timer' and self._plan_seconds is not None:
            steps = math.ceil(self._plan_seconds / self.control_period) + LEAD_MARGIN
            controller.lead_steps = min(steps, controller.steps_per_plan - 1)
        else:
            controller.lead_steps = 0
        return controller

    # ---- worker side ---------------------------------------------------------------
    def _due(self) -> Frame | None:
        """Pick the frame to plan (or act) on now, if any; the caller holds the lock."""
        if not self._active:
            self._act_on = None
            return None
        if self._z_goal is None:  # keep a request to act: answered once the goal is in
            return None  # (lock-step: the sim waits for that one command)
        if self.trigger == 'image':
            frame, self._act_on = self._act_on, None
            return frame
        latest = self._latest
        if latest is None or latest.seq <= self._planned_seq:
            return None
        return latest if self._controller.needs_replan else None

    def _run(self) -> None:
        while True:
            with self._cond:
                goal = frame = None
                while not self._stop:
                    goal, self._pending_goal = self._pending_goal, None
                    frame = None if goal is not None else self._due()
                    if goal is not None or frame is not None:
                        break
                    self._cond.wait(timeout=0.1)  # needs_replan flips without a notify
                if self._stop:
                    return
                controller = self._controller
                epoch = controller.epoch  # under the lock that cancels: no cancel is missed
            if goal is not None:
                self._encode_goal(goal)
            else:
                self._step(controller, frame, epoch)

    def _encode_goal(self, goal: Frame) -> None:
        try:
            z_goal = self.controller.encode(goal.pixels)  # (1, D)
            if not bool(torch.isfinite(z_goal).all()):
                raise ValueError('the goal latent holds NaN/inf; previous goal kept')
        except Exception as err:  # noqa: BLE001 - any model fault must not kill the node
            self._on_error('goal', err)
            return
        with self._cond:
            controller = self._factory(self._goals)
            controller.set_goal_latent(z_goal)
            self._z_goal, self._controller = z_goal, self._lead(controller)
            self._goals += 1
        self._on_goal(goal)

    def _step(self, controller, frame: Frame, epoch: int) -> None:
        self._planned_seq = frame.seq
        if controller.needs_replan:
            self.planning_since = time.monotonic()
            try:
                z = controller.encode(frame.pixels)  # (1, D)
                if not bool(torch.isfinite(z).all()):
                    raise ValueError('the image latent holds NaN/inf; plan not updated')
                plan = controller.compute_plan(z=z, epoch=epoch)  # PlanRejected: not finite
            except Exception as err:  # noqa: BLE001 - report, keep the node alive
                self._on_error('plan', err)
                return
            finally:
                self.planning_since = None
            if plan is None:  # abandoned: new goal, new settings, deactivate or stop
                return
            self._learn_planning_time(controller, plan.planning_time)
            self._on_plan(plan, frame)
        if self.trigger == 'image':
            action = controller.next_action()  # (1, action_dim) or None
            if action is not None:
                self._on_command(action[0], frame)

    def _learn_planning_time(self, controller, seconds: float) -> None:
        """Track planning time (mean over the last ~4 plans) and replan that much earlier."""
        with self._cond:
            previous = self._plan_seconds
            self._plan_seconds = seconds if previous is None else 0.75 * previous + 0.25 * seconds
            if controller is self._controller:
                self._lead(controller)
