# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Command types robot drivers take: action vector <-> ROS message, and the default topic.

  float32_array  std_msgs/Float32MultiArray on cmd_action (our own sim_node)
  float64_array  std_msgs/Float64MultiArray on cmd_action (ros2_control forward
                 command controllers: remap to <controller>/commands)
  twist          geometry_msgs/Twist on cmd_vel (mobile bases, as nav2 publishes)
  twist_stamped  geometry_msgs/TwistStamped on cmd_vel
For the Twist types `twist_axes` says which field each action dimension drives
(e.g. 'linear.x angular.z'); fields not named are zero. The same mapping reads
a Twist back into an action (sim_node, recorder_node, fast-lewm import-bag).
"""
from __future__ import annotations

import math

from geometry_msgs.msg import Twist, TwistStamped
import numpy as np
from std_msgs.msg import Float32MultiArray, Float64MultiArray, MultiArrayDimension

# The nodes reach the Twist-field mapping through this module.
from fast_lewm_ros.data.twist import DEFAULT_TWIST_AXES, parse_axes  # noqa: F401

# command_type -> (message class, default topic)
COMMAND_TYPES = {
    'float32_array': (Float32MultiArray, 'cmd_action'),
    'float64_array': (Float64MultiArray, 'cmd_action'),
    'twist': (Twist, 'cmd_vel'),
    'twist_stamped': (TwistStamped, 'cmd_vel'),
}


def message_type(command_type: str):
    """Return the message class of a command type."""
    return COMMAND_TYPES[command_type][0]


def topic(command_type: str) -> str:
    """Return the default (relative, remappable) topic of a command type."""
    return COMMAND_TYPES[command_type][1]


def to_message(command_type: str, action: np.ndarray, axes: tuple[str, ...] = (),
               stamp=None, frame_id: str = ''):
    """Build the message for one finite action vector (A,) of environment units."""
    action = np.asarray(action, np.float64).reshape(-1)
    if not np.isfinite(action).all():
        raise ValueError(f'refusing a non-finite command {action.tolist()}')
    cls = message_type(command_type)
    if command_type.endswith('_array'):
        msg = cls(data=action.tolist())
        msg.layout.dim = [MultiArrayDimension(label='action', size=action.size,
                                              stride=action.size)]
        return msg
    msg = cls()
    twist = msg.twist if command_type == 'twist_stamped' else msg
    for field, value in zip(axes, action):
        part, axis = field.split('.')
        setattr(getattr(twist, part), axis, float(value))
    if command_type == 'twist_stamped':
        if stamp is not None:
            msg.header.stamp = stamp
        msg.header.frame_id = frame_id
    return msg


def from_message(msg, axes: tuple[str, ...] = ()) -> np.ndarray:
    """Read an action vector (A,) float32 back from any command message."""
    if isinstance(msg, (Float32MultiArray, Float64MultiArray)):
        return np.asarray(msg.data, np.float32)
    twist = msg.twist if isinstance(msg, TwistStamped) else msg
    values = [getattr(getattr(twist, f.split('.')[0]), f.split('.')[1]) for f in axes]
    return np.asarray([v if math.isfinite(v) else math.nan for v in values], np.float32)
