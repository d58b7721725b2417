# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm train`: train a world model (prefix or autoregressive) on HDF5 episodes.

One process, or several under torchrun (DDP; gloo on CPU, nccl on GPU), with the
SIGReg statistics all-reduced across ranks with gradients so data-parallel
training optimises the single-process objective. Writes into --out DIR:
  config.yaml         the exact resolved TrainConfig (full model config included)
  log.csv             namespaced metrics (train/..., val/...), TensorBoard if installed
  loss_curve.png      prediction loss vs the persistence baseline, SIGReg, collapse
  checkpoints/        step_NNNNNNN.safetensors every ckpt_every steps
  resume/             model + optimizer (safetensors) + state.json, for --resume
  final.safetensors   the trained model (WorldModel.load reads it); with refit_steps,
                      its predictor refitted to the frozen encoder (training/refit.py)
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
from pathlib import Path
import sys
import time

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, Subset

from fast_lewm_ros.strict_config import ConfigError, from_yaml, parse_overrides, to_dict, to_yaml
from fast_lewm_ros import interrupts
from fast_lewm_ros.data.dataset import Catalog, WindowDataset
from fast_lewm_ros.model import PREDICTORS, WorldModel
from fast_lewm_ros.resources import share_path
from fast_lewm_ros.training.train_config import apply_overrides, lr_at, TrainConfig
from fast_lewm_ros.training.logs import MetricLog, plot_curves
from fast_lewm_ros.training.losses import collapse_metrics, WorldModelLoss
from fast_lewm_ros.training.refit import refit_predictor, summary as refit_summary
from fast_lewm_ros.training.state import load_resume, save_resume


class TrainingDiverged(ValueError):
    """The loss went NaN/inf: training stops instead of saving a broken model."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--config', help='training YAML file, or the name of one in '
                        'config/train/ (e.g. tworoom_cpu); optional with --resume')
    parser.add_argument('--data', nargs='+', metavar='FILE.h5',
                        help='HDF5 episode files (replace the config\'s `data`)')
    parser.add_argument('--predictor', choices=tuple(PREDICTORS),
                        help='Fast-LeWM prefix predictor or the LeWM autoregressive baseline')
    parser.add_argument('--seed', type=int, help='seed (split, init, data order, SIGReg)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--resume', action='store_true',
                        help='continue from OUT/resume (OUT/config.yaml is the base config)')
    parser.add_argument('--set', nargs='+', action='extend', default=[], metavar='KEY=VALUE',
                        help='override config fields, e.g. lr=3e-4 max_steps=2000 '
                             'model.latent_dim=32')


def resolve_config(args: argparse.Namespace) -> TrainConfig:
    """Resolve the config: YAML (OUT/config.yaml on resume), --set, --data, --predictor, --seed."""
    saved = Path(args.out) / 'config.yaml'
    if args.resume and saved.is_file():
        config = from_yaml(TrainConfig, saved)
    elif args.config:
        path = Path(args.config)
        if not path.is_file() and not path.suffix:
            path = share_path('config', 'train', f'{args.config}.yaml')
        config = from_yaml(TrainConfig, path)
    else:
        raise ConfigError('--config FILE.yaml is required (or --resume with OUT/config.yaml)')
    overrides = parse_overrides(args.set)
    for key in ('data', 'predictor', 'seed'):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    return apply_overrides(config, overrides, source='command line')


def infer_from_data(config: TrainConfig, catalog: Catalog):
    """Model config with what the data decides (action size, image size); say what it cannot.

    The image size follows the data unless model.image_size is set explicitly, so a
    robot recording (fast-lewm import-bag) trains at its own resolution.
    """
    data_fields = {'action_dim': catalog.action_dim, 'proprio_dim': catalog.proprio_dim}
    size, where = catalog.image_size, catalog.paths[0]
    preset = config.model_config(**data_fields)
    if 'image_size' not in config.model_overrides and preset.image_size != size:
        if size % preset.patch_size:
            raise ConfigError(f'{where} holds {size}x{size} images, not a multiple of the '
                              f'model patch_size {preset.patch_size}; set model.patch_size '
                              f'or import/collect at another size (--image-size)')
        print(f'note: model image_size {size} from the data (preset {config.model!r} has '
              f'{preset.image_size})', file=sys.stderr)
        data_fields['image_size'] = size
    model_config = config.model_config(**data_fields)
    if model_config.image_size != size:
        raise ConfigError(f'{where} holds {size}x{size} images but model.image_size is '
                          f'{model_config.image_size}; collect at that size or unset it')
    from fast_lewm_ros.data.episodes import EpisodeFile
    with EpisodeFile(where) as f:
        if not f.has_state:
            print(f'note: {where} has no simulator state (robot data): the model learns '
                  'from pixels and actions alone; `fast-lewm eval`/`openloop` ranking need a '
                  'simulated task, so evaluate it on the robot', file=sys.stderr)
    return model_config


def window_datasets(config: TrainConfig, catalog: Catalog,
                    model: WorldModel) -> list[WindowDataset]:
    """Build the training and validation windows of `model` (its blocks and statistics)."""
    episodes = catalog.split(config.val_fraction, config.seed)  # (train, val)
    window = model.training_blocks()  # blocks per window: horizon (prefix) / history (AR)
    pixels = catalog.read_pixels() if config.preload else None
    mean, std = model.action_mean.cpu().numpy(), model.action_std.cpu().numpy()
    return [WindowDataset(catalog, eps, window, model.config.action_block, mean, std,
                          pixels=pixels) for eps in episodes]


class ResumableSampler(DistributedSampler):
    """DistributedSampler that can start an epoch part-way (after `skip` indices)."""

    skip = 0

    def __iter__(self):
        return iter(list(super().__iter__())[self.skip:])


def _setup_distributed(config: TrainConfig) -> tuple[int, int, torch.device]:
    world = int(os.environ.get('WORLD_SIZE', '1'))
    use_cuda = config.device == 'cuda' or (config.device == 'auto' and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch sees no CUDA device")
    rank, local = int(os.environ.get('RANK', '0')), int(os.environ.get('LOCAL_RANK', '0'))
    device = torch.device('cuda', local) if use_cuda else torch.device('cpu')
    if use_cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group('nccl' if use_cuda else 'gloo')
    return rank, world, device


@torch.no_grad()
def validate(loss: WorldModelLoss, loader: DataLoader, device: torch.device, step: int,
             amp) -> dict[str, float]:
    """Mean validation losses (eval mode: BatchNorm running statistics, no dropout)."""
    loss.model.eval()
    totals, count, latents = {}, 0, []
    for batch in loader:
        with amp():
            out = loss(batch['pixels'].to(device), batch['actions'].to(device),
                       batch['length'].to(device), step, distributed=False)
        for key in ('loss', 'pred_loss', 'persistence_loss', 'sigreg'):
            totals[key] = totals.get(key, 0.0) + out[key].item()
        latents.append(out['latents'])
        count += 1
    loss.model.train()
    if not count:
        return {}
    metrics = {f'val/{k}': v / count for k, v in totals.items()}
    metrics.update({f'val/{k}': v for k, v in collapse_metrics(torch.cat(latents)).items()})
    return metrics


def train(config: TrainConfig, out: Path, resume: bool = False) -> WorldModel:
    """Run training; returns the trained model (on every rank)."""
    from tqdm import tqdm
    rank, world, device = _setup_distributed(config)
    if config.num_threads > 0:
        torch.set_num_threads(config.num_threads)
    torch.manual_seed(config.seed)
    catalog = Catalog.open(config.data)
    train_eps, val_eps = catalog.split(config.val_fraction, config.seed)
    stats = catalog.statistics(train_eps)
    model_config = infer_from_data(config, catalog)
    if catalog.frameskip != model_config.action_block:
        print(f'note: data frameskip {catalog.frameskip} != model action_block '
              f'{model_config.action_block}; using blocks of {model_config.action_block}',
              file=sys.stderr)
    config = apply_overrides(config, {'model.' + k: v for k, v in to_dict(model_config).items()
                                      if k != 'predictor'}, source='resolved model config')
    if config.batch_size % world:
        raise ConfigError(f'batch_size {config.batch_size} is not divisible by the '
                          f'{world} DDP processes')
    model = WorldModel(model_config)
    model.set_normalization(**stats)
    model.to(device).train()

    datasets = window_datasets(config, catalog, model)
    per_rank = config.batch_size // world
    sampler = ResumableSampler(datasets[0], world, rank, shuffle=True, seed=config.seed,
                               drop_last=True)
    steps_per_epoch = len(sampler) // per_rank
    if steps_per_epoch == 0:
        raise ConfigError(f'{len(datasets[0])} training windows per process are fewer than '
                          f'one batch of {per_rank}; collect more data or lower batch_size')
    loader = DataLoader(datasets[0], per_rank, sampler=sampler, drop_last=True,
                        num_workers=config.num_workers, generator=torch.Generator(),
                        pin_memory=device.type == 'cuda')
    val_count = min(len(datasets[1]), config.val_batches * per_rank)
    val_pick = torch.randperm(len(datasets[1]), generator=torch.Generator().manual_seed(
        config.seed))[:val_count]
    val_loader = DataLoader(Subset(datasets[1], val_pick.tolist()), per_rank,
                            num_workers=config.num_workers)
    total = config.max_steps if config.max_steps > 0 else config.epochs * steps_per_epoch

    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    out.mkdir(parents=True, exist_ok=True)
    step = load_resume(out, model, optimizer) if resume else 0
    if rank == 0:
        to_yaml(config, out / 'config.yaml')
    loss_fn = WorldModelLoss(model, config)
    wrapped = loss_fn
    if world > 1:
        wrapped = torch.nn.parallel.DistributedDataParallel(
            loss_fn, device_ids=[device.index] if device.type == 'cuda' else None)

    def amp():
        if device.type == 'cuda':
            return torch.autocast('cuda', dtype=torch.bfloat16)
        return contextlib.nullcontext()

    log = MetricLog(out, step) if rank == 0 else None
    info = {'data': [str(p) for p in catalog.paths], 'env_id': catalog.env_id,
            'train_episodes': len(train_eps), 'val_episodes': len(val_eps),
            'seed': config.seed, 'world_size': world, 'device': str(device)}
    sums: dict[str, float] = {}
    start_time, start_step = time.time(), step
    bar = tqdm(total=total, initial=step, disable=rank != 0, desc='train', dynamic_ncols=True)
    with bar:  # an error below then prints on a line of its own
        while step < total:
            sampler.set_epoch(step // steps_per_epoch)
            sampler.skip = (step % steps_per_epoch) * per_rank
            for batch in loader:
                interrupts.check()  # a SIGTERM whose exception a finalizer swallowed
                for group in optimizer.param_groups:
                    group['lr'] = lr_at(config, step, total)
                with amp():
                    out_step = wrapped(batch['pixels'].to(device, non_blocking=True),
                                       batch['actions'].to(device, non_blocking=True),
                                       batch['length'].to(device, non_blocking=True), step)
                if not bool(torch.isfinite(out_step['loss'])):
                    raise TrainingDiverged(
                        f'loss is {out_step["loss"].item()} at step {step} (data '
                        f'{", ".join(str(p) for p in catalog.paths)}); the last checkpoint in '
                        f'{out} is the last good model: lower lr or check the data')
                optimizer.zero_grad(set_to_none=True)
                out_step['loss'].backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                optimizer.step()
                step += 1
                for key in ('loss', 'pred_loss', 'sigreg', 'persistence_loss', 'consistency'):
                    if key in out_step:
                        sums[key] = sums.get(key, 0.0) + out_step[key].item()
                sums['n'] = sums.get('n', 0) + 1
                bar.update(1)
                bar.set_postfix(loss=f'{out_step["loss"].item():.4f}',
                                pred=f'{out_step["pred_loss"].item():.4f}')
                last = step >= total
                if rank == 0 and (step % config.log_every == 0 or step % config.val_every == 0
                                  or last):
                    row = {'step': step, 'epoch': f'{step / steps_per_epoch:.3f}',
                           'time_s': f'{time.time() - start_time:.1f}',
                           'lr': optimizer.param_groups[0]['lr']}
                    row.update({f'train/{k}': v / sums['n'] for k, v in sums.items() if k != 'n'})
                    row.update({f'train/{k}': v for k, v in
                                collapse_metrics(out_step['latents']).items()})
                    if step % config.val_every == 0 or last:
                        row.update(validate(loss_fn, val_loader, device, step, amp))
                    log.write(row)
                    sums = {}
                if rank == 0 and (step % config.ckpt_every == 0 or last):
                    info.update(step=step, train_seconds=round(time.time() - start_time, 1),
                                steps_this_run=step - start_step)
                    model.save(out / 'checkpoints' / f'step_{step:07d}.safetensors', info)
                    save_resume(out, model, optimizer, step, info)
                if last:
                    break
    info.update(step=step, train_seconds=round(time.time() - start_time, 1))
    if config.refit_steps > 0:  # every rank refits alike (same seed, same cached data)
        info.update(refit_predictor(model, config, datasets[0], datasets[1], device))
        if rank == 0:
            print(refit_summary(info), file=sys.stderr)
    if rank == 0:
        model.save(out / 'final.safetensors', info)
        plot_curves(log, out / 'loss_curve.png')
        log.close()
    if world > 1:
        dist.barrier()
    return model.eval()


def one_line(err: BaseException) -> str:
    """Return the error's message on one line (a DataLoader worker wraps it in a traceback)."""
    text = str(err).strip()
    if 'Original Traceback' in text:  # torch's ExceptionWrapper: the last line is the error
        text = text.splitlines()[-1].split(': ', 1)[-1]
    return ' '.join(text.split())


def main(args: argparse.Namespace) -> int:
    try:
        config = resolve_config(args)
        train(config, Path(args.out), resume=args.resume)
    except (ConfigError, OSError, ValueError) as err:  # DataFormatError, CheckpointError too
        print(f'fast-lewm train: error: {one_line(err)}', file=sys.stderr)
        return 2
    finally:
        if dist.is_initialized():
            gc.collect()  # DDP's reducer holds the group in a cycle: free it while Python lives
            dist.destroy_process_group()
    return 0
