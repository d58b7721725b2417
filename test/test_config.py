# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Strict config loading: unknown keys and wrong types are errors that name them."""
from dataclasses import dataclass
from typing import Optional, Tuple

from fast_lewm_ros.strict_config import (ConfigError, from_dict, from_yaml,
                                         parse_overrides, to_yaml)
import pytest


@dataclass(frozen=True)
class Example:
    lr: float = 1e-3  # learning rate
    steps: int = 10  # optimisation steps
    bounds: Optional[Tuple[float, ...]] = None  # optional bounds
    name: str = 'x'  # a label


def test_defaults_and_override():
    assert from_dict(Example, {}) == Example()
    cfg = from_dict(Example, {'lr': 1, 'bounds': [-1, 1]})
    assert cfg.lr == 1.0 and isinstance(cfg.lr, float) and cfg.bounds == (-1.0, 1.0)


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / 'cfg.yaml'
    path.write_text('lr: 0.1\nlearning_rate: 0.2\n')
    with pytest.raises(ConfigError, match=r"cfg\.yaml.*'learning_rate'"):
        from_yaml(Example, path)


def test_exponent_without_dot_is_a_float(tmp_path):
    # PyYAML reads 1e-3 as a string; a learning rate written so must still work.
    path = tmp_path / 'lr.yaml'
    path.write_text('lr: 1e-3\n')
    assert from_yaml(Example, path).lr == pytest.approx(1e-3)
    assert from_dict(Example, parse_overrides(['lr=5e-4'])).lr == pytest.approx(5e-4)


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match="'steps' expects int"):
        from_dict(Example, {'steps': 'many'})


def test_yaml_round_trip(tmp_path):
    cfg = Example(lr=0.5, steps=3, bounds=(0.0, 2.0), name='y')
    to_yaml(cfg, tmp_path / 'c.yaml')
    assert from_yaml(Example, tmp_path / 'c.yaml') == cfg


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match='not found'):
        from_yaml(Example, tmp_path / 'nope.yaml')
    (tmp_path / 'bad.yaml').write_text('lr: [1, 2\n')
    with pytest.raises(ConfigError, match='not valid YAML'):
        from_yaml(Example, tmp_path / 'bad.yaml')
    (tmp_path / 'list.yaml').write_text('- 1\n- 2\n')
    with pytest.raises(ConfigError, match='expected a mapping'):
        from_yaml(Example, tmp_path / 'list.yaml')


def test_overrides():
    assert parse_overrides(['lr=0.1', 'bounds=[1, 2]']) == {'lr': 0.1, 'bounds': [1, 2]}
    with pytest.raises(ConfigError, match='key=value'):
        parse_overrides(['lr'])


@pytest.mark.parametrize('name', ['paper', 'tworoom_cpu', 'reacher_cpu'])
def test_shipped_training_configs_load(name):
    from fast_lewm_ros.resources import share_path
    from fast_lewm_ros.training.train_config import TrainConfig
    config = from_yaml(TrainConfig, share_path('config', 'train', f'{name}.yaml'))
    assert config.model_config(action_dim=2).latent_dim > 0
