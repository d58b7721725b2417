# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""One-file safetensors checkpoints: weights + config + normalisation + training info.

A checkpoint is a single `.safetensors` file. Its string metadata carries the
ModelConfig (JSON), the action/proprio normalisation statistics (JSON, also stored
as tensors) and free-form training info. Loading parses the header ourselves
before handing the file to safetensors, so a missing, truncated, foreign or
mismatched file fails with an error naming the file and the problem, and nothing
is ever unpickled.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
import struct
from typing import Any

import torch

from fast_lewm_ros.config import ConfigError, from_dict, to_dict

FORMAT = 'fast_lewm_ros.world_model'
FORMAT_VERSION = 1
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded; the message names the file."""


def write_safetensors(tensors: dict[str, torch.Tensor], path: str | Path,
                      metadata: dict[str, str]) -> None:
    """Write tensors atomically (temporary file + rename)."""
    from safetensors.torch import save_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp),
              metadata=metadata)
    os.replace(tmp, path)


def read_header(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a safetensors file's framing; return (tensor entries, metadata)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f'checkpoint not found: {path}')
    size = path.stat().st_size
    with open(path, 'rb') as f:
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(f'{path}: not a safetensors file (only {size} bytes)')
        (header_len,) = struct.unpack('<Q', head)
        if header_len > min(_MAX_HEADER, size - 8):
            raise CheckpointError(
                f'{path}: not a safetensors file (header length {header_len} does not fit a '
                f'{size}-byte file; a pickle or .pt file is refused, it could run code)')
        raw = f.read(header_len)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f'{path}: not a safetensors file (header is not JSON: {err})')
    if not isinstance(header, dict):
        raise CheckpointError(f'{path}: not a safetensors file (header is not a mapping)')
    metadata = header.pop('__metadata__', None) or {}
    data_len = size - 8 - header_len
    for name, entry in header.items():
        offsets = entry.get('data_offsets') if isinstance(entry, dict) else None
        if not offsets or len(offsets) != 2:
            raise CheckpointError(f'{path}: malformed safetensors entry {name!r}')
        if offsets[1] > data_len:
            raise CheckpointError(f'{path}: truncated (tensor {name!r} ends at byte '
                                  f'{offsets[1]}, the data section holds {data_len})')
    return header, metadata


def read_safetensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Validate and return (tensors on CPU, metadata)."""
    from safetensors.torch import load_file
    _, metadata = read_header(path)
    try:
        tensors = load_file(str(path), device='cpu')
    except Exception as err:  # noqa: BLE001 - safetensors raises its own error types
        raise CheckpointError(f'{path}: unreadable safetensors file: {err}') from err
    return tensors, metadata


def save_world_model(model: torch.nn.Module, path: str | Path,
                     training: dict | None = None) -> None:
    """Write `model` (a WorldModel) to one safetensors file."""
    metadata = {
        'format': FORMAT,
        'format_version': str(FORMAT_VERSION),
        'config': json.dumps(to_dict(model.config)),
        'normalization': json.dumps(model.normalization()),
        'training': json.dumps(training if training is not None else model.training_info),
    }
    write_safetensors(model.state_dict(), path, metadata)


def load_world_model(cls: type, path: str | Path, map_location: Any = 'cpu') -> Any:
    """Rebuild a `cls` (WorldModel) from a checkpoint, in eval mode, on map_location."""
    from fast_lewm_ros.model.config import ModelConfig
    path = Path(path)
    tensors, metadata = read_safetensors(path)
    if metadata.get('format') != FORMAT:
        raise CheckpointError(f'{path}: not a fast_lewm_ros world-model checkpoint '
                              f'(metadata format {metadata.get("format")!r}, '
                              f'expected {FORMAT!r})')
    if int(metadata.get('format_version', -1)) > FORMAT_VERSION:
        raise CheckpointError(f'{path}: format_version {metadata["format_version"]} is newer '
                              f'than this code reads ({FORMAT_VERSION})')
    try:
        config = from_dict(ModelConfig, json.loads(metadata['config']),
                           source=f'{path} (config metadata)')
        training = json.loads(metadata.get('training', '{}'))
    except (KeyError, json.JSONDecodeError, ConfigError) as err:
        raise CheckpointError(f'{path}: bad model config in metadata: {err}') from err
    model = cls(config)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as err:
        detail = ' '.join(str(err).split())  # torch's message spans several lines
        raise CheckpointError(f'{path}: weights do not match the config in its metadata: '
                              f'{detail}') from err
    model.training_info = training
    return model.to(map_location).eval()
