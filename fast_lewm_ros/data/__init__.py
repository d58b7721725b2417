# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Data: exploration policies, collection to HDF5 episode files, and reading them.

`policies` holds the per-task exploration policies and `rollout`; `episodes` the
HDF5 writer/reader (docs/data_format.md) and the paper's start/goal sampler;
`collect` and `view` are the `fast-lewm collect` / `fast-lewm view` commands;
`dataset` serves training windows.
"""
