# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""sim_node: a MuJoCo task of the package as a ROS 2 camera + actuator.

Publishes `image` (the task camera), `goal_image` (transient-local, once per
episode), `episode_status` (fast_lewm_ros/EpisodeStatus, after every step) and
/diagnostics; subscribes `cmd_action` (std_msgs/Float32MultiArray, one primitive
action; or another type of ros/commands.py by parameter command_type);
service `~/reset` (std_srvs/Trigger) starts the next episode.
Episode e starts from start/goal pair e of the paper protocol: the goal is the
state `goal_offset` primitive steps later in an exploration episode seeded from
`seed`, so a run is the same on every machine. Spin it from one thread (a
single-threaded executor): MuJoCo's EGL renderer belongs to the thread that
renders, so the node renders and closes only on its executor's thread.

Free-run mode steps the physics every `step_period` with the latest command
(zero once it is older than `action_timeout`) and publishes images at
`image_rate`. Lock-step mode advances exactly one step per received command,
publishes /clock (simulated time), then the new image: results do not depend
on CPU speed. There an image is a request for one command: the terminal image
of an episode is not published, and the first image of an episode follows its
goal image only after every reliable goal subscriber has acknowledged the goal,
so a planner never answers one episode's image under another episode's goal.
"""
from __future__ import annotations

import time

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.time import Time
from rosgraph_msgs.msg import Clock as ClockMsg
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger

from fast_lewm_ros.data.start_goal import StartGoalSource
from fast_lewm_ros.msg import EpisodeStatus
from fast_lewm_ros.ros import commands, params, qos
from fast_lewm_ros.ros.conversions import numpy_to_image
from fast_lewm_ros.ros.diagnostics import ERROR, OK, StatusBoard, WARN
from fast_lewm_ros.ros.settings import SIM_PARAMETERS, SimSettings
from fast_lewm_ros.ros.spin import spin_node


class SimNode(Node):
    """Steps one MuJoCo task with cmd_action and publishes what its camera sees."""

    def __init__(self, node_name: str = 'sim_node', observer=None, **kwargs):
        """`observer(node, frame, stamp_ns)`, if given, sees every observation (demo, tests)."""
        super().__init__(node_name, **kwargs)
        self.observer = observer
        s = params.bind(self, SIM_PARAMETERS, SimSettings)
        from fast_lewm_ros import envs
        self.env = envs.make(s.env, image_size=s.image_size)
        self.task = self.env.unwrapped
        self.env_id = envs.resolve_env_id(s.env)
        self.pairs = StartGoalSource(self.env_id, s.seed, s.goal_offset)
        self.board = StatusBoard(self.get_fully_qualified_name(), self.env_id)
        self._image_pub = self.create_publisher(Image, 'image', qos.IMAGE_OUT)
        self._goal_pub = self.create_publisher(Image, 'goal_image', qos.LATCHED)
        self._status_pub = self.create_publisher(EpisodeStatus, 'episode_status', qos.COMMANDS)
        self._diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._clock_pub = self.create_publisher(ClockMsg, '/clock', 10) if s.lock_step else None
        self._axes = commands.parse_axes(s.twist_axes) if 'twist' in s.command_type else ()
        self.create_subscription(commands.message_type(s.command_type),
                                 commands.topic(s.command_type), self._on_action, qos.COMMANDS)
        self.create_service(Trigger, '~/reset', self._on_reset)
        self._steady = Clock(clock_type=ClockType.STEADY_TIME)
        self.create_timer(1.0, self._publish_diagnostics, clock=self._steady)
        self.episode, self.step, self.success, self.done = -1, 0, False, False
        self._ticks = 0                  # lock-step: simulated steps since start
        self._command = np.zeros(self.task.action_dim, np.float32)
        self._command_at = None          # monotonic time of the last command
        self._frame = self._stamp = None
        self._published_at = 0.0
        self.latencies: list[tuple[int, int, float]] = []  # (episode, step, seconds)
        if s.lock_step:
            self.create_timer(s.republish_period, self._republish, clock=self._steady)
        else:
            self.create_timer(s.step_period, self._free_step)
            self.create_timer(1.0 / s.image_rate, self._publish_image)
        # MuJoCo's EGL context belongs to the thread that renders: all rendering,
        # the first episode's included, happens on the executor's thread.
        self._starter = self.create_timer(0.01, self._first_episode, clock=self._steady)

    def _first_episode(self) -> None:
        self.destroy_timer(self._starter)
        self.start_episode()

    # ---- episodes ------------------------------------------------------------------
    def start_episode(self) -> None:
        """Start the next episode: set start and goal, publish goal, image and status."""
        self.episode += 1
        pair = self.pairs[self.episode]
        self.env.reset(options={'state': pair.start, 'goal_state': pair.goal})
        self.step, self.success, self.done = 0, False, False
        self._ticks += 1  # the first image of an episode gets a stamp of its own
        stamp = self._now()
        self._publish_clock(stamp)
        goal = numpy_to_image(self.task.goal_image(), stamp=stamp.to_msg(),
                              frame_id=self.settings.frame_id)
        self._goal_pub.publish(goal)
        if self.settings.lock_step:
            self._goal_pub.wait_for_all_acked(Duration(seconds=2.0))
        self._observe(stamp)
        self._publish_status(stamp)
        self._notify(stamp)
        self.board.set('episode', OK, f'episode {self.episode} started')

    def _on_reset(self, request, response):
        self.start_episode()
        response.success, response.message = True, f'episode {self.episode} started'
        return response

    def _advance(self, action: np.ndarray) -> None:
        self.task.advance(action)
        self.step += 1
        self.success = self.success or self.task.is_success()
        self.done = self.success or self.step >= self.settings.max_steps
        self._ticks += 1
        stamp = self._now()
        self._publish_clock(stamp)
        if self.settings.lock_step and not self.done:
            self._observe(stamp)  # lock-step images ask for a command: none when done
        self._publish_status(stamp)
        self._notify(stamp)
        if self.done:
            self.get_logger().info(f'episode {self.episode}: success={self.success} '
                                   f'after {self.step} steps')
        limit = self.settings.episodes
        if self.done and self.settings.auto_reset and (limit == 0 or self.episode + 1 < limit):
            self.start_episode()

    def _notify(self, stamp: Time) -> None:
        if self.observer is not None:
            self.observer(self, self.env.render(), stamp.nanoseconds)

    # ---- inputs --------------------------------------------------------------------
    def _on_action(self, msg) -> None:
        action = commands.from_message(msg, self._axes)  # (A,) float32
        expected = self.task.action_dim
        if action.shape != (expected,) or not np.isfinite(action).all():
            # Summarised, never echoed whole: a 4M-value message must not become a status.
            bad = int(action.size - np.isfinite(action).sum())
            self.board.set('action', ERROR, f'cmd_action ignored: expected {expected} finite '
                           f'values, got {action.size} ({bad} NaN/inf)', hold=5.0)
            self._publish_diagnostics(only_if_changed=True)
            return
        self.board.clear('action')
        self._command, self._command_at = action, time.monotonic()
        if not self.settings.lock_step or self.episode < 0:
            return
        if self.done:
            self.board.set('episode', WARN, 'episode over: cmd_action ignored (call ~/reset)')
            return
        self.latencies.append((self.episode, self.step, time.monotonic() - self._published_at))
        self._advance(action)

    def _free_step(self) -> None:
        if self.done or self.episode < 0:
            return
        fresh = (self._command_at is not None
                 and time.monotonic() - self._command_at <= self.settings.action_timeout)
        self._advance(self._command if fresh else np.zeros_like(self._command))

    # ---- outputs -------------------------------------------------------------------
    def _now(self):
        if self.settings.lock_step:
            return Time(nanoseconds=int(round(self._ticks * self.settings.step_period * 1e9)))
        return self.get_clock().now()

    def _observe(self, stamp: Time) -> None:
        self._frame, self._stamp = self.env.render(), stamp  # (H, W, 3) uint8
        self._published_at = time.monotonic()
        self._send_image()

    def _publish_image(self) -> None:
        """Free-run camera timer: render the present and publish it."""
        if self.episode < 0:
            return
        self._frame, self._stamp = self.env.render(), self.get_clock().now()
        self._send_image()

    def _send_image(self) -> None:
        self._image_pub.publish(numpy_to_image(self._frame, stamp=self._stamp.to_msg(),
                                               frame_id=self.settings.frame_id))

    def _republish(self) -> None:
        idle = time.monotonic() - self._published_at
        if self._frame is not None and not self.done and idle >= self.settings.republish_period:
            self._publish_clock(self._stamp)
            self._send_image()

    def _publish_clock(self, stamp: Time) -> None:
        if self._clock_pub is not None:
            self._clock_pub.publish(ClockMsg(clock=stamp.to_msg()))

    def _publish_status(self, stamp: Time) -> None:
        msg = EpisodeStatus(env_id=self.env_id, episode=self.episode, step=self.step,
                            max_steps=self.settings.max_steps, success=self.success,
                            done=self.done)
        msg.header.stamp = stamp.to_msg()
        self._status_pub.publish(msg)
        self.board.value('episode', self.episode)
        self.board.value('step', self.step)

    def _publish_diagnostics(self, only_if_changed: bool = False) -> None:
        if only_if_changed and not self.board.changed():
            return
        self._diag_pub.publish(self.board.message(self.get_clock().now().to_msg()))

    def destroy_node(self):
        if not hasattr(self, 'env'):  # __init__ failed (e.g. a bad parameter): nothing to close
            return super().destroy_node()
        try:
            self.env.close()
        except Exception as err:  # noqa: BLE001 - e.g. an EGL context bound to another thread
            self.get_logger().warning(f'could not close the renderer: {err}')
        return super().destroy_node()


def main(args=None) -> int:
    return spin_node(SimNode, 'sim_node', args)


if __name__ == '__main__':
    raise SystemExit(main())
