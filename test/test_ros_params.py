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
