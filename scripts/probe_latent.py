# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Does a Two-Room checkpoint's latent encode the agent's position?

Usage: scripts/with_env.sh python scripts/probe_latent.py CKPT [FILE.h5]
Encodes the first 30 episodes (3030 frames) of a held-out file, fits a linear
probe from latent to agent position on the first 2000 frames and reports held-out
R^2, then the mean per-dimension latent correlation between frames `lag` primitive
steps apart within an episode. A latent in which distance means distance to the
goal should probe well and decorrelate slowly.
"""
import sys

import h5py
import numpy as np
import torch

from fast_lewm_ros.model import WorldModel


def main() -> None:
    torch.set_num_threads(1)
    model = WorldModel.load(sys.argv[1]).eval()
    path = sys.argv[2] if len(sys.argv) > 2 else 'data/tworoom_val.h5'
    with h5py.File(path, 'r') as f:
        pixels = torch.from_numpy(f['pixels'][:3030])  # 30 episodes x 101 frames
        position = f['proprio'][:3030]
    with torch.inference_mode():
        z = torch.cat([model.encode(pixels[i:i + 256])
                       for i in range(0, len(pixels), 256)]).numpy()  # (3030, D)
    features = np.c_[z, np.ones(len(z))]
    weights, *_ = np.linalg.lstsq(features[:2000], position[:2000], rcond=None)
    held_out = position[2000:]
    residual = ((features[2000:] @ weights - held_out) ** 2).sum(0)
    r2 = 1 - residual / ((held_out - held_out.mean(0)) ** 2).sum(0)
    print('linear probe R2 (x, y):', r2.round(3))
    zc = (z - z.mean(0)) / (z.std(0) + 1e-8)
    for lag in [1, 5, 10, 25]:
        corr = np.mean([np.mean(zc[s:s + 101 - lag] * zc[s + lag:s + 101], axis=0).mean()
                        for s in range(0, 3030, 101)])
        print(f'lag {lag}: mean latent corr {corr:.3f}')


if __name__ == '__main__':
    main()
