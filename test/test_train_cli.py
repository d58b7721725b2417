# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm train` for a few steps on a tiny generated dataset."""
import csv
import gc
import os

import pytest
from test_dataset_windows import write_tiny_dataset
import torch
import torch.multiprocessing as mp

from fast_lewm_ros import cli
from fast_lewm_ros.training import trainer as train_module
from fast_lewm_ros.strict_config import ConfigError
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.training.train_config import TrainConfig
from fast_lewm_ros.training.losses import WorldModelLoss

TINY = ['model=tiny', 'batch_size=8', 'sigreg_projections=64', 'lr=1e-3', 'log_every=2',
        'val_every=3', 'val_batches=2', 'ckpt_every=4']


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return str(write_tiny_dataset(tmp_path_factory.mktemp('data') / 'tiny.h5', episodes=8))


def _steps(out):
    with open(out / 'log.csv', newline='') as f:
        return [int(r['step']) for r in csv.DictReader(f)]


@pytest.mark.parametrize('predictor', ['prefix', 'autoregressive'])
def test_trained_checkpoint_loads_and_predicts_identically(tmp_path, tiny_data, predictor):
    config = TrainConfig(model='tiny', predictor=predictor, data=(tiny_data,), batch_size=8,
                         max_steps=5, sigreg_projections=64, log_every=2, val_every=3,
                         val_batches=2, ckpt_every=4)
    out = tmp_path / 'run'
    model = train_module.train(config, out)
    for name in ('config.yaml', 'log.csv', 'loss_curve.png', 'final.safetensors',
                 'checkpoints/step_0000004.safetensors', 'resume/state.json'):
        assert (out / name).is_file(), name
    loaded = WorldModel.load(out / 'final.safetensors')
    assert loaded.config.predictor == predictor and loaded.training_info['step'] == 5
    pixels = torch.randint(0, 256, (3, 16, 16, 3), dtype=torch.uint8)
    actions = torch.randn(3, 5, 10)
    with torch.no_grad():
        z = model.encode(pixels)
        torch.testing.assert_close(loaded.encode(pixels), z, rtol=0, atol=0)
        torch.testing.assert_close(loaded.predict(z, actions), model.predict(z, actions),
                                   rtol=0, atol=0)
    torch.testing.assert_close(loaded.action_std, model.action_std)
    assert _steps(out) == [2, 3, 4, 5]
    with open(out / 'log.csv', newline='') as f:
        last = list(csv.DictReader(f))[-1]
    assert float(last['val/persistence_loss']) > 0 and float(last['val/effective_rank']) > 1


def test_resume_continues_from_the_saved_step(tmp_path, tiny_data, monkeypatch):
    def run(out, *extra):
        return cli.main(['train', '--config', 'tworoom_cpu', '--data', tiny_data, '--out',
                         str(out), '--set', *TINY, 'max_steps=6', *extra])

    assert run(tmp_path / 'straight') == 0
    real_lr_at = train_module.lr_at

    def crash_at_4(config, step, total):
        if step == 4:
            raise RuntimeError('simulated crash after the step-4 checkpoint')
        return real_lr_at(config, step, total)

    monkeypatch.setattr(train_module, 'lr_at', crash_at_4)
    with pytest.raises(RuntimeError, match='simulated crash'):
        run(tmp_path / 'resumed')
    monkeypatch.setattr(train_module, 'lr_at', real_lr_at)
    assert not (tmp_path / 'resumed' / 'final.safetensors').exists()
    assert cli.main(['train', '--out', str(tmp_path / 'resumed'), '--resume']) == 0

    straight = WorldModel.load(tmp_path / 'straight' / 'final.safetensors')
    resumed = WorldModel.load(tmp_path / 'resumed' / 'final.safetensors')
    assert resumed.training_info['steps_this_run'] == 2  # steps 5 and 6 only
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-6, msg=name)
    assert _steps(tmp_path / 'resumed') == _steps(tmp_path / 'straight') == [2, 3, 4, 6]


def test_config_errors_are_reported(tmp_path, tiny_data, capsys):
    assert cli.main(['train', '--out', str(tmp_path / 'x')]) == 2
    assert '--config' in capsys.readouterr().err
    assert cli.main(['train', '--config', 'tworoom_cpu', '--data', tiny_data, '--out',
                     str(tmp_path / 'x'), '--set', 'lrr=1']) == 2
    assert 'lrr' in capsys.readouterr().err
    # The image size follows the data unless set explicitly (then a mismatch is an error),
    # and must be a multiple of the patch size.
    assert cli.main(['train', '--config', 'tworoom_cpu', '--data', tiny_data, '--out',
                     str(tmp_path / 'x'), '--set', 'model.image_size=64']) == 2
    assert '16x16' in capsys.readouterr().err
    assert cli.main(['train', '--config', 'tworoom_cpu', '--data', tiny_data, '--out',
                     str(tmp_path / 'x'), '--set', 'model.patch_size=32']) == 2
    assert 'not a multiple of the model patch_size 32' in capsys.readouterr().err
    with pytest.raises(ConfigError, match='predictor'):
        TrainConfig(predictor='rnn')


def test_repeated_set_flags_all_apply(tmp_path):
    # `--set a=1 --set b=2` must apply both: with argparse's plain nargs the last
    # flag silently replaced the earlier ones.
    argv = ['train', '--config', 'tworoom_cpu', '--set', 'max_steps=7', '--set',
            'num_threads=1', 'lr=0.002', '--out', str(tmp_path)]
    config = train_module.resolve_config(cli.build_parser(argv).parse_args(argv))
    assert (config.max_steps, config.num_threads, config.lr) == (7, 1, 0.002)


def test_ablation_and_self_consistency_terms(tiny_data):
    from fast_lewm_ros.data.dataset import Catalog, WindowDataset
    catalog = Catalog.open([tiny_data])
    stats = catalog.statistics(catalog.split(0.0, 0)[0])
    data = WindowDataset(catalog, [0], 5, 5, stats['action_mean'], stats['action_std'])
    batch = torch.utils.data.default_collate([data[i] for i in (0, 10, 24)])  # 5, 4, 1 blocks
    config = TrainConfig(model='tiny', terminal_only=True, beta=1.0, sigreg_projections=32)
    model = WorldModel(config.model_config(action_dim=2, proprio_dim=2))
    out = WorldModelLoss(model, config)(batch['pixels'], batch['actions'], batch['length'], 0)
    assert set(out) >= {'loss', 'pred_loss', 'sigreg', 'consistency', 'persistence_loss'}
    out['loss'].backward()
    assert all(p.grad is not None for p in model.parameters())
    assert out['latents'].shape == (6 + 5 + 2, 16)  # only real frames are encoded


def _ddp_worker(rank, world, init_file, data, out):
    os.environ.update(WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}',
                                         rank=rank, world_size=world)
    config = TrainConfig(model='tiny', data=(data,), batch_size=8, max_steps=3,
                         sigreg_projections=32, log_every=1, val_every=3, val_batches=1,
                         ckpt_every=3, device='cpu')
    try:
        train_module.train(config, out)
    finally:
        gc.collect()  # free DDP's reference cycles (and the process group) before exit
        torch.distributed.destroy_process_group()


def test_ddp_training_with_two_gloo_processes(tmp_path, tiny_data):
    out = tmp_path / 'ddp'
    mp.spawn(_ddp_worker, args=(2, str(tmp_path / 'init'), tiny_data, out), nprocs=2)
    loaded = WorldModel.load(out / 'final.safetensors')
    assert loaded.training_info['world_size'] == 2 and _steps(out) == [1, 2, 3]
