# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Refit the predictor to the final, frozen encoder (`TrainConfig.refit_steps`).

End to end, the targets of the prediction loss come from the encoder being
trained: the predictor chases a latent that keeps moving, and under a strong SIGReg
it ends well behind it. After training, the encoder is frozen, every frame is
encoded once (eval mode, as the planner encodes) and the predictor alone is trained
on those cached latents with the run's objective minus SIGReg. Each step costs a
predictor pass only, so a refit as long as the run takes minutes, not hours.
"""
from __future__ import annotations

import sys
import time

import h5py
import numpy as np
import torch

from fast_lewm_ros.data.dataset import read_rows, WindowDataset
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.training.losses import prediction_terms
from fast_lewm_ros.training.train_config import lr_at, TrainConfig


@torch.no_grad()
def encode_windows(model: WorldModel, dataset: WindowDataset, device: torch.device,
                   chunk: int = 256) -> dict[str, torch.Tensor]:
    """Every window of `dataset`, each frame encoded once (eval mode).

    Returns latents (W, T+1, D) (padding frames repeat the episode's last real one
    and are masked by length), actions (W, T, A) as the dataset z-scores them, and
    length (W,).
    """
    model.eval()
    T, k = dataset.horizon, dataset.block
    out = {'latents': [], 'actions': [], 'length': []}
    for index, path in enumerate(dataset.catalog.paths):
        pick = np.flatnonzero(dataset.files == index)
        if not len(pick):
            continue
        with h5py.File(path, 'r') as f:
            rows_in_file = len(f['action'])
            z = torch.cat([
                model.encode(torch.from_numpy(
                    dataset.pixels[index][i:i + chunk] if dataset.pixels is not None
                    else read_rows(f, 'pixels', slice(i, i + chunk), path)).to(device))
                for i in range(0, rows_in_file, chunk)])  # (N, D): every row of the file
            raw = torch.from_numpy(f['action'][:])  # (N, a)
        rows = dataset.rows[pick]
        blocks = torch.from_numpy(dataset.blocks[pick])
        last_frame = torch.from_numpy(rows) + k * blocks  # the window's last real frame
        frames = torch.from_numpy(rows[:, None] + k * np.arange(T + 1))
        frames = torch.minimum(frames, last_frame[:, None])  # (W, T+1)
        steps = torch.from_numpy(rows[:, None] + np.arange(T * k))
        steps = steps.clamp_max(rows_in_file - 1)  # (W, T*k)
        actions = raw[steps].reshape(len(rows), T, -1)  # (W, T, k*a)
        actions = (actions - torch.from_numpy(dataset.mean)) / torch.from_numpy(dataset.std)
        real = torch.arange(T)[None] < blocks[:, None]  # (W, T)
        out['latents'].append(z[frames.to(z.device)])
        out['actions'].append((actions * real[..., None]).float().to(device))
        out['length'].append(blocks.to(device))
    return {key: torch.cat(value) for key, value in out.items()}


def _mean_terms(model, config, cache, batch: int = 1024) -> dict[str, float]:
    """Prediction terms over a whole cache (eval mode: no dropout)."""
    model.predictor.eval()
    totals, weight = {}, 0
    with torch.no_grad():
        for i in range(0, len(cache['length']), batch):
            part = {key: value[i:i + batch] for key, value in cache.items()}
            terms = prediction_terms(model, config, part['latents'], part['actions'],
                                     part['length'])
            n = len(part['length'])
            for key, value in terms.items():
                totals[key] = totals.get(key, 0.0) + value.item() * n
            weight += n
    return {key: value / max(1, weight) for key, value in totals.items()}


def refit_predictor(model: WorldModel, config: TrainConfig, train: WindowDataset,
                    val: WindowDataset, device: torch.device) -> dict[str, float]:
    """Train model.predictor for config.refit_steps on frozen latents; return metrics.

    The encoder and its statistics are untouched. Same optimiser, lr schedule,
    batch size and grad clip as the run; the loss is `prediction_terms`.
    """
    from tqdm import tqdm
    start = time.time()
    caches = [encode_windows(model, data, device) for data in (train, val)]
    before = _mean_terms(model, config, caches[1]) if len(caches[1]['length']) else {}
    params = list(model.predictor.parameters())
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    windows = len(caches[0]['length'])
    for step in tqdm(range(config.refit_steps), desc='refit predictor', file=sys.stderr,
                     dynamic_ncols=True):
        model.predictor.train()
        pick = torch.randint(windows, (config.batch_size,), generator=generator).to(device)
        terms = prediction_terms(model, config, caches[0]['latents'][pick],
                                 caches[0]['actions'][pick], caches[0]['length'][pick])
        if not bool(torch.isfinite(terms['loss'])):
            raise ValueError(f'refit: loss is {terms["loss"].item()} at refit step {step}; '
                             'lower lr or set refit_steps=0')
        for group in optimizer.param_groups:
            group['lr'] = lr_at(config, step, config.refit_steps)
        optimizer.zero_grad(set_to_none=True)
        terms['loss'].backward()
        torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
        optimizer.step()
    model.predictor.eval()
    after = _mean_terms(model, config, caches[1]) if len(caches[1]['length']) else {}
    return {'refit_steps': config.refit_steps, 'refit_windows': windows,
            'refit_seconds': round(time.time() - start, 1),
            **{f'refit_val_{key}_before': round(v, 6) for key, v in before.items()},
            **{f'refit_val_{key}_after': round(v, 6) for key, v in after.items()}}


def summary(info: dict) -> str:
    """One line on what a refit did, from `refit_predictor`'s metrics."""
    nan = float('nan')
    return (f'refit predictor: held-out prediction loss '
            f'{info.get("refit_val_pred_loss_before", nan):.4f} -> '
            f'{info.get("refit_val_pred_loss_after", nan):.4f} '
            f'({info["refit_steps"]} steps, {info["refit_seconds"]} s)')


# ------------------------------------------------------------ `fast-lewm refit`
def add_arguments(parser) -> None:
    parser.add_argument('--checkpoint', required=True, metavar='CKPT',
                        help='a trained model (e.g. runs/X/final.safetensors)')
    parser.add_argument('--config', required=True,
                        help='the training YAML of CKPT, or its name in config/train/ '
                        '(its split, lr schedule, batch size and refit_steps are used)')
    parser.add_argument('--data', nargs='+', metavar='FILE.h5',
                        help="the episodes CKPT was trained on (replace the config's `data`)")
    parser.add_argument('--seed', type=int, help="CKPT's training seed (decides the split)")
    parser.add_argument('--steps', type=int, help='refit steps (default: the config\'s '
                        'refit_steps)')
    parser.add_argument('--set', nargs='+', action='extend', default=[], metavar='KEY=VALUE',
                        help='override config fields, e.g. lr=3e-4')
    parser.add_argument('--out', required=True, metavar='OUT.safetensors')


def main(args) -> int:
    """Refit CKPT's predictor to its frozen encoder and save the model to --out."""
    from argparse import Namespace
    from pathlib import Path
    from fast_lewm_ros.data.dataset import Catalog
    from fast_lewm_ros.strict_config import ConfigError
    from fast_lewm_ros.training import trainer  # imports this module: import it late
    try:
        config = trainer.resolve_config(Namespace(
            config=args.config, data=args.data, seed=args.seed, set=args.set,
            predictor=None, resume=False, out=str(Path(args.out).parent)))
        steps = config.refit_steps if args.steps is None else args.steps
        if steps < 1:
            raise ConfigError(f'refit steps must be >= 1, got {steps} (--steps or '
                              'refit_steps in the config)')
        config = trainer.apply_overrides(config, {'refit_steps': steps}, source='--steps')
        if config.num_threads > 0:
            torch.set_num_threads(config.num_threads)
        # Seeded, so the command is repeatable. Inside `fast-lewm train` the refit
        # continues the run's random stream instead: the two differ in dropout draws.
        torch.manual_seed(config.seed)
        model = WorldModel.load(args.checkpoint)
        catalog = Catalog.open(config.data)
        c = model.config
        if (catalog.image_size, catalog.action_dim) != (c.image_size, c.action_dim):
            raise ConfigError(
                f'{catalog.paths[0]} holds {catalog.image_size} px images and '
                f'{catalog.action_dim}-D actions; {args.checkpoint} takes {c.image_size} px '
                f'and {c.action_dim}-D')
        train, val = trainer.window_datasets(config, catalog, model)
        info = refit_predictor(model, config, train, val, torch.device('cpu'))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        model.save(args.out, {**model.training_info, **info,
                              'refit_data': [str(p) for p in catalog.paths]})
    except (ConfigError, OSError, ValueError) as err:  # CheckpointError, DataFormatError too
        print(f'fast-lewm refit: error: {trainer.one_line(err)}', file=sys.stderr)
        return 2
    print(f'{summary(info)}; wrote {args.out}', file=sys.stderr)
    return 0
