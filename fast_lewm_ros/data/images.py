# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Raw camera bytes (sensor_msgs/Image fields) -> (H, W, 3) uint8 RGB, with numpy alone.

One decoder for live images (ros/conversions.py) and recorded ones
(data/bag_import.py); it lives in the core because the importer must work
without ROS. A frame whose fields disagree (height x step vs data length, step
vs width x channels) raises ValueError naming the field and the value it should
have had.
"""
from __future__ import annotations

import numpy as np

# encoding -> (channels, index of R, G, B in a pixel; None = grey): the 8-bit
# encodings cameras actually publish.
ENCODINGS = {
    'rgb8': (3, (0, 1, 2)),
    'bgr8': (3, (2, 1, 0)),
    'rgba8': (4, (0, 1, 2)),
    'bgra8': (4, (2, 1, 0)),
    'mono8': (1, None),
}


def decode_pixels(encoding: str, height: int, width: int, step: int, is_bigendian: int,
                  data) -> np.ndarray:
    """Return a new (H, W, 3) uint8 RGB array from an Image message's fields.

    Honours row padding (`step` > width x channels). `is_bigendian` does not
    change the meaning of 8-bit data, but must be 0 or 1 as the message defines.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f'Image.encoding {encoding[:80]!r} is not supported; expected one '
                         f'of {sorted(ENCODINGS)}')
    channels, rgb_index = ENCODINGS[encoding]
    height, width, step = int(height), int(width), int(step)
    if height <= 0:
        raise ValueError(f'Image.height must be > 0, got {height}')
    if width <= 0:
        raise ValueError(f'Image.width must be > 0, got {width}')
    if is_bigendian not in (0, 1):
        raise ValueError(f'Image.is_bigendian must be 0 or 1, got {is_bigendian}')
    row_bytes = width * channels
    if step < row_bytes:
        raise ValueError(
            f'Image.step {step} is too small: expected >= width x channels = '
            f'{width} x {channels} = {row_bytes} for {encoding}')
    data = np.frombuffer(bytes(data), dtype=np.uint8)  # bytes, array('B') or uint8 array
    if data.size != height * step:
        raise ValueError(
            f'Image.data has {data.size} bytes; expected height x step = '
            f'{height} x {step} = {height * step}')
    rows = data.reshape(height, step)[:, :row_bytes]  # drop row padding
    pixels = rows.reshape(height, width, channels)
    if rgb_index is None:
        return np.repeat(pixels, 3, axis=2)  # (H, W, 1) -> (H, W, 3)
    return np.ascontiguousarray(pixels[:, :, list(rgb_index)])
