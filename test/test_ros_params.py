# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Parameter tables, settings validation and the shipped parameter files agree."""
from pathlib import Path

import pytest
import yaml

pytest.importorskip('rclpy')
from fast_lewm_ros.ros.params import markdown_table  # noqa: E402
from fast_lewm_ros.ros.settings import (PLANNER_PARAMETERS, PlannerSettings,  # noqa: E402
                                        SIM_PARAMETERS, SimSettings)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize('file, key, specs, settings', [
    ('planner.yaml', '/**/planner_node', PLANNER_PARAMETERS, PlannerSettings),
    ('sim.yaml', '/**/sim_node', SIM_PARAMETERS, SimSettings)])
def test_parameter_file_table_and_settings_agree(file, key, specs, settings):
    values = yaml.safe_load((ROOT / 'config' / file).read_text())[key]['ros__parameters']
    # autostart stays out of planner.yaml so that it never overrides the command line.
    assert set(values) == set(specs) - {'autostart'}, 'config file and parameter table differ'
    assert set(settings.__dataclass_fields__) == set(specs)
    for name, spec in specs.items():
        default = getattr(settings(), name)
        assert default == spec.default, f'{name}: settings default differs from the table'
        if name not in values:
            continue
        shipped = tuple(values[name]) if isinstance(values[name], list) else values[name]
        assert shipped == default, f'{file}: {name} differs from the declared default'
        assert spec.description
    table = markdown_table(specs)
    assert all(f'`{name}`' in table for name in specs)


def test_planner_settings_reject_what_ranges_cannot_express():
    from types import SimpleNamespace
    model = SimpleNamespace(action_dim=2, action_block=5, horizon=5)
    PlannerSettings().validate(model)
    for changes, reason in [({'elites': 400}, 'elites'), ({'stale_policy': 'x'}, 'stale_policy'),
                            ({'command_trigger': 'x'}, 'command_trigger'),
                            ({'horizon': 6}, 'model horizon'),
                            ({'replan_period': 26}, 'replan_period'),
                            ({'action_low': (1.0,), 'action_high': (0.5,)}, 'below'),
                            ({'action_low': (0.0, 0.0, 0.0)}, 'action_dim'),
                            ({'device': 'toaster'}, 'device')]:
        with pytest.raises(ValueError, match=reason):
            PlannerSettings(**changes).validate(model)
    assert PlannerSettings(replan_period=0).replan_every(model) == 25


def test_sim_settings_reject_an_unknown_task():
    SimSettings(env='tworoom').validate()
    with pytest.raises(ValueError, match='env'):
        SimSettings(env='FastLeWM/Nope-v0').validate()


def test_readme_parameter_tables_are_the_code_tables():
    import importlib.util
    spec = importlib.util.spec_from_file_location('param_tables',
                                                  ROOT / 'scripts' / 'param_tables.py')
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    readme = (ROOT / 'README.md').read_text()
    rendered = tables.node_tables()
    for node in rendered:
        assert f'<!-- parameters: {node} -->' in readme, f'README has no {node} table'
    assert tables.render(readme, rendered) == readme, \
        'README parameter tables differ from the code: run scripts/param_tables.py'


def test_every_run_time_planner_config_field_is_a_parameter():
    import dataclasses

    from fast_lewm_ros.planning import PlannerConfig
    from fast_lewm_ros.ros.settings import NOT_PARAMETERS
    fields = {f.name for f in dataclasses.fields(PlannerConfig)}
    assert fields - set(NOT_PARAMETERS) <= set(PLANNER_PARAMETERS)
    assert set(NOT_PARAMETERS) <= fields  # the exclusions name real fields
    # Each parameter named like a field reaches PlannerConfig with its value.
    changed = {'solver': 'mppi', 'samples': 40, 'iterations': 7, 'warm_iterations': 2,
               'warm_start': False, 'compile': True, 'cuda_graph': True, 'bf16': True,
               'elites': 5, 'horizon': 4, 'init_std': 0.5, 'min_std': 0.1,
               'noise_beta': 2.0, 'goal_cost': 'every_block', 'temperature': 2.0,
               'beta': 1.0, 'chain_split': 3, 'seed': 9}
    assert set(changed) == fields - set(NOT_PARAMETERS)
    config = PlannerSettings(**changed).planner_config()
    assert all(getattr(config, name) == value for name, value in changed.items())
    assert PlannerSettings(warm_iterations=0).planner_config().warm_iterations is None
