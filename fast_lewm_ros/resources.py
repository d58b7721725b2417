# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Find the package's shared files (config/, checkpoints/, launch/) wherever it runs.

The same code runs from a source checkout (`pip install -e .`), from a colcon
install (files under share/fast_lewm_ros) and from a pip wheel (data_files under
<prefix>/share/fast_lewm_ros). We look in that order of specificity.
"""
from __future__ import annotations

import os
from pathlib import Path
import sys

PACKAGE = 'fast_lewm_ros'
DEFAULT_CHECKPOINT = 'checkpoints/default.safetensors'


def _candidates() -> list[Path]:
    roots = []
    if os.environ.get('FAST_LEWM_SHARE'):
        roots.append(Path(os.environ['FAST_LEWM_SHARE']))
    # Source checkout: the repository root is the package's parent.
    roots.append(Path(__file__).resolve().parent.parent)
    try:  # colcon / ROS install
        from ament_index_python.packages import get_package_share_directory
        roots.append(Path(get_package_share_directory(PACKAGE)))
    except Exception:  # noqa: BLE001 - ament_index missing or package not indexed
        pass
    roots.append(Path(sys.prefix) / 'share' / PACKAGE)
    return roots


def share_path(*parts: str) -> Path:
    """Return the absolute path of a shared file, e.g. config/planner.yaml.

    Raises FileNotFoundError listing every place that was searched.
    """
    tried = []
    for root in _candidates():
        path = root.joinpath(*parts)
        if path.exists():
            return path
        tried.append(str(path))
    raise FileNotFoundError(f'{"/".join(parts)} not found; looked in: {tried}')


def default_checkpoint() -> Path:
    """Return the shipped default model (a Two-Room Fast-LeWM CPU preset)."""
    return share_path(*DEFAULT_CHECKPOINT.split('/'))
