# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""SIGReg under DDP: two gloo processes on two halves equal one process on the whole."""
import gc
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from fast_lewm_ros.model import sigreg


def _setup():
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 16)
    inputs = torch.randn(3, 64, 8, generator=torch.Generator().manual_seed(1))  # (T, B, 8)
    return model, inputs


def _loss(model, inputs):
    return sigreg(model(inputs), num_projections=128,
                  generator=torch.Generator().manual_seed(7))  # same directions on every rank


def _worker(rank, world, init_file, out_dir):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    try:
        model, inputs = _setup()
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        half = inputs.shape[1] // world
        loss = sigreg(ddp(inputs[:, rank * half:(rank + 1) * half]), num_projections=128,
                      generator=torch.Generator().manual_seed(7))
        loss.backward()  # DDP averages the parameter gradients over ranks
        np.savez(os.path.join(out_dir, f'rank{rank}.npz'), loss=loss.detach().numpy(),
                 weight=model.weight.grad.numpy(), bias=model.bias.grad.numpy())
        dist.barrier()  # neither rank tears gloo down while the other still talks to it
        del ddp, loss  # DDP's reducer holds the process group in a reference cycle: free it
        gc.collect()   # now, not during interpreter exit, where gloo's threads abort
    finally:
        dist.destroy_process_group()


def test_two_gloo_ranks_match_one_process(tmp_path):
    model, inputs = _setup()
    loss = _loss(model, inputs)
    loss.backward()
    mp.spawn(_worker, args=(2, str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    for rank in range(2):
        got = np.load(tmp_path / f'rank{rank}.npz')
        np.testing.assert_allclose(got['loss'], loss.item(), rtol=0, atol=1e-5)
        np.testing.assert_allclose(got['weight'], model.weight.grad.numpy(), rtol=0, atol=1e-5)
        np.testing.assert_allclose(got['bias'], model.bias.grad.numpy(), rtol=0, atol=1e-5)
