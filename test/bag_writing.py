# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Write rosbag2 recordings with `rosbags` (no ROS needed), for the import tests.

Not a test module (no test_ prefix); test files import it like conftest.
"""
from __future__ import annotations

import numpy as np
import pytest

rosbags = pytest.importorskip('rosbags')
from rosbags.rosbag2 import StoragePlugin, Writer  # noqa: E402
from rosbags.typesys import get_typestore, Stores  # noqa: E402

TYPESTORE = get_typestore(Stores.ROS2_KILTED)
T = TYPESTORE.types
STORAGE = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}


def header(ns: int, frame_id: str = 'camera'):
    stamp = T['builtin_interfaces/msg/Time'](sec=ns // 10**9, nanosec=ns % 10**9)
    return T['std_msgs/msg/Header'](stamp=stamp, frame_id=frame_id)


def image_msg(pixels: np.ndarray, ns: int, encoding: str = 'rgb8'):
    """Build a sensor_msgs/Image of an (H, W, 3) RGB array, as rgb8 or bgr8."""
    data = pixels[:, :, ::-1] if encoding == 'bgr8' else pixels
    h, w = pixels.shape[:2]
    return T['sensor_msgs/msg/Image'](header=header(ns), height=h, width=w, encoding=encoding,
                                      is_bigendian=0, step=w * 3,
                                      data=np.ascontiguousarray(data).reshape(-1))


def png_msg(pixels: np.ndarray, ns: int):
    """Build a sensor_msgs/CompressedImage holding a PNG (lossless) of an RGB array."""
    import io

    from PIL import Image as PILImage
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, format='PNG')
    return T['sensor_msgs/msg/CompressedImage'](
        header=header(ns), format='png', data=np.frombuffer(buffer.getvalue(), np.uint8))


def twist_stamped_msg(linear_x: float, angular_z: float, ns: int):
    return T['geometry_msgs/msg/TwistStamped'](header=header(ns),
                                               twist=twist_msg(linear_x, angular_z))


def float32_array_msg(values):
    layout = T['std_msgs/msg/MultiArrayLayout'](dim=[], data_offset=0)
    return T['std_msgs/msg/Float32MultiArray'](layout=layout,
                                               data=np.asarray(values, np.float32))


def twist_msg(linear_x: float, angular_z: float):
    vec = T['geometry_msgs/msg/Vector3']
    return T['geometry_msgs/msg/Twist'](linear=vec(x=float(linear_x), y=0.0, z=0.0),
                                        angular=vec(x=0.0, y=0.0, z=float(angular_z)))


def write_bag(path, messages, storage: str = 'mcap', empty_topics=None) -> None:
    """Write `messages`, a list of (topic, receive time ns, rosbags message), to `path`.

    `empty_topics` {topic: msgtype} are announced without any message.
    """
    with Writer(path, version=9, storage_plugin=STORAGE[storage]) as writer:
        connections = {topic: writer.add_connection(topic, msgtype, typestore=TYPESTORE)
                       for topic, msgtype in (empty_topics or {}).items()}
        for topic, ns, msg in sorted(messages, key=lambda m: m[1]):
            if topic not in connections:
                connections[topic] = writer.add_connection(topic, msg.__msgtype__,
                                                           typestore=TYPESTORE)
            writer.write(connections[topic], ns,
                         TYPESTORE.serialize_cdr(msg, msg.__msgtype__))
