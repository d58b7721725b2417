# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Fast-LeWM visual world-model planning, as a Python library and a ROS 2 package.

The core (config, model, planning, envs, data, train, evaluate, bench) imports
without rclpy; only `fast_lewm_ros.ros` touches ROS.
"""

__version__ = '0.1.0'
