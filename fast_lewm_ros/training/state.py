# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Resume state without pickle: model + optimizer tensors as safetensors, the rest JSON.

DIR/resume/ holds model.safetensors (a normal checkpoint), optimizer.safetensors
(AdamW moments, RNG states; param groups and scalars in its metadata) and
state.json (the step), written last so a crash mid-write leaves the previous
state.json pointing at a step whose files may be newer: both tensor files carry
their step in metadata and a mismatch is refused.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from fast_lewm_ros.model import CheckpointError, WorldModel
from fast_lewm_ros.model.checkpoint import read_safetensors, write_safetensors


def save_resume(directory: str | Path, model: WorldModel, optimizer: torch.optim.Optimizer,
                step: int, training: dict) -> Path:
    """Write DIR/resume/ for `step`; returns the folder."""
    folder = Path(directory) / 'resume'
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / 'model.safetensors', training={**training, 'step': step})
    opt = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, entry in opt['state'].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f'state.{index}.{key}'] = value
            else:
                scalars[f'{index}.{key}'] = value
    tensors['rng.torch'] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors['rng.cuda'] = torch.cuda.get_rng_state()
    write_safetensors(tensors, folder / 'optimizer.safetensors', {
        'param_groups': json.dumps(opt['param_groups']), 'scalars': json.dumps(scalars),
        'step': str(step)})
    tmp = folder / 'state.json.tmp'
    tmp.write_text(json.dumps({'step': step}))
    os.replace(tmp, folder / 'state.json')
    return folder


def load_resume(directory: str | Path, model: WorldModel,
                optimizer: torch.optim.Optimizer) -> int:
    """Restore model, optimizer and RNG state from DIR/resume/; return the step."""
    folder = Path(directory) / 'resume'
    state_file = folder / 'state.json'
    if not state_file.is_file():
        raise FileNotFoundError(f'--resume: no resume state in {folder} (state.json missing)')
    step = int(json.loads(state_file.read_text())['step'])
    saved = WorldModel.load(folder / 'model.safetensors')
    if saved.config != model.config:
        raise CheckpointError(f'{folder / "model.safetensors"}: model config differs from the '
                              f'one being trained: saved {saved.config}, now {model.config}')
    if int(saved.training_info.get('step', -1)) != step:
        raise CheckpointError(f'{folder}: model.safetensors is from step '
                              f'{saved.training_info.get("step")}, state.json says {step}')
    model.load_state_dict(saved.state_dict())
    tensors, meta = read_safetensors(folder / 'optimizer.safetensors')
    if int(meta.get('step', -1)) != step:
        raise CheckpointError(f'{folder / "optimizer.safetensors"} is from step '
                              f'{meta.get("step")}, state.json says {step}')
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith('state.'):
            _, index, key = name.split('.', 2)
            state.setdefault(int(index), {})[key] = value
    for name, value in json.loads(meta['scalars']).items():
        index, key = name.split('.', 1)
        state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({'state': state, 'param_groups': json.loads(meta['param_groups'])})
    torch.set_rng_state(tensors['rng.torch'])
    if 'rng.cuda' in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors['rng.cuda'])
    return step
