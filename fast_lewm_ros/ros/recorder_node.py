# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""recorder_node: camera + command topics -> HDF5 episodes, for robots without rosbag2.

Subscribes `image` (sensor_msgs/Image) and the command topic of `command_type`
(cmd_action or cmd_vel, as planner_node and explore_node publish; remappable).
Messages are buffered with their middleware reception times and turned into
rows exactly as `fast-lewm import-bag` does (the same `align`, see
docs/data_format.md): row t's action is the command in force until row t+1.
An episode ends at a pause (no command for `episode_gap` s), after
`max_episode_seconds`, or when `~/new_episode` (std_srvs/Trigger) is called.
Crash-safe: every episode is its own file OUT_DIR/PREFIX_<start time>_<n>.h5,
written as .tmp and renamed, so a crash loses at most the episode in progress
and never damages a finished one. Train on them with
`fast-lewm train --data OUT_DIR/*.h5`.
"""
from __future__ import annotations

import datetime
from pathlib import Path

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger

from fast_lewm_ros.data.bag_import import align, square
from fast_lewm_ros.data.episodes import EpisodeWriter, FRAMESKIP
from fast_lewm_ros.ros import commands, params, qos
from fast_lewm_ros.ros.conversions import image_to_numpy
from fast_lewm_ros.ros.diagnostics import ERROR, OK, StatusBoard
from fast_lewm_ros.ros.params import check_choice, settings_class, Spec
from fast_lewm_ros.ros.spin import spin_node

RECORDER_PARAMETERS = {
    'out_dir': Spec('recordings', 'directory of the episode files', applies='startup'),
    'prefix': Spec('episode', 'file name prefix', applies='startup'),
    'image_size': Spec(0, 'centre-crop and resize images to NxN; 0 = keep (must be square)',
                       0, 4096, applies='startup'),
    'episode_gap': Spec(1.0, 'seconds without a command that end an episode', 0.01, 3600.0),
    'control_period': Spec(0.0, 'resample onto one clock of this period (s); 0 = one row '
                           'per image', 0.0, 60.0),
    'max_episode_seconds': Spec(300.0, 'an episode is written after this long at the latest',
                                1.0, 86400.0),
    'env_id': Spec('robot', "the files' env_id attribute", applies='startup'),
    'command_type': Spec('float32_array', 'message type of the recorded commands',
                         choices=tuple(commands.COMMAND_TYPES), applies='startup'),
    'twist_axes': Spec(commands.DEFAULT_TWIST_AXES, 'twist types: the Twist fields that '
                       'become action dimensions, in order', applies='startup'),
}


class _RecorderRules:
    """Methods of RecorderSettings; its fields come from RECORDER_PARAMETERS."""

    def validate(self) -> None:
        check_choice('command_type', self.command_type, RECORDER_PARAMETERS)
        if self.command_type.startswith('twist'):
            commands.parse_axes(self.twist_axes)


RecorderSettings = settings_class('RecorderSettings', RECORDER_PARAMETERS, _RecorderRules,
                                  'Everything recorder_node reads; built from its parameters.')


class RecorderNode(Node):
    """Write the camera and the commands sent as HDF5 episodes, one file each."""

    def __init__(self, node_name: str = 'recorder_node', **kwargs):
        super().__init__(node_name, **kwargs)
        s = params.bind(self, RECORDER_PARAMETERS, RecorderSettings)
        self._axes = commands.parse_axes(s.twist_axes) if 'twist' in s.command_type else ()
        self.out_dir = Path(s.out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._session = datetime.datetime.now().strftime('%Y%m%d_%H%M%S')
        self.board = StatusBoard(self.get_fully_qualified_name(), str(self.out_dir))
        self.files: list[Path] = []
        self._frames: list[tuple[int, np.ndarray]] = []   # (reception ns, (H, W, 3) uint8)
        self._commands: list[tuple[int, np.ndarray]] = []  # (reception ns, (A,) float32)
        self._shape = self._dims = None
        self.create_subscription(Image, 'image', self._on_image, qos.RECORD)
        self.create_subscription(commands.message_type(s.command_type),
                                 commands.topic(s.command_type), self._on_command,
                                 qos.RECORD)
        self.create_service(Trigger, '~/new_episode', self._on_new_episode)
        self._diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        steady = Clock(clock_type=ClockType.STEADY_TIME)
        self.create_timer(0.1, self._check_pause, clock=steady)
        self.create_timer(1.0, self._publish_diagnostics, clock=steady)

    # ---- inputs --------------------------------------------------------------------
    def _on_image(self, msg: Image, info) -> None:
        try:
            pixels = image_to_numpy(msg)  # (H, W, 3) uint8
            if self._shape is not None and pixels.shape != self._shape:
                raise ValueError(f'image is {pixels.shape[0]}x{pixels.shape[1]}, earlier ones '
                                 f'{self._shape[0]}x{self._shape[1]} (one size per recording)')
            frame = square(pixels, self.settings.image_size or None)
        except ValueError as err:
            self._error('image', err)
            return
        self._shape = pixels.shape
        self._frames.append((info['received_timestamp'], frame))

    def _on_command(self, msg, info) -> None:
        action = commands.from_message(msg, self._axes)  # (A,) float32
        if not np.isfinite(action).all() or (self._dims not in (None, action.size)):
            self._error('command', ValueError(f'command {action.tolist()} dropped: expected '
                                              f'{self._dims or "some"} finite values'))
            return
        self._dims = action.size
        self._commands.append((info['received_timestamp'], action))

    def _on_new_episode(self, request, response):
        written = self.flush()
        response.success = True
        response.message = f'wrote {written} episode(s); {len(self.files)} in total'
        return response

    def _check_pause(self) -> None:
        now = self.get_clock().now().nanoseconds  # system time, as reception stamps
        s = self.settings
        if not self._commands:
            del self._frames[:-1]  # idle: only the newest frame can start the next episode
            return
        idle = now - self._commands[-1][0] > s.episode_gap * 1e9
        long = now - self._commands[0][0] > s.max_episode_seconds * 1e9
        if idle or long:
            self.flush()

    # ---- output --------------------------------------------------------------------
    def flush(self) -> int:
        """Write the buffered streams as episodes (one file each); return how many."""
        frames, cmds = self._frames, self._commands
        self._frames, self._commands = frames[-1:], []
        if not frames or not cmds:
            return 0
        frame_ns = np.array([t for t, _ in frames], np.int64)
        order = np.argsort(frame_ns, kind='stable')  # reception order across threads
        command_ns = np.array([t for t, _ in cmds], np.int64)
        corder = np.argsort(command_ns, kind='stable')
        actions = np.concatenate([np.stack([cmds[i][1] for i in corder]),
                                  np.zeros((1, self._dims), np.float32)])  # index -1 = zero
        s = self.settings
        written = 0
        for rows, used in align(frame_ns[order], command_ns[corder], s.episode_gap,
                                s.control_period or None):
            path = self.out_dir / f'{s.prefix}_{self._session}_{len(self.files):05d}.h5'
            pixels = np.stack([frames[order[i]][1] for i in rows])  # (L, N, N, 3)
            with EpisodeWriter(path, env_id=s.env_id, image_size=pixels.shape[1],
                               action_dim=self._dims, state_dim=None, proprio_dim=0, seed=0,
                               episode_steps=len(rows) - 1, frameskip=FRAMESKIP,
                               policy=f'recorder_node: {s.command_type}') as writer:
                writer.append({'pixels': pixels, 'action': actions[used],
                               'proprio': np.zeros((len(rows), 0), np.float32)})
            self.files.append(path)
            written += 1
        self.board.value('episodes_written', len(self.files))
        self.board.set('recorder', OK, f'{len(self.files)} episodes in {self.out_dir}')
        return written

    def _error(self, source: str, err: Exception) -> None:
        self.board.set(source, ERROR, str(err))
        self.get_logger().error(f'{source}: {err}', throttle_duration_sec=5.0)

    def _publish_diagnostics(self) -> None:
        self._diag_pub.publish(self.board.message(self.get_clock().now().to_msg()))

    def destroy_node(self):
        self.flush()  # a clean shutdown keeps the episode in progress
        return super().destroy_node()


def main(args=None) -> int:
    return spin_node(RecorderNode, 'recorder_node', args)


if __name__ == '__main__':
    raise SystemExit(main())
