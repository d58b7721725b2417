# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm import-bag`: a rosbag2 recording (camera + commands) -> HDF5 episodes.

Reads MCAP and sqlite3 bags with the pure-Python `rosbags` library, so no ROS
installation is needed. Times are the bag's receive times (every message has
one; Twist has no header).

How the two streams become rows (docs/data_format.md, "Robot recordings"):
- Commands received less than `episode_gap` apart form one run; a longer pause
  ends the episode. An episode spans from the newest frame at or before its
  run's first command (the frame that command answered) to the first frame
  after its last command; a gap of more than `episode_gap` between frames also
  splits it. Frames outside every run (the robot idle) are not imported.
- Rows follow a clock: each frame (default), or with `control_period` P the
  ticks t0, t0 + P, ... of an episode, each holding the newest frame at or
  before the tick.
- Row t's action is the command in force from row t to row t+1: the last one
  received strictly before row t+1's time. The last row of an episode gets the
  all-zero action, as in every file of the format.
The output is written to FILE.tmp and renamed, so a failed import leaves nothing.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
import io
from pathlib import Path
import sys

import numpy as np

from fast_lewm_ros.data.episodes import EpisodeWriter, FRAMESKIP
from fast_lewm_ros.data.images import decode_pixels
from fast_lewm_ros.data.twist import DEFAULT_TWIST_AXES, parse_axes, TWIST_FIELDS

IMAGE_TYPES = ('sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage')
ACTION_TYPES = ('std_msgs/msg/Float32MultiArray', 'std_msgs/msg/Float64MultiArray',
                'geometry_msgs/msg/Twist', 'geometry_msgs/msg/TwistStamped')


class BagImportError(ValueError):
    """A recording that cannot become episodes; the message names the reason."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('bag', help='rosbag2 directory (or its .mcap / .db3 file)')
    parser.add_argument('--image-topic', required=True,
                        help='sensor_msgs/Image or CompressedImage (jpeg/png) topic')
    parser.add_argument('--action-topic', required=True,
                        help='std_msgs/Float32MultiArray, Float64MultiArray, '
                             'geometry_msgs/Twist or TwistStamped topic')
    parser.add_argument('--out', required=True, help='output HDF5 file (FILE.h5)')
    parser.add_argument('--control-period', type=float, default=None, metavar='S',
                        help='resample both streams onto one clock of this period in '
                             'seconds (default: one row per camera frame)')
    parser.add_argument('--episode-gap', type=float, default=1.0, metavar='S',
                        help='a pause longer than this (seconds, either stream) starts a '
                             'new episode (default 1.0)')
    parser.add_argument('--image-size', type=int, default=None, metavar='N',
                        help='centre-crop to a square and resize to NxN (default: keep the '
                             'recorded size, which must then be square)')
    parser.add_argument('--twist-axes', nargs='+', default=DEFAULT_TWIST_AXES.split(),
                        metavar='FIELD', help=f'Twist fields that become action dimensions, '
                        f'in order, from {list(TWIST_FIELDS)} (default: linear.x angular.z)')
    parser.add_argument('--env-id', default='robot',
                        help="the file's env_id attribute (default 'robot')")
    parser.add_argument('--frameskip', type=int, default=FRAMESKIP,
                        help=f'rows per action block readers use (default {FRAMESKIP})')


# ---- messages -> arrays ----------------------------------------------------------------
def decode_image(msg, msgtype: str) -> np.ndarray:
    """Return an (H, W, 3) uint8 RGB array from a rosbags Image/CompressedImage."""
    if msgtype.endswith('CompressedImage'):
        fmt = msg.format.lower()
        if not any(name in fmt for name in ('jpeg', 'jpg', 'png')):
            raise BagImportError(f'CompressedImage format {msg.format!r} is not supported; '
                                 'expected jpeg or png')
        from PIL import Image as PILImage
        with PILImage.open(io.BytesIO(bytes(msg.data))) as img:
            return np.asarray(img.convert('RGB'))
    try:
        return decode_pixels(msg.encoding, msg.height, msg.width, msg.step, msg.is_bigendian,
                             msg.data)
    except ValueError as err:
        raise BagImportError(str(err)) from None


def action_values(msg, msgtype: str, twist_axes) -> np.ndarray:
    """Return the command as a float64 vector: the array, or the chosen Twist fields."""
    if msgtype.endswith('MultiArray'):
        return np.asarray(msg.data, np.float64)
    twist = msg.twist if msgtype.endswith('TwistStamped') else msg
    return np.array([getattr(getattr(twist, f.split('.')[0]), f.split('.')[1])
                     for f in twist_axes], np.float64)


def square(pixels: np.ndarray, size: int | None) -> np.ndarray:
    """Centre-crop to a square and resize to size x size (None: must already be square)."""
    h, w = pixels.shape[:2]
    if size is None or (h == w == size):
        if h != w:
            raise BagImportError(f'frames are {h}x{w}, not square: pass --image-size N to '
                                 'centre-crop and resize them')
        return pixels
    from PIL import Image as PILImage
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = PILImage.fromarray(pixels[top:top + side, left:left + side])
    return np.asarray(crop.resize((size, size), PILImage.BILINEAR))


# ---- bag -> streams --------------------------------------------------------------------
@dataclass
class Streams:
    """The two recorded streams, in receive order."""

    frame_ns: np.ndarray   # (F,) int64 receive times
    frames: list           # F arrays (H, W, 3) uint8
    action_ns: np.ndarray  # (C,) int64
    actions: np.ndarray    # (C, action_dim) float64


def read_bag(bag, image_topic: str, action_topic: str, image_size: int | None = None,
             twist_axes=DEFAULT_TWIST_AXES, progress: bool = True) -> Streams:
    """Read the camera and command topics of `bag`; raise BagImportError on bad input."""
    from rosbags.highlevel import AnyReader
    from rosbags.typesys import get_typestore, Stores
    from tqdm import tqdm
    bag = Path(bag)
    if not bag.exists():
        raise BagImportError(f'bag {bag} does not exist')
    try:
        twist_axes = parse_axes(twist_axes, what='--twist-axes')
    except ValueError as err:
        raise BagImportError(str(err)) from None
    try:
        reader = AnyReader([bag], default_typestore=get_typestore(Stores.ROS2_KILTED))
        reader.open()
    except Exception as err:  # noqa: BLE001 - rosbags raises several types for a bad bag
        raise BagImportError(f'{bag} is not a readable rosbag2 recording ({err})') from None
    try:
        topics = {name: info.msgtype for name, info in reader.topics.items()}
        for topic, allowed, flag in ((image_topic, IMAGE_TYPES, '--image-topic'),
                                     (action_topic, ACTION_TYPES, '--action-topic')):
            if topic not in topics:
                listing = ', '.join(f'{n} ({t})' for n, t in sorted(topics.items()))
                raise BagImportError(f'{bag} has no topic {topic!r}; its topics: '
                                     f'{listing or "none"}')
            if topics[topic] not in allowed:
                raise BagImportError(f'{flag} {topic} has type {topics[topic]}; expected one '
                                     f'of {list(allowed)}')
        if reader.topics[action_topic].msgcount == 0:
            raise BagImportError(f'{bag}: action topic {action_topic} has no messages; '
                                 'a world model needs the commands sent with the images')
        frames, frame_ns, actions, action_ns, raw_shape = [], [], [], [], None
        wanted = [c for c in reader.connections if c.topic in (image_topic, action_topic)]
        total = sum(reader.topics[t].msgcount for t in (image_topic, action_topic))
        for conn, stamp, raw in tqdm(reader.messages(connections=wanted), total=total,
                                     desc='import-bag', unit='msg', disable=not progress):
            msg = reader.deserialize(raw, conn.msgtype)
            if conn.topic == action_topic:
                actions.append(action_values(msg, conn.msgtype, twist_axes))
                if actions[-1].shape != actions[0].shape:
                    raise BagImportError(f'{action_topic}: commands of mixed sizes '
                                         f'({actions[0].size} and {actions[-1].size} values)')
                action_ns.append(stamp)
                continue
            pixels = decode_image(msg, conn.msgtype)
            raw_shape = raw_shape or pixels.shape
            if pixels.shape != raw_shape:
                raise BagImportError(f'{image_topic}: frames of mixed sizes ({raw_shape[0]}x'
                                     f'{raw_shape[1]} and {pixels.shape[0]}x{pixels.shape[1]}'
                                     f' at t={stamp} ns)')
            frames.append(square(pixels, image_size))
            frame_ns.append(stamp)
    finally:
        reader.close()
    if not frames:
        raise BagImportError(f'{bag}: image topic {image_topic} has no messages')
    return Streams(np.asarray(frame_ns, np.int64), frames, np.asarray(action_ns, np.int64),
                   np.stack(actions))


# ---- streams -> episodes ---------------------------------------------------------------
def align(frame_ns: np.ndarray, action_ns: np.ndarray, episode_gap: float,
          control_period: float | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Episodes as (frame index per row, command index per row; -1 = the zero row).

    Both inputs are sorted receive times in ns; see the module docstring for the rules.
    """
    gap = int(round(episode_gap * 1e9))
    cuts = np.flatnonzero(np.diff(action_ns) > gap) + 1  # command runs split at pauses
    episodes = []
    for first, last in zip(action_ns[np.r_[0, cuts]], action_ns[np.r_[cuts - 1, -1]]):
        # From the frame the first command answered to the frame after the last one.
        begin = max(int(np.searchsorted(frame_ns, first, side='right')) - 1, 0)
        end = min(int(np.searchsorted(frame_ns, last, side='right')), len(frame_ns) - 1)
        span = np.arange(begin, end + 1)
        for run in np.split(span, np.flatnonzero(np.diff(frame_ns[span]) > gap) + 1):
            if len(run) < 2:
                continue  # no transition to learn from
            if control_period:
                period = int(round(control_period * 1e9))
                ticks = np.arange(frame_ns[run[0]], frame_ns[run[-1]] + 1, period)  # (R,)
                rows = run[np.searchsorted(frame_ns[run], ticks, side='right') - 1]
            else:
                ticks, rows = frame_ns[run], run
            commands = np.searchsorted(action_ns, ticks[1:], side='left') - 1  # strictly before
            episodes.append((rows, np.append(commands, -1)))
    return [(rows, commands) for rows, commands in episodes if len(rows) >= 2]


def import_bag(bag, out, image_topic: str, action_topic: str, *, episode_gap: float = 1.0,
               control_period: float | None = None, image_size: int | None = None,
               twist_axes=DEFAULT_TWIST_AXES, env_id: str = 'robot',
               frameskip: int = FRAMESKIP, progress: bool = True) -> dict:
    """Import `bag` into the episode file `out`; returns a summary (episodes, rows, ...)."""
    if episode_gap <= 0 or (control_period is not None and control_period <= 0):
        raise BagImportError('--episode-gap and --control-period must be > 0 seconds')
    if image_size is not None and image_size < 8:
        raise BagImportError(f'--image-size must be >= 8, got {image_size}')
    streams = read_bag(bag, image_topic, action_topic, image_size, twist_axes, progress)
    episodes = align(streams.frame_ns, streams.action_ns, episode_gap, control_period)
    if not episodes:
        raise BagImportError(f'{bag}: no two frames of {image_topic} lie within a run of '
                             f'commands on {action_topic} (pauses > --episode-gap '
                             f'{episode_gap} s end a run); nothing to import')
    dims = streams.actions.shape[1]
    zero = np.zeros((1, dims))
    commands = np.concatenate([streams.actions, zero]).astype(np.float32)  # index -1 = zero
    size = streams.frames[0].shape[0]
    with EpisodeWriter(out, env_id=env_id, image_size=size, action_dim=dims, state_dim=None,
                       proprio_dim=0, seed=0, frameskip=frameskip,
                       episode_steps=max(len(rows) - 1 for rows, _ in episodes),
                       policy=f'rosbag2 {Path(bag).name}: {action_topic}') as writer:
        for rows, cmd in episodes:
            writer.append({'pixels': np.stack([streams.frames[i] for i in rows]),
                           'action': commands[cmd],  # (F, action_dim); row -1 -> the zero row
                           'proprio': np.zeros((len(rows), 0), np.float32)})
    lengths = [len(rows) for rows, _ in episodes]
    return {'episodes': len(episodes), 'rows': int(sum(lengths)), 'image_size': size,
            'action_dim': dims, 'frames_read': len(streams.frames),
            'commands_read': len(streams.action_ns),
            'shortest': min(lengths), 'longest': max(lengths)}


def main(args: argparse.Namespace) -> int:
    try:
        summary = import_bag(args.bag, args.out, args.image_topic, args.action_topic,
                             episode_gap=args.episode_gap, control_period=args.control_period,
                             image_size=args.image_size, twist_axes=tuple(args.twist_axes),
                             env_id=args.env_id, frameskip=args.frameskip)
    except (BagImportError, FileNotFoundError, OSError) as err:
        print(f'fast-lewm import-bag: error: {err}', file=sys.stderr)
        return 2
    print(f"{args.out}: {summary['episodes']} episodes, {summary['rows']} rows "
          f"({summary['shortest']}-{summary['longest']} per episode) from "
          f"{summary['frames_read']} frames and {summary['commands_read']} commands; "
          f"images {summary['image_size']}px, action_dim {summary['action_dim']}")
    return 0
