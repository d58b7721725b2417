# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Safetensors checkpoints: round trip, and refusal of bad files without running code."""
import dataclasses
import json
import os
import pickle

import pytest
from safetensors.torch import load_file, save_file
import torch

from fast_lewm_ros.model import CheckpointError, ModelConfig, WorldModel


def _model(predictor='prefix', encoder='vit'):
    torch.manual_seed(0)
    config = dataclasses.replace(ModelConfig.preset('tiny'), predictor=predictor, proprio_dim=3,
                                 encoder=encoder, conv_width=4)
    model = WorldModel(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
        model.encoder.projector.net[1].running_mean.normal_()  # buffers travel too
    model.set_normalization([0.5, -1.0], [2.0, 0.25], [1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
    return model.eval()


@pytest.mark.parametrize('predictor,encoder', [('prefix', 'vit'), ('autoregressive', 'vit'),
                                               ('prefix', 'conv')])
def test_round_trip_predicts_identically(tmp_path, predictor, encoder):
    model = _model(predictor, encoder)
    path = tmp_path / 'model.safetensors'
    model.save(path, training={'steps': 12})
    loaded = WorldModel.load(path, map_location='cpu')
    assert loaded.config == model.config and not loaded.training
    assert loaded.training_info == {'steps': 12}
    pixels = torch.randint(0, 256, (2, 16, 16, 3), dtype=torch.uint8)
    actions = torch.randn(2, 5, 10)
    z = model.encode(pixels)
    torch.testing.assert_close(loaded.encode(pixels), z, rtol=0, atol=0)
    torch.testing.assert_close(loaded.predict(z, actions), model.predict(z, actions),
                               rtol=0, atol=0)
    assert loaded.normalization() == model.normalization()
    meta = json.loads(_metadata(path)['normalization'])
    assert meta['action_std'] == [2.0, 0.25]


def _metadata(path):
    from fast_lewm_ros.model.checkpoint import read_header
    return read_header(path)[1]


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(CheckpointError, match='not found.*nope.safetensors'):
        WorldModel.load(tmp_path / 'nope.safetensors')
    path = tmp_path / 'model.safetensors'
    _model().save(path)
    cut = tmp_path / 'cut.safetensors'
    cut.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match='cut.safetensors.*truncated'):
        WorldModel.load(cut)
    junk = tmp_path / 'junk.safetensors'
    junk.write_bytes(os.urandom(1000))
    with pytest.raises(CheckpointError, match='junk.safetensors.*not a safetensors'):
        WorldModel.load(junk)
    other = tmp_path / 'other.safetensors'
    save_file({'x': torch.zeros(3)}, str(other))
    with pytest.raises(CheckpointError, match='other.safetensors.*not a fast_lewm_ros'):
        WorldModel.load(other)


def _rewrite(src, dst, tensors=None, **meta_changes):
    meta = _metadata(src)
    meta.update(meta_changes)
    save_file(tensors if tensors is not None else load_file(str(src)), str(dst), metadata=meta)


def test_mismatched_weights_and_unknown_config_keys(tmp_path):
    path = tmp_path / 'model.safetensors'
    _model().save(path)
    config = json.loads(_metadata(path)['config'])
    wrong = tmp_path / 'wrong.safetensors'
    _rewrite(path, wrong, config=json.dumps({**config, 'latent_dim': 24}))
    with pytest.raises(CheckpointError, match='wrong.safetensors.*do not match'):
        WorldModel.load(wrong)
    unknown = tmp_path / 'unknown.safetensors'
    _rewrite(path, unknown, config=json.dumps({**config, 'latnet_dim': 16}))
    with pytest.raises(CheckpointError, match='unknown.safetensors.*latnet_dim'):
        WorldModel.load(unknown)
    tensors = load_file(str(path))
    tensors.pop('action_mean')
    missing = tmp_path / 'missing.safetensors'
    _rewrite(path, missing, tensors=tensors)
    with pytest.raises(CheckpointError, match='missing.safetensors.*action_mean'):
        WorldModel.load(missing)


class _Marker:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_pickle_renamed_to_checkpoint_is_refused_without_running(tmp_path):
    marker = tmp_path / 'pwned'
    bad = tmp_path / 'model.safetensors'
    with open(bad, 'wb') as f:
        pickle.dump({'state_dict': _Marker(str(marker))}, f)
    with pytest.raises(CheckpointError, match='model.safetensors.*not a safetensors'):
        WorldModel.load(bad)
    assert not marker.exists()
    torch.save({'w': torch.zeros(2)}, tmp_path / 'torch.safetensors')  # a zip pickle
    with pytest.raises(CheckpointError, match='torch.safetensors'):
        WorldModel.load(tmp_path / 'torch.safetensors')
