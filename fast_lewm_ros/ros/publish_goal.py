# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""publish_goal: send a goal image to the planner, from a file or from a sim task.

  publish_goal --file goal.png [--size 64] [--latch]
  publish_goal --env tworoom --seed 42 --episode 0 [--size 64] [--latch]
The image is published reliable + transient-local, which every subscriber QoS
accepts. Without --latch it goes to the subscribers that are there (waiting up
to --wait seconds for the first) and the program exits once they acknowledged
it. With --latch the program stays up, so a planner that starts later still
receives it (Ctrl-C to stop). Remap the topic
the ROS way: `publish_goal --file g.png --ros-args -r goal_image:=/robot/goal_image`.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import rclpy
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.utilities import remove_ros_args
from sensor_msgs.msg import Image

from fast_lewm_ros.data.start_goal import EVAL_SEED, GOAL_OFFSET
from fast_lewm_ros.ros import qos
from fast_lewm_ros.ros.conversions import numpy_to_image


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='publish_goal', description='Publish a goal image for planner_node.')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--file', help='PNG/JPEG image to publish as the goal')
    source.add_argument('--env', help="MuJoCo task (e.g. 'tworoom'): publish the goal image "
                                      'of start/goal pair --episode, drawn as sim_node does')
    parser.add_argument('--seed', type=int, default=EVAL_SEED,
                        help=f'--env: seed of the pairs ({EVAL_SEED})')
    parser.add_argument('--episode', type=int, default=0, help='--env: pair index (0)')
    parser.add_argument('--goal-offset', type=int, default=25,
                        help='--env: primitive steps from start to goal (25, the paper)')
    parser.add_argument('--size', type=int, default=None,
                        help='resize to SIZE x SIZE (default: the file as it is; --env: 64)')
    parser.add_argument('--topic', default='goal_image', help='topic (default goal_image)')
    parser.add_argument('--frame-id', default='camera', help='header frame_id')
    parser.add_argument('--latch', action='store_true',
                        help='publish transient-local and stay up until Ctrl-C')
    parser.add_argument('--wait', type=float, default=10.0,
                        help='seconds to wait for a subscriber before publishing once (10)')
    return parser


def load_file(path: str, size: int | None) -> np.ndarray:
    """Read an image file as RGB uint8 (H, W, 3), optionally resized."""
    from PIL import Image as PILImage
    try:
        image = PILImage.open(path).convert('RGB')
    except (OSError, ValueError) as err:
        raise SystemExit(f'publish_goal: cannot read image {path!r}: {err}') from None
    if size is not None:
        image = image.resize((size, size), PILImage.BILINEAR)
    return np.asarray(image, np.uint8)


def task_goal(env_name: str, seed: int, episode: int, size: int | None,
              offset: int = GOAL_OFFSET) -> np.ndarray:
    """Render the goal image of start/goal pair `episode` (the pair sim_node uses)."""
    from fast_lewm_ros import envs
    from fast_lewm_ros.data.start_goal import StartGoalSource
    env = envs.make(env_name, image_size=size or 64)
    try:
        pair = StartGoalSource(env_name, seed, offset)[episode]
        env.reset(options={'state': pair.start, 'goal_state': pair.goal})
        return env.unwrapped.goal_image()
    finally:
        env.close()


def publish(node: Node, pixels: np.ndarray, args) -> bool:
    """Publish once (or latched); True when a subscriber acknowledged or --latch."""
    # Reliable + transient-local matches every subscriber, latched ones included;
    # without --latch the program leaves once the subscribers there have the goal.
    pub = node.create_publisher(Image, args.topic, qos.LATCHED)
    if not args.latch:
        deadline = time.monotonic() + args.wait
        while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.05)
        if pub.get_subscription_count() == 0:
            node.get_logger().error(f'no subscriber on {pub.topic_name} after {args.wait} s')
            return False
    msg = numpy_to_image(pixels, stamp=node.get_clock().now().to_msg(), frame_id=args.frame_id)
    pub.publish(msg)
    node.get_logger().info(f'published a {msg.width}x{msg.height} goal on {pub.topic_name}'
                           + (' (latched; Ctrl-C to stop)' if args.latch else ''))
    if args.latch:
        rclpy.spin(node)
        return True
    return pub.wait_for_all_acked(Duration(seconds=args.wait))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else ['publish_goal'] + list(argv)
    args = build_parser().parse_args(remove_ros_args(argv)[1:])
    if args.file:
        pixels = load_file(args.file, args.size)
    else:
        pixels = task_goal(args.env, args.seed, args.episode, args.size, args.goal_offset)
    rclpy.init(args=argv)
    node = Node('publish_goal')
    try:
        return 0 if publish(node, pixels, args) else 1
    except (KeyboardInterrupt, ExternalShutdownException):
        return 0
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    raise SystemExit(main())
