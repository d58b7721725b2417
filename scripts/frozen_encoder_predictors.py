# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Fit predictors to a frozen encoder's latents: is the predictor or the latent to blame?

    scripts/with_env.sh python scripts/frozen_encoder_predictors.py CKPT \
        --train data/reacher_train.h5 --val data/reacher_val.h5 [--steps 3000]

For each predictor kind in --kinds (default: prefix and autoregressive), a new
predictor of that kind is fitted to CKPT's frozen encoder with `fast-lewm train`'s
refit (training/refit.py: the run's objective minus SIGReg, on latents encoded
once), and its held-out error per horizon is printed, normalised by the latent
variance as `fast-lewm openloop` does. `--keep` refits CKPT's own predictor instead
of a new one (what `refit_steps` does). Minutes on one thread, where an end-to-end
run takes half an hour, so predictors can be compared on one and the same latent.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch

from fast_lewm_ros.data.dataset import Catalog, WindowDataset
from fast_lewm_ros.model import PREDICTORS, WorldModel
from fast_lewm_ros.training.refit import encode_windows, refit_predictor
from fast_lewm_ros.training.train_config import TrainConfig


def windows(model: WorldModel, path: str, blocks: int) -> WindowDataset:
    """Every window of up to `blocks` blocks in the file, z-scored as the model does."""
    catalog = Catalog.open([path])
    block = model.config.action_block
    return WindowDataset(catalog, np.arange(catalog.num_episodes), blocks, block,
                         model.action_mean.numpy(), model.action_std.numpy(),
                         pixels=catalog.read_pixels())


@torch.no_grad()
def error_per_horizon(model: WorldModel, cache: dict) -> list[float]:
    """Normalised error of direct prediction from each full window's first latent."""
    full = cache['length'] == cache['actions'].shape[1]
    z, a = cache['latents'][full], cache['actions'][full]  # (W, H+1, D), (W, H, A)
    pred = torch.cat([model.predict(z[i:i + 512, 0], a[i:i + 512])
                      for i in range(0, len(z), 512)])  # (W, H, D)
    variance = z.flatten(0, 1).var(0).mean()
    return ((pred - z[:, 1:]).square().mean(-1).mean(0) / variance).tolist()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint')
    p.add_argument('--train', required=True, help='episodes to fit on (HDF5)')
    p.add_argument('--val', required=True, help='held-out episodes (HDF5)')
    p.add_argument('--kinds', nargs='+', default=list(PREDICTORS), choices=tuple(PREDICTORS))
    p.add_argument('--keep', action='store_true',
                   help="refit the checkpoint's own predictor instead of new ones")
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=5e-4)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--set', nargs='+', default=[], metavar='FIELD=INT',
                   help='ModelConfig overrides of the new predictors, e.g. prefix_depth=3')
    p.add_argument('--json')
    args = p.parse_args()
    if args.keep and args.set:
        p.error('--keep refits the checkpoint\'s own predictor: its sizes cannot change (--set)')
    torch.set_num_threads(1)
    source = WorldModel.load(args.checkpoint)
    fit = TrainConfig(refit_steps=args.steps, batch_size=args.batch, lr=args.lr,
                      seed=args.seed)
    kinds = [source.config.predictor] if args.keep else args.kinds
    horizon = source.config.horizon
    cache = encode_windows(source, windows(source, args.val, horizon), torch.device('cpu'))
    results = {'before': error_per_horizon(source.eval(), cache)}
    print(f'{args.checkpoint} as trained: ' + _row(results['before']), flush=True)
    for kind in kinds:
        torch.manual_seed(args.seed)
        sizes = {k: int(v) for k, v in (item.split('=') for item in args.set)}
        model = WorldModel(dataclasses.replace(source.config, predictor=kind, **sizes))
        own = {k: v for k, v in source.state_dict().items()
               if args.keep or not k.startswith('predictor.')}
        model.load_state_dict(own, strict=False)  # encoder + statistics (+ predictor)
        blocks = model.training_blocks()
        start = time.time()
        refit_predictor(model, fit, windows(model, args.train, blocks),
                        windows(model, args.val, blocks), torch.device('cpu'))
        results[kind] = error_per_horizon(model, cache)
        print(f'{kind} fitted to the frozen encoder ({time.time() - start:.0f} s): '
              + _row(results[kind]), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'checkpoint': args.checkpoint, 'steps': args.steps, 'keep': args.keep,
                       'set': args.set, 'batch': args.batch, 'lr': args.lr,
                       'error_per_block': results}, f, indent=1)
    return 0


def _row(errors: list[float]) -> str:
    return '  '.join(f'k={i + 1} {e:.4f}' for i, e in enumerate(errors))


if __name__ == '__main__':
    raise SystemExit(main())
