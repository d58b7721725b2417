# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""planner_node: camera image + goal image -> ActionPlan and one command per control period.

A lifecycle node. configure loads the checkpoint and builds the receding-horizon
controller; activate starts planning and commands; deactivate stops commands;
cleanup frees the model. `autostart:=true` does configure + activate itself.
Topics (relative, so namespaces and remapping work):
  in   image, goal_image (sensor_msgs/Image)
  out  action_plan (fast_lewm_ros/ActionPlan), cmd_action (std_msgs/Float32MultiArray;
       Float64MultiArray, or Twist(Stamped) on cmd_vel: parameter command_type),
       /diagnostics (diagnostic_msgs/DiagnosticArray)
goal_image is subscribed twice, best-effort (matches every publisher) and
reliable + transient-local (receives a latched goal published before the planner
started); a goal that arrives on both is encoded once.
"""
from __future__ import annotations

from dataclasses import replace
import gc
import time

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn
from sensor_msgs.msg import Image
import torch

from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.msg import ActionPlan
from fast_lewm_ros.planning import RecedingHorizonController
from fast_lewm_ros.planning.mpc import Frame, PlanningWorker
from fast_lewm_ros.resources import default_checkpoint
from fast_lewm_ros.ros import commands, params, qos
from fast_lewm_ros.ros.conversions import image_to_numpy
from fast_lewm_ros.ros.diagnostics import bounded, ERROR, OK, StatusBoard, WARN
from fast_lewm_ros.ros.settings import PLANNER_PARAMETERS, PlannerSettings, REPLAN_PARAMETERS
from fast_lewm_ros.ros.spin import spin_node

SUCCESS, FAILURE = TransitionCallbackReturn.SUCCESS, TransitionCallbackReturn.FAILURE
REJECT_HOLD = 10.0  # seconds a rejected image/goal stays ERROR unless a good one comes first


class PlannerNode(LifecycleNode):
    """Fast-LeWM planning as a ROS 2 lifecycle node."""

    def __init__(self, node_name: str = 'planner_node', **kwargs):
        super().__init__(node_name, **kwargs)
        params.declare(self, PLANNER_PARAMETERS)
        self.settings = params.read(self, PlannerSettings)
        self.settings.validate()
        self.add_on_set_parameters_callback(self._check_parameters)
        self.add_post_set_parameters_callback(self._apply_parameters)
        self.board = StatusBoard(self.get_fully_qualified_name(), self.settings.device)
        self.board.set('lifecycle', OK, 'unconfigured')
        self._steady = Clock(clock_type=ClockType.STEADY_TIME)
        self._diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._diag_timer = self.create_timer(self.settings.diagnostics_period,
                                             self._publish_diagnostics, clock=self._steady)
        self.model = self.worker = self._control_timer = None
        self._pubs, self._subs = [], []
        self._seq = 0
        self._plans = 0  # ActionPlans published since start: plan_id never restarts
        self._last_goal = self._trigger_stamp = None
        self._last_command: np.ndarray | None = None
        self._latency_from: float | None = None
        self._rejections: dict[str, str] = {}  # source -> cause last logged (once per cause)
        if not self.settings.autostart:
            name = self.get_fully_qualified_name()
            self.get_logger().info(
                f'unconfigured: waiting for a lifecycle manager (ros2 lifecycle set {name} '
                'configure, then activate); or start with autostart:=true (after any '
                '--params-file that sets autostart, since the later value wins)')
        elif self.trigger_configure() == SUCCESS:
            self.trigger_activate()

    # ---- lifecycle -----------------------------------------------------------------
    def on_configure(self, state) -> TransitionCallbackReturn:
        s = self.settings
        try:
            if s.device.startswith('cuda') and not torch.cuda.is_available():
                raise ValueError(f'parameter device {s.device!r}: CUDA is not available')
            path = s.checkpoint or default_checkpoint()
            self.model = WorldModel.load(path, map_location=s.device)
            s.validate(self.model.config)
            controller = self._make_controller(s, 0)  # fails here, not on the worker
            if s.compile:  # pay torch.compile once, here, not in the first plan
                self._compile(controller)
        except Exception as err:  # noqa: BLE001 - any load failure is a failed configure
            self.model = None
            return self._fail('configure failed', err)
        self.get_logger().info(f'loaded {path} ({self.model.config.predictor} predictor, '
                               f'image {self.model.config.image_size}px) on {s.device}')
        self.worker = PlanningWorker(lambda goal: self._make_controller(self.settings, goal),
                                     on_plan=self._on_plan,
                                     on_command=self._publish_command, on_goal=self._on_goal,
                                     on_error=self._on_worker_error, trigger=s.command_trigger,
                                     control_period=s.control_period)
        self._command_type = s.command_type
        self._twist_axes = commands.parse_axes(s.twist_axes) if 'twist' in s.command_type else ()
        self._pubs = [self.create_lifecycle_publisher(ActionPlan, 'action_plan', qos.COMMANDS),
                      self.create_lifecycle_publisher(commands.message_type(s.command_type),
                                                      commands.topic(s.command_type),
                                                      qos.COMMANDS)]
        # Goal subscriptions first: an executor serves ready subscriptions in creation
        # order, so a goal and an image that arrive together are taken goal first.
        # A best-effort goal publisher cannot match the latched subscription; that is
        # expected (the other one hears it), so no incompatible-QoS warning for it.
        quiet = SubscriptionEventCallbacks(incompatible_qos=lambda event: None)
        self._subs = [self.create_subscription(Image, 'goal_image', self._on_goal_image,
                                               qos.LATCHED, event_callbacks=quiet),
                      self.create_subscription(Image, 'goal_image', self._on_goal_image,
                                               qos.SENSOR, event_callbacks=self._lost('goal')),
                      self.create_subscription(Image, 'image', self._on_image, qos.SENSOR,
                                               event_callbacks=self._lost('image'))]
        self.worker.start()
        self.board.clear_all()
        self.board.set('lifecycle', OK, 'inactive')
        self._publish_diagnostics()
        return SUCCESS

    def on_activate(self, state) -> TransitionCallbackReturn:
        result = super().on_activate(state)  # enables the lifecycle publishers
        self._last_command, self._trigger_stamp = None, None
        self.worker.set_active(True)
        self._control_timer = self.create_timer(self.settings.control_period, self._on_tick,
                                                clock=self._steady)
        self.board.set('lifecycle', OK, 'active')
        self._on_tick()
        return result

    def on_deactivate(self, state) -> TransitionCallbackReturn:
        self.worker.set_active(False)  # abandons a running plan
        self.destroy_timer(self._control_timer)
        self._control_timer = None
        for source in ('goal_wait', 'image_stream'):
            self.board.clear(source)
        self.board.set('lifecycle', OK, 'inactive')
        self._publish_diagnostics()
        return super().on_deactivate(state)

    def on_cleanup(self, state) -> TransitionCallbackReturn:
        self._teardown('unconfigured')
        return SUCCESS

    def on_shutdown(self, state) -> TransitionCallbackReturn:
        self._teardown('finalized')
        return SUCCESS

    def on_error(self, state) -> TransitionCallbackReturn:
        self._teardown('unconfigured after an error')
        return SUCCESS

    def destroy_node(self):
        if hasattr(self, '_pubs'):  # not when __init__ failed (a bad parameter) before them
            self._teardown('finalized')
        return super().destroy_node()

    def _teardown(self, label: str) -> None:
        if self.worker is not None and not self.worker.stop():  # abandons a running plan
            self.get_logger().error('the planning thread did not end within 10 s')
        if self._control_timer is not None:
            self.destroy_timer(self._control_timer)
        for sub in self._subs:
            self.destroy_subscription(sub)
        for pub in self._pubs:
            self.destroy_lifecycle_publisher(pub)
        on_cuda = self.settings.device.startswith('cuda')
        self.model = self.worker = self._control_timer = self._last_goal = None
        self._pubs, self._subs = [], []
        gc.collect()
        if on_cuda:
            torch.cuda.empty_cache()
        self.board.clear_all()
        self.board.set('lifecycle', OK, label)

    def _compile(self, controller) -> None:
        started = time.monotonic()
        z = torch.zeros(1, self.model.config.latent_dim, device=self.settings.device)
        controller.set_goal_latent(z)
        controller.compute_plan(z=z)  # one plan compiles predict_final (cached on the model)
        self.get_logger().info(f'compiled the model in {time.monotonic() - started:.1f} s')

    def _make_controller(self, s: PlannerSettings, goal: int):
        """Build the controller for goal number `goal`: it plans with seed `seed + goal`."""
        dims = self.model.config.action_dim
        low, high = (np.broadcast_to(np.asarray(b, np.float32), (dims,))
                     for b in (s.action_low, s.action_high))
        self._low, self._high = low.copy(), high.copy()
        config = replace(s.planner_config(), seed=s.seed + goal)
        return RecedingHorizonController(self.model, config,
                                         replan_every=s.replan_every(self.model.config),
                                         action_low=self._low, action_high=self._high)

    # ---- parameters ----------------------------------------------------------------
    def _check_parameters(self, changes):
        model = self.model
        return params.check(PlannerSettings, self, changes, extra_check=None if model is None
                            else (lambda s: s.validate(model.config)))

    def _apply_parameters(self, changes) -> None:
        old, self.settings = self.settings, params.read(self, PlannerSettings)
        names = {p.name for p in changes}
        if self.worker is not None:
            self.worker.trigger = self.settings.command_trigger
            self.worker.control_period = self.settings.control_period
            if names & REPLAN_PARAMETERS:
                self.worker.rebuild()
        if self._control_timer is not None and old.control_period != self.settings.control_period:
            self.destroy_timer(self._control_timer)
            self._control_timer = self.create_timer(self.settings.control_period,
                                                    self._on_tick, clock=self._steady)
        if old.diagnostics_period != self.settings.diagnostics_period:
            self.destroy_timer(self._diag_timer)
            self._diag_timer = self.create_timer(self.settings.diagnostics_period,
                                                 self._publish_diagnostics, clock=self._steady)
        self.get_logger().info(f'parameters updated: {sorted(names)}')

    # ---- inputs --------------------------------------------------------------------
    def _frame(self, msg: Image, source: str) -> Frame | None:
        """Convert and check an image; on failure report ERROR and return None."""
        try:
            pixels = image_to_numpy(msg)  # (H, W, 3) uint8
            pixels = self._fit(pixels)
        except ValueError as err:
            self.board.set(source, ERROR, f'rejected (last good kept): {err}', hold=REJECT_HOLD)
            self._publish_diagnostics(only_if_changed=True)
            if self._rejections.get(source) != str(err):  # a stream of bad images logs once
                self._rejections[source] = str(err)
                self.get_logger().error(f'{source} rejected (last good kept): {bounded(err)}')
            return None
        if self._rejections.pop(source, None) is not None:
            self.get_logger().info(f'{source} accepted again')
        self.board.clear(source)
        self._seq += 1
        return Frame(pixels, msg.header.stamp, msg.header.frame_id,
                     self.get_clock().now().nanoseconds, time.monotonic(), self._seq)

    def _fit(self, pixels: np.ndarray) -> np.ndarray:
        size = self.model.config.image_size
        if pixels.shape[:2] == (size, size):
            return pixels
        if not self.settings.resize_images:
            raise ValueError(f'image is {pixels.shape[0]}x{pixels.shape[1]}, the model '
                             f'expects {size}x{size} (set resize_images:=true to resize)')
        from PIL import Image as PILImage
        return np.array(PILImage.fromarray(pixels).resize((size, size), PILImage.BILINEAR))

    def _lost(self, source: str) -> SubscriptionEventCallbacks:
        """Say once in the log (and count on /diagnostics) that DDS dropped frames.

        A best-effort subscription loses a frame the transport cannot deliver (e.g.
        a 48 MB image between processes) without any callback; only this event tells.
        """
        def on_lost(event) -> None:
            self.board.value(f'{source}_messages_lost', event.total_count)
            if event.total_count == event.total_count_change:  # the first loss only
                self.get_logger().warning(
                    f'{source}: the middleware dropped {event.total_count_change} message(s) '
                    'before they reached the node (too large for the best-effort transport? '
                    f'counted as {source}_messages_lost on /diagnostics; said once)')
        return SubscriptionEventCallbacks(message_lost=on_lost)

    def _on_image(self, msg: Image) -> None:
        frame = self._frame(msg, 'image')
        if frame is None or self.worker is None:
            return
        stamp = (frame.stamp.sec, frame.stamp.nanosec)
        act = (self.settings.command_trigger == 'image' and self.worker.active
               and stamp != self._trigger_stamp)  # a re-sent image gets one command only
        if act:
            self._trigger_stamp = stamp
        self.worker.submit_image(frame, act)

    def _on_goal_image(self, msg: Image) -> None:
        key = ((msg.header.stamp.sec, msg.header.stamp.nanosec), bytes(msg.data))
        if key == self._last_goal or self.worker is None:
            return  # the same goal from the second subscription
        frame = self._frame(msg, 'goal')
        if frame is not None:  # only an accepted goal is remembered: a rejected one may be
            self._last_goal = key  # re-sent unchanged (stamp 0) after e.g. resize_images
            self.worker.submit_goal(frame)

    # ---- control timer -------------------------------------------------------------
    def _on_tick(self) -> None:
        command = self._next_command()
        if command is not None:
            self._publish_command(command)
        self._check_deadline()
        self._publish_diagnostics(only_if_changed=True)

    def _check_deadline(self, finished: float | None = None) -> None:
        """WARN while a plan runs past plan_deadline, or when one finished past it."""
        deadline, since = self.settings.plan_deadline, self.worker.planning_since
        if finished is not None:
            if deadline and finished > deadline:
                self.board.set('plan_deadline', WARN, f'last plan took {finished:.2f} s '
                               f'(plan_deadline {deadline} s)')
            else:
                self.board.clear('plan_deadline')
        elif deadline and since is not None and time.monotonic() - since > deadline:
            running = int(time.monotonic() - since)  # whole seconds: one update per second
            self.board.set('plan_deadline', WARN, f'plan running for {running} s '
                           f'(plan_deadline {deadline} s)')

    def _next_command(self) -> np.ndarray | None:
        """Choose the command for this control period (or None); keep the board current."""
        worker, s = self.worker, self.settings
        if not worker.has_goal:
            self.board.set('goal_wait', WARN, 'waiting for goal (no commands)')
            return None
        latest = worker.latest
        if latest is None:
            self.board.set('image_stream', WARN, 'waiting for image (no commands)')
            return None
        age = (self.get_clock().now().nanoseconds - latest.received_ns) * 1e-9
        if age > s.stale_timeout:
            self.board.set('image_stream', WARN, f'no image for {age:.2f} s (stale_timeout '
                           f'{s.stale_timeout} s): {s.stale_policy} commands')
            if s.stale_policy == 'hold' and self._last_command is not None:
                return self._last_command
            return worker.stop_command()
        self.board.clear('image_stream')
        if s.command_trigger == 'image':
            return None  # the worker answers each image itself
        return worker.next_command()  # finite and within bounds, or None

    # ---- outputs -------------------------------------------------------------------
    def _publish_command(self, action: np.ndarray, frame: Frame | None = None) -> None:
        if self.worker is None or not self.worker.active:
            return
        # from the core's one exit (controller.next_action / stop_action): finite, in bounds
        # The command type of the last configure (the publisher's), not a later change.
        msg = commands.to_message(self._command_type, action, self._twist_axes,
                                  stamp=self.get_clock().now().to_msg())
        self._pubs[1].publish(msg)
        self._last_command = action
        if self._latency_from is not None:
            latency, self._latency_from = time.monotonic() - self._latency_from, None
            self.board.value('latency_image_to_command_ms', f'{latency * 1e3:.1f}')

    def _on_plan(self, plan, frame: Frame) -> None:
        if self.worker is None or not self.worker.active:
            return
        self._latency_from = frame.received_s
        cfg = self.model.config
        self._plans += 1  # counts across goals (a controller's plan_id restarts with each)
        msg = ActionPlan(plan_id=self._plans - 1, control_period=self.settings.control_period,
                         horizon=plan.actions.shape[1], action_dim=cfg.action_dim,
                         actions=plan.actions[0].ravel().tolist(), cost=float(plan.cost[0]),
                         planning_time=plan.planning_time, predictor=cfg.predictor)
        msg.header.stamp, msg.header.frame_id = frame.stamp, frame.frame_id
        self._pubs[0].publish(msg)
        self.board.clear('plan')
        self._check_deadline(finished=plan.planning_time)
        for key, value in (('plans', self._plans), ('last_cost', f'{msg.cost:.4g}'),
                           ('planning_time_ms', f'{plan.planning_time * 1e3:.1f}'),
                           ('stops_no_plan_in_force', self.worker.stops)):
            self.board.value(key, value)
        self._publish_diagnostics(only_if_changed=True)

    def _on_goal(self, frame: Frame) -> None:
        self.board.clear('goal')
        self.board.clear('goal_wait')
        self.get_logger().info('new goal encoded')
        self._publish_diagnostics(only_if_changed=True)

    def _on_worker_error(self, source: str, err: Exception) -> None:
        self.board.set(source, ERROR, f'{type(err).__name__}: {err}')
        self.get_logger().error(f'{source}: {err}')
        self._publish_diagnostics(only_if_changed=True)

    def _fail(self, what: str, err: Exception) -> TransitionCallbackReturn:
        self.board.set('lifecycle', ERROR, f'{what}: {err}')
        self.get_logger().error(f'{what}: {err}')
        self._publish_diagnostics()
        return FAILURE

    def _publish_diagnostics(self, only_if_changed: bool = False) -> None:
        if only_if_changed and not self.board.changed():
            return
        self._diag_pub.publish(self.board.message(self.get_clock().now().to_msg()))


def main(args=None) -> int:
    return spin_node(PlannerNode, 'planner_node', args)


if __name__ == '__main__':
    raise SystemExit(main())
