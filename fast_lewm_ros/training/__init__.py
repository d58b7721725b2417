# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm train`: the loop and its CLI (trainer), config, losses, resume state, logs."""
