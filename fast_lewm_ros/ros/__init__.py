# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""ROS 2 adapters: the only part of the package that imports rclpy or messages.

planner_node (lifecycle node: images + goal -> ActionPlan + cmd_action),
sim_node (MuJoCo task bridge with a lock-step mode), publish_goal (goal images
from files or a task), demo (both nodes in one process for a few episodes).
The nodes convert messages, call the core and publish; the core never imports
this package.
"""
