#!/usr/bin/env python3
# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Print a PNG/JPEG as sensor_msgs/msg/Image YAML, for `ros2 topic pub`.

  scripts/img2yaml.py goal.png | ros2 topic pub --once --stdin \
      /robot1/goal_image sensor_msgs/msg/Image
  ros2 topic pub --once /robot1/goal_image sensor_msgs/msg/Image "$(scripts/img2yaml.py g.png)"
One line of YAML: rgb8, step = 3 x width, header stamp 0 (ros2 topic pub
stamps 0 unless the YAML says otherwise; --stamp SEC sets one). Prefer --stdin:
Linux caps one command-line argument at 128 KiB, about a 100 x 100 image.
A file that cannot be read is one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def image_yaml(pixels: np.ndarray, frame_id: str = 'camera', stamp: int = 0) -> str:
    """Return the YAML of an RGB uint8 (H, W, 3) image as a sensor_msgs/Image."""
    height, width, _ = pixels.shape
    data = ','.join(map(str, pixels.ravel().tolist()))  # row-major, R G B per pixel
    return (f'{{header: {{stamp: {{sec: {stamp}, nanosec: 0}}, frame_id: "{frame_id}"}}, '
            f'height: {height}, width: {width}, encoding: rgb8, is_bigendian: 0, '
            f'step: {3 * width}, data: [{data}]}}')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='img2yaml.py', description='Print an image file as sensor_msgs/msg/Image YAML.')
    parser.add_argument('image', help='PNG/JPEG file (any mode; converted to RGB)')
    parser.add_argument('--size', type=int, default=None,
                        help='resize to SIZE x SIZE first (default: as it is)')
    parser.add_argument('--frame-id', default='camera', help='header.frame_id (camera)')
    parser.add_argument('--stamp', type=int, default=0, help='header.stamp.sec (0)')
    args = parser.parse_args(argv)
    if args.size is not None and args.size < 1:
        parser.error(f'--size {args.size} must be positive')
    from PIL import Image
    try:
        image = Image.open(args.image).convert('RGB')
    except (OSError, ValueError) as err:
        print(f'img2yaml.py: cannot read image {args.image!r}: {err}', file=sys.stderr)
        return 2
    if args.size is not None:
        image = image.resize((args.size, args.size), Image.BILINEAR)
    print(image_yaml(np.asarray(image, np.uint8), args.frame_id, args.stamp))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
