# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm eval` and `fast-lewm openloop`, and the pieces behind them.

success_eval  the `fast-lewm eval` command: paired closed-loop success, JSON, videos
openloop_eval the `fast-lewm openloop` command: error per horizon, ranking check
closed_loop   paper-protocol episodes for the planner (batched, lock-step) and a
              random policy, on shared start/goal pairs
latent_error  open-loop latent error per horizon, direct vs chained agreement
ranking       do model costs rank candidate plans like simulated costs do?
stats         Wilson intervals, paired (McNemar) comparison, slopes, fingerprints
plots         error-vs-horizon figure, episode PNG strips and GIFs
"""
