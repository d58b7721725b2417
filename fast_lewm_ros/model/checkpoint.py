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
import math
import os
from pathlib import Path
import struct
from typing import Any

import torch

from fast_lewm_ros.strict_config import ConfigError, from_dict, to_dict

FORMAT = 'fast_lewm_ros.world_model'
FORMAT_VERSION = 1
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header
_ITEMSIZE = {'F64': 8, 'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8, 'I32': 4, 'I16': 2,
             'I8': 1, 'U8': 1, 'BOOL': 1}
# Inclusive ranges of ModelConfig's integer fields in a checkpoint. The sizes are
# checked against the stored tensor shapes anyway; these bounds keep a crafted
# file from making even the shape check slow (a billion layers) and bound the
# buffers that are not stored (position tables of horizon + 1 rows).
_INT_RANGE = {'proprio_dim': (0, 1 << 20), 'encoder_depth': (0, 1024),
              'predictor_depth': (0, 1024), 'prefix_depth': (0, 1024),
              'horizon': (1, 4096), 'history': (1, 4096), 'action_block': (1, 4096)}
_DEFAULT_RANGE = (1, 1 << 20)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded; the message names the file and the field."""


def _short(text: Any, limit: int = 80) -> str:
    """Bound what a crafted file can put into an error message."""
    text = str(text)
    return text if len(text) <= limit else f'{text[:limit]}... ({len(text)} characters)'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


def read_header(path: str | Path) -> tuple[dict[str, tuple], dict[str, str]]:
    """Validate a safetensors file's framing without reading its data.

    Returns ({tensor name: (dtype, shape)}, metadata); every entry's extent is
    checked against its dtype, shape and the file size, so the tensors a later
    read allocates are never larger than the file.
    """
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
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f'{path}: not a safetensors file (header is not JSON: '
                              f'{_short(err)})') from None
    if not isinstance(header, dict):
        raise CheckpointError(f'{path}: not a safetensors file (header is not a mapping)')
    metadata = header.pop('__metadata__', None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise CheckpointError(f'{path}: field __metadata__ must map strings to strings')
    return _tensor_table(path, header, size - 8 - header_len), metadata


def _tensor_table(path: Path, header: dict[str, Any], data_len: int) -> dict[str, tuple]:
    """Check every entry's dtype, shape and extent; return {name: (dtype, shape)}."""
    table = {}
    for name, entry in header.items():
        entry = entry if isinstance(entry, dict) else {}
        offsets, shape, dtype = entry.get('data_offsets'), entry.get('shape'), entry.get('dtype')
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_int(o) and o >= 0 for o in offsets) or offsets[0] > offsets[1]
                or not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape)
                or dtype not in _ITEMSIZE):
            raise CheckpointError(f'{path}: malformed safetensors entry {_short(name)!r}')
        if offsets[1] > data_len:
            raise CheckpointError(f'{path}: truncated (tensor {_short(name)!r} ends at byte '
                                  f'{offsets[1]}, the data section holds {data_len})')
        if math.prod(shape) * _ITEMSIZE[dtype] != offsets[1] - offsets[0]:
            raise CheckpointError(f'{path}: tensor {_short(name)!r} of shape {shape} {dtype} '
                                  f'does not fit its {offsets[1] - offsets[0]} bytes')
        table[name] = (dtype, tuple(shape))
    return table


def read_safetensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Validate and return (tensors on CPU, metadata)."""
    from safetensors.torch import load_file
    _, metadata = read_header(path)
    try:
        tensors = load_file(str(path), device='cpu')
    except Exception as err:  # noqa: BLE001 - safetensors raises its own error types
        raise CheckpointError(f'{path}: unreadable safetensors file: {_short(err, 300)}') from err
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
    """Rebuild a `cls` (WorldModel) from a checkpoint, in eval mode, on map_location.

    Order matters: the metadata is checked (types, ranges), then the sizes it
    implies are compared with the stored tensor shapes on the meta device (no
    memory), then the tensors are read and checked for finite values; only then
    is a model allocated. Every failure is one CheckpointError naming the file.
    """
    path = Path(path)
    table, metadata = read_header(path)
    config, training = _parse_metadata(path, metadata)
    _check_shapes(cls, config, table, path)
    tensors, _ = read_safetensors(path)
    _check_values(tensors, path)
    model = cls(config)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as err:
        detail = ' '.join(str(err).split())  # torch's message spans several lines
        raise CheckpointError(f'{path}: weights do not match the config in its metadata: '
                              f'{_short(detail, 300)}') from err
    model.training_info = training
    return model.to(map_location).eval()


def _json_field(path: Path, metadata: dict[str, str], key: str, default: str | None = None):
    """Parse metadata[key] as a JSON object, or raise naming the field."""
    if key not in metadata and default is None:
        raise CheckpointError(f'{path}: metadata field {key!r} is missing')
    try:
        value = json.loads(metadata.get(key, default))
    except (json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f'{path}: metadata field {key!r} is not JSON: '
                              f'{_short(err)}') from None
    if not isinstance(value, dict):
        raise CheckpointError(f'{path}: metadata field {key!r} must be a JSON object, got '
                              f'{type(value).__name__}')
    return value


def _parse_metadata(path: Path, metadata: dict[str, str]) -> tuple[Any, dict]:
    """Return (ModelConfig, training info) from checked metadata."""
    from fast_lewm_ros.model.model_config import ModelConfig
    if metadata.get('format') != FORMAT:
        raise CheckpointError(f'{path}: not a fast_lewm_ros world-model checkpoint '
                              f'(metadata format {_short(metadata.get("format"))!r}, '
                              f'expected {FORMAT!r})')
    version = metadata.get('format_version', '')
    if not version.isdigit() or len(version) > 6:
        raise CheckpointError(f'{path}: metadata field format_version must be an integer, '
                              f'got {_short(version)!r}')
    if int(version) > FORMAT_VERSION:
        raise CheckpointError(f'{path}: format_version {version} is newer than this code '
                              f'reads ({FORMAT_VERSION})')
    values = _json_field(path, metadata, 'config')
    training = _json_field(path, metadata, 'training', '{}')
    _check_config_values(path, values, ModelConfig)
    try:
        config = from_dict(ModelConfig, values, source=f'{path} (config metadata)')
    except (ConfigError, TypeError, ValueError, ZeroDivisionError) as err:
        raise CheckpointError(f'{path}: bad model config in metadata: {_short(err, 300)}'
                              ) from None
    return config, training


def _check_config_values(path: Path, values: dict, config_cls: type) -> None:
    """Check each config value's type and range before anything is built from it."""
    import dataclasses
    for field in dataclasses.fields(config_cls):
        if field.name not in values:
            continue
        value, kind = values[field.name], type(field.default)
        where = f'{path}: config field {field.name}'
        if kind is int:
            low, high = _INT_RANGE.get(field.name, _DEFAULT_RANGE)
            if not _is_int(value) or not low <= value <= high:
                raise CheckpointError(f'{where} must be an integer in [{low}, {high}], '
                                      f'got {_short(repr(value))}')
        elif kind is float:
            if (not isinstance(value, (int, float)) or isinstance(value, bool)
                    or not 0.0 <= value <= 1.0):  # the one float field is a dropout rate
                raise CheckpointError(f'{where} must be a number in [0, 1], '
                                      f'got {_short(repr(value))}')
        elif not isinstance(value, kind):
            raise CheckpointError(f'{where} must be a {kind.__name__}, '
                                  f'got {_short(repr(value))}')


def _check_shapes(cls: type, config: Any, table: dict[str, tuple], path: Path) -> None:
    """Compare the tensors the config needs with the stored ones, on the meta device."""
    try:
        with torch.device('meta'):  # shapes only: nothing is allocated
            needed = {k: tuple(v.shape) for k, v in cls(config).state_dict().items()}
    except Exception as err:  # noqa: BLE001 - a config the model cannot be built from
        raise CheckpointError(f'{path}: the config in its metadata does not build a model: '
                              f'{type(err).__name__}: {_short(err, 300)}') from None
    prefix = f'{path}: weights do not match the config in its metadata:'
    for name in sorted(needed):
        if name not in table:
            raise CheckpointError(f'{prefix} tensor {name!r} is missing')
        if table[name][1] != needed[name]:
            raise CheckpointError(f'{prefix} tensor {name!r} has shape {table[name][1]}, the '
                                  f'config needs {needed[name]}')
    extra = sorted(set(table) - set(needed))
    if extra:
        raise CheckpointError(f'{prefix} unexpected tensor {_short(extra[0])!r} '
                              f'({len(extra)} unexpected in all)')


def _check_values(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse non-finite weights and statistics, and standard deviations <= 0."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).sum())
            raise CheckpointError(f'{path}: tensor {name!r} holds {bad} non-finite '
                                  f'(NaN/inf) values')
        if name.endswith('_std') and name.count('.') == 0 and bool((tensor <= 0).any()):
            raise CheckpointError(f'{path}: tensor {name!r} must be positive (it divides '
                                  f'actions when normalising), got {tensor.tolist()[:8]}')
