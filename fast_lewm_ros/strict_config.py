# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Frozen dataclass configs with strict YAML loading.

Every config in the project is a frozen dataclass. YAML files and command-line
overrides set fields by name; an unknown key is an error that names the key, the
file and the fields that exist, because a silently ignored typo in a training or
planning config wastes hours.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
import typing
from typing import Any, Mapping, Type, TypeVar

import yaml

C = TypeVar('C')


class ConfigError(ValueError):
    """A config file or override that does not fit its dataclass."""


def _coerce(value: Any, field_type: Any, key: str, source: str) -> Any:
    """Turn YAML values into the field's type (lists -> tuples, ints -> floats)."""
    origin = typing.get_origin(field_type)
    if origin is typing.Union:  # Optional[X]
        args = [a for a in typing.get_args(field_type) if a is not type(None)]
        return None if value is None else _coerce(value, args[0], key, source)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f'{source}: key {key!r} expects a list, got {value!r}')
        args = typing.get_args(field_type)
        item_type = args[0] if args else Any
        return tuple(_coerce(v, item_type, key, source) for v in value)
    if field_type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if field_type is float and isinstance(value, str):
        # YAML 1.1 (PyYAML) reads `1e-3` (no dot) as a string, not a float.
        try:
            return float(value)
        except ValueError:
            pass
    if field_type in (int, float, str, bool) and not isinstance(value, field_type):
        raise ConfigError(
            f'{source}: key {key!r} expects {field_type.__name__}, got {value!r}')
    return value


def from_dict(cls: Type[C], values: Mapping[str, Any], source: str = '<dict>',
              base: C | None = None) -> C:
    """Build `cls` from `values`, starting from `base` (or the defaults).

    Raises ConfigError naming the unknown key and the source.
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(
            f'{source}: unknown key(s) {unknown} for {cls.__name__}; '
            f'known keys: {names}')
    coerced = {k: _coerce(v, hints[k], k, source) for k, v in values.items()}
    if base is None:
        return cls(**coerced)
    return dataclasses.replace(base, **coerced)


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping, with errors that name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f'config file not found: {path}')
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f'{path}: not valid YAML: {err}') from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f'{path}: expected a mapping at the top level, got '
                          f'{type(data).__name__}')
    return data


def from_yaml(cls: Type[C], path: str | Path, base: C | None = None) -> C:
    """Build `cls` from a YAML file (see `from_dict`)."""
    return from_dict(cls, load_yaml(path), source=str(path), base=base)


def to_dict(config: Any) -> dict:
    """Plain-dict form of a config (tuples become lists, for YAML/JSON)."""
    def plain(v: Any) -> Any:
        return list(plain(x) for x in v) if isinstance(v, tuple) else v
    return {k: plain(v) for k, v in dataclasses.asdict(config).items()}


def to_yaml(config: Any, path: str | Path) -> None:
    """Write a config as YAML that `from_yaml` reads back."""
    Path(path).write_text(yaml.safe_dump(to_dict(config), sort_keys=False))


def parse_overrides(pairs: list[str]) -> dict:
    """Parse `key=value` strings (values in YAML syntax) into a dict."""
    out = {}
    for pair in pairs:
        key, sep, raw = pair.partition('=')
        if not sep or not key:
            raise ConfigError(f'override {pair!r} is not of the form key=value')
        out[key.strip()] = yaml.safe_load(raw)
    return out
