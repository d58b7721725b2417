# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Training logs: a CSV of namespaced metrics (and TensorBoard when installed), a plot."""
from __future__ import annotations

import csv
import math
from pathlib import Path

COLUMNS = ('step', 'epoch', 'time_s', 'lr',
           'train/loss', 'train/pred_loss', 'train/sigreg', 'train/persistence_loss',
           'train/consistency', 'train/latent_std', 'train/effective_rank',
           'val/loss', 'val/pred_loss', 'val/persistence_loss', 'val/sigreg',
           'val/latent_std', 'val/effective_rank')


class MetricLog:
    """Append rows to DIR/log.csv; on resume keep only rows up to the resumed step."""

    def __init__(self, directory: str | Path, resume_step: int = 0) -> None:
        self.path = Path(directory) / 'log.csv'
        rows = []
        if resume_step > 0 and self.path.is_file():
            with open(self.path, newline='') as f:
                rows = [r for r in csv.DictReader(f) if int(r['step']) <= resume_step]
        with open(self.path, 'w', newline='') as f:
            writer = csv.DictWriter(f, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        self.tensorboard = None
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.tensorboard = SummaryWriter(str(Path(directory) / 'tensorboard'),
                                             purge_step=resume_step or None)
        except ImportError:  # tensorboard is optional; the CSV always exists
            pass

    def write(self, row: dict) -> None:
        unknown = set(row) - set(COLUMNS)
        if unknown:
            raise KeyError(f'metrics {sorted(unknown)} are not log columns {COLUMNS}')
        with open(self.path, 'a', newline='') as f:
            csv.DictWriter(f, COLUMNS).writerow(row)
        if self.tensorboard is not None:
            for key, value in row.items():
                if '/' in key or key == 'lr':
                    self.tensorboard.add_scalar(key, value, row['step'])

    def read(self) -> list[dict]:
        with open(self.path, newline='') as f:
            return list(csv.DictReader(f))

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()


def plot_curves(log: MetricLog, path: str | Path) -> None:
    """Loss curves (train/val prediction loss vs persistence, SIGReg, collapse monitors)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = log.read()

    def series(key: str) -> tuple[list[float], list[float]]:
        pts = [(float(r['step']), float(r[key])) for r in rows if r.get(key)]
        pts = [(s, v) for s, v in pts if math.isfinite(v)]
        return [p[0] for p in pts], [p[1] for p in pts]

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for key, style in (('train/pred_loss', '-'), ('val/pred_loss', 'o-'),
                       ('val/persistence_loss', 's--')):
        axes[0].plot(*series(key), style, label=key, markersize=3)
    axes[0].set_yscale('log')
    axes[0].set_title('prediction MSE (persistence = predict z_t)')
    for key in ('train/sigreg', 'val/sigreg'):
        axes[1].plot(*series(key), label=key)
    axes[1].set_yscale('log')
    axes[1].set_title('SIGReg (N(0, I) scores ~1)')
    for key in ('train/latent_std', 'train/effective_rank', 'val/effective_rank'):
        axes[2].plot(*series(key), label=key)
    axes[2].set_yscale('log')
    axes[2].set_title('collapse monitors')
    for ax in axes:
        ax.set_xlabel('step')
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
