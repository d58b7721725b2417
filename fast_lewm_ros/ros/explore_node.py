# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""explore_node: smooth random exploration commands, for data collection on a robot or the sim.

Publishes Ornstein-Uhlenbeck noise, clipped to [action_low, action_high], as the
command type the robot's driver takes (parameter command_type: cmd_action or
cmd_vel, remappable). Either one command per `rate` tick (trigger 'timer', a
robot or a free-running sim) or one per new camera image (trigger 'image', a
lock-step sim). Safety: a dead-man timeout stops the commands when no camera
image arrived for `deadman_timeout` seconds (timer mode sends one zero command
first), and `~/stop` (std_srvs/Trigger) stops them until `~/start`. When
images stop, `reset_service` (a std_srvs/Trigger, e.g. sim_node/reset) is
called once, so a simulator starts its next episode; empty = none.
Subscribes `image` (sensor_msgs/Image, only its arrival and stamp are used).
"""
from __future__ import annotations

import math
import time

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger

from fast_lewm_ros.ros import commands, params, qos
from fast_lewm_ros.ros.diagnostics import StatusBoard, WARN
from fast_lewm_ros.ros.params import check_choice, settings_class, Spec
from fast_lewm_ros.ros.spin import spin_node

EXPLORE_PARAMETERS = {
    'action_dim': Spec(2, 'command dimensions', 1, 64, applies='startup'),
    'action_low': Spec((-1.0,), 'lower command bound, one value or one per dimension',
                       applies='startup'),
    'action_high': Spec((1.0,), 'upper command bound', applies='startup'),
    'rate': Spec(20.0, 'commands per second (trigger image: the nominal rate, which sets '
                 'the noise time step)', 0.1, 1000.0, applies='startup'),
    'trigger': Spec('timer', "'timer': one command per 1/rate s; 'image': one per new image "
                    'stamp (lock-step simulation)', choices=('timer', 'image'),
                    applies='startup'),
    'correlation_time': Spec(1.0, 'seconds over which the noise forgets (OU mean reversion '
                             '1/theta)', 0.001, 3600.0, applies='startup'),
    'sigma': Spec(0.6, 'stationary std of the noise, in half-ranges of the bounds', 0.0,
                  10.0, applies='startup'),
    'seed': Spec(0, 'noise seed', 0, 2 ** 31 - 1, applies='startup'),
    'deadman_timeout': Spec(0.5, 'seconds without a camera image after which commands stop',
                            0.001, 3600.0),
    'reset_service': Spec('', 'std_srvs/Trigger called once when images stop (e.g. '
                          'sim_node/reset); empty = none', applies='startup'),
    'command_type': Spec('float32_array', 'message type of the commands (as planner_node)',
                         choices=tuple(commands.COMMAND_TYPES), applies='startup'),
    'twist_axes': Spec(commands.DEFAULT_TWIST_AXES, 'twist types: the Twist field each '
                       'dimension drives', applies='startup'),
}


class _ExploreRules:
    """Methods of ExploreSettings; its fields come from EXPLORE_PARAMETERS."""

    def validate(self) -> None:
        for name in ('trigger', 'command_type'):
            check_choice(name, getattr(self, name), EXPLORE_PARAMETERS)
        if self.command_type.startswith('twist'):
            commands.parse_axes(self.twist_axes, self.action_dim)
        low, high = self.bounds()
        if not (np.isfinite(low).all() and np.isfinite(high).all() and (low < high).all()):
            raise ValueError(f'parameters action_low {list(self.action_low)} / action_high '
                             f'{list(self.action_high)}: need finite low < high, 1 or '
                             f'{self.action_dim} values each')

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bound, (A,) each; raises ValueError on a wrong count."""
        out = []
        for name in ('action_low', 'action_high'):
            values = np.asarray(getattr(self, name), np.float64)
            if values.size not in (1, self.action_dim):
                raise ValueError(f'parameter {name!r} needs 1 or {self.action_dim} values, '
                                 f'got {values.size}')
            out.append(np.broadcast_to(values, (self.action_dim,)).copy())
        return out[0], out[1]


ExploreSettings = settings_class('ExploreSettings', EXPLORE_PARAMETERS, _ExploreRules,
                                 'Everything explore_node reads; built from its parameters.')


class OrnsteinUhlenbeck:
    """Mean-reverting noise in [-1, 1]^A: x <- k x + sqrt(1 - k^2) sigma eps, k = e^(-dt/tau).

    The exact discretisation, so the stationary std is `sigma` whatever the step.
    """

    def __init__(self, dims: int, sigma: float, tau: float, seed: int):
        self.sigma, self.tau = sigma, tau
        self.rng = np.random.default_rng(seed)
        self.value = self.rng.normal(0.0, sigma, dims)  # start from the stationary law

    def step(self, dt: float) -> np.ndarray:
        keep = math.exp(-dt / self.tau)
        fresh = self.rng.normal(0.0, self.sigma, self.value.shape)
        self.value = keep * self.value + math.sqrt(1 - keep ** 2) * fresh
        return np.clip(self.value, -1.0, 1.0)  # (A,)


class ExploreNode(Node):
    """Random exploration for data collection; stops on a dead camera or on request."""

    def __init__(self, node_name: str = 'explore_node', **kwargs):
        super().__init__(node_name, **kwargs)
        s = params.bind(self, EXPLORE_PARAMETERS, ExploreSettings)
        self._low, self._high = s.bounds()
        self._axes = commands.parse_axes(s.twist_axes) if 'twist' in s.command_type else ()
        self.noise = OrnsteinUhlenbeck(s.action_dim, s.sigma, s.correlation_time, s.seed)
        self.board = StatusBoard(self.get_fully_qualified_name(), 'explore')
        self._pub = self.create_publisher(commands.message_type(s.command_type),
                                          commands.topic(s.command_type), qos.COMMANDS)
        self._diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(Image, 'image', self._on_image, qos.SENSOR)
        self.create_service(Trigger, '~/stop', self._on_stop)
        self.create_service(Trigger, '~/start', self._on_start)
        self._reset = self.create_client(Trigger, s.reset_service) if s.reset_service else None
        self._steady = Clock(clock_type=ClockType.STEADY_TIME)
        if s.trigger == 'timer':
            self.create_timer(1.0 / s.rate, self._on_tick, clock=self._steady)
        self.create_timer(0.05, self._watch_camera, clock=self._steady)
        self.create_timer(1.0, self._publish_diagnostics, clock=self._steady)
        self.stopped, self.alive = False, False  # alive: images arrive
        self.sent = 0
        self._image_at = None
        self._last_stamp = None

    # ---- inputs --------------------------------------------------------------------
    def _on_image(self, msg: Image) -> None:
        self._image_at = time.monotonic()
        if not self.alive:
            self.alive = True
            self.board.clear('camera')
        stamp = (msg.header.stamp.sec, msg.header.stamp.nanosec)
        if self.settings.trigger == 'image' and stamp != self._last_stamp:
            self._last_stamp = stamp  # a re-sent image gets one command only
            self._send()

    def _on_tick(self) -> None:
        if self.alive:
            self._send()

    def _watch_camera(self) -> None:
        """Dead-man: no image for deadman_timeout -> stop (one zero command in timer mode)."""
        if not self.alive or time.monotonic() - self._image_at <= self.settings.deadman_timeout:
            return
        self.alive = False
        self.board.set('camera', WARN, f'no image for {self.settings.deadman_timeout} s: '
                       'commands stopped')
        if self.settings.trigger == 'timer' and not self.stopped:
            self._publish(np.zeros_like(self._low))
        if self._reset is not None and self._reset.service_is_ready():
            self._reset.call_async(Trigger.Request())
        self._publish_diagnostics()

    def _on_stop(self, request, response):
        self.stopped = True
        self._publish(np.zeros_like(self._low))
        self.board.set('explore', WARN, 'stopped by ~/stop (call ~/start to resume)')
        response.success, response.message = True, 'exploration stopped; zero command sent'
        return response

    def _on_start(self, request, response):
        self.stopped = False
        self.board.clear('explore')
        response.success, response.message = True, 'exploration resumed'
        return response

    # ---- outputs -------------------------------------------------------------------
    def _send(self) -> None:
        if self.stopped:
            return
        # A fixed step of 1/rate, not the wall time: a lock-step sim runs faster than
        # real time, and the same seed gives the same command sequence.
        unit = self.noise.step(1.0 / self.settings.rate)  # (A,) in [-1, 1]
        self._publish(self._low + (unit + 1.0) * 0.5 * (self._high - self._low))

    def _publish(self, action: np.ndarray) -> None:
        self._pub.publish(commands.to_message(self.settings.command_type, action, self._axes,
                                              stamp=self.get_clock().now().to_msg()))
        self.sent += 1
        self.board.value('commands_sent', self.sent)

    def _publish_diagnostics(self) -> None:
        self._diag_pub.publish(self.board.message(self.get_clock().now().to_msg()))


def main(args=None) -> int:
    return spin_node(ExploreNode, 'explore_node', args)


if __name__ == '__main__':
    raise SystemExit(main())
