# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`refit_steps`: the predictor refitted alone to the final, frozen encoder."""
import numpy as np
import pytest
from test_dataset_windows import write_tiny_dataset
import torch

from fast_lewm_ros import cli
from fast_lewm_ros.data.dataset import Catalog, WindowDataset
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.strict_config import ConfigError
from fast_lewm_ros.training.refit import encode_windows
from fast_lewm_ros.training.train_config import TrainConfig

TINY = ['model=tiny', 'batch_size=8', 'sigreg_projections=64', 'lr=1e-3', 'log_every=2',
        'val_every=3', 'val_batches=2', 'ckpt_every=4', 'max_steps=3']


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return str(write_tiny_dataset(tmp_path_factory.mktemp('data') / 'tiny.h5', episodes=8))


def _train(out, data, predictor, *extra, resume=False):
    args = ['train', '--out', str(out)]
    args += ['--resume'] if resume else ['--config', 'tworoom_cpu', '--data', data,
                                         '--predictor', predictor]
    return cli.main(args + ['--set', *([] if resume else TINY), *extra])


def _params(model, prefix):
    return {k: v for k, v in model.state_dict().items() if k.startswith(prefix)}


@pytest.mark.parametrize('predictor', ['prefix', 'autoregressive'])
def test_refit_trains_the_predictor_alone_and_lowers_its_error(tmp_path, tiny_data,
                                                               predictor):
    assert _train(tmp_path / 'run', tiny_data, predictor, 'refit_steps=60') == 0
    trained = WorldModel.load(tmp_path / 'run' / 'resume' / 'model.safetensors')  # step 3
    final = WorldModel.load(tmp_path / 'run' / 'final.safetensors')
    for name, value in _params(trained, 'encoder.').items():  # frozen: bit for bit
        torch.testing.assert_close(_params(final, 'encoder.')[name], value, rtol=0, atol=0)
    changed = [name for name, value in _params(trained, 'predictor.').items()
               if not torch.equal(_params(final, 'predictor.')[name], value)]
    assert changed
    info = final.training_info
    assert info['refit_steps'] == 60 and info['step'] == 3
    assert info['refit_val_pred_loss_after'] < info['refit_val_pred_loss_before']


def test_resume_of_a_finished_run_adds_the_refit(tmp_path, tiny_data):
    assert _train(tmp_path / 'run', tiny_data, 'prefix') == 0
    plain = WorldModel.load(tmp_path / 'run' / 'final.safetensors')
    assert 'refit_steps' not in plain.training_info
    assert _train(tmp_path / 'run', tiny_data, 'prefix', 'refit_steps=10', resume=True) == 0
    refitted = WorldModel.load(tmp_path / 'run' / 'final.safetensors')
    assert refitted.training_info['refit_steps'] == 10
    for name, value in _params(plain, 'encoder.').items():
        torch.testing.assert_close(_params(refitted, 'encoder.')[name], value, rtol=0, atol=0)


@pytest.mark.parametrize('preload', [False, True])
def test_cached_windows_match_the_training_windows(tiny_data, preload):
    catalog = Catalog.open([tiny_data])
    episodes = np.arange(catalog.num_episodes)
    stats = catalog.statistics(episodes)
    torch.manual_seed(0)
    model = WorldModel(TrainConfig(model='tiny').model_config(action_dim=2, proprio_dim=2))
    model.set_normalization(**stats)
    data = WindowDataset(catalog, episodes, 5, 5, stats['action_mean'], stats['action_std'],
                         pixels=catalog.read_pixels() if preload else None)
    cache = encode_windows(model, data, torch.device('cpu'))
    assert cache['latents'].shape == (len(data), 6, model.config.latent_dim)
    with torch.no_grad():
        for i in (0, len(data) // 2, len(data) - 1):  # a full window and a padded one
            window = data[i]
            n = int(window['length'])
            torch.testing.assert_close(cache['length'][i], window['length'])
            torch.testing.assert_close(cache['actions'][i], window['actions'])
            torch.testing.assert_close(cache['latents'][i, :n + 1],
                                       model.encode(window['pixels'][:n + 1]),
                                       rtol=1e-5, atol=1e-5)
    assert int(cache['length'].min()) < 5  # the padded windows are there too


def test_negative_refit_steps_are_refused():
    with pytest.raises(ConfigError, match='refit_steps'):
        TrainConfig(refit_steps=-1)


def test_refit_command_matches_the_refit_inside_training(tmp_path, tiny_data, capsys):
    # The tiny preset has no dropout, so the command's own random stream does not
    # matter and the two refits agree to float rounding.
    assert _train(tmp_path / 'run', tiny_data, 'prefix', 'refit_steps=15') == 0
    inside = WorldModel.load(tmp_path / 'run' / 'final.safetensors')
    trained = tmp_path / 'run' / 'resume' / 'model.safetensors'  # before the refit
    out = tmp_path / 'refit.safetensors'
    assert cli.main(['refit', '--checkpoint', str(trained), '--config', 'tworoom_cpu',
                     '--data', tiny_data, '--steps', '15', '--out', str(out),
                     '--set', *TINY]) == 0
    assert 'refit predictor: held-out prediction loss' in capsys.readouterr().err
    alone = WorldModel.load(out)
    assert alone.training_info['refit_steps'] == 15
    for (name, a), b in zip(inside.state_dict().items(), alone.state_dict().values()):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-5, msg=name)


def test_refit_command_bad_input_is_one_line(tmp_path, tiny_data, capsys):
    assert _train(tmp_path / 'run', tiny_data, 'prefix') == 0
    capsys.readouterr()  # the training's progress bars
    ckpt = str(tmp_path / 'run' / 'final.safetensors')
    base = ['refit', '--config', 'tworoom_cpu', '--data', tiny_data,
            '--out', str(tmp_path / 'o.safetensors'), '--set', *TINY]
    broken = tmp_path / 'broken.safetensors'
    broken.write_bytes(b'not a checkpoint')
    for extra, expected in ([['--checkpoint', ckpt], 'refit steps must be >= 1'],
                            [['--checkpoint', str(broken), '--steps', '5'], 'broken'],
                            [['--checkpoint', ckpt, '--steps', '5', '--set', 'nope=1'],
                             'nope']):
        assert cli.main(base + extra) == 2
        err = capsys.readouterr().err
        assert expected in err and 'Traceback' not in err and len(err.splitlines()) == 1
    assert not (tmp_path / 'o.safetensors').exists()
