# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""sensor_msgs/Image <-> numpy, without cv_bridge.

PyPI's cv_bridge is ROS 1's and breaks with current numpy/OpenCV, and a real
ROS install is not always there, so we convert with numpy alone. Every image
that reaches the model is (H, W, 3) uint8 RGB; the messages we accept are the
8-bit encodings cameras actually publish. A message whose fields disagree
(height x step vs data length, step vs width x channels) is rejected with a
ValueError that names the field and the value it should have had.
"""
from __future__ import annotations

import numpy as np
from sensor_msgs.msg import Image

from fast_lewm_ros.data.images import decode_pixels, ENCODINGS


def image_to_numpy(msg: Image) -> np.ndarray:
    """Return the image as a new (H, W, 3) uint8 RGB array (data/images.py decodes it).

    Raises ValueError naming the offending field.
    """
    return decode_pixels(msg.encoding, msg.height, msg.width, msg.step, msg.is_bigendian,
                         msg.data)


def numpy_to_image(array: np.ndarray, encoding: str = 'rgb8', stamp=None,
                   frame_id: str = '') -> Image:
    """Build an Image from an (H, W, 3) RGB (or (H, W) grey for mono8) uint8 array.

    For bgr8/rgba8/bgra8 the RGB array is reordered (alpha = 255).
    """
    if encoding not in ENCODINGS:
        raise ValueError(f'encoding {encoding!r} is not supported; expected one of '
                         f'{sorted(ENCODINGS)}')
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f'array dtype must be uint8, got {array.dtype}')
    channels, rgb_index = ENCODINGS[encoding]
    if encoding == 'mono8':
        if array.ndim == 3 and array.shape[2] == 3:
            array = array.mean(axis=2).round().astype(np.uint8)
        if array.ndim != 2:
            raise ValueError(f'mono8 expects an (H, W) array, got shape {array.shape}')
        pixels = array
    else:
        if array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f'{encoding} expects an (H, W, 3) RGB array, got shape '
                             f'{array.shape}')
        pixels = np.empty(array.shape[:2] + (channels,), dtype=np.uint8)
        pixels[:, :, list(rgb_index)] = array
        if channels == 4:
            pixels[:, :, 3] = 255
    msg = Image()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.height, msg.width = int(array.shape[0]), int(array.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = msg.width * channels
    msg.data = np.ascontiguousarray(pixels).tobytes()
    return msg
