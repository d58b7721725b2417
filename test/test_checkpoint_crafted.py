# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Crafted checkpoints: every bad header, size or value is one CheckpointError, cheaply.

Each file is a valid safetensors container built here with safetensors itself;
what is wrong is the metadata (types, ranges, sizes that disagree with the stored
tensors) or the values (NaN statistics, inf weights, zero std). Loading must
name the file and the field, and must not allocate what the metadata claims.
"""
import json
import resource

import pytest
from safetensors.torch import load_file, save_file
import torch

from fast_lewm_ros.model import CheckpointError, ModelConfig, WorldModel
from fast_lewm_ros.model.checkpoint import read_header


@pytest.fixture(scope='module')
def good(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('ckpt') / 'good.safetensors'
    WorldModel(ModelConfig.preset('tiny')).save(path)
    return path


def _craft(src, dst, tensors=None, config_changes=None, **meta_changes):
    meta = read_header(src)[1]
    if config_changes is not None:
        meta['config'] = json.dumps({**json.loads(meta['config']), **config_changes})
    meta.update(meta_changes)
    save_file(tensors if tensors is not None else load_file(str(src)), str(dst), metadata=meta)
    return dst


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize('changes', [
    {'encoder_width': 65536, 'encoder_mlp': 262144, 'encoder_heads': 1},  # ~100 GB of weights
    {'image_size': 65536, 'patch_size': 1},                              # 4e9 positions
    {'latent_dim': 1 << 40},
    {'encoder_depth': 10 ** 9},
])
def test_huge_sizes_in_a_small_file_fail_fast_without_allocating(tmp_path, good, changes):
    bad = _craft(good, tmp_path / 'huge.safetensors', config_changes=changes)
    assert bad.stat().st_size < 200_000
    before = _peak_mb()
    with pytest.raises(CheckpointError, match=r'huge\.safetensors') as err:
        WorldModel.load(bad)
    assert _peak_mb() - before < 300, 'loading a crafted file grew the process'
    field = next(iter(changes))
    assert field in str(err.value) or 'shape' in str(err.value)
    assert '\n' not in str(err.value)


@pytest.mark.parametrize('changes, field', [
    ({'patch_size': 0}, 'patch_size'),        # ZeroDivisionError in image_size % patch_size
    ({'encoder_heads': 0}, 'encoder_heads'),
    ({'prefix_heads': 0}, 'prefix_heads'),
    ({'latent_dim': '16'}, 'latent_dim'),     # wrong type
    ({'latent_dim': 16.5}, 'latent_dim'),
    ({'action_dim': True}, 'action_dim'),     # a bool is not a size
    ({'dropout': float('nan')}, 'dropout'),
    ({'predictor': ['prefix']}, 'predictor'),
    ({'horizon': -3}, 'horizon'),
])
def test_bad_config_values_name_the_field(tmp_path, good, changes, field):
    bad = _craft(good, tmp_path / 'bad.safetensors', config_changes=changes)
    with pytest.raises(CheckpointError, match=rf'bad\.safetensors.*{field}'):
        WorldModel.load(bad)


@pytest.mark.parametrize('meta, field', [
    ({'config': '[1, 2, 3]'}, 'config'),
    ({'config': '{"latent_dim": '}, 'config'),
    ({'format_version': 'one'}, 'format_version'),
    ({'training': 'not json'}, 'training'),
    ({'training': '[1]'}, 'training'),
])
def test_bad_metadata_entries_name_the_field(tmp_path, good, meta, field):
    bad = _craft(good, tmp_path / 'meta.safetensors', **meta)
    with pytest.raises(CheckpointError, match=rf'meta\.safetensors.*{field}'):
        WorldModel.load(bad)


@pytest.mark.parametrize('name, value', [
    ('action_mean', float('nan')),
    ('action_std', float('inf')),
    ('action_std', 0.0),              # a zero std divides by zero when normalising
    ('action_std', -1.0),
    ('encoder.projector.net.0.weight', float('inf')),
])
def test_non_finite_statistics_and_weights_are_refused(tmp_path, good, name, value):
    tensors = load_file(str(good))
    key = next(k for k in tensors if k.endswith(name) or k == name)
    tensors[key] = tensors[key].clone()
    tensors[key].view(-1)[0] = value
    bad = _craft(good, tmp_path / 'values.safetensors', tensors=tensors)
    with pytest.raises(CheckpointError, match=rf'values\.safetensors.*{key}'):
        WorldModel.load(bad)


def test_tensor_shape_that_disagrees_with_the_config_names_the_tensor(tmp_path, good):
    tensors = load_file(str(good))
    tensors['action_mean'] = torch.zeros(7)
    bad = _craft(good, tmp_path / 'shape.safetensors', tensors=tensors)
    with pytest.raises(CheckpointError, match=r'shape\.safetensors.*action_mean.*\(7,\)'):
        WorldModel.load(bad)


def test_a_good_checkpoint_still_loads(good):
    model = WorldModel.load(good)
    assert model.config == ModelConfig.preset('tiny')
