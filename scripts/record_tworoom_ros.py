# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Record Two-Room exploration through ROS topics into a rosbag2 (MCAP) file, sim as the robot.

Starts sim_node (lock-step, so the recording does not depend on CPU speed) and
explore_node (one Twist per new camera image; when an episode ends the camera
stops, the dead-man timeout fires and explore_node calls sim_node/reset) as
separate processes, and records `image` and `cmd_vel` with the package's
BagRecorder until the sim has finished --episodes episodes. Then:

  fast-lewm import-bag BAG --image-topic /image --action-topic /cmd_vel \
      --twist-axes linear.x linear.y --episode-gap 0.3 \
      --env-id FastLeWM/TwoRoom-v0 --out data/ros_tworoom.h5

Usage: scripts/with_env.sh python scripts/record_tworoom_ros.py --episodes 300 --out BAG
The sim's start/goal seed (7) differs from `fast-lewm eval`'s (42).
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time

from geometry_msgs.msg import Twist
from ament_index_python.packages import get_package_prefix
import rclpy
from sensor_msgs.msg import Image
from tqdm import tqdm

from fast_lewm_ros.msg import EpisodeStatus
from fast_lewm_ros.ros import qos
from fast_lewm_ros.ros.bag_recorder import BagRecorder

TWIST = ['-p', 'command_type:=twist', '-p', 'twist_axes:=linear.x linear.y']


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--steps', type=int, default=100, help='commands per episode')
    parser.add_argument('--out', required=True, help='bag directory (must not exist)')
    parser.add_argument('--seed', type=int, default=0, help='explore_node noise seed')
    args = parser.parse_args()
    os.environ.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 200)))
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    lib = get_package_prefix('fast_lewm_ros') + '/lib/fast_lewm_ros'  # as `ros2 run` finds them
    nodes = [
        [f'{lib}/sim_node', '--ros-args', '-p', 'lock_step:=true', '-p', 'image_size:=64',
         '-p', f'max_steps:={args.steps}', '-p', 'auto_reset:=false', '-p', 'seed:=7', *TWIST],
        [f'{lib}/explore_node', '--ros-args', '-p', 'trigger:=image', '-p', 'rate:=20.0',
         '-p', 'deadman_timeout:=0.4', '-p', 'reset_service:=sim_node/reset',
         '-p', f'seed:={args.seed}', *TWIST],
    ]
    rclpy.init()
    node = rclpy.create_node('bag_recorder')
    bag = BagRecorder(node, args.out, {'/image': (Image, qos.RECORD),
                                       '/cmd_vel': (Twist, qos.RECORD)})
    done = set()
    node.create_subscription(EpisodeStatus, 'episode_status',
                             lambda m: m.done and done.add(m.episode), qos.COMMANDS)
    procs = [subprocess.Popen(cmd) for cmd in nodes]
    start = time.monotonic()
    bar = tqdm(total=args.episodes, unit='ep', desc='record')
    try:
        while len(done) < args.episodes:
            rclpy.spin_once(node, timeout_sec=0.1)
            bar.update(len(done) - bar.n)
            if any(p.poll() is not None for p in procs):
                print('a node exited early', file=sys.stderr)
                return 1
    finally:
        bar.close()
        bag.close()
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        node.destroy_node()
        rclpy.try_shutdown()
    print(f'{args.out}: {len(done)} episodes, {bag.count} messages in '
          f'{time.monotonic() - start:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
