# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Parameter counts of the presets against the published sizes."""
import dataclasses

import pytest

from fast_lewm_ros.strict_config import ConfigError
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


def test_sincos_position_start_is_smooth_over_the_patch_grid():
    config = dataclasses.replace(ModelConfig.preset('cpu'), patch_size=8,
                                 encoder_pos_init='sincos')
    pos = WorldModel(config).encoder.vit.pos_embed[0, 1:].detach().view(8, 8, -1)
    near = (pos[3, 3] - pos[3, 4]).norm()
    far = (pos[3, 3] - pos[7, 0]).norm()
    assert near < far / 2
    with pytest.raises(ConfigError, match='encoder_pos_init'):
        ModelConfig(encoder_pos_init='learned')
