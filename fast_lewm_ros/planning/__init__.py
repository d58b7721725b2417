# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Planning with a world model: batched CEM/MPPI and a receding-horizon controller.

Shapes: B environments, S candidates, T action blocks, A = action_block x
action_dim values per block (normalised units), D latent.
"""
from fast_lewm_ros.planning.cem import CEMPlanner, PlannerConfig, PlanResult, shift_plan
from fast_lewm_ros.planning.controller import RecedingHorizonController
from fast_lewm_ros.planning.costs import LatentCost
from fast_lewm_ros.planning.mppi import make_planner, MPPIPlanner

__all__ = ['CEMPlanner', 'LatentCost', 'MPPIPlanner', 'PlanResult', 'PlannerConfig',
           'RecedingHorizonController', 'make_planner', 'shift_plan']
