# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Data: exploration rollouts, HDF5 episode files, start/goal pairs, robot recordings.

`exploration` runs a task's exploration policy (the policies live in envs/<task>.py);
`episodes` is the HDF5 writer/reader (docs/data_format.md); `start_goal` the
paper's start/goal sampler; `collect`, `view` and `bag_import` are the
`fast-lewm collect` / `view` / `import-bag` commands; `dataset` serves training
windows; `images` and `twist` decode camera frames and Twist commands for
recordings and the ROS nodes alike.
"""
