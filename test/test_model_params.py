# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Parameter counts of the presets against the published sizes."""
import dataclasses

import pytest

from fast_lewm_ros.config import ConfigError
from fast_lewm_ros.model import ModelConfig, WorldModel


@pytest.mark.parametrize('predictor,published', [('prefix', 17.9e6),
                                                 ('autoregressive', 18.0e6)])
def test_paper_preset_matches_published_size(predictor, published):
    config = dataclasses.replace(ModelConfig.preset('paper'), predictor=predictor)
    assert (config.image_size, config.patch_size, config.latent_dim) == (224, 14, 192)
    total = WorldModel(config).num_parameters()['total']
    assert abs(total - published) / published < 0.05, total


def test_default_config_is_the_cpu_preset():
    assert ModelConfig.preset('cpu') == ModelConfig()


def test_unknown_preset_and_bad_fields_are_errors():
    with pytest.raises(ConfigError, match='nosuch'):
        ModelConfig.preset('nosuch')
    with pytest.raises(ConfigError, match='predictor'):
        ModelConfig(predictor='recurrent')
    with pytest.raises(ConfigError, match='patch_size'):
        ModelConfig(image_size=60, patch_size=8)
