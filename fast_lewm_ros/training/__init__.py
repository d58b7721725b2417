# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Pieces of `fast-lewm train`: config, losses, resume state, logs (loop in train.py)."""
