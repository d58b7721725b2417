# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""PlannerConfig.compile on the CPU: the same plan, compiled once per model.

A first torch.compile on a loaded 2-core machine took 165 s (21 s with inductor's
cache warm), too slow for every CI run: set FAST_LEWM_SLOW_TESTS=1 to run it
(scripts/gpu_check.sh does).
"""
import os

import pytest
import torch

from fast_lewm_ros.model import ModelConfig, WorldModel
from fast_lewm_ros.planning import CEMPlanner, PlannerConfig
from fast_lewm_ros.planning.cem import compiled_predict_final


@pytest.mark.skipif(os.environ.get('FAST_LEWM_SLOW_TESTS') != '1',
                    reason='compiles for minutes on a loaded CPU: FAST_LEWM_SLOW_TESTS=1 runs it')
def test_compiled_cpu_plan_equals_the_eager_plan_and_compiles_once():
    torch.manual_seed(0)
    model = WorldModel(ModelConfig.preset('tiny')).eval()
    z, z_goal = torch.randn(2, 1, model.config.latent_dim)
    config = PlannerConfig(samples=16, iterations=2, elites=4, horizon=2)
    eager = CEMPlanner(config).plan(model, z, z_goal)
    compiled_config = PlannerConfig(samples=16, iterations=2, elites=4, horizon=2,
                                    compile=True)
    first = CEMPlanner(compiled_config).plan(model, z, z_goal)
    torch.testing.assert_close(first.actions, eager.actions, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(first.cost, eager.cost, rtol=1e-4, atol=1e-5)
    # a new planner (the node makes one per goal) reuses the model's compiled function
    compiled = compiled_predict_final(model)
    second = CEMPlanner(compiled_config)
    assert second._compile_fn(model) is compiled
    torch.testing.assert_close(second.plan(model, z, z_goal).actions, first.actions)
