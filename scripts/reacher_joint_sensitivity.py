# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""How strongly a Reacher checkpoint's latent sees each joint.

Usage: scripts/with_env.sh python scripts/reacher_joint_sensitivity.py CKPT [CKPT ...]

For 20 random goal poses (fixed seed) it renders the goal and the same pose with
one joint turned by 0.05, 0.2 and 1.0 rad, encodes them, and prints the median
squared latent distance (the planner's cost) per joint and offset. The planner can
only steer a joint whose offsets cost clearly more than the model's prediction
error (Reacher's shipped model: about 0.5 on the true route). It also prints the
largest eigenvalues of the latent covariance over 1000 random poses: how many
directions the latent really uses.
"""
import sys

import numpy as np
import torch

from fast_lewm_ros.envs import make
from fast_lewm_ros.model import WorldModel

OFFSETS = (0.05, 0.2, 1.0)  # rad
WRIST_RANGE = 2.5           # rad, inside the MJCF's +-2.79 limit


def encoder(model, env):
    def encode(poses: np.ndarray) -> torch.Tensor:
        images = []
        for shoulder, wrist in poses:
            env.set_state(np.array([shoulder, wrist, 0.0, 0.0]))
            images.append(env.render())
        pixels = torch.from_numpy(np.stack(images))  # (N, H, W, 3) uint8
        with torch.inference_mode():
            return torch.cat([model.encode(pixels[i:i + 250])
                              for i in range(0, len(pixels), 250)])  # (N, D)
    return encode


def sensitivity(path: str) -> None:
    model = WorldModel.load(path).eval()
    env = make('reacher').unwrapped
    env.reset(seed=0)
    encode = encoder(model, env)
    rng = np.random.default_rng(0)
    costs = []  # per goal: [shoulder, wrist] x offsets
    for _ in range(20):
        goal = np.array([rng.uniform(-np.pi, np.pi), rng.uniform(-WRIST_RANGE, WRIST_RANGE)])
        poses = [goal] + [goal + np.eye(2)[j] * d for d in OFFSETS for j in (0, 1)]
        z = encode(np.array(poses))
        costs.append((z[1:] - z[0]).pow(2).sum(-1).numpy())
    median = np.median(np.array(costs), axis=0).reshape(len(OFFSETS), 2)
    poses = np.stack([rng.uniform(-np.pi, np.pi, 1000),
                      rng.uniform(-WRIST_RANGE, WRIST_RANGE, 1000)], axis=1)
    eigen = torch.linalg.eigvalsh(torch.cov(encode(poses).T)).flip(0)[:10].numpy()
    print(path)
    print('  offset (rad)   shoulder cost   wrist cost   shoulder / wrist')
    for d, (shoulder, wrist) in zip(OFFSETS, median):
        print(f'  {d:12.2f}   {shoulder:13.4f}   {wrist:10.4f}   {shoulder / wrist:16.1f}')
    print('  latent covariance eigenvalues:', ' '.join(f'{e:.3g}' for e in eigen))


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2])
    torch.set_num_threads(1)
    for path in sys.argv[1:]:
        sensitivity(path)


if __name__ == '__main__':
    main()
