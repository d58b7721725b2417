# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Parameter counts of the presets against the published sizes."""
import dataclasses

import pytest
import torch

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


def test_conv_encoder_maps_images_to_latents_and_keeps_where_things_are():
    config = dataclasses.replace(ModelConfig.preset('cpu'), encoder='conv')
    assert config.conv_stages == 4  # 64 -> 32 -> 16 -> 8 -> 4
    torch.manual_seed(0)
    encoder = WorldModel(config).encoder.eval()
    assert not hasattr(encoder, 'vit')
    names = [name for name, _ in encoder.named_parameters()]
    assert all(name.startswith(('cnn.', 'projector.')) for name in names), names[:3]
    # A bright square moved by 8 px changes the latent (flattened map, not pooled).
    image = torch.zeros(2, 64, 64, 3, dtype=torch.uint8)
    image[0, 10:18, 10:18] = 255
    image[1, 10:18, 18:26] = 255
    with torch.no_grad():
        z = encoder(image)  # (2, D)
    assert z.shape == (2, config.latent_dim) and bool(torch.isfinite(z).all())
    assert float((z[0] - z[1]).norm()) > 1e-3 * float(z[0].norm())


def test_conv_encoder_config_is_checked():
    with pytest.raises(ConfigError, match="'vit' or 'conv'"):
        ModelConfig(encoder='resnet')
    with pytest.raises(ConfigError, match='power of'):
        ModelConfig(encoder='conv', image_size=48, patch_size=16)
    assert ModelConfig(encoder='conv', image_size=128, patch_size=16).conv_stages == 5
