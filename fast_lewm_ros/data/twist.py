# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Which geometry_msgs/Twist fields are action dimensions, in order.

One mapping for every place a Twist becomes an action or back: planner_node and
sim_node (ros/commands.py), recorder_node and `fast-lewm import-bag` (which
works without ROS, hence a core module). Fields not named are zero.
"""
from __future__ import annotations

from typing import Sequence

TWIST_FIELDS = tuple(f'{part}.{axis}' for part in ('linear', 'angular') for axis in 'xyz')
DEFAULT_TWIST_AXES = 'linear.x angular.z'  # a mobile base: forward speed, turn rate


def parse_axes(axes: str | Sequence[str], action_dim: int | None = None,
               what: str = 'parameter twist_axes') -> tuple[str, ...]:
    """Return the field names ('linear.x', ...) of a space-separated string or a sequence.

    Raises ValueError naming `what` when a field is unknown or repeated, or when
    their number is not `action_dim`.
    """
    text = axes if isinstance(axes, str) else ' '.join(axes)
    fields = tuple(text.split())
    bad = [a for a in fields if a not in TWIST_FIELDS]
    if not fields or bad or len(set(fields)) != len(fields):
        raise ValueError(f'{what} {text!r}: expected distinct fields from '
                         f'{list(TWIST_FIELDS)}, separated by spaces')
    if action_dim is not None and len(fields) != action_dim:
        raise ValueError(f'{what} {text!r} names {len(fields)} fields; the '
                         f'model has action_dim {action_dim}')
    return fields
