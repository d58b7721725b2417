# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Does a Two-Room checkpoint's latent encode the agent's position?

Usage: scripts/with_env.sh python scripts/probe_latent.py CKPT [FILE.h5]
Encodes the first 30 episodes (3030 frames) of a held-out file, fits a linear
probe from latent to agent position on the first 2000 frames and reports held-out
R^2, then the mean per-dimension latent correlation between frames `lag` primitive
steps apart within an episode, then the median squared latent distance to a goal
(the frame 25 steps ahead, as in evaluation) binned by the true distance to it, for
frames 0..49 steps after each start. A latent in which distance means distance to
the goal should probe well, decorrelate slowly and grow with true distance over the
range goals lie at (~0.5 m in Two-Room). For Reacher the "position" is the joint
angles and distances are in radians (shoulder difference wrapped to [-pi, pi)).
"""
import sys

import h5py
import numpy as np
import torch

from fast_lewm_ros.envs.base import wrap_angle
from fast_lewm_ros.evaluation.ranking import spearman
from fast_lewm_ros.model import WorldModel


def main() -> None:
    torch.set_num_threads(1)
    model = WorldModel.load(sys.argv[1]).eval()
    path = sys.argv[2] if len(sys.argv) > 2 else 'data/tworoom_val.h5'
    with h5py.File(path, 'r') as f:
        angular = 'Reacher' in str(f.attrs['env_id'])
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
    latent_gap, true_gap = [], []
    for start in [e * 101 + t for e in range(30) for t in range(0, 70, 7)]:
        goal = start + 25
        for k in range(min(50, 101 - start % 101)):
            latent_gap.append(((z[start + k] - z[goal]) ** 2).sum())
            gap = position[start + k] - position[goal]
            if angular:
                gap = wrap_angle(gap)
            true_gap.append(np.linalg.norm(gap))
    latent_gap, true_gap = np.array(latent_gap), np.array(true_gap)
    edges = [0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 6.0]
    print(f'true distance to goal ({"rad" if angular else "m"}) -> median squared latent '
          f'distance; Spearman {spearman(latent_gap, true_gap):.3f}')
    for lo, hi in zip(edges[:-1], edges[1:]):
        chosen = (true_gap >= lo) & (true_gap < hi)
        if chosen.any():
            print(f'  [{lo:.2f}, {hi:.2f}): {np.median(latent_gap[chosen]):7.2f}  '
                  f'(n = {chosen.sum()})')


if __name__ == '__main__':
    main()
