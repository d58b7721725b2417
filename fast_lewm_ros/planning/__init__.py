# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Planning with a world model: CEM/MPPI, receding-horizon control, real-time MPC.

The real-time MPC thread (mpc.py) is what the node and the demo run; eval runs
the same controller synchronously.

Shapes: B environments, S candidates, T action blocks, A = action_block x
action_dim values per block (normalised units), D latent.
"""
from fast_lewm_ros.planning.cem import (CEMPlanner, PlanCancelled, PlannerConfig, PlanResult,
                                        shift_plan)
from fast_lewm_ros.planning.controller import PlanRejected, RecedingHorizonController
from fast_lewm_ros.planning.costs import LatentCost
from fast_lewm_ros.planning.mppi import make_planner, MPPIPlanner

__all__ = ['CEMPlanner', 'LatentCost', 'MPPIPlanner', 'PlanCancelled', 'PlanRejected',
           'PlanResult', 'PlannerConfig', 'RecedingHorizonController', 'make_planner',
           'shift_plan']
