# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Evaluation helpers behind `fast-lewm eval` and `fast-lewm openloop`.

closed_loop   paper-protocol episodes for the planner (batched, lock-step) and a
              random policy, on shared start/goal pairs
latent_error  open-loop latent error per horizon, direct vs chained agreement
ranking       do model costs rank candidate plans like simulated costs do?
stats         Wilson intervals, paired (McNemar) comparison, slopes, fingerprints
plots         error-vs-horizon figure, episode PNG strips and GIFs
"""
