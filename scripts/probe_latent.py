# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Probe whether a checkpoint's latent encodes the task state and distance to the goal.

Usage: scripts/with_env.sh python scripts/probe_latent.py CKPT [FILE.h5]
Encodes the first 30 episodes of a held-out file (30 x 101 = 3030 frames for the
100-step tasks), fits a linear probe from latent to the task's position on the
first 2000 of 3030 frames (the same share otherwise) and reports held-out R^2, then the mean
per-dimension latent correlation between frames `lag` primitive steps apart
within an episode, then the median squared latent distance to a goal (the frame
25 steps ahead, as in evaluation) binned by the true distance to it, for frames
0..49 steps after each start. A latent in which distance means distance to the
goal should probe well, decorrelate slowly and grow with true distance over the
range goals lie at (~0.5 m in Two-Room).

Position and distance per task: Two-Room the agent (x, y), metres; Reacher the
joint angles, radians (shoulder difference wrapped to [-pi, pi)); Push-T the
pusher and block (x, y) and the task's goal distance (largest gap over its
tolerance: success below 1); Cube the cube (x, y, z) and its gap in metres.
"""
import sys

import h5py
import numpy as np
import torch

from fast_lewm_ros.envs import make
from fast_lewm_ros.envs.base import wrap_angle
from fast_lewm_ros.evaluation.ranking import spearman
from fast_lewm_ros.model import WorldModel

EPISODES = 30
EDGES = {'PushT': [0, 0.5, 1, 2, 4, 8, 16, 64]}  # goal-distance units; others: m or rad
DEFAULT_EDGES = [0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 6.0]


def main() -> None:
    torch.set_num_threads(1)
    model = WorldModel.load(sys.argv[1]).eval()
    path = sys.argv[2] if len(sys.argv) > 2 else 'data/tworoom_val.h5'
    with h5py.File(path, 'r') as f:
        env_id = str(f.attrs['env_id'])
        task = env_id.split('/')[-1].replace('-v0', '')
        length = int(f['episode_length'][0])  # rows per episode (all equal in collections)
        frames = EPISODES * length
        pixels = torch.from_numpy(f['pixels'][:frames])
        state = f['state'][:frames]
        position = {'PushT': state[:, :4], 'Cube': state[:, 6:9]}.get(
            task, f['proprio'][:frames])
    with torch.inference_mode():
        z = torch.cat([model.encode(pixels[i:i + 256])
                       for i in range(0, len(pixels), 256)]).numpy()  # (frames, D)
    split = frames * 200 // 303  # 2000 of 3030 frames for the 100-step tasks
    features = np.c_[z, np.ones(len(z))]
    weights, *_ = np.linalg.lstsq(features[:split], position[:split], rcond=None)
    held_out = position[split:]
    residual = ((features[split:] @ weights - held_out) ** 2).sum(0)
    r2 = 1 - residual / ((held_out - held_out.mean(0)) ** 2).sum(0)
    print('linear probe R2 per position coordinate:', r2.round(3))
    zc = (z - z.mean(0)) / (z.std(0) + 1e-8)
    for lag in [1, 5, 10, 25]:
        corr = np.mean([np.mean(zc[s:s + length - lag] * zc[s + lag:s + length], axis=0).mean()
                        for s in range(0, frames, length)])
        print(f'lag {lag}: mean latent corr {corr:.3f}')
    env = make(env_id, render_mode=None).unwrapped

    def distance(a: int, b: int) -> float:
        if task == 'TwoRoom':
            return float(np.linalg.norm(position[a] - position[b]))
        if task == 'Reacher':
            return float(np.linalg.norm(wrap_angle(position[a] - position[b])))
        return env.goal_distance(state[a], state[b])

    latent_gap, true_gap = [], []
    for start in [e * length + t for e in range(EPISODES) for t in range(0, length - 31, 7)]:
        goal = start + 25
        for k in range(min(50, length - start % length)):
            latent_gap.append(((z[start + k] - z[goal]) ** 2).sum())
            true_gap.append(distance(start + k, goal))
    latent_gap, true_gap = np.array(latent_gap), np.array(true_gap)
    unit = {'TwoRoom': 'm', 'Reacher': 'rad', 'Cube': 'm'}.get(task, 'goal-distance units')
    print(f'true distance to goal ({unit}) -> median squared latent '
          f'distance; Spearman {spearman(latent_gap, true_gap):.3f}')
    edges = EDGES.get(task, DEFAULT_EDGES)
    for lo, hi in zip(edges[:-1], edges[1:]):
        chosen = (true_gap >= lo) & (true_gap < hi)
        if chosen.any():
            print(f'  [{lo:.2f}, {hi:.2f}): {np.median(latent_gap[chosen]):7.2f}  '
                  f'(n = {chosen.sum()})')


if __name__ == '__main__':
    main()
